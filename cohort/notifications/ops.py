"""Telling people what concerns them: notifications and their mail, written in the caller's transaction.

``notify`` writes one notification for every recipient, and one outbox message for each who wants
this kind at once, in two INSERT … SELECT statements whatever the number of recipients. Recipients
are chosen in SQL through the policy's twins (``readers_of_post_condition`` and friends), so nobody
is told of what they may not read; mail is checked against the policy again when it leaves.
"""

from collections.abc import Iterable

from sqlalchemy import JSON, ColumnElement, Select, and_, exists, func, insert, literal, not_, select, update
from sqlalchemy.orm import aliased

from .. import policy
from ..extensions import db
from ..mail import note_queued
from ..models import (
    Delivery,
    Meeting,
    MeetingFollow,
    Membership,
    MessageStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Post,
    Reply,
    ThreadFollow,
    User,
    utcnow,
)
from ..models.types import UTCDateTime
from ..policy import Permission
from ..upsert import insert_or_ignore, upsert
from ..web import bookkeeping

# --- recipients ----------------------------------------------------------------------------------


def _not_muted(post_id: int) -> ColumnElement[bool]:
    return not_(
        exists().where(
            ThreadFollow.post_id == post_id,
            ThreadFollow.user_id == Membership.user_id,
            ThreadFollow.following.is_(False),
        )
    )


def readers_of_post(post: Post, *, exclude: Iterable[int] = (), only: Iterable[int] | None = None) -> Select:
    """Members who may read ``post`` and have not muted it, as a select of user ids."""
    query = (
        select(Membership.user_id)
        .join(Post, Post.cohort_id == Membership.cohort_id)
        .where(Post.id == post.id, policy.readers_of_post_condition(Membership, Post), _not_muted(post.id))
    )
    return _narrowed(query, exclude, only)


def readers_of_reply(reply: Reply, *, exclude: Iterable[int] = (), only: Iterable[int] | None = None) -> Select:
    """Members who may read ``reply`` and have not muted its thread."""
    query = (
        select(Membership.user_id)
        .join(Post, Post.cohort_id == Membership.cohort_id)
        .join(Reply, Reply.post_id == Post.id)
        .where(
            Reply.id == reply.id, policy.readers_of_reply_condition(Membership, Reply, Post), _not_muted(reply.post_id)
        )
    )
    return _narrowed(query, exclude, only)


def followers_of(reply: Reply, *, exclude: Iterable[int] = ()) -> Select:
    """Members who follow ``reply``'s thread and may read the reply."""
    follows = exists().where(
        ThreadFollow.post_id == reply.post_id,
        ThreadFollow.user_id == Membership.user_id,
        ThreadFollow.following.is_(True),
    )
    return readers_of_reply(reply, exclude=exclude).where(follows)


def members_holding(cohort_id: int, permission: Permission, *, exclude: Iterable[int] = ()) -> Select:
    """Members of the cohort whose role grants ``permission`` now."""
    query = select(Membership.user_id).where(
        Membership.cohort_id == cohort_id, policy.members_granting(permission, Membership)
    )
    return _narrowed(query, exclude, None)


def followers_of_session(meeting: Meeting, *, exclude: Iterable[int] = ()) -> Select:
    """Members who follow the session and may see it."""
    follows = exists().where(
        MeetingFollow.meeting_id == meeting.id,
        MeetingFollow.user_id == Membership.user_id,
        MeetingFollow.following.is_(True),
    )
    permission = policy.permission_to_be_told(NotificationKind.SESSION_NEWS)
    return members_holding(meeting.cohort_id, permission, exclude=exclude).where(follows)


def already_told(user_id: int, kind: NotificationKind, about: dict) -> bool:
    """Whether this person was told of this by this actor before: thanks or a helpful mark taken
    back and given again tells once. (Asked first: the notification written next would answer it.)"""
    return db.session.scalar(
        select(
            exists().where(
                Notification.user_id == user_id,
                Notification.kind == kind,
                Notification.actor_id == about["actor_id"],
                Notification.post_id == about["post_id"],
                Notification.reply_id.is_(None)
                if about["reply_id"] is None
                else Notification.reply_id == about["reply_id"],
            )
        )
    )


def _narrowed(query: Select, exclude: Iterable[int], only: Iterable[int] | None) -> Select:
    exclude = [user_id for user_id in exclude if user_id is not None]
    if exclude:
        query = query.where(Membership.user_id.not_in(exclude))
    if only is not None:
        query = query.where(Membership.user_id.in_(list(only)))
    return query


# --- writing notifications -----------------------------------------------------------------------


