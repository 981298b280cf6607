"""Site admins create cohorts and name their facilitators."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import require_admin
from ..audit.queries import entries_page, older_than
from ..auth import ops as account_ops
from ..cohorts import ops
from ..extensions import db
from ..forms import ConfirmForm
from ..markdown import TooIntricate
from ..models import Cohort, User
from ..web import commit_or_explain
from .forms import AddFacilitatorForm, NewCohortForm
from .queries import OUTBOX_PAGE_SIZE, PEOPLE_PAGE_SIZE, all_cohorts, outbox_page, people_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render_cohorts(form, facilitator_form, failed_cohort_id=None, status=200):
    rows, facilitators = all_cohorts()
    return (
        render_template(
            "admin/cohorts.html",
            form=form,
            rows=rows,
            facilitators=facilitators,
            facilitator_form=facilitator_form,
            failed_cohort_id=failed_cohort_id,
        ),
        status,
    )


@bp.route("/cohorts", methods=["GET", "POST"])
@require_admin
def cohorts():
    """Every cohort on the site, and the form to create one."""
    form = NewCohortForm()
    if form.validate_on_submit():
        outcome = commit_or_explain(
            lambda: ops.admin_create_cohort(
                current_user,
                form.slug.data,
                form.name.data,
                facilitator_email=form.facilitator_email.data,
                description=form.description.data,
                charter=form.charter.data,
                timezone=form.timezone.data,
            ),
            flash_refusal=False,
        )
        if outcome.ok:
            cohort, done = outcome.value
            return _created(f"Created {cohort.name}. {done}")
        field = form.charter if isinstance(outcome.refusal, TooIntricate) else form.slug
        field.errors.append(outcome.message)
    return _render_cohorts(form, AddFacilitatorForm(formdata=None), status=422 if form.errors else 200)


def _created(message: str):
    flash(message, "success")
    return redirect(url_for("admin.cohorts"))


@bp.post("/cohorts/<int:cohort_id>/facilitators")
@require_admin
def add_facilitator(cohort_id: int):
    """Name another facilitator for an existing cohort."""
    cohort = db.get_or_404(Cohort, cohort_id)
    facilitator_form = AddFacilitatorForm()
    if not facilitator_form.validate_on_submit():
        return _render_cohorts(NewCohortForm(formdata=None), facilitator_form, cohort.id, status=422)
    outcome = commit_or_explain(lambda: ops.name_facilitator(current_user, cohort, facilitator_form.email.data))
    if outcome.ok:
        return _created(outcome.value)
    return redirect(url_for("admin.cohorts"))


@bp.get("/outbox")
@require_admin
def outbox():
    """Every message the site sent or will send, as envelopes: kind, cohort, time, status, tries, error."""
    before = request.args.get("before", type=int)
    rows = outbox_page(before)
    older = rows[-1][0].id if len(rows) == OUTBOX_PAGE_SIZE else None
    return render_template("admin/outbox.html", rows=rows, older=older, newest=before is None)


@bp.get("/audit")
@require_admin
def audit():
    """The audit log of the whole site, newest first: every cohort's and the site-wide actions."""
    before = request.args.get("before", type=int)
    rows = entries_page(None, before)
    return render_template("admin/audit.html", rows=rows, older=older_than(rows), newest=before is None, site=True)


MAX_SEARCH = 200


@bp.get("/people")
@require_admin
def people():
    """Every account by name, or those matching a search, with their cohorts, to suspend or reinstate."""
    search = request.args.get("q", "").strip()[:MAX_SEARCH]
    rows = people_page(search)
    return render_template(
        "admin/people.html", rows=rows, search=search, form=ConfirmForm(), full=len(rows) == PEOPLE_PAGE_SIZE
    )


def _back_to_people():
    return redirect(url_for("admin.people", q=request.form.get("q") or None))


@bp.post("/people/<int:user_id>/suspend")
@require_admin
def suspend(user_id: int):
    """Suspend an account: out of every cohort, signed out everywhere, no sign-in until reinstated."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: account_ops.suspend_account(current_user, user),
            f"{user.name} is suspended: signed out everywhere and no longer in any cohort.",
        )
    return _back_to_people()


@bp.post("/people/<int:user_id>/sign-out")
@require_admin
def end_sign_ins(user_id: int):
    """Sign an account out of every browser; it can sign in again."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: account_ops.end_sign_ins_of(current_user, user),
            f"{user.name} is signed out everywhere, and can sign in again.",
        )
    return _back_to_people()


@bp.post("/people/sign-out")
@require_admin
def end_everyones_sign_ins():
    """Sign everyone out of every browser but this one."""
    if ConfirmForm().validate_on_submit():
        outcome = commit_or_explain(
            lambda: account_ops.end_everyones_sign_ins(current_user, current_user.sign_in_token)
        )
        if outcome.ok:
            flash(f"Everyone else is signed out everywhere ({outcome.value} sign-ins ended).", "success")
    return _back_to_people()


@bp.post("/people/<int:user_id>/reinstate")
@require_admin
def reinstate(user_id: int):
    """Let a suspended account sign in again."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: account_ops.reinstate_account(current_user, user),
            f"{user.name} can sign in again; their cohorts can invite them back.",
        )
    return _back_to_people()
