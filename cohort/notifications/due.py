"""What is due by time: the reminder the day before a session, and the nudge asking what happened next.

The worker runs these every minute (``mail.worker``). Each is queued from the data with a key naming
its recipient, kind and subject, inserted only if new, so a second run, or a second worker at the
same moment, tells nobody twice. Recipients are chosen through the policy's twins, and the mail is
checked against the policy again when it leaves.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from .. import policy
from ..extensions import db
from ..mail import note_queued
from ..mail.worker import due_work
from ..models import (
    ChallengeStatus,
    Delivery,
    Meeting,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Post,
    Rsvp,
    RsvpResponse,
    User,
)
from ..policy import Permission
from ..upsert import insert_or_ignore, insert_returning_id
from .letters import DIGEST_KINDS
from .queries import delivery_of, memberships_with_news

REMINDER_AHEAD = timedelta(hours=24)
# Asked this many days after the commitment; a run that comes late asks only the latest question.
NUDGE_DAYS = (90, 30)
# Before the next session, the author is asked too, if they committed a while before it.
NUDGE_BEFORE_SESSION = timedelta(days=3)
NUDGE_SESSION_AFTER_COMMITMENT = timedelta(days=14)


def _tell_once(kind: NotificationKind, user_id: int, key: str, now: datetime, **about) -> bool:
    """One notification (and its mail, if wanted at once) unless this key was told already."""
    if not insert_or_ignore(
        Notification, {"user_id": user_id, "kind": kind, "dedupe_key": key, "created_at": now, **about}, ["dedupe_key"]
    ):
        return False
    if delivery_of(user_id, kind) == Delivery.IMMEDIATELY:
        message_id = insert_returning_id(
            OutboxMessage,
            {
                "kind": kind.value,
                "user_id": user_id,
                "cohort_id": about["cohort_id"],
                "post_id": about.get("post_id"),
                "meeting_id": about.get("meeting_id"),
                "context": {"actor_id": None, "detail": about.get("detail", "")},
                "dedupe_key": key,
                "next_attempt_at": now,
                "created_at": now,
            },
            ["dedupe_key"],
        )
        note_queued([message_id] if message_id else [], kind.value)
    return True


@due_work
def queue_reminders(now: datetime) -> int:
    """Members who answered yes or maybe hear of a session 24 hours before it (once per start time,
    so a session moved is reminded of again)."""
    rows = db.session.execute(
        select(Meeting.id, Meeting.cohort_id, Meeting.starts_at, Rsvp.user_id)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .join(Membership, and_(Membership.cohort_id == Meeting.cohort_id, Membership.user_id == Rsvp.user_id))
        .where(
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + REMINDER_AHEAD,
            Rsvp.response.in_([RsvpResponse.YES, RsvpResponse.MAYBE]),
            policy.members_granting(policy.permission_to_be_told(NotificationKind.SESSION_REMINDER), Membership),
        )
    ).all()
    told = 0
    for meeting_id, cohort_id, starts_at, user_id in rows:
        key = f"reminder:{meeting_id}:{user_id}:{starts_at:%Y%m%dT%H%M}"
        told += _tell_once(
            NotificationKind.SESSION_REMINDER, user_id, key, now, cohort_id=cohort_id, meeting_id=meeting_id
        )
    return told


@due_work
def queue_outcome_nudges(now: datetime) -> int:
    """The author of a challenge being tried is asked "what happened next?" 30 and 90 days after the
    commitment, and a few days before the cohort's next session, until an outcome is recorded or the
    challenge is parked (it is then no longer "trying")."""
    author = and_(Membership.cohort_id == Post.cohort_id, Membership.user_id == Post.author_id)
    challenges = db.session.execute(
        select(Post.id, Post.cohort_id, Post.author_id, Post.committed_at)
        .join(Membership, author)
        .where(
            Post.status == ChallengeStatus.TRYING,
            Post.committed_at.is_not(None),
            policy.readers_of_post_condition(Membership, Post),
        )
    ).all()
    soon = now + NUDGE_BEFORE_SESSION
    # Latest first, so each cohort keeps its next session.
    coming = {
        cohort_id: (meeting_id, starts_at)
        for cohort_id, meeting_id, starts_at in db.session.execute(
            select(Meeting.cohort_id, Meeting.id, Meeting.starts_at)
            .where(Meeting.cancelled_at.is_(None), Meeting.starts_at > now, Meeting.starts_at <= soon)
            .order_by(Meeting.starts_at.desc())
        )
    }
    told = 0
    for post_id, cohort_id, author_id, committed_at in challenges:
        about = {"cohort_id": cohort_id, "post_id": post_id}
        committed = f"{committed_at:%Y%m%dT%H%M%S}"
        for days in NUDGE_DAYS:
            if now - committed_at >= timedelta(days=days):
                key = f"nudge:{days}:{post_id}:{committed}"
                told += _tell_once(NotificationKind.OUTCOME_NUDGE, author_id, key, now, detail=str(days), **about)
                break
        meeting_id, starts_at = coming.get(cohort_id, (None, None))
        if meeting_id is not None and starts_at - committed_at >= NUDGE_SESSION_AFTER_COMMITMENT:
            key = f"nudge:session:{post_id}:{meeting_id}"
            told += _tell_once(
                NotificationKind.OUTCOME_NUDGE, author_id, key, now, meeting_id=meeting_id, detail="session", **about
            )
    return told


DIGEST_HOUR = 7


@due_work
def queue_digests(now: datetime) -> int:
    """In the hour from 07:00 in each member's own time zone (the weekly one on Mondays), one digest per
    cohort of what is new since their previous digest of that kind and before 07:00, if anything is.

    A worker that was down all that hour sends no digest that day: the next one gathers it all."""
    chosen: dict[int, dict[NotificationKind, Delivery]] = {}
    for user_id, kind, delivery in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.delivery)
    ):
        chosen.setdefault(user_id, {})[kind] = delivery
    members = db.session.execute(
        select(Membership.id, Membership.user_id, Membership.cohort_id, User.timezone)
        .join(User, User.id == Membership.user_id)
        .where(policy.members_granting(Permission.TAKE_PART, Membership))
    ).all()
    # Members alike in digest, kinds and hour are asked about together: one query for each such group.
    groups: dict[tuple, list] = {}
    for membership_id, user_id, cohort_id, zone in members:
        local = now.astimezone(ZoneInfo(zone))
        for digest, digest_kind in DIGEST_KINDS.items():
            if local.hour != DIGEST_HOUR or (digest == Delivery.WEEKLY and local.weekday() != 0):
                continue
            kinds = tuple(k for k in NotificationKind if chosen.get(user_id, {}).get(k, k.default_delivery) == digest)
            if kinds:
                seven = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
                key = f"digest:{digest.value}:{user_id}:{cohort_id}:{local.date()}"
                groups.setdefault((digest_kind, kinds, seven), []).append((membership_id, user_id, cohort_id, key))
    told = 0
    for (digest_kind, kinds, seven), due in groups.items():
        queued = set(
            db.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_([d[3] for d in due]))
            )
        )
        waiting = [membership_id for membership_id, _user, _cohort, key in due if key not in queued]
        keys = {(user_id, cohort_id): key for _membership, user_id, cohort_id, key in due}
        for user_id, cohort_id, since in memberships_with_news(waiting, digest_kind, list(kinds), seven):
            message_id = insert_returning_id(
                OutboxMessage,
                {
                    "kind": digest_kind,
                    "user_id": user_id,
                    "cohort_id": cohort_id,
                    "context": {"since": since.isoformat(), "until": seven.isoformat()},
                    "dedupe_key": keys[(user_id, cohort_id)],
                    "next_attempt_at": now,
                    # Dated at 07:00, where it gathered up to: the next digest starts there.
                    "created_at": seven,
                },
                ["dedupe_key"],
            )
            if message_id is not None:
                note_queued([message_id], digest_kind)
                told += 1
    return told
