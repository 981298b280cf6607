"""The access layer: the one place that decides who may see what.

Every route under ``/c/<slug>/`` hangs off ``cohort_bp``. Before any of its views
runs, the cohort is loaded from the slug together with the current user's
membership; without a membership the answer is 404, exactly as for a cohort
that does not exist, so nothing leaks. Views then load cohort content only
through ``cohort_select`` / ``get_in_cohort_or_404``, which add the cohort
filter, and gate facilitator actions with ``require_role``.
"""

from functools import wraps

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from .extensions import db, login_manager
from .models import Cohort, Flag, Membership, Post, Reply, Role, Visibility

cohort_bp = Blueprint("cohort", __name__, url_prefix="/c/<slug>")


@cohort_bp.url_value_preprocessor
def _pull_slug(endpoint, values):
    g.cohort_slug = values.pop("slug", None)


@cohort_bp.url_defaults
def _add_slug(endpoint, values):
    cohort = g.get("cohort")
    if cohort is not None:
        values.setdefault("slug", cohort.slug)


@cohort_bp.before_request
def _load_cohort_and_membership():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    # Facilitators see how many flags wait for them on every page; counted in the same query.
    open_flags = (
        select(func.count(Flag.id))
        .where(Flag.cohort_id == Cohort.id, Flag.resolved_at.is_(None))
        .correlate(Cohort)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(Cohort, Membership, case((Membership.role == Role.FACILITATOR, open_flags), else_=0))
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Cohort.slug == g.cohort_slug, Membership.user_id == current_user.id)
    ).first()
    if row is None:
        abort(404)
    g.cohort, g.membership, g.open_flags = row
    view = current_app.view_functions.get(request.endpoint)
    if g.membership.charter_accepted_at is None and not getattr(view, "charter_exempt", False):
        # Only a page can be come back to: a form sent before accepting is not replayed.
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("cohort.cohorts.charter", next=next_url))
    return None


def charter_exempt(view):
    """Mark a cohort view as reachable before the member has accepted the charter."""
    view.charter_exempt = True
    return view


def require_role(role: Role):
    """Gate a cohort view to members holding ``role``; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.membership.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_admin(view):
    """Gate a site-wide view to site admins."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def cohort_select(model) -> Select:
    """A SELECT of ``model`` limited to the current cohort."""
    return select(model).where(model.cohort_id == g.cohort.id)


def get_in_cohort_or_404(model, object_id: int):
    """Load one object of the current cohort, or answer 404."""
    found = db.session.execute(cohort_select(model).where(model.id == object_id)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


# --- posts and replies -------------------------------------------------------------------------
# A post's visibility is honoured here and nowhere else: every page, count and search that
# shows posts filters with ``listed_posts`` or loads through ``get_post_or_404``.


def _readable(membership: Membership) -> ColumnElement[bool]:
    condition = and_(Post.cohort_id == membership.cohort_id, Post.deleted_at.is_(None))
    if membership.is_facilitator:
        return condition
    return and_(condition, or_(Post.visibility != Visibility.FACILITATORS, Post.author_id == membership.user_id))


def listed_posts(membership: Membership | None = None) -> ColumnElement[bool]:
    """Posts this member may find in lists, counts and search: not deleted, not hidden from them,
    and "facilitators only" posts only for their author and the facilitators."""
    membership = membership or g.membership
    condition = _readable(membership)
    if membership.is_facilitator:
        return condition
    return and_(condition, Post.hidden_at.is_(None))


def get_post_or_404(post_id: int, *load_options) -> Post:
    """A post of the current cohort that this member may open (a hidden one shows as a placeholder).

    ``load_options`` (e.g. ``selectinload(Post.tags)``) load related rows in the same step."""
    post = db.session.execute(
        select(Post).where(Post.id == post_id, _readable(g.membership)).options(*load_options)
    ).scalar_one_or_none()
    if post is None:
        abort(404)
    return post


def get_reply_or_404(post: Post, reply_id: int) -> Reply:
    """A reply, reached only through its post, so it inherits the post's protection."""
    reply = db.session.execute(
        select(Reply).where(Reply.id == reply_id, Reply.post_id == post.id, Reply.deleted_at.is_(None))
    ).scalar_one_or_none()
    if reply is None:
        abort(404)
    return reply


def require_author(item: Post | Reply, *, or_facilitator: bool = False) -> None:
    """Only the author (and, where allowed, a facilitator) may act on ``item``; others get 403."""
    if item.author_id == g.membership.user_id:
        return
    if or_facilitator and g.membership.is_facilitator:
        return
    abort(403)
