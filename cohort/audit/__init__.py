"""The audit log of facilitators' and admins' actions: written by the operations, read by
facilitators for their cohort and by admins for the site."""

from .ops import forget_user, record
from .views import bp

__all__ = ["bp", "forget_user", "record"]
