"""Reading every cohort of the site, for its admins."""

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cohort, Membership, OutboxMessage, Role, User


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


OUTBOX_PAGE_SIZE = 100


def outbox_page(before_id: int | None = None) -> list[tuple[OutboxMessage, str | None]]:
    """A page of the outbox, newest first, with each message's cohort name: envelopes only.

    Admins run the site, not its cohorts: they see what was sent, when and how it went, never the
    text, the recipient or the thread, so an admin who is no member reads no cohort's words here."""
    query = (
        select(OutboxMessage, Cohort.name)
        .outerjoin(Cohort, Cohort.id == OutboxMessage.cohort_id)
        .order_by(OutboxMessage.id.desc())
        .limit(OUTBOX_PAGE_SIZE)
    )
    if before_id is not None:
        query = query.where(OutboxMessage.id < before_id)
    return [tuple(row) for row in db.session.execute(query)]
