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


def _take_turns(model, row_id: int, column) -> None:
    # Setting a non-key column to itself: PostgreSQL's weaker "no key update" lock, so rows that
    # merely reference this one (a new reply, a new member) are not held up.
    db.session.execute(
        update(model).where(model.id == row_id).values({column: column}).execution_options(synchronize_session=False)
    )


def lock_cohort(cohort_id: int) -> None:
    """Serialise changes that depend on one cohort's state (its values, its facilitators)."""
    _take_turns(Cohort, cohort_id, Cohort.name)


def lock_meeting(meeting_id: int) -> None:
    """Serialise changes to one session's attendance and agenda order."""
    _take_turns(Meeting, meeting_id, Meeting.title)
