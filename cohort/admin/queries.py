"""Reading every cohort of the site, for its admins."""

from sqlalchemy import func, or_, select

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


PEOPLE_PAGE_SIZE = 100


def people_page(search: str = "") -> list[tuple[User, list[str]]]:
    """Accounts by name (those whose name or address holds ``search``), each with its cohorts' names:
    at most PEOPLE_PAGE_SIZE, in two queries whatever their number."""
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.name, User.id).limit(PEOPLE_PAGE_SIZE)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(func.lower(User.name).like(pattern, escape="\\"), func.lower(User.email).like(pattern, escape="\\"))
        )
    users = list(db.session.execute(query).scalars())
    cohorts: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(Membership.user_id, Cohort.name)
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .where(Membership.user_id.in_([user.id for user in users]))
        .order_by(Cohort.name)
    ):
        cohorts.setdefault(user_id, []).append(name)
    return [(user, cohorts.get(user.id, [])) for user in users]
