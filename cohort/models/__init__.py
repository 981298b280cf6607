"""Typed models, one module per aggregate."""

from .cohort import Cohort, Membership, Role
from .invitation import Invitation
from .post import Adoption, ChallengeStatus, MeasuredResult, Post, PostKind, PostRead, PostTag, Reply, Tag, Visibility
from .recognition import CohortValue, Flag, Thanks
from .types import UTCDateTime, utcnow
from .user import User, normalise_email

__all__ = [
    "Adoption",
    "ChallengeStatus",
    "Cohort",
    "CohortValue",
    "Flag",
    "Invitation",
    "MeasuredResult",
    "Membership",
    "Post",
    "PostKind",
    "PostRead",
    "PostTag",
    "Reply",
    "Role",
    "Tag",
    "Thanks",
    "UTCDateTime",
    "User",
    "Visibility",
    "normalise_email",
    "utcnow",
]