def notify(
    kind: NotificationKind,
    recipients: Select,
    *,
    cohort_id: int,
    actor_id: int | None = None,
    post_id: int | None = None,
    reply_id: int | None = None,
    meeting_id: int | None = None,
    detail: str = "",
) -> set[int]:
    """Tell every user in ``recipients`` (a select of distinct user ids) about one event: a notification each,
    and an outbox message for each who wants this kind by mail at once. Two statements in all; returns
    who was told."""
    now = utcnow()
    chosen = recipients.subquery("recipient")
    values = {
        "cohort_id": literal(cohort_id),
        "kind": literal(kind, Notification.kind.type),
        "actor_id": literal(actor_id),
        "post_id": literal(post_id),
        "reply_id": literal(reply_id),
        "meeting_id": literal(meeting_id),
        "detail": literal(detail),
        "created_at": literal(now, UTCDateTime()),
    }
    told = db.session.scalars(
        insert(Notification)
        .from_select(["user_id", *values], select(chosen.c.user_id, *values.values()))
        .returning(Notification.user_id)
    ).all()
    choice = aliased(NotificationPreference)
    mail_values = {
        "kind": literal(kind.value),
        "cohort_id": values["cohort_id"],
        "post_id": values["post_id"],
        "reply_id": values["reply_id"],
        "meeting_id": values["meeting_id"],
        "context": literal({"actor_id": actor_id, "detail": detail}, JSON()),
        "status": literal(MessageStatus.QUEUED, OutboxMessage.status.type),
        "tries": literal(0),
        "next_attempt_at": values["created_at"],
        "last_error": literal(""),
        "created_at": values["created_at"],
    }
    wants_it_now = (
        select(chosen.c.user_id, *mail_values.values())
        .outerjoin(choice, and_(choice.user_id == chosen.c.user_id, choice.kind == kind))
        .where(func.coalesce(choice.delivery, kind.default_delivery.value) == Delivery.IMMEDIATELY.value)
    )
    queued = db.session.scalars(
        insert(OutboxMessage).from_select(["user_id", *mail_values], wants_it_now).returning(OutboxMessage.id)
    ).all()
    note_queued(queued, kind.value)
    return set(told)


# --- following threads ---------------------------------------------------------------------------


def follow_by_default(user_id: int, post: Post) -> None:
    """Authors and repliers follow a thread, unless they have muted it (a mute is never undone here)."""
    insert_or_ignore(
        ThreadFollow,
        {"user_id": user_id, "post_id": post.id, "following": True, "created_at": utcnow()},
        ["user_id", "post_id"],
    )


def set_following(actor: Membership, post: Post, following: bool) -> None:
    """Follow a thread (its news reaches me) or mute it (nothing from it does)."""
    policy.require_visible(policy.can_see_post(actor, post))
    upsert(
        ThreadFollow,
        {"user_id": actor.user_id, "post_id": post.id, "following": following, "created_at": utcnow()},
        ["user_id", "post_id"],
        {"following": following},
    )


def follow_session_by_default(user_id: int, meeting: Meeting) -> None:
    """Answering yes or maybe, or proposing an item, follows a session, unless its news was stopped."""
    insert_or_ignore(
        MeetingFollow,
        {"user_id": user_id, "meeting_id": meeting.id, "following": True, "created_at": utcnow()},
        ["user_id", "meeting_id"],
    )


def set_following_session(actor: Membership, meeting: Meeting, following: bool) -> None:
    """Follow a session (news of its agenda and notes reaches me) or stop following it."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    upsert(
        MeetingFollow,
        {"user_id": actor.user_id, "meeting_id": meeting.id, "following": following, "created_at": utcnow()},
        ["user_id", "meeting_id"],
        {"following": following},
    )


# --- reading them --------------------------------------------------------------------------------


def mark_read(user: User, notification_ids: Iterable[int]) -> None:
    """Mark some of this person's own notifications read (others' ids are ignored)."""
    _mark_unread_read(Notification.user_id == user.id, Notification.id.in_(list(notification_ids)))


def mark_all_read(user: User) -> None:
    _mark_unread_read(Notification.user_id == user.id)


def mark_thread_read(user_id: int, post: Post) -> None:
    """Opening a thread marks what was notified about it read."""
    _mark_unread_read(Notification.user_id == user_id, Notification.post_id == post.id)


def mark_seen(
    user_id: int,
    *,
    cohort_id: int,
    meeting: Meeting | None = None,
    kind: NotificationKind | None = None,
    detail: str | None = None,
) -> None:
    """Opening a page marks read what was notified about it: a session (all its news, any kind), or a
    cohort's page for one kind (its flags, its members; the charter: mentions with that ``detail``).
    A read when nothing waits; a write only when something does, so these pages stay reads. The write
    is bookkeeping: when the database cannot take it, it is skipped and the page is drawn all the same."""
    place = [Notification.user_id == user_id, Notification.cohort_id == cohort_id]
    place.append(Notification.meeting_id == meeting.id if meeting is not None else Notification.kind == kind)
    if detail is not None:
        place.append(Notification.detail == detail)
    if db.session.scalar(select(exists().where(*place, Notification.read_at.is_(None)))):
        bookkeeping(lambda: _mark_unread_read(*place))


def _mark_unread_read(*conditions: ColumnElement[bool]) -> None:
    db.session.execute(
        update(Notification)
        .where(*conditions, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- choosing how each kind arrives --------------------------------------------------------------


def set_delivery(user: User, choices: dict[NotificationKind, Delivery]) -> None:
    """Save how each kind of notification reaches this person by mail."""
    for kind, delivery in choices.items():
        upsert(
            NotificationPreference,
            {"user_id": user.id, "kind": kind, "delivery": delivery},
            ["user_id", "kind"],
            {"delivery": delivery},
        )
