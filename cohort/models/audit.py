"""The audit log: what facilitators and admins did, kept as it was written."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

FORMER_MEMBER = "a former member"


class AuditEntry(db.Model):
    """One action by a facilitator or admin. Names are copied in, so an entry reads the same after
    someone is renamed; only ``cohort.audit.forget_user`` changes an entry, for a deleted account."""

    __table_args__ = (Index("ix_audit_entry_cohort_id_id", "cohort_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for a site-wide admin action.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    object_kind: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # The person the action was about (a member, or an invited address), kept apart from the
    # description so that deleting their account can forget them too.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    subject_name: Mapped[str | None] = mapped_column(String(254))
    # As Flask sees it (after ProxyFix); None for the command line and background jobs.
    address: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"
