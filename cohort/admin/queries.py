"""Reading every cohort of the site, for its admins."""

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cohort, Membership, Role, User


def all_cohorts() -> tuple[list[tuple[Cohort, int]], dict[int, list[str]]]:
    """Every cohort by name with its member count, and the names of each one's facilitators."""
    member_count = select(func.count()).where(Membership.cohort_id == Cohort.id).correlate(Cohort).scalar_subquery()
    rows = [tuple(row) for row in db.session.execute(select(Cohort, member_count).order_by(Cohort.name))]
    facilitators: dict[int, list[str]] = {}
    for cohort_id, name in db.session.execute(
        select(Membership.cohort_id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == Role.FACILITATOR)
        .order_by(User.name)
    ):
        facilitators.setdefault(cohort_id, []).append(name)
    return rows, facilitators
