"""Accounts: signing in and out, passwords, joining by invitation, the account page."""

from . import personal_data  # noqa: F401 (its routes join the blueprint)
from .sign_ins import init_app
from .views import bp

__all__ = ["bp", "init_app"]
