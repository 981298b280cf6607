"""The account's two-factor sign-in page: setting it up with a QR code, recovery codes, turning it off;
and, when ``COHORT_REQUIRE_2FA_FOR`` requires it, keeping those it requires on that page until it is on."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import policy
from ..forms import ConfirmForm
from ..web import commit_or_explain
from . import codes, limits, ops, two_factor
from .forms import FirstCodeForm, RecoveryCodesForm, TurnOffTwoFactorForm
from .views import bp

# What someone required to turn it on may still open: this page and its forms, signing out, and what
# is no page (files, the health check).
_OPEN_WHILE_REQUIRED = {
    "auth.two_factor",
    "auth.start_two_factor",
    "auth.confirm_two_factor",
    "auth.logout",
    "static",
    "home.healthz",
    "home.favicon",
}


@bp.before_app_request
def _confine_until_enrolled():
    """With two-factor sign-in required of a group, a signed-in member of it without it on is sent to
    set it up from every other page (and every form sent elsewhere does nothing)."""
    required_for = current_app.config["COHORT_REQUIRE_2FA_FOR"]
    if not required_for or request.endpoint in _OPEN_WHILE_REQUIRED or not current_user.is_authenticated:
        return None
    if two_factor.required_of(current_user, required_for):
        return redirect(url_for("auth.two_factor"))
    return None


def _page(*, first_form=None, codes_form=None, off_form=None, status: int = 200):
    standing = two_factor.standing(current_user)
    setup = None
    if standing.pending_secret:
        uri = codes.provisioning_uri(standing.pending_secret, current_user.email)
        setup = {"qr": codes.qr_svg(uri), "secret": codes.spaced(standing.pending_secret)}
    return render_template(
        "auth/two_factor.html",
        standing=standing,
        required=policy.two_factor_required(standing.groups, current_app.config["COHORT_REQUIRE_2FA_FOR"]),
        setup=setup,
        start_form=ConfirmForm(formdata=None),
        first_form=first_form or FirstCodeForm(formdata=None),
        codes_form=codes_form or RecoveryCodesForm(formdata=None, prefix="codes"),
        off_form=off_form or TurnOffTwoFactorForm(formdata=None, prefix="off"),
    ), status


@bp.get("/account/two-factor", endpoint="two_factor")
@login_required
def two_factor_page():
    """Two-factor sign-in for the signed-in account: how to set it up, or how it stands."""
    return _page()


@bp.post("/account/two-factor/start")
@login_required
def start_two_factor():
    """A new secret to set up (or set up again), shown on the page as a QR code and as text."""
    if ConfirmForm().validate_on_submit():
        commit_or_explain(lambda: two_factor.begin(current_user))
    return redirect(url_for("auth.two_factor", _anchor="set-up"))


@bp.post("/account/two-factor/confirm")
@login_required
def confirm_two_factor():
    """The password and the first code from the app turn two-factor sign-in on; the recovery codes are
    shown this once. Limited as a password is."""
    form = FirstCodeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        attempt = limits.Attempt(user.email)
        outcome = commit_or_explain(
            lambda: two_factor.confirm(user, form.password.data, form.code.data, user.sign_in_token),
            flash_refusal=False,
        )
        if outcome.ok:
            attempt.succeeded()
            flash("Two-factor sign-in is on. Other devices have been signed out.", "success")
            return _recovery_codes(outcome.value)
        field = form.password if isinstance(outcome.refusal, ops.WrongPassword) else form.code
        field.errors.append(outcome.message)
    return _page(first_form=form, status=422)


@bp.post("/account/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    """Ten new recovery codes in place of the old ones, given a code; limited as a password is."""
    form = RecoveryCodesForm(prefix="codes")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        attempt = limits.Attempt(user.email)
        outcome = commit_or_explain(
            lambda: two_factor.regenerate_recovery_codes(user, form.code.data), flash_refusal=False
        )
        if outcome.ok:
            attempt.succeeded()
            flash("You have ten new recovery codes. The old ones no longer work.", "success")
            return _recovery_codes(outcome.value)
        form.code.errors.append(outcome.message)
    return _page(codes_form=form, status=422)


@bp.post("/account/two-factor/off")
@login_required
def turn_off_two_factor():
    """Turn two-factor sign-in off, given the password and a code; limited as a password is."""
    form = TurnOffTwoFactorForm(prefix="off")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        attempt = limits.Attempt(user.email)
        outcome = commit_or_explain(
            lambda: two_factor.turn_off(user, form.password.data, form.code.data),
            "Two-factor sign-in is off: signing in asks for your password alone.",
            flash_refusal=False,
        )
        if outcome.ok:
            attempt.succeeded()
            return redirect(url_for("auth.two_factor"))
        field = form.password if isinstance(outcome.refusal, ops.WrongPassword) else form.code
        field.errors.append(outcome.message)
    return _page(off_form=form, status=422)


def _recovery_codes(fresh: list[str]):
    """The recovery codes, shown once: the answer to the form that made them, never a page to come back to."""
    return render_template("auth/recovery_codes.html", recovery_codes=fresh)
