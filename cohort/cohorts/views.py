"""Views inside one cohort. The access layer has loaded ``g.cohort`` and ``g.membership``."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, select

from ..access import charter_exempt, get_in_cohort_or_404, require_role
from ..extensions import db
from ..forms import ConfirmForm
from ..models import Invitation, Membership, Role, User, utcnow
from ..posts import queries
from ..security import is_safe_next
from ..timezones import local_time
from . import ops
from .forms import CohortSettingsForm, InvitationLinkForm, InviteByEmailForm, RoleForm

bp = Blueprint("cohorts", __name__)


def _commit_or_explain(action, success: str) -> bool:
    """Run an operation and commit it, or roll back and tell the person why it cannot be done."""
    try:
        action()
    except ops.CohortError as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


@bp.get("/")
def home():
    """The cohort's front page: challenges waiting for advice, and the latest stories."""
    return render_template(
        "cohorts/home.html",
        unanswered=queries.unanswered_challenges(g.membership),
        stories=queries.latest_stories(g.membership),
    )


@bp.route("/charter", methods=["GET", "POST"])
@charter_exempt
def charter():
    """Read the charter; a member accepts it once before seeing anything else."""
    form = ConfirmForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        ops.accept_charter(g.membership)
        db.session.commit()
        flash("Welcome. Thank you for accepting the charter.", "success")
        return redirect(next_url if is_safe_next(next_url) else url_for(".home"))
    return render_template("cohorts/charter.html", form=form, next_url=next_url)


@bp.get("/members")
def members():
    """The member directory, with each member's local time now."""
    rows = db.session.execute(
        select(Membership, User)
        .join(User, Membership.user_id == User.id)
        .where(Membership.cohort_id == g.cohort.id)
        .order_by(case((Membership.role == Role.FACILITATOR, 0), else_=1), User.name)
    ).all()
    now = utcnow()
    people = [
        {
            "membership": membership,
            "user": user,
            "local_now": local_time(now, user.timezone),
        }
        for membership, user in rows
    ]
    return render_template("cohorts/members.html", people=people)


@bp.post("/members/<int:membership_id>/role")
@require_role(Role.FACILITATOR)
def change_role(membership_id: int):
    membership = get_in_cohort_or_404(Membership, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = Role(form.role.data)
    _commit_or_explain(lambda: ops.change_role(membership, role), f"{membership.user.name} is now a {role.value}.")
    return redirect(url_for(".members"))


@bp.post("/members/<int:membership_id>/remove")
@require_role(Role.FACILITATOR)
def remove_member(membership_id: int):
    membership = get_in_cohort_or_404(Membership, membership_id)
    message = f"{membership.user.name} is no longer a member of {g.cohort.name}."
    _commit_or_explain(lambda: ops.remove_membership(membership), message)
    if membership_id == g.membership.id:
        return redirect(url_for("home.dashboard"))
    return redirect(url_for(".members"))


@bp.route("/leave", methods=["GET", "POST"])
@charter_exempt
def leave():
    """A member leaves the cohort, after confirming."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if _commit_or_explain(lambda: ops.remove_membership(g.membership), f"You have left {g.cohort.name}."):
            return redirect(url_for("home.dashboard"))
        return redirect(url_for(".members"))
    return render_template("cohorts/leave.html", form=form)


# --- invitations -------------------------------------------------------------------------------


def _render_invitations(email_form=None, link_form=None, status=200):
    return (
        render_template(
            "cohorts/invitations.html",
            invitations=ops.pending_invitations(g.cohort),
            invitation_url=ops.invitation_url,
            email_form=email_form or InviteByEmailForm(formdata=None),
            link_form=link_form or InvitationLinkForm(formdata=None),
        ),
        status,
    )


@bp.get("/invitations")
@require_role(Role.FACILITATOR)
def invitations():
    """Pending invitations, and forms to invite by email or by link."""
    return _render_invitations()


@bp.post("/invitations/email")
@require_role(Role.FACILITATOR)
def invite_by_email():
    form = InviteByEmailForm()
    if not form.validate_on_submit():
        return _render_invitations(email_form=form, status=422)
    sent = ops.invite_by_email(
        g.cohort,
        form.addresses,
        current_user,
        role=Role(form.role.data),
        days=current_app.config["COHORT_INVITATION_DAYS"],
    )
    db.session.commit()
    flash(f"Sent {len(sent)} invitation{'s' if len(sent) != 1 else ''}.", "success")
    return redirect(url_for(".invitations"))


@bp.post("/invitations/link")
@require_role(Role.FACILITATOR)
def create_invitation_link():
    form = InvitationLinkForm()
    if not form.validate_on_submit():
        return _render_invitations(link_form=form, status=422)
    ops.create_invitation_link(
        g.cohort,
        current_user,
        expires_at=utcnow() + timedelta(days=form.expires_in_days.data),
        max_uses=form.max_uses.data,
    )
    db.session.commit()
    flash("Link created. Copy it from the list below and share it.", "success")
    return redirect(url_for(".invitations"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@require_role(Role.FACILITATOR)
def revoke_invitation(invitation_id: int):
    invitation = get_in_cohort_or_404(Invitation, invitation_id)
    ops.revoke_invitation(invitation)
    db.session.commit()
    flash("Invitation withdrawn: its link no longer works.", "success")
    return redirect(url_for(".invitations"))


# --- settings ----------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@require_role(Role.FACILITATOR)
def settings():
    """Facilitators keep the cohort's name, description, charter and time zone."""
    form = CohortSettingsForm(obj=g.cohort)
    if form.validate_on_submit():
        g.cohort.name = form.name.data
        g.cohort.description = form.description.data
        g.cohort.timezone = form.timezone.data
        ops.set_charter(g.cohort, form.charter.data)
        db.session.commit()
        flash("Cohort settings saved.", "success")
        return redirect(url_for(".settings"))
    status = 422 if form.errors else 200
    return render_template("cohorts/settings.html", form=form), status
