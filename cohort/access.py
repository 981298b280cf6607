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
from sqlalchemy import Select, select

from .extensions import db, login_manager
from .models import Cohort, Membership, Role

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
    row = db.session.execute(
        select(Cohort, Membership)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Cohort.slug == g.cohort_slug, Membership.user_id == current_user.id)
    ).first()
    if row is None:
        abort(404)
    g.cohort, g.membership = row
    view = current_app.view_functions.get(request.endpoint)
    if g.membership.charter_accepted_at is None and not getattr(view, "charter_exempt", False):
        return redirect(url_for("cohort.cohorts.charter", next=request.full_path.rstrip("?")))
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
