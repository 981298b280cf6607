"""Monthly sessions ("meetings" in code: Flask and SQLAlchemy already use "session")."""

import enum
import uuid
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import db
from .attachment import Attachment
from .post import Post
from .types import UTCDateTime, sql_utcnow, stored_html, string_enum, utcnow
from .user import User


def new_event_uid() -> str:
    return f"{uuid.uuid4()}@cohort"


class RsvpResponse(enum.StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"

    @property
    def label(self) -> str:
        return {RsvpResponse.YES: "Yes", RsvpResponse.MAYBE: "Maybe", RsvpResponse.NO: "No"}[self]


class AgendaStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MeetingSeries(db.Model):
    """A monthly series: the RFC 5545 rule its sessions were made from, in its own time zone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    rrule: Mapped[str] = mapped_column(String(200))
    # The first session's local wall-clock start, which the rule repeats.
    dtstart_local: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(db.Model):
    """One session. Moving or cancelling it keeps its identity (id and calendar UID)."""

    __table_args__ = (Index("ix_meeting_cohort_starts", "cohort_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_event_uid)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_html: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # RFC 5545 SEQUENCE: raised on every change calendars should notice.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series: Mapped[MeetingSeries | None] = relationship()
    # Files published with the session's notes.
    files: Mapped[list[Attachment]] = relationship(order_by=Attachment.id, viewonly=True)

    @property
    def agenda_markup(self) -> Markup:
        return stored_html(self.agenda_html)

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or utcnow())

    def has_started(self, now: datetime | None = None) -> bool:
        return self.starts_at <= (now or utcnow())


class Rsvp(db.Model):
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    response: Mapped[RsvpResponse] = mapped_column(string_enum(RsvpResponse, "rsvp_response"))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgendaItem(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[AgendaStatus] = mapped_column(string_enum(AgendaStatus, "agenda_status"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post | None] = relationship()
    proposed_by: Mapped[User] = relationship()


class MeetingNote(db.Model):
    """One version of a session's notes, or of the notes on one agenda item. Nothing is overwritten:
    the newest version is the current one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    @property
    def body_markup(self) -> Markup:
        return stored_html(self.body_html)


class Feedback(db.Model):
    """An attendee's rating and comment. Deliberately without the attendee: see FeedbackGiven."""

    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackGiven(db.Model):
    """Who has given feedback on a session, so each attendee gives it once; not which feedback is theirs."""

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


# A challenge is "on a session agenda" while an accepted item brings it to a session still to come.
# Derived, not stored: it follows the agenda (accepted, declined, cancelled, moved) and the clock.
Post.on_agenda = column_property(
    exists()
    .where(
        AgendaItem.post_id == Post.id,
        AgendaItem.status == AgendaStatus.ACCEPTED,
        Meeting.id == AgendaItem.meeting_id,
        Meeting.cancelled_at.is_(None),
        Meeting.ends_at > sql_utcnow(),
    )
    .correlate_except(AgendaItem, Meeting)
)
