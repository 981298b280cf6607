"""Views inside one cohort. The access layer has loaded ``g.cohort`` and ``g.membership``."""

from datetime import timedelta

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for

from ..access import ANY_MEMBER, get_in_cohort_or_404, requires
from ..extensions import db
from ..forms import ConfirmForm
from ..markdown import TooIntricate, render_markdown
from ..models import Invitation, Membership, NotificationKind, Role, utcnow
from ..notifications import events
from ..notifications import ops as notification_ops
from ..policy import Permission
from ..posts import queries as post_queries
from ..security import is_safe_next
from ..uploads import photos
from ..web import commit_or_explain
from . import letters, ops, profiles, queries
from .forms import CohortSettingsForm, InvitationLinkForm, InviteByEmailForm, RoleForm

bp = Blueprint("cohorts", __name__)


@bp.get("/")
@requires(Permission.TAKE_PART)
def home():
    """The cohort's front page: pinned announcements, challenges waiting for advice, and the latest stories;
    for facilitators, what needs them first."""
    return render_template(
        "cohorts/home.html",
        pinned=post_queries.pinned_announcements(g.membership),
        unanswered=post_queries.unanswered_challenges(g.membership),
        stories=post_queries.latest_stories(g.membership),
        attention=queries.needs_attention(g.membership, utcnow()),
        new=post_queries.news([g.membership])[0],
    )


@bp.route("/charter", methods=["GET", "POST"])
@requires(ANY_MEMBER, before_charter=True)
def charter():
    """Read the charter; a member accepts it once before seeing anything else."""
    form = ConfirmForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        commit_or_explain(lambda: ops.accept_charter(g.membership), "Welcome. Thank you for accepting the charter.")
        return redirect(next_url if is_safe_next(next_url) else url_for(".home"))
    notification_ops.mark_seen(
        g.membership.user_id, kind=NotificationKind.MENTION, detail=events.CHARTER, cohort_id=g.cohort.id
    )
    page = render_template("cohorts/charter.html", form=form, next_url=next_url)
    db.session.commit()
    return page


@bp.get("/members")
@requires(Permission.SEE_MEMBERS)
def members():
    """The member directory, with each member's local time now."""
    notification_ops.mark_seen(g.membership.user_id, kind=NotificationKind.MEMBER_JOINED, cohort_id=g.cohort.id)
    page = render_template("cohorts/members.html", people=queries.directory(g.membership, utcnow()))
    db.session.commit()
    return page


@bp.get("/members/<int:user_id>")
@requires(Permission.SEE_MEMBERS)
def profile(user_id: int):
    """One member's profile in this cohort: who they are, and what they have shared here."""
    found = profiles.load_profile(g.membership, user_id, utcnow())
    if found is None:
        abort(404)
    return render_template("cohorts/profile.html", profile=found)


@bp.get("/members/<int:user_id>/photo/<token>-<size>.jpg")
@requires(Permission.SEE_MEMBERS)
def member_photo(user_id: int, token: str, size: str):
    """A member's photo, for those who may see their profile; an old photo's address no longer answers."""
    found = profiles.find_member(g.membership, user_id)
    if found is None or found[1].photo_token != token:
        abort(404)
    return photos.photo_response(token, size)


@bp.get("/members/mentions")
@requires(Permission.SEE_MEMBERS)
def mention_suggestions():
    """Members to mention, for the suggestions under a text box: ``?q=sa`` → ``[{"handle", "name"}]``."""
    return jsonify(queries.mention_suggestions(g.membership, request.args.get("q", "")))


@bp.post("/preview")
@requires(ANY_MEMBER)
def preview():
    """What a text box's Markdown will look like once saved: ``text`` → ``{"html"}``, rendered by the
    same renderer and sanitiser as the saved text, mentions of this cohort's members included."""
    try:
        rendered = render_markdown(request.form.get("text", ""), g.cohort.id)
    except TooIntricate as refusal:
        return jsonify({"error": str(refusal)}), 422
    return jsonify({"html": rendered})


