"""Typed models, one module per aggregate."""

from .cohort import Cohort, Membership, Role
from .invitation import Invitation
from .types import UTCDateTime, utcnow
from .user import User, normalise_email

__all__ = ["Cohort", "Invitation", "Membership", "Role", "User", "UTCDateTime", "normalise_email", "utcnow"]
