"""Signing in and out, password resets, joining by invitation, and the account page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from .. import drafts, handles
from ..cohorts import ops as cohort_ops
from ..extensions import db, limiter, login_manager
from ..forms import ConfirmForm
from ..models import Invitation, NotificationKind, User
from ..notifications import queries as notification_queries
from ..notifications.forms import DeliveryForm
from ..security import accepts_uploads, is_safe_next
from ..tokens import (
    TokenExpired,
    TokenInvalid,
    read_email_confirmation_token,
    read_invitation_token,
    read_password_reset_token,
)
from ..uploads import photos
from ..web import Outcome, commit_or_explain
from . import limits, ops, passwords, queries, sign_ins, two_factor
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    HandleForm,
    JoinForm,
    LoginForm,
    NewPasswordForm,
    PhotoForm,
    ProfileForm,
    SignInCodeForm,
)

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def _reset_request_limit() -> str:
    return current_app.config["COHORT_LOGIN_LIMIT"]


def _start(user: User, *, remember: bool = False) -> bool:
    """Sign this browser in to ``user`` under a new sign-in record, in a new session; a sign-in it
    held before ends. False (and the reason flashed) for a suspended account."""
    previous = current_user.sign_in_token if current_user.is_authenticated else None
    outcome = commit_or_explain(lambda: ops.start_sign_in(user, sign_ins.this_device(), replacing=previous))
    if outcome.ok:
        sign_ins.begin(user, outcome.value, remember=remember)
    return outcome.ok


def _ask_for_code(user: User, *, remember: bool, next_url: str | None):
    sign_ins.hold(user, remember=remember, next_url=next_url)
    return redirect(url_for("auth.two_factor_code"))


def _sign_in(user: User, next_url: str | None = None):
    """Sign in someone whose address a link proved (a reset, a confirmation, a new account) and go on
    to ``next_url`` or the dashboard; with two-factor sign-in on, the code page comes first, whatever
    the link. None (the reason flashed) for a suspended account."""
    if two_factor.is_on(user):
        return _ask_for_code(user, remember=False, next_url=next_url)
    return _after_login(next_url) if _start(user) else None


def _after_login(next_url: str | None):
    return redirect(next_url if is_safe_next(next_url) else url_for("home.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password, within the limits on failed attempts (``limits``). An unknown
    address gets the same answer, after the same work, as a wrong password. With two-factor sign-in
    on, a right password leads to the code page, and the failures counted stay until the code is right."""
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return _after_login(request.args.get("next"))
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        attempt = limits.Attempt(form.email.data)
        user = cohort_ops.find_user(form.email.data)
        if passwords.matches(user, form.password.data):
            if not user.email_confirmed:
                attempt.succeeded()
                commit_or_explain(lambda: ops.send_confirmation(user))
                form.email.errors.append("Please confirm your address first: we have just emailed you a link to do so.")
                return render_template("auth/login.html", form=form), 403
            if two_factor.is_on(user):
                attempt.withdraw()
                return _ask_for_code(user, remember=form.remember.data, next_url=form.next.data)
            attempt.succeeded()
            if not _start(user, remember=form.remember.data):
                return render_template("auth/login.html", form=form), 403
            return _after_login(form.next.data)
        form.password.errors.append("That email and password do not match. Check both and try again.")
        return render_template("auth/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
def two_factor_code():
    """The second step of signing in to an account with two-factor sign-in: a code from the app or a
    recovery code, within five minutes of the password and within the same limits as a password."""
    held, expired = sign_ins.halfway()
    user = queries.user_by_id(held.user_id) if held else None
    if user is None:
        if expired:
            flash("Signing in took more than five minutes, so please enter your password again.", "info")
        return redirect(url_for("auth.login"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        attempt = limits.Attempt(user.email)
        outcome = commit_or_explain(lambda: two_factor.use_code(user, form.code.data), flash_refusal=False)
        if outcome.ok:
            attempt.succeeded()
            if not _start(user, remember=held.remember):
                return redirect(url_for("auth.login"))
            return _after_login(held.next_url)
        form.code.errors.append(outcome.message)
        return render_template("auth/two_factor_code.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("auth/two_factor_code.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign out (POST); a GET asks first, so a link elsewhere cannot sign anyone out."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            commit_or_explain(lambda: ops.end_sign_in(current_user.sign_in_token))
        logout_user()
        drafts.forget()  # the next person on this browser must not find it
        flash("You have signed out.", "info")
        response = redirect(url_for("auth.login"))
        # The browser forgets the pages it cached and whatever scripts stored for this site, so the next
        # person on it finds nothing of this account. Not "cookies": the session cookie carries the flash.
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_request_limit, methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        commit_or_explain(lambda: ops.send_password_reset(form.email.data))
        flash("If an account uses that address, we have sent it a link to choose a new password.", "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a signed, expiring, single-use link."""
    try:
        user = read_password_reset_token(token, queries.user_by_id)
    except TokenExpired:
        return _link_problem("This link has expired. Ask for a new one below.", 410)
    except TokenInvalid:
        return _link_problem("This link is not valid, or it has already been used. Ask for a new one below.", 404)
    form = NewPasswordForm()
    form.account = user  # whose name and address the new password must leave out
    if form.validate_on_submit():
        # The link proves the address, not the phone: with two-factor sign-in on, a code is still asked.
        done = (
            "Your password has been changed. Enter a code from your authenticator app to sign in."
            if two_factor.is_on(user)
            else "Your password has been changed and you are signed in."
        )
        outcome = commit_or_explain(lambda: ops.reset_password(user, form.password.data), done, flash_refusal=False)
        if outcome.ok:
            return _sign_in(user) or redirect(url_for("home.dashboard"))
        form.password.errors.append(outcome.message)
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
    invitation = queries.invitation_by_id(invitation_id)
    if invitation is None or invitation.key != key:
        return None, "This invitation link is not valid. Check that you copied all of it.", 404
    problem = invitation.problem()
    if problem:
        return invitation, problem, 410
    return invitation, None, 200


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link mailed after signing up with a shareable link: it proves the address. Opening it
    only asks; the button confirms and signs in, so a mail scanner that follows links spends nothing."""
    try:
        user = read_email_confirmation_token(token, queries.user_by_id)
    except TokenExpired:
        return _link_problem("This link has expired. Sign in to get a new one.", 410)
    except TokenInvalid:
        return _link_problem(
            "This link is not valid, or it has already been used. Sign in with your email and password.", 404
        )
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/confirm_email.html", form=form, token=token, email=user.email)
    if commit_or_explain(lambda: ops.confirm_email(user), "Thank you: your address is confirmed.").ok:
        return _sign_in(user) or redirect(url_for("home.dashboard"))
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
            outcome = commit_or_explain(lambda: ops.join_as_new_person(invitation, person), flash_refusal=False)
        except IntegrityError:  # the same address signed up a moment ago
            db.session.rollback()
            form.email.errors.append(ops.ACCOUNT_EXISTS)
        else:
            if outcome.ok:
                return _joined_as_new_person(invitation, outcome.value)
            if not isinstance(outcome.refusal, ops.AccountExists):
                return render_template("auth/invitation_problem.html", message=outcome.message), 410
            form.email.errors.append(outcome.message)
    status = 422 if form.errors else 200
    return render_template("auth/join.html", form=form, invitation=invitation, token=token), status


def _joined_as_new_person(invitation: Invitation, user: User):
    """Sign in a new member whose address is proven; otherwise say that a link is on its way."""
    if not user.email_confirmed:
        return render_template("auth/confirm_sent.html", email=user.email, cohort=invitation.cohort)
    charter = url_for("cohort.cohorts.charter", slug=invitation.cohort.slug)
    return _sign_in(user, charter) or redirect(charter)


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
            outcome = commit_or_explain(
                lambda: cohort_ops.redeem_invitation(invitation, current_user), flash_refusal=False
            )
        except IntegrityError:  # a double click: the first request already joined
            db.session.rollback()
            outcome = Outcome(True)
        if not outcome.ok:
            return render_template("auth/invitation_problem.html", message=outcome.message), 410
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
        profile = ops.Profile(
            name=profile_form.name.data,
            organisation=profile_form.organisation.data,
            job_title=profile_form.job_title.data,
            bio=profile_form.bio.data,
            timezone=profile_form.timezone.data,
            country=profile_form.country.data,
        )
        outcome = commit_or_explain(
            lambda: ops.update_profile(current_user, profile), "Your details have been saved.", flash_refusal=False
        )
        if outcome.ok:
            return redirect(url_for("auth.account"))
        profile_form.name.errors.append(outcome.message)
    return _account_page(profile_form=profile_form, status=422 if profile_form.errors else 200)


def _account_page(*, profile_form=None, password_form=None, handle_form=None, photo_form=None, status: int = 200):
    """The account page, with the form that was sent (and its errors) and the others fresh."""
    return render_template(
        "auth/account.html",
        profile_form=profile_form or ProfileForm(obj=current_user, formdata=None),
        photo_form=photo_form or PhotoForm(formdata=None),
        password_form=password_form or ChangePasswordForm(formdata=None),
        handle_form=handle_form or HandleForm(obj=current_user, formdata=None),
        handle_rule=handles.HANDLE_RULE,
        devices=queries.live_sign_ins(current_user, current_user.sign_in_token),
        two_factor=two_factor.standing(current_user),
        **_delivery_choices(),
    ), status


def _delivery_choices() -> dict:
    """The account page's form of how each kind of notification arrives, filled with today's choices."""
    chosen = notification_queries.deliveries(current_user)
    form = DeliveryForm(formdata=None, data={kind.value: delivery.value for kind, delivery in chosen.items()})
    return {
        "delivery_form": form,
        "runs_a_cohort": notification_queries.runs_a_cohort(current_user),
        "facilitator_kinds": {kind.value for kind in NotificationKind if kind.for_facilitators},
    }


@bp.post("/account/handle")
@login_required
def change_handle():
    """A new handle for mentions; the typed handle stays in the form when it cannot be used."""
    handle_form = HandleForm()
    if handle_form.validate_on_submit():
        user = current_user._get_current_object()  # the savepoint needs the account itself, not its proxy
        outcome = commit_or_explain(lambda: ops.change_handle(user, handle_form.handle.data), flash_refusal=False)
        if outcome.ok:
            flash(f"Peers now mention you as @{outcome.value}.", "success")
            return redirect(url_for("auth.account", _anchor="mentions"))
        handle_form.handle.errors.append(outcome.message)
    return _account_page(handle_form=handle_form, status=422)


@bp.post("/account/photo")
@login_required
@accepts_uploads(photos.MAX_PHOTO_BYTES, fields=("photo",))
def change_photo():
    """A new photo for the profile in each cohort; a file that will not do is refused with the reason."""
    photo_form = PhotoForm()
    if photo_form.validate_on_submit():
        user = current_user._get_current_object()
        data = photo_form.photo.data.read(photos.MAX_PHOTO_BYTES + 1)
        outcome = commit_or_explain(
            lambda: ops.set_photo(user, data), "Your photo has been saved.", flash_refusal=False
        )
        if outcome.ok:
            return redirect(url_for("auth.account", _anchor="your-photo"))
        photo_form.photo.errors.append(outcome.message)
    return _account_page(photo_form=photo_form, status=422)


@bp.post("/account/photo/remove")
@login_required
def remove_photo():
    """Back to initials in every cohort."""
    user = current_user._get_current_object()
    commit_or_explain(lambda: ops.remove_photo(user), "Your photo has been removed.")
    return redirect(url_for("auth.account", _anchor="your-photo"))


@bp.get("/account/photo/<token>-<size>.jpg")
@login_required
def own_photo(token: str, size: str):
    """The person's own photo, for their account page."""
    if token != current_user.photo_token:
        abort(404)
    return photos.photo_response(token, size)


@bp.post("/account/calendar")
@login_required
def new_calendar_link():
    """Replace the private calendar link; the old one stops working at once."""
    commit_or_explain(
        lambda: ops.replace_calendar_link(current_user),
        "Your calendar link is new. Subscribe again with it; the old link no longer works.",
    )
    return redirect(url_for("auth.account", _anchor="calendar"))


@bp.post("/account/password")
@login_required
def change_password():
    """A new password, given the current one; every other device is signed out."""
    password_form = ChangePasswordForm()
    if password_form.validate_on_submit():
        user = current_user._get_current_object()
        attempt = limits.Attempt(user.email)
        outcome = commit_or_explain(
            lambda: ops.change_password(
                user, password_form.current_password.data, password_form.password.data, user.sign_in_token
            ),
            "Your password has been changed. Other devices have been signed out.",
            flash_refusal=False,
        )
        if outcome.ok:
            attempt.succeeded()
            return redirect(url_for("auth.account"))
        password_form.current_password.errors.append(outcome.message)
    return _account_page(password_form=password_form, status=422)


@bp.post("/account/devices/<int:sign_in_id>/sign-out")
@login_required
def sign_out_device(sign_in_id: int):
    """Sign out one browser listed on the account page; its cookies stop working at once."""
    commit_or_explain(lambda: ops.end_device(current_user, sign_in_id), "That device has been signed out.")
    return redirect(url_for("auth.account", _anchor="devices"))


@bp.post("/account/devices/sign-out-others")
@login_required
def sign_out_other_devices():
    """Sign out every browser but this one, remember-me cookies included."""
    commit_or_explain(
        lambda: ops.end_other_sign_ins(current_user, current_user.sign_in_token),
        "Every other device has been signed out.",
    )
    return redirect(url_for("auth.account", _anchor="devices"))
