"""Thanks that name the cohort's values, and the list of values facilitators keep."""

from .views import bp

__all__ = ["bp"]
