"""Reading what the dashboard shows a signed-in person."""

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cohort, Membership, User


def my_cohorts(user: User) -> list[tuple[Cohort, Membership, int]]:
    """The person's cohorts by name, each with their membership and its member count."""
    member_count = select(func.count()).where(Membership.cohort_id == Cohort.id).correlate(Cohort).scalar_subquery()
    return [
        tuple(row)
        for row in db.session.execute(
            select(Cohort, Membership, member_count)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .where(Membership.user_id == user.id)
            .order_by(Cohort.name)
        )
    ]
