"""The mail a notification becomes, composed when it leaves and checked against the policy then.

A message is withdrawn when its recipient is no longer an active member of the cohort, may no
longer read the post, reply or session it is about, or no longer holds the role its kind is for.
No Chatham House author is named, to anyone (``policy.name_in_mail``): not in the subject, the
body or any header; the sender is always the site itself."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr

from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..mail import external_url
from ..mail.compose import Letter, composer
from ..markdown import plain_text
from ..models import ChallengeStatus, Delivery, Meeting, Membership, NotificationKind, OutboxMessage, Post, Reply, User
from ..policy import Permission
from ..timezones import local_time
from .queries import coming_sessions, deliveries, delivery_of, digest_rows, follows_session, muted, place_of
from .tokens import unsubscribe_token
from .wording import headline

DIGEST_KINDS = {Delivery.DAILY: "digest_daily", Delivery.WEEKLY: "digest_weekly"}

EXCERPT_CHARS = 600


def notification_letter(message: OutboxMessage) -> Letter | None:
    kind = NotificationKind(message.kind)
    user = message.user
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.cohort_id == message.cohort_id)
    )
    if not policy.may(membership, policy.permission_to_be_told(kind)):
        return None
    post = db.session.get(Post, message.post_id) if message.post_id else None
    reply = db.session.get(Reply, message.reply_id) if message.reply_id else None
    meeting = db.session.get(Meeting, message.meeting_id) if message.meeting_id else None
    if post is not None and not policy.can_see_post(membership, post):
        return None
    if reply is not None and not policy.can_see_reply(membership, reply, post):
        return None
    # Hidden words are not mailed, not even to the facilitators who may read them on the page; a
    # flag's mail says only where to look.
    hidden = (post is not None and post.hidden_at is not None) or (reply is not None and reply.hidden_at is not None)
    if hidden and kind != NotificationKind.NEW_FLAG:
        return None
    # The reader's choices as they are now: a thread muted, or this kind stopped, since it was queued.
    if (
        post is not None
        and kind not in (NotificationKind.NEW_FLAG, NotificationKind.OUTCOME_NUDGE)
        and muted(user.id, post)
    ):
        return None
    if kind == NotificationKind.SESSION_NEWS and not follows_session(user.id, meeting):
        return None
    if kind == NotificationKind.OUTCOME_NUDGE and post.status != ChallengeStatus.TRYING:
        return None  # an outcome recorded, or the challenge parked, since: nothing left to ask
    if delivery_of(user.id, kind) != Delivery.IMMEDIATELY:
        return None
    if meeting is not None and not policy.can_see_meeting(membership, meeting):
        return None
    cohort = membership.cohort
    actor_id = message.context.get("actor_id")
    actor = db.session.get(User, actor_id) if actor_id else None
    name = policy.name_in_mail(post, actor_id, actor.name) if actor else "Someone"
    text = headline(
        kind,
        name=name,
        post=post,
        meeting=meeting,
        detail=message.context.get("detail", ""),
        cohort_name=cohort.name,
        zone=user.timezone,
    )
    endpoint, values, anchor = place_of(message, cohort.slug)
    link = external_url(endpoint, **values) + (f"#{anchor}" if anchor else "")
    words = "" if kind == NotificationKind.NEW_FLAG else reply.body_html if reply else post.body_html if post else ""
    excerpt = plain_text(words).strip()
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    unsubscribe = external_url("notifications.unsubscribe", token=unsubscribe_token(user.id, kind))
    return Letter(
        to=formataddr((user.name, user.email)),
        subject=f"{text} · {cohort.name}",
        template="notification",
        values={
            "headline": text,
            "excerpt": excerpt,
            "link": link,
            "cohort_name": cohort.name,
            "meeting": meeting,
            "slug": cohort.slug,
            "kind_label": kind.label,
            "unsubscribe": unsubscribe,
            "choices": external_url("auth.account") + "#notifications",
        },
        thread=f"post-{post.id}" if post is not None else f"session-{meeting.id}" if meeting is not None else None,
        opens_thread=kind in (NotificationKind.NEW_POST, NotificationKind.ANNOUNCEMENT)
        or (kind == NotificationKind.SESSION_CHANGE and message.context.get("detail", "").startswith("scheduled")),
        unsubscribe=unsubscribe,
        list_id=cohort.slug,
    )


for _kind in NotificationKind:
    composer(_kind.value)(notification_letter)


@dataclass
class DigestLine:
    text: str
    link: str
    excerpt: str = ""


@dataclass
class Digest:
    waiting: list[DigestLine] = field(default_factory=list)  # new challenges waiting for advice
    threads: list[DigestLine] = field(default_factory=list)  # replies in threads followed
    stories: list[DigestLine] = field(default_factory=list)  # new stories and announcements
    others: list[DigestLine] = field(default_factory=list)  # thanks, helpful marks and the rest
    sessions: list[DigestLine] = field(default_factory=list)  # coming sessions

    def __bool__(self) -> bool:
        return bool(self.waiting or self.threads or self.stories or self.others)


THREAD_KINDS = (NotificationKind.THREAD_NEWS, NotificationKind.REPLY_TO_POST, NotificationKind.REPLY_TO_REPLY)
COMING_DAYS = {Delivery.DAILY: 7, Delivery.WEEKLY: 14}


def digest_letter(message: OutboxMessage) -> Letter | None:
    """What is new in one cohort since this member's previous digest of this kind, in sections:
    challenges waiting for advice first, then replies in threads they follow, stories, the rest, and
    coming sessions. Nothing new that they may still read: withdrawn, no mail."""
    digest = Delivery.DAILY if message.kind == DIGEST_KINDS[Delivery.DAILY] else Delivery.WEEKLY
    user = message.user
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.cohort_id == message.cohort_id)
    )
    if not policy.may(membership, Permission.TAKE_PART):
        return None
    kinds = [kind for kind, delivery in deliveries(user).items() if delivery == digest]
    since = datetime.fromisoformat(message.context["since"])
    until = datetime.fromisoformat(message.context["until"])
    cohort = membership.cohort
    gathered = Digest()
    groups: dict[tuple, list] = {}
    for notification, post, meeting, actor_name in digest_rows(membership, kinds, since, until):
        kind = notification.kind
        key = (
            ("thread", notification.post_id)
            if kind in THREAD_KINDS
            else (kind, notification.post_id, notification.meeting_id)
        )
        groups.setdefault(key, []).append((notification, post, meeting, actor_name))
    for key, rows in groups.items():
        notification, post, meeting, actor_name = rows[-1]
        endpoint, values, anchor = place_of(rows[0][0], cohort.slug)
        link = external_url(endpoint, **values) + (f"#{anchor}" if anchor else "")
        if key[0] == "thread":
            count = len(rows)
            text = f"{count} new repl{'ies' if count > 1 else 'y'} in “{post.title}”"
            gathered.threads.append(DigestLine(text, link))
            continue
        name = policy.name_in_mail(post, notification.actor_id, actor_name or "Someone")
        text = headline(
            notification.kind,
            name=name,
            post=post,
            meeting=meeting,
            detail=notification.detail,
            count=len(rows),
            cohort_name=cohort.name,
            zone=user.timezone,
        )
        excerpt = (
            _excerpt(post.body_html) if post is not None and notification.kind == NotificationKind.NEW_POST else ""
        )
        if notification.kind == NotificationKind.NEW_POST and post.is_challenge and post.status == ChallengeStatus.OPEN:
            gathered.waiting.append(DigestLine(text, link, excerpt))
        elif notification.kind in (NotificationKind.NEW_POST, NotificationKind.ANNOUNCEMENT):
            gathered.stories.append(DigestLine(text, link, excerpt))
        else:
            gathered.others.append(DigestLine(text, link))
    if not gathered:
        return None
    for meeting in coming_sessions(membership, until, timedelta(days=COMING_DAYS[digest])):
        when = local_time(meeting.starts_at, user.timezone)
        gathered.sessions.append(
            DigestLine(
                f"{meeting.title}, {when:%a %-d %b %H:%M}",
                external_url("cohort.meetings.detail", slug=cohort.slug, meeting_id=meeting.id),
            )
        )
    unsubscribe = external_url("notifications.unsubscribe", token=unsubscribe_token(user.id, digest))
    title = f"Your {digest.label.lower()}"
    return Letter(
        to=formataddr((user.name, user.email)),
        subject=f"{title} · {cohort.name}",
        template="digest",
        values={
            "headline": f"{title}: what is new in {cohort.name}",
            "digest": gathered,
            "cohort_name": cohort.name,
            "kind_label": title.replace("Your", "The"),
            "unsubscribe": unsubscribe,
            "choices": external_url("auth.account") + "#notifications",
            "link": external_url("cohort.cohorts.home", slug=cohort.slug),
        },
        unsubscribe=unsubscribe,
        list_id=cohort.slug,
    )


def _excerpt(html: str) -> str:
    text = plain_text(html).strip()
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


for _digest_kind in DIGEST_KINDS.values():
    composer(_digest_kind)(digest_letter)
