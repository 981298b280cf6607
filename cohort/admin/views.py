"""Site admins create cohorts and name their facilitators."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..access import require_admin
from ..cohorts import ops
from ..extensions import db
from ..models import Cohort, Membership, Role, User
from .forms import AddFacilitatorForm, NewCohortForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _name_facilitator(cohort: Cohort, email: str, admin: User) -> str:
    """Make someone a facilitator at once if they have an account, else invite them; say which."""
    user = ops.find_user(email)
    if user is None or not user.email_confirmed:
        # An account whose address is unproven gets nothing by address: its owner is invited.
        ops.invite_by_email(cohort, [email], admin, role=Role.FACILITATOR)
        return f"Invited {email} to facilitate {cohort.name}."
    ops.add_member(cohort, user, Role.FACILITATOR)
    return f"{user.name} facilitates {cohort.name}."


def _render_cohorts(form, facilitator_form, failed_cohort_id=None, status=200):
    member_count = select(func.count()).where(Membership.cohort_id == Cohort.id).correlate(Cohort).scalar_subquery()
    rows = db.session.execute(select(Cohort, member_count).order_by(Cohort.name)).all()
    facilitators: dict[int, list[str]] = {}
    for cohort_id, name in db.session.execute(
        select(Membership.cohort_id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == Role.FACILITATOR)
        .order_by(User.name)
    ):
        facilitators.setdefault(cohort_id, []).append(name)
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
        try:
            cohort = ops.create_cohort(
                form.slug.data,
                form.name.data,
                description=form.description.data,
                charter=form.charter.data,
                timezone=form.timezone.data,
            )
        except ops.CohortError as error:
            db.session.rollback()
            form.slug.errors.append(str(error))
        else:
            done = _name_facilitator(cohort, form.facilitator_email.data, current_user)
            db.session.commit()
            flash(f"Created {cohort.name}. {done}", "success")
            return redirect(url_for("admin.cohorts"))
    return _render_cohorts(form, AddFacilitatorForm(formdata=None), status=422 if form.errors else 200)


@bp.post("/cohorts/<int:cohort_id>/facilitators")
@require_admin
def add_facilitator(cohort_id: int):
    """Name another facilitator for an existing cohort."""
    cohort = db.get_or_404(Cohort, cohort_id)
    facilitator_form = AddFacilitatorForm()
    if not facilitator_form.validate_on_submit():
        return _render_cohorts(NewCohortForm(formdata=None), facilitator_form, cohort.id, status=422)
    flash(_name_facilitator(cohort, facilitator_form.email.data, current_user), "success")
    db.session.commit()
    return redirect(url_for("admin.cohorts"))
