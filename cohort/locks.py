"""Taking turns on one row, the same way on PostgreSQL and SQLite.

An operation that reads before it decides what to write (is this value's name taken? is there
another facilitator?) must not let a concurrent request read the same state in between. A
no-op UPDATE of the row does it on both databases: PostgreSQL holds the row's lock until commit,
and SQLite takes its write lock now instead of at the first real write (``SELECT … FOR UPDATE``
means nothing to SQLite, whose deferred transactions would otherwise read before waiting).
"""

from sqlalchemy import update

from .extensions import db
from .models import Cohort, Meeting


def lock_cohort(cohort_id: int) -> None:
    """Serialise changes that depend on one cohort's state (its values, its facilitators)."""
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(name=Cohort.name)
        .execution_options(synchronize_session=False)
    )


def lock_meeting(meeting_id: int) -> None:
    """Serialise changes to one session's attendance and agenda order."""
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id)
        .values(title=Meeting.title)
        .execution_options(synchronize_session=False)
    )
