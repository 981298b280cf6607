"""Accounts: signing in and out, passwords, joining by invitation, the account page."""

from .views import bp

__all__ = ["bp"]
