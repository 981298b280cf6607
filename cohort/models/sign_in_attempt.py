"""Sign-in attempts that did not succeed, counted in the database so that every worker and server
sees the same count (cohort/auth/limits.py)."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class SignInAttempt(db.Model):
    """One attempt to give an account's password from an address; a success removes its own row and
    the earlier failures of the same address and account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The address as typed (normalised), known account or not: an unknown one is limited the same way.
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        Index("ix_sign_in_attempt_account_at", "account", "at"),
        Index("ix_sign_in_attempt_address_at", "address", "at"),
    )

    def __repr__(self) -> str:
        return f"<SignInAttempt {self.id} for {self.account} from {self.address}>"
