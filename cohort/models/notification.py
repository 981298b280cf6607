"""What happened that concerns someone: the bell, the notifications page, and what mail it becomes."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .cohort import Cohort
from .meeting import Meeting
from .post import Post, Reply
from .types import UTCDateTime, string_enum, utcnow
from .user import User


class Delivery(enum.StrEnum):
    """How a kind of notification reaches someone by mail (the bell always shows it)."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"

    @property
    def label(self) -> str:
        return {
            Delivery.IMMEDIATELY: "At once",
            Delivery.DAILY: "Daily digest",
            Delivery.WEEKLY: "Weekly digest",
            Delivery.OFF: "Off",
        }[self]


class NotificationKind(enum.StrEnum):
    REPLY_TO_POST = "reply_to_post"
    REPLY_TO_REPLY = "reply_to_reply"
    MENTION = "mention"
    SESSION_CHANGE = "session_change"
    SESSION_REMINDER = "session_reminder"
    ANNOUNCEMENT = "announcement"
    MEMBER_JOINED = "member_joined"
    NEW_FLAG = "new_flag"
    AGENDA_PROPOSAL = "agenda_proposal"
    OUTCOME_NUDGE = "outcome_nudge"
    HELPFUL = "helpful"
    THANKS = "thanks"
    NEW_POST = "new_post"
    THREAD_NEWS = "thread_news"
    SESSION_NEWS = "session_news"

    @property
    def label(self) -> str:
        """What the account page calls this kind, when choosing how it arrives."""
        return {
            NotificationKind.REPLY_TO_POST: "Replies to my posts",
            NotificationKind.REPLY_TO_REPLY: "Replies to my replies",
            NotificationKind.MENTION: "Someone mentions me",
            NotificationKind.SESSION_CHANGE: "A session is scheduled, moved or cancelled",
            NotificationKind.SESSION_REMINDER: "A reminder the day before a session I am going to",
            NotificationKind.ANNOUNCEMENT: "Announcements from the facilitators",
            NotificationKind.MEMBER_JOINED: "A member joins (facilitators)",
            NotificationKind.NEW_FLAG: "Something is flagged for review (facilitators)",
            NotificationKind.AGENDA_PROPOSAL: "An agenda item is proposed (facilitators)",
            NotificationKind.OUTCOME_NUDGE: "Asking what happened next with a challenge I am trying",
            NotificationKind.HELPFUL: "My advice is marked helpful",
            NotificationKind.THANKS: "Someone thanks me",
            NotificationKind.NEW_POST: "New stories and challenges",
            NotificationKind.THREAD_NEWS: "News in threads I follow",
            NotificationKind.SESSION_NEWS: "News of sessions I follow: their agenda and notes",
        }[self]

    @property
    def default_delivery(self) -> Delivery:
        return DAILY_BY_DEFAULT.get(self, Delivery.IMMEDIATELY)

    @property
    def for_facilitators(self) -> bool:
        return self in (NotificationKind.MEMBER_JOINED, NotificationKind.NEW_FLAG, NotificationKind.AGENDA_PROPOSAL)


# The rest arrive at once unless someone chooses otherwise.
DAILY_BY_DEFAULT = {
    NotificationKind.HELPFUL: Delivery.DAILY,
    NotificationKind.THANKS: Delivery.DAILY,
    NotificationKind.NEW_POST: Delivery.DAILY,
    NotificationKind.THREAD_NEWS: Delivery.DAILY,
    NotificationKind.SESSION_NEWS: Delivery.DAILY,
}


class Notification(db.Model):
    __table_args__ = (
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_user_post", "user_id", "post_id"),
        # A unique index, not a constraint, so SQLite adds it without rebuilding the table.
        Index("ix_notification_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(string_enum(NotificationKind, "notification_kind"))
    # Who did it (None for the site itself). Shown as the policy lets each reader know them.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    # A word more: "moved" or "cancelled" for a session change, the value named in a thanks.
    detail: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What is due by time (a reminder, a nudge) carries a key naming its recipient, kind and subject,
    # so queuing it twice, or from two workers at once, tells once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    cohort: Mapped[Cohort] = relationship()
    post: Mapped[Post | None] = relationship()
    reply: Mapped[Reply | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()


class NotificationPreference(db.Model):
    """A choice someone made for one kind; without a row, the kind's default holds."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(string_enum(NotificationKind, "notification_kind"), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(string_enum(Delivery, "delivery"))


class ThreadFollow(db.Model):
    """Someone follows a thread (its news reaches them) or has muted it (nothing from it does).

    Authors and repliers follow by default; a mute is never overridden by replying again."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True, index=True)
    following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingFollow(db.Model):
    """Someone follows a session (news of its agenda and notes reaches them) or stopped following it.

    Answering yes or maybe, or proposing an item for it, follows by default; stopping is never
    overridden by answering again."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True, index=True)
    following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
