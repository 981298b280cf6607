"""Reading what the dashboard shows a signed-in person."""

from sqlalchemy import func, select

from .. import policy
from ..extensions import db
from ..models import Cohort, Membership, User


def my_cohorts(user: User) -> list[tuple[Cohort, Membership, int | None]]:
    """The person's cohorts by name, each with their membership and its member count.

    The cohorts need no policy condition: these are the person's own memberships, which they always
    know of, and one whose charter is not yet accepted is listed so that they find the charter (the
    cohort's pages send them there). The count is another matter: it counts the member directory,
    so it is given only where the policy lets the membership see the members, and is None elsewhere."""
    member_count = select(func.count()).where(Membership.cohort_id == Cohort.id).correlate(Cohort).scalar_subquery()
    rows = db.session.execute(
        select(Cohort, Membership, member_count)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == user.id)
        .order_by(Cohort.name)
    )
    return [
        (cohort, membership, count if policy.can_see_members(membership) else None)
        for cohort, membership, count in rows
    ]
