"""Reading notifications: the bell's count and the grouped list, filtered through the policy."""

import functools
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased, load_only

from .. import policy
from ..extensions import db
from ..models import (
    Cohort,
    Delivery,
    Meeting,
    MeetingFollow,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Post,
    Reply,
    ThreadFollow,
    User,
)
from ..models.types import UTCDateTime
from .wording import headline

PAGE_SIZE = 100


def _still_for_them() -> ColumnElement[bool]:
    """Notifications whose reader is still a member who may read what they are about (Membership,
    Post and Reply joined): a post hidden, a member gone or a role changed, and it is not shown."""
    permission = case(
        *(
            (Notification.kind == kind, policy.memberships_holding(policy.permission_to_be_told(kind), Membership))
            for kind in NotificationKind
        ),
    )
    return and_(
        Membership.charter_accepted_at.is_not(None),
        permission,
        or_(Notification.post_id.is_(None), policy.readers_of_post_condition(Membership, Post)),
        or_(Notification.reply_id.is_(None), policy.readers_of_reply_condition(Membership, Reply, Post)),
    )


def _mailable() -> ColumnElement[bool]:
    """Hidden words are not mailed, not even to the facilitators who may read them on the page."""
    return and_(
        or_(Notification.post_id.is_(None), Post.hidden_at.is_(None)),
        or_(Notification.reply_id.is_(None), Reply.hidden_at.is_(None)),
    )


def _visible(query):
    return (
        query.join(
            Membership, and_(Membership.cohort_id == Notification.cohort_id, Membership.user_id == Notification.user_id)
        )
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Reply, Reply.id == Notification.reply_id)
        .where(_still_for_them())
    )


@functools.cache
def _unread_count_statement():
    """The bell's query, built once per process: it is the same for everyone but the reader, a bound
    parameter, and building the policy's expression took longer than running it, on every page."""
    query = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == bindparam("reader_id"), Notification.read_at.is_(None))
    )
    return _visible(query)


def unread_count(user_id: int) -> int:
    """The bell's number: one query, whatever the number of notifications."""
    return db.session.scalar(_unread_count_statement(), {"reader_id": user_id})


@dataclass
class Group:
    """Notifications of one kind about one place, shown as one line."""

    text: str
    link: str
    cohort_name: str
    latest_at: datetime
    unread: bool
    ids: list[int] = field(default_factory=list)


