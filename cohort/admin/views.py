"""Site admins create cohorts and name their facilitators."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import require_admin
from ..audit.queries import entries_page, older_than
from ..cohorts import ops
from ..extensions import db
from ..markdown import TooIntricate
from ..models import Cohort
from ..web import commit_or_explain
from .forms import AddFacilitatorForm, NewCohortForm
from .queries import OUTBOX_PAGE_SIZE, all_cohorts, outbox_page

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
