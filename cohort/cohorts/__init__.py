"""Cohort pages: home, charter, member directory, invitations, settings."""

from .views import bp

__all__ = ["bp"]
