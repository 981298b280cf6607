"""Site administration: creating cohorts and naming their facilitators."""

from .views import bp

__all__ = ["bp"]
