"""Invitations: the only way into Cohort."""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohort import ROLE_TYPE, Cohort, Role
from .types import UTCDateTime, utcnow
from .user import User


def new_invitation_key() -> str:
    return secrets.token_urlsafe(16)


class Invitation(db.Model):
    """An emailed invitation (one use, one address) or a shareable link (many uses)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    # Signed into the link with the id: a link cannot be rebuilt from the id alone.
    key: Mapped[str] = mapped_column(String(32), default=new_invitation_key)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(ROLE_TYPE, default=Role.MEMBER)
    max_uses: Mapped[int] = mapped_column(default=1)
    use_count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_link(self) -> bool:
        return self.email is None

    def problem(self, now: datetime | None = None) -> str | None:
        """Why this invitation cannot be used now, in words for the person holding it."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "This invitation has been withdrawn. Ask the facilitator for a new one."
        if self.use_count >= self.max_uses:
            return "This invitation has already been used. Ask the facilitator for a new one."
        if self.expires_at <= now:
            return "This invitation has expired. Ask the facilitator for a new one."
        return None