@bp.post("/members/<int:membership_id>/role")
@requires(Permission.MANAGE)
def change_role(membership_id: int):
    membership = get_in_cohort_or_404(Membership, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = Role(form.role.data)
    commit_or_explain(
        lambda: ops.change_role(g.membership, membership, role), f"{membership.user.name} is now a {role.value}."
    )
    return redirect(url_for(".members"))


@bp.post("/members/<int:membership_id>/remove")
@requires(Permission.MANAGE)
def remove_member(membership_id: int):
    membership = get_in_cohort_or_404(Membership, membership_id)
    message = f"{membership.user.name} is no longer a member of {g.cohort.name}."
    removed = commit_or_explain(lambda: ops.remove_membership(g.membership, membership), message).ok
    if removed and membership_id == g.membership.id:
        return redirect(url_for("home.dashboard"))
    return redirect(url_for(".members"))


@bp.route("/leave", methods=["GET", "POST"])
@requires(ANY_MEMBER, before_charter=True)
def leave():
    """A member leaves the cohort, after confirming."""
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = commit_or_explain(
            lambda: ops.remove_membership(g.membership, g.membership), f"You have left {g.cohort.name}."
        )
        if outcome.ok:
            return redirect(url_for("home.dashboard"))
        return redirect(url_for(".members"))
    return render_template("cohorts/leave.html", form=form)


# --- invitations -------------------------------------------------------------------------------


def _render_invitations(email_form=None, link_form=None, status=200):
    return (
        render_template(
            "cohorts/invitations.html",
            invitations=ops.pending_invitations(g.cohort),
            invitation_url=letters.invitation_url,
            email_form=email_form or InviteByEmailForm(formdata=None),
            link_form=link_form or InvitationLinkForm(formdata=None),
        ),
        status,
    )


@bp.get("/invitations")
@requires(Permission.MANAGE)
def invitations():
    """Pending invitations, and forms to invite by email or by link."""
    return _render_invitations()


@bp.post("/invitations/email")
@requires(Permission.MANAGE)
def invite_by_email():
    form = InviteByEmailForm()
    if not form.validate_on_submit():
        return _render_invitations(email_form=form, status=422)
    count = len(form.addresses)
    commit_or_explain(
        lambda: ops.invite_by_email(g.membership, form.addresses, role=Role(form.role.data)),
        f"Sent {count} invitation{'s' if count != 1 else ''}.",
    )
    return redirect(url_for(".invitations"))


@bp.post("/invitations/link")
@requires(Permission.MANAGE)
def create_invitation_link():
    form = InvitationLinkForm()
    if not form.validate_on_submit():
        return _render_invitations(link_form=form, status=422)
    commit_or_explain(
        lambda: ops.create_invitation_link(
            g.membership,
            expires_at=utcnow() + timedelta(days=form.expires_in_days.data),
            max_uses=form.max_uses.data,
        ),
        "Link created. Copy it from the list below and share it.",
    )
    return redirect(url_for(".invitations"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@requires(Permission.MANAGE)
def revoke_invitation(invitation_id: int):
    invitation = get_in_cohort_or_404(Invitation, invitation_id)
    commit_or_explain(
        lambda: ops.revoke_invitation(g.membership, invitation), "Invitation withdrawn: its link no longer works."
    )
    return redirect(url_for(".invitations"))


# --- settings ----------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@requires(Permission.MANAGE)
def settings():
    """Facilitators keep the cohort's name, description, charter and time zone."""
    form = CohortSettingsForm(obj=g.cohort)
    if form.validate_on_submit():
        outcome = commit_or_explain(
            lambda: ops.save_settings(
                g.membership,
                name=form.name.data,
                description=form.description.data,
                timezone=form.timezone.data,
                charter=form.charter.data,
            ),
            "Cohort settings saved.",
        )
        if outcome.ok:
            return redirect(url_for(".settings"))
        return render_template("cohorts/settings.html", form=form), 422
    return render_template("cohorts/settings.html", form=form), 422 if form.errors else 200
