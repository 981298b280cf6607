"""The outbox: every message Cohort sends, written in the transaction of the change that caused it."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohort import Cohort
from .types import UTCDateTime, string_enum, utcnow
from .user import User


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first try, or for the next one after a failure
    SENDING = "sending"  # claimed by a worker until ``claimed_until``; reclaimed after that
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # refused for good (5xx) or out of tries
    WITHDRAWN = "withdrawn"  # no longer for its recipient when it was due (a post hidden, a member gone)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class OutboxMessage(db.Model):
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is (an invitation, a reply to a post, …): names its templates and composer.
    kind: Mapped[str] = mapped_column(String(40))
    # Work queued from the data (digests, reminders, nudges) carries a key naming its recipient, kind
    # and subject, so queuing it twice makes one message.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # A member is written to at their address when the message leaves; someone without an account
    # yet (an invitation) at ``to_address``.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(254))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    # What the templates need beyond the rows above (a link with its token, a digest's window).
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[MessageStatus] = mapped_column(
        string_enum(MessageStatus, "message_status"), default=MessageStatus.QUEUED
    )
    tries: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
