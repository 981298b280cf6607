"""Signed-in browsers: one record for each sign-in, which its cookies name and every request checks."""

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


def token_hash(token: str) -> str:
    """What is stored of a sign-in token: a copy of the table signs no one in."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignIn(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on at most every few minutes (cohort/auth/sign_ins.py), enough for the idle timeout.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "Firefox on Windows", or the browser's own words when they are not understood.
    device: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(45))
    # Signed out: the cookies that name this record sign no one in any more.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SignIn {self.id} of user {self.user_id}>"
