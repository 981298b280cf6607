"""People who can sign in."""

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import hashing
from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .cohort import Membership


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively, so they are stored lower-cased."""
    return email.strip().lower()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # How peers mention the person (@sarah-oneill): lower case, unique on the site (cohort/handles.py).
    handle: Mapped[str] = mapped_column(String(30), unique=True, index=True)
    organisation: Mapped[str] = mapped_column(String(160), default="")
    job_title: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # Where the person works: an ISO 3166-1 alpha-2 code (cohort/countries.py), or "" if not given.
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    # The random name the person's photo is stored under (cohort/uploads/photos.py), or None for none.
    photo_token: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    password_hash: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # No longer read: each sign-in has a record and token of its own (models/sign_in.py). SQLite cannot
    # drop a unique column without rebuilding the table, which would take every membership with it.
    login_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # Set once the person has shown they read this address (an emailed link, a reset).
    # Until then the account cannot sign in, and nothing is attached to it by address.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret in the private calendar feed URL; regenerating it retires the old URL.
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deleted by its owner (cohort/auth/ops.py ``delete_account``): nothing personal is left in the
    # row, which stays only so that words kept under "a former member" still have an author.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Suspended by a site admin (cohort/auth/ops.py ``suspend_account``): no sign-in until reinstated.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The token of the sign-in (models/sign_in.py) this request is made under: never stored.
    sign_in_token = None

    def set_password(self, password: str) -> None:
        """Hash and store a new password (the caller ends the sign-ins it should)."""
        self.password_hash = hashing.hash_secret(password)

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def confirm_email(self) -> None:
        if self.email_confirmed_at is None:
            self.email_confirmed_at = utcnow()

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is this account's; a right one kept by an older algorithm is hashed
        again, now that it is at hand."""
        if not hashing.verify_secret(self.password_hash, password):
            return False
        if not hashing.is_argon2id(self.password_hash):
            self.set_password(password)
        return True

    def get_id(self) -> str | None:
        """What the session and remember-me cookies carry: the token of this browser's sign-in, not
        the account's id, so ending that sign-in signs the browser out."""
        return self.sign_in_token

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class FormerHandle(db.Model):
    """A handle someone used before changing it: it stays theirs, so older text that mentions it still
    means them (cohort/handles.py). Its holder may take it back; no one else may take it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across every holder; cohort/handles.py also keeps it apart from every current handle.
    handle: Mapped[str] = mapped_column(String(30), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
