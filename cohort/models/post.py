"""Stories and challenges, their threaded replies, measured results and adoptions."""

import enum
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .attachment import Attachment
from .cohort import Cohort
from .types import UTCDateTime, stored_html, string_enum, utcnow
from .user import User

FORM_KEY_LENGTH = 32


class PostKind(enum.StrEnum):
    STORY = "story"
    CHALLENGE = "challenge"
    # A facilitator speaking to the whole cohort: pinned on the cohort home until unpinned.
    ANNOUNCEMENT = "announcement"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def plural(self) -> str:
        """The kind in a filter or heading: "Stories", "Challenges", "Announcements"."""
        return {PostKind.STORY: "Stories", PostKind.CHALLENGE: "Challenges", PostKind.ANNOUNCEMENT: "Announcements"}[
            self
        ]


class Visibility(enum.StrEnum):
    ATTRIBUTED = "attributed"
    CHATHAM_HOUSE = "chatham_house"
    FACILITATORS = "facilitators"

    @property
    def label(self) -> str:
        return {
            Visibility.ATTRIBUTED: "Everyone in the cohort, with my name",
            Visibility.CHATHAM_HOUSE: "Everyone in the cohort, without my name (Chatham House)",
            Visibility.FACILITATORS: "Only the facilitators",
        }[self]


class ChallengeStatus(enum.StrEnum):
    OPEN = "open"
    # Never stored: shown for an open challenge on a coming session's agenda (Post.shown_status).
    ON_AGENDA = "on_agenda"
    TRYING = "trying"
    RESOLVED = "resolved"
    PARKED = "parked"

    @property
    def label(self) -> str:
        return {
            ChallengeStatus.OPEN: "Open",
            ChallengeStatus.ON_AGENDA: "On a session agenda",
            ChallengeStatus.TRYING: "Trying something",
            ChallengeStatus.RESOLVED: "Resolved",
            ChallengeStatus.PARKED: "Parked",
        }[self]


class PostTag(db.Model):
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True)


class Tag(db.Model):
    __table_args__ = (UniqueConstraint("cohort_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))


class Post(db.Model):
    __table_args__ = (
        # The posts list's order, so a page after any row starts where that row stands (keyset pages).
        Index("ix_post_cohort_activity", "cohort_id", "last_activity_at", "id"),
        # "Challenges waiting for advice": the oldest open ones no one else has answered, read in order.
        Index("ix_post_cohort_waiting", "cohort_id", "status", "advice_count", "created_at"),
        # The cohort home's latest stories: the newest of one kind, read in order.
        Index("ix_post_cohort_kind_created", "cohort_id", "kind", "created_at"),
        # One form, one post: the same form sent twice (Back, then Share; a double click) finds the
        # post it made. A unique index, not a constraint, so SQLite adds it without rebuilding the table.
        Index("ix_post_author_form_key", "author_id", "form_key", unique=True),
        # "Outcomes recorded since the last session", per cohort; and the nudge to challenges being tried.
        Index("ix_post_cohort_outcome", "cohort_id", "outcome_at"),
        Index("ix_post_status_committed", "status", "committed_at"),
        Index("ix_post_cohort_pinned", "cohort_id", "pinned_at"),
        # One member's posts of a kind in a cohort, newest first: the challenges they may bring to a
        # session, their profile. Three equalities, so SQLite picks it over the cohort's whole kind.
        Index("ix_post_author_cohort_kind", "author_id", "cohort_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[PostKind] = mapped_column(string_enum(PostKind, "post_kind"))
    visibility: Mapped[Visibility] = mapped_column(string_enum(Visibility, "visibility"), default=Visibility.ATTRIBUTED)
    status: Mapped[ChallengeStatus | None] = mapped_column(string_enum(ChallengeStatus, "challenge_status"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Each *_html column is rendered and sanitised once, when its text is saved.
    body_html: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(Text, default="")
    commitment_html: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_html: Mapped[str] = mapped_column(Text, default="")
    # When the author said what they will try (and the challenge became "trying"), or changed it;
    # and when the outcome that resolved it was recorded. Set by the loop operations (posts.ops).
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The content version: an edit made from a stale page is refused, not silently lost (see posts.ops).
    version: Mapped[int] = mapped_column(default=1)
    # The random key of the new-post form this post was shared from (None for posts made otherwise).
    form_key: Mapped[str | None] = mapped_column(String(FORM_KEY_LENGTH))
    # When an announcement was pinned on the cohort home; None once unpinned (and for other kinds).
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Replies by others than the author, not deleted: those members may read, and those hidden by a
    # facilitator. Kept by every operation that adds, deletes, hides or restores a reply, in its
    # transaction and in SQL (n = n + 1), so "waiting for advice" need not count any replies.
    advice_count: Mapped[int] = mapped_column(default=0, server_default="0")
    hidden_advice_count: Mapped[int] = mapped_column(default=0, server_default="0")

    cohort: Mapped[Cohort] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    tags: Mapped[list[Tag]] = relationship(secondary="post_tag", order_by=Tag.name)
    results: Mapped[list["MeasuredResult"]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="MeasuredResult.position"
    )
    # Its own files, not its replies' (each reply has its own ``files``).
    files: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.post_id == Post.id, Attachment.reply_id.is_(None))",
        order_by=Attachment.id,
        viewonly=True,
    )

    @property
    def is_challenge(self) -> bool:
        return self.kind == PostKind.CHALLENGE

    @property
    def is_announcement(self) -> bool:
        return self.kind == PostKind.ANNOUNCEMENT

    @property
    def shown_status(self) -> "ChallengeStatus | None":
        """The status as members read it: an open challenge an accepted agenda item brings to a coming
        session is "on a session agenda" (``on_agenda`` is defined with the agenda, in meeting.py)."""
        if self.status == ChallengeStatus.OPEN and self.on_agenda:
            return ChallengeStatus.ON_AGENDA
        return self.status

    @property
    def body_markup(self) -> Markup:
        return stored_html(self.body_html)

    @property
    def commitment_markup(self) -> Markup:
        return stored_html(self.commitment_html)

    @property
    def outcome_markup(self) -> Markup:
        return stored_html(self.outcome_html)


class Reply(db.Model):
    __table_args__ = (Index("ix_reply_post_created", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    helpful_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    files: Mapped[list[Attachment]] = relationship(order_by=Attachment.id, viewonly=True)

    @property
    def body_markup(self) -> Markup:
        return stored_html(self.body_html)


class MeasuredResult(db.Model):
    """A before → after figure: "ED referrals managed as virtual care plans, %, 0 → 60, Jan–Jun 2026"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    measure: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    baseline: Mapped[float] = mapped_column(Float)
    result: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(80), default="")

    post: Mapped[Post] = relationship(back_populates="results")

    @property
    def change(self) -> float:
        return self.result - self.baseline

    @property
    def relative_change(self) -> float | None:
        """The change as a fraction of the baseline, when the baseline is not zero."""
        return None if self.baseline == 0 else self.change / abs(self.baseline)


class Adoption(db.Model):
    """A member saying "I'm adopting this" about a story."""

    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class PostRead(db.Model):
    """When a member last read a thread, for unread marks."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
