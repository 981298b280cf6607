"""The request layer over the policy: the cohort from the slug, the membership, and 404.

Every route under ``/c/<slug>/`` hangs off ``cohort_bp``. Before any of its views runs, the cohort
is loaded from the slug together with the current user's membership; without a membership the
answer is 404, exactly as for a cohort that does not exist, so nothing leaks. Each cohort view
declares what it needs with ``@requires(permission)``, checked here and nowhere else (and at start:
a cohort view that declares nothing stops the app). Views load cohort content only through the
loaders below, which ask ``policy`` and answer 404 when the member may not see the object.
"""

from functools import wraps

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import aliased

from . import drafts, policy
from .extensions import db, login_manager
from .models import AgendaItem, Attachment, Cohort, Flag, Meeting, Membership, Post, Reply
from .policy import Permission

cohort_bp = Blueprint("cohort", __name__, url_prefix="/c/<slug>")

ANY_MEMBER = None  # a view any membership may open, whatever its role


def requires(permission: Permission | None, *, before_charter: bool = False):
    """Declare what a cohort view needs: a permission of the policy, or ``ANY_MEMBER``.

    ``before_charter`` marks a view reachable before the member has accepted the charter."""

    def decorator(view):
        view.required_permission = permission
        view.before_charter = before_charter
        return view

    return decorator


@cohort_bp.url_value_preprocessor
def _pull_slug(endpoint, values):
    g.cohort_slug = values.pop("slug", None)


@cohort_bp.url_defaults
def _add_slug(endpoint, values):
    if g.get("cohort") is not None:
        # The slug this request found the cohort by (a slug never changes): after a commit, reading
        # the cohort's own would load its row again for every link.
        values.setdefault("slug", g.cohort_slug)


@cohort_bp.before_request
def _load_cohort_and_membership():
    view = current_app.view_functions.get(request.endpoint)
    if not current_user.is_authenticated:
        return drafts.sign_in_again(view) or login_manager.unauthorized()
    # Who else is in the cohort comes along (as "3,17,42"), for the names that link to profiles.
    others = aliased(Membership)
    members = (
        select(func.aggregate_strings(cast(others.user_id, String), ","))
        .where(policy.members_of_condition(Cohort.id, others))
        .correlate(Cohort)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(Cohort, Membership, members)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Cohort.slug == g.cohort_slug, Membership.user_id == current_user.id)
    ).first()
    if row is None:
        abort(404)
    g.cohort, g.membership, member_ids = row
    shown = policy.can_see_members(g.membership) and member_ids
    g.profile_urls = dict.fromkeys(map(int, member_ids.split(",")) if shown else ())
    if g.membership.charter_accepted_at is None and not view.before_charter:
        # Only a page can be come back to: a form sent before accepting is not replayed.
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("cohort.cohorts.charter", next=next_url))
    if view.required_permission is not None and not policy.has(g.membership, view.required_permission):
        abort(403)
    # Facilitators see how many flags wait for them on every page.
    g.open_flags = (
        db.session.execute(select(func.count(Flag.id)).where(policy.open_flags_condition(g.membership))).scalar_one()
        if policy.can_review_flags(g.membership)
        else 0
    )
    return None


def check_declarations(app: Flask) -> None:
    """Refuse to start if a cohort view does not declare what it needs: a forgotten gate is a leak."""
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("cohort.") and not hasattr(view, "required_permission"):
            raise RuntimeError(f"cohort view {endpoint} must declare @requires(permission or ANY_MEMBER)")


def require_admin(view):
    """Gate a site-wide view to site admins; anonymous visitors are sent to sign in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _one_or_404(statement):
    # unique(): a collection loaded in the same statement (joinedload) repeats the row.
    found = db.session.execute(statement).unique().scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def get_in_cohort_or_404(model, object_id: int):
    """One of the current cohort's own records (a membership, invitation, flag or value), or 404."""
    return _one_or_404(select(model).where(model.cohort_id == g.cohort.id, model.id == object_id))


def get_post_or_404(post_id: int, *load_options) -> Post:
    """A post this member may open (a hidden one shows as a placeholder), or 404.

    ``load_options`` (e.g. ``selectinload(Post.tags)``) load related rows in the same step."""
    return _one_or_404(
        select(Post).where(Post.id == post_id, policy.openable_posts_condition(g.membership)).options(*load_options)
    )


def get_reply_or_404(post: Post, reply_id: int) -> Reply:
    """A reply this member can read, reached only through its post, so it inherits the post's protection."""
    if not policy.can_see_post(g.membership, post):
        abort(404)
    return _one_or_404(
        select(Reply).where(
            Reply.id == reply_id, Reply.post_id == post.id, policy.visible_replies_condition(g.membership)
        )
    )


def get_attachment_or_404(post: Post, token: str) -> tuple[Attachment, Reply | None]:
    """A file on this post or one of its replies (and that reply), if this member may see what
    carries it, or 404."""
    found = db.session.execute(
        select(Attachment, Reply)
        .outerjoin(Reply, Reply.id == Attachment.reply_id)
        .where(Attachment.token == token, Attachment.post_id == post.id)
    ).one_or_none()
    if found is None or not policy.can_see_attachment(g.membership, found.Attachment, post=post, reply=found.Reply):
        abort(404)
    return found.Attachment, found.Reply


def get_meeting_or_404(meeting_id: int, *load_options) -> Meeting:
    return _one_or_404(
        select(Meeting)
        .where(Meeting.id == meeting_id, policy.visible_meetings_condition(g.membership))
        .options(*load_options)
    )


def get_meeting_attachment_or_404(meeting: Meeting, token: str) -> Attachment:
    """A file published with this session's notes, if this member may see the session, or 404."""
    found = db.session.execute(
        select(Attachment).where(Attachment.token == token, Attachment.meeting_id == meeting.id)
    ).scalar_one_or_none()
    if found is None or not policy.can_see_attachment(g.membership, found, meeting=meeting):
        abort(404)
    return found


def get_agenda_item_or_404(meeting: Meeting, item_id: int) -> AgendaItem:
    """An agenda item of this session that this member may see, or 404."""
    return _one_or_404(
        select(AgendaItem).where(
            AgendaItem.id == item_id,
            AgendaItem.meeting_id == meeting.id,
            policy.visible_agenda_items_condition(g.membership),
        )
    )


def profile_url(user_id: int | None) -> str | None:
    """Where a name on this cohort's pages leads: the profile of a current member whom this viewer
    may look up, or None (a former member, someone never in the cohort, a name the policy withholds)."""
    urls = g.get("profile_urls")
    if urls is None or user_id not in urls:
        return None
    if urls[user_id] is None:
        urls[user_id] = url_for("cohort.cohorts.profile", user_id=user_id)
    return urls[user_id]
