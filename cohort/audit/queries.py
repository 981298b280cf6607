"""Reading the audit log, newest first, a page at a time."""

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, Cohort

AUDIT_PAGE_SIZE = 50


def entries_page(cohort_id: int | None, before_id: int | None = None) -> list[tuple[AuditEntry, str | None]]:
    """One page of entries with each one's cohort name: a cohort's own, or (``cohort_id`` None)
    the whole site's. One query, whatever the log holds: names are kept on the entries."""
    query = (
        select(AuditEntry, Cohort.name)
        .outerjoin(Cohort, Cohort.id == AuditEntry.cohort_id)
        .order_by(AuditEntry.id.desc())
        .limit(AUDIT_PAGE_SIZE)
    )
    if cohort_id is not None:
        query = query.where(AuditEntry.cohort_id == cohort_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return [tuple(row) for row in db.session.execute(query)]


def older_than(rows: list[tuple[AuditEntry, str | None]]) -> int | None:
    """Where the next page starts, if this one was full."""
    return rows[-1][0].id if len(rows) == AUDIT_PAGE_SIZE else None
