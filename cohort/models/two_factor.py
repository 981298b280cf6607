"""Two-factor sign-in: an account's authenticator secret and its one-use recovery codes
(cohort/auth/two_factor.py)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class TwoFactor(db.Model):
    """The time-based one-time code secret of one account. Until a first right code confirms it
    (``enabled_at``), it is only being set up and asks nothing at sign-in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # Base32, as authenticator apps take it; it must be readable to check a code, so it is not hashed.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: a code of this step or an earlier one is
    # refused, so a code seen over someone's shoulder cannot be used again.
    last_step: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<TwoFactor of user {self.user_id}>"


class RecoveryCode(db.Model):
    """One recovery code, for signing in without the authenticator app: stored hashed, used once."""

    # Its index, led by the account, also serves counting and finding an account's codes.
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"
