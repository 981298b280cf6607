"""The dashboard and the health check."""

from .views import bp

__all__ = ["bp"]
