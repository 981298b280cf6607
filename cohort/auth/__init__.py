"""Accounts: signing in and out, two-factor sign-in, passwords, joining by invitation, the account page."""

from flask import Flask

from . import personal_data, sign_ins, two_factor, two_factor_views  # noqa: F401 (their routes join the blueprint)
from .views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Sign-ins checked on every request, and the two-factor setting read once every layer is."""
    sign_ins.init_app(app)
    app.config["COHORT_REQUIRE_2FA_FOR"] = two_factor.required_groups(app.config.get("COHORT_REQUIRE_2FA_FOR"))
