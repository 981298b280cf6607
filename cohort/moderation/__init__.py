"""Flags raised by members, and the facilitators' hide / restore / dismiss."""

from .views import bp

__all__ = ["bp"]