def grouped(user: User) -> list[Group]:
    """The newest notifications of this person, grouped by kind and place, newest group first."""
    actor = aliased(User)
    rows = db.session.execute(
        _visible(
            select(Notification, Membership, Cohort, Post, Meeting, actor.name)
            # A headline needs the post's title and who wrote it how: not its text, nor whether it
            # is on an agenda (a subquery per row).
            .options(load_only(Post.id, Post.kind, Post.title, Post.author_id, Post.visibility, raiseload=True))
            .join(Cohort, Cohort.id == Notification.cohort_id)
            .outerjoin(Meeting, Meeting.id == Notification.meeting_id)
            .outerjoin(actor, actor.id == Notification.actor_id)
            .where(Notification.user_id == user.id)
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    groups: dict[tuple, list] = {}
    for row in rows:
        notification = row[0]
        key = (notification.cohort_id, notification.kind, notification.post_id, notification.meeting_id)
        groups.setdefault(key, []).append(row)
    return [_group(user, members) for members in groups.values()]


def _group(user: User, rows: list) -> Group:
    newest, membership, cohort, post, meeting, actor_name = rows[0]
    unread = [row[0] for row in rows if row[0].read_at is None]
    # The link leads to the first thing not yet read, so reading starts where it should.
    target = unread[-1] if unread else newest
    name = policy.shown_name(membership, post, newest.actor_id, actor_name) if post is not None else actor_name
    text = headline(
        newest.kind,
        name=name or "Someone",
        post=post,
        meeting=meeting,
        detail=newest.detail,
        count=len(rows),
        cohort_name=cohort.name,
        zone=user.timezone,
    )
    return Group(
        text=text,
        link=url_for("notifications.open_notification", notification_id=target.id),
        cohort_name=cohort.name,
        latest_at=newest.created_at,
        unread=bool(unread),
        ids=[row[0].id for row in rows],
    )


def place_of(notification: Notification | OutboxMessage, slug: str) -> tuple[str, dict, str]:
    """Where a notification (or its mail) leads: the endpoint, its values and the anchor of the exact
    reply, the session, or the flags to review."""
    kind = NotificationKind(notification.kind)
    if kind == NotificationKind.NEW_FLAG:
        return "cohort.moderation.flags", {"slug": slug}, ""
    if kind == NotificationKind.MEMBER_JOINED:
        return "cohort.cohorts.members", {"slug": slug}, ""
    if kind == NotificationKind.SESSION_REMINDER:
        return "cohort.meetings.pre_read", {"slug": slug, "meeting_id": notification.meeting_id}, ""
    if kind == NotificationKind.MENTION and notification.post_id is None and notification.meeting_id is None:
        return "cohort.cohorts.charter", {"slug": slug}, ""
    if kind == NotificationKind.OUTCOME_NUDGE:
        return "cohort.loop.outcome", {"slug": slug, "post_id": notification.post_id}, ""
    if notification.meeting_id is not None:
        return "cohort.meetings.detail", {"slug": slug, "meeting_id": notification.meeting_id}, ""
    anchor = f"reply-{notification.reply_id}" if notification.reply_id else ""
    return "cohort.posts.thread", {"slug": slug, "post_id": notification.post_id}, anchor


def digest_rows(membership: Membership, kinds: list[NotificationKind], since: datetime, until: datetime) -> list:
    """What a digest gathers: this member's notifications of ``kinds`` in the cohort since the last
    digest, still readable, oldest first, with the post and the actor's name."""
    actor = aliased(User)
    return db.session.execute(
        _visible(
            select(Notification, Post, Meeting, actor.name)
            .outerjoin(Meeting, Meeting.id == Notification.meeting_id)
            .outerjoin(actor, actor.id == Notification.actor_id)
            .where(
                Notification.user_id == membership.user_id,
                Notification.cohort_id == membership.cohort_id,
                Notification.kind.in_(kinds),
                Notification.created_at >= since,
                Notification.created_at < until,
                _mailable(),
            )
        ).order_by(Notification.created_at, Notification.id)
    ).all()


def memberships_with_news(
    membership_ids: list[int], digest_kind: str, kinds: list[NotificationKind], until: datetime
) -> list[tuple[int, int, datetime]]:
    """Of these memberships, those with something for a digest: a notification of ``kinds`` since their
    previous digest of this kind (or since they joined) and before ``until``, that they may still read
    and that may be mailed. One query, whatever their number: (user id, cohort id, since) each."""
    previous = (
        select(func.max(OutboxMessage.created_at))
        .where(
            OutboxMessage.user_id == Membership.user_id,
            OutboxMessage.cohort_id == Membership.cohort_id,
            OutboxMessage.kind == digest_kind,
        )
        .scalar_subquery()
    )
    since = type_coerce(func.coalesce(previous, Membership.joined_at), UTCDateTime())
    news = (
        select(Notification.id)
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Reply, Reply.id == Notification.reply_id)
        .where(
            Notification.user_id == Membership.user_id,
            Notification.cohort_id == Membership.cohort_id,
            Notification.kind.in_(kinds),
            Notification.created_at >= since,
            Notification.created_at < until,
            _still_for_them(),
            _mailable(),
        )
        .exists()
    )
    return [
        tuple(row)
        for row in db.session.execute(
            select(Membership.user_id, Membership.cohort_id, since).where(Membership.id.in_(membership_ids), news)
        )
    ]


def coming_sessions(membership: Membership, start: datetime, ahead) -> list[Meeting]:
    """The cohort's sessions in the ``ahead`` after ``start`` that this member may see, soonest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                policy.visible_meetings_condition(membership),
                Meeting.cancelled_at.is_(None),
                Meeting.starts_at > start,
                Meeting.starts_at <= start + ahead,
            )
            .order_by(Meeting.starts_at)
        )
    )


def own_notification(user: User, notification_id: int) -> tuple[Notification, str] | None:
    """One of this person's notifications that is still for them, with its cohort's slug."""
    row = db.session.execute(
        _visible(
            select(Notification, Cohort.slug)
            .join(Cohort, Cohort.id == Notification.cohort_id)
            .where(Notification.id == notification_id, Notification.user_id == user.id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


def same_group_ids(notification: Notification) -> list[int]:
    """The unread notifications shown on one line with this one."""
    return list(
        db.session.scalars(
            select(Notification.id).where(
                Notification.user_id == notification.user_id,
                Notification.cohort_id == notification.cohort_id,
                Notification.kind == notification.kind,
                Notification.post_id.is_(None)
                if notification.post_id is None
                else Notification.post_id == notification.post_id,
                Notification.meeting_id.is_(None)
                if notification.meeting_id is None
                else Notification.meeting_id == notification.meeting_id,
                Notification.read_at.is_(None),
            )
        )
    )


def deliveries(user: User) -> dict[NotificationKind, Delivery]:
    """How each kind reaches this person by mail: their choice, or the kind's default."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, kind.default_delivery) for kind in NotificationKind}


def delivery_of(user_id: int, kind: NotificationKind) -> Delivery:
    """How this kind reaches this person by mail: their choice, or the kind's default."""
    chosen = db.session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return chosen or kind.default_delivery


def follows_session(user_id: int, meeting: Meeting) -> bool:
    return bool(
        db.session.scalar(
            select(MeetingFollow.following).where(
                MeetingFollow.user_id == user_id, MeetingFollow.meeting_id == meeting.id
            )
        )
    )


def muted(user_id: int, post: Post) -> bool:
    return bool(
        db.session.scalar(
            select(ThreadFollow.following.is_(False)).where(
                ThreadFollow.user_id == user_id, ThreadFollow.post_id == post.id
            )
        )
    )


def runs_a_cohort(user: User) -> bool:
    """Whether the facilitators' kinds concern this person: a role somewhere that is told of them."""
    facilitator_kinds = [kind for kind in NotificationKind if kind.for_facilitators]
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id))
    return any(policy.may_be_told_of_any(membership, facilitator_kinds) for membership in memberships)
