"""Cohorts and who belongs to them."""

import enum
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, stored_html, string_enum, utcnow
from .user import User


class Role(enum.StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"

    @property
    def label(self) -> str:
        return self.value.capitalize()


ROLE_TYPE = string_enum(Role, "role")


class Cohort(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    charter: Mapped[str] = mapped_column(Text, default="")
    # Rendered once when the charter is saved, so page views never re-render.
    charter_html: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="cohort", cascade="all, delete-orphan")

    @property
    def charter_markup(self) -> Markup:
        """The charter as stored: rendered and sanitised by ``render_markdown`` when saved."""
        return stored_html(self.charter_html)

    def __repr__(self) -> str:
        return f"<Cohort {self.slug}>"


class Membership(db.Model):
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE, default=Role.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    charter_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}@{self.cohort_id} {self.role}>"
