"""Signing in and out, password resets, joining by invitation, and the account page."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import drafts
from ..cohorts import ops as cohort_ops
from ..extensions import db, limiter, login_manager
from ..forms import ConfirmForm
from ..models import Invitation, User
from ..models.user import new_token
from ..policy import Refused
from ..security import is_safe_next
from ..tokens import (
    TokenExpired,
    TokenInvalid,
    read_email_confirmation_token,
    read_invitation_token,
    read_password_reset_token,
)
from . import ops
from .forms import ChangePasswordForm, ForgotPasswordForm, JoinForm, LoginForm, NewPasswordForm, ProfileForm

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(login_token: str) -> User | None:
    return db.session.execute(select(User).where(User.login_token == login_token)).scalar_one_or_none()


def _login_limit() -> str:
    return current_app.config["COHORT_LOGIN_LIMIT"]


def _after_login(next_url: str | None):
    return redirect(next_url if is_safe_next(next_url) else url_for("home.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 401)
def login():
    """Sign in with email and password. Only failed attempts count towards the rate limit."""
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return _after_login(request.args.get("next"))
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = cohort_ops.find_user(form.email.data)
        if user is not None and user.check_password(form.password.data):
            if not user.email_confirmed:
                ops.send_confirmation(user)
                db.session.commit()
                form.email.errors.append("Please confirm your address first: we have just emailed you a link to do so.")
                return render_template("auth/login.html", form=form), 403
            login_user(user, remember=form.remember.data)
            return _after_login(form.next.data)
        form.password.errors.append("That email and password do not match. Check both and try again.")
        return render_template("auth/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign out (POST); a GET asks first, so a link elsewhere cannot sign anyone out."""
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        drafts.forget()  # the next person on this browser must not find it
        flash("You have signed out.", "info")
        return redirect(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ops.send_password_reset(form.email.data)
        db.session.commit()
        flash(
            "If an account uses that address, we have sent it a link to choose a new password.",
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a signed, expiring, single-use link."""
    try:
        user = read_password_reset_token(token, lambda user_id: db.session.get(User, user_id))
    except TokenExpired:
        return _link_problem("This link has expired. Ask for a new one below.", 410)
    except TokenInvalid:
        return _link_problem("This link is not valid, or it has already been used. Ask for a new one below.", 404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.confirm_email()  # the link reached this address
        db.session.commit()
        login_user(user)
        flash("Your password has been changed and you are signed in.", "success")
        return redirect(url_for("home.dashboard"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, user=user), status


def _link_problem(message: str, status: int):
    return render_template("auth/link_problem.html", message=message), status


# --- invitations -------------------------------------------------------------------------------


def _load_invitation(token: str) -> tuple[Invitation | None, str | None, int]:
    """The invitation a link names, or why it cannot be used and the status to answer with."""
    try:
        invitation_id, key = read_invitation_token(token)
    except TokenInvalid:
        return None, "This invitation link is not valid. Check that you copied all of it.", 404
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.key != key:
        return None, "This invitation link is not valid. Check that you copied all of it.", 404
    problem = invitation.problem()
    if problem:
        return invitation, problem, 410
    return invitation, None, 200


def _redeem(invitation: Invitation, user: User):
    """Join through the invitation and commit; the problem page if it can no longer be used.

    A unique-constraint race (IntegrityError) is rolled back and passed on to the caller."""
    try:
        cohort_ops.redeem_invitation(invitation, user)
        db.session.commit()
    except Refused as error:
        db.session.rollback()
        return render_template("auth/invitation_problem.html", message=str(error)), 410
    except IntegrityError:
        db.session.rollback()
        raise
    return None


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    """The link mailed after signing up with a shareable link: it proves the address."""
    try:
        user = read_email_confirmation_token(token, lambda user_id: db.session.get(User, user_id))
    except TokenExpired:
        return _link_problem("This link has expired. Sign in to get a new one.", 410)
    except TokenInvalid:
        return _link_problem("This link is not valid. Check that you copied all of it.", 404)
    user.confirm_email()
    db.session.commit()
    login_user(user)
    flash("Thank you: your address is confirmed.", "success")
    return redirect(url_for("home.dashboard"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Join a cohort: a signed-in person joins at once; a new person first creates an account."""
    invitation, problem, status = _load_invitation(token)
    if problem:
        return render_template("auth/invitation_problem.html", message=problem), status
    if current_user.is_authenticated:
        return _join_as_current_user(invitation)

    form = JoinForm(email=invitation.email, timezone=invitation.cohort.timezone)
    if invitation.email:
        # An emailed invitation proves the address: the account takes that address.
        form.email.data = invitation.email
    if form.validate_on_submit():
        person = ops.NewPerson(
            email=form.email.data,
            name=form.name.data,
            organisation=form.organisation.data,
            job_title=form.job_title.data,
            timezone=form.timezone.data,
            password=form.password.data,
        )
        try:
            user = ops.join_as_new_person(invitation, person)
            db.session.commit()
        except ops.AccountExists as exists:
            db.session.rollback()
            form.email.errors.append(str(exists))
        except Refused as problem:
            db.session.rollback()
            return render_template("auth/invitation_problem.html", message=str(problem)), 410
        except IntegrityError:  # the same address signed up a moment ago
            db.session.rollback()
            form.email.errors.append(ops.ACCOUNT_EXISTS)
        else:
            if not user.email_confirmed:
                return render_template("auth/confirm_sent.html", email=user.email, cohort=invitation.cohort)
            login_user(user)
            return redirect(url_for("cohort.cohorts.charter", slug=invitation.cohort.slug))
    status = 422 if form.errors else 200
    return render_template("auth/join.html", form=form, invitation=invitation, token=token), status


def _join_as_current_user(invitation: Invitation):
    if invitation.email and invitation.email != current_user.email:
        message = (
            "This invitation was sent to another email address than the one you are signed in with. "
            "Sign out and open it again, or ask the facilitator to invite this address."
        )
        return render_template("auth/invitation_problem.html", message=message), 403
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            problem = _redeem(invitation, current_user)
        except IntegrityError:
            problem = None  # a double click: the first request already joined
        if problem:
            return problem
        flash(f"You have joined {invitation.cohort.name}.", "success")
        return redirect(url_for("cohort.cohorts.home", slug=invitation.cohort.slug))
    return render_template("auth/join_signed_in.html", form=form, invitation=invitation)


# --- account -----------------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Name, organisation, title, bio and time zone; the password has its own form."""
    profile_form = ProfileForm(obj=current_user)
    if profile_form.validate_on_submit():
        profile_form.populate_obj(current_user)
        db.session.commit()
        flash("Your details have been saved.", "success")
        return redirect(url_for("auth.account"))
    status = 422 if profile_form.errors else 200
    return render_template(
        "auth/account.html", profile_form=profile_form, password_form=ChangePasswordForm(formdata=None)
    ), status


@bp.post("/account/calendar")
@login_required
def new_calendar_link():
    """Replace the private calendar link; the old one stops working at once."""
    current_user.calendar_token = new_token()
    db.session.commit()
    flash("Your calendar link is new. Subscribe again with it; the old link no longer works.", "success")
    return redirect(url_for("auth.account", _anchor="calendar"))


@bp.post("/account/password")
@login_required
def change_password():
    password_form = ChangePasswordForm()
    if password_form.validate_on_submit():
        if current_user.check_password(password_form.current_password.data):
            current_user.set_password(password_form.password.data)
            db.session.commit()
            # The new login token has signed out every other device; keep this one signed in.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
        password_form.current_password.errors.append("That is not your current password.")
    return render_template(
        "auth/account.html", profile_form=ProfileForm(obj=current_user, formdata=None), password_form=password_form
    ), 422
