"""Accounts: signing in and out, passwords, joining by invitation, the account page."""

from .sign_ins import init_app
from .views import bp

__all__ = ["bp", "init_app"]
