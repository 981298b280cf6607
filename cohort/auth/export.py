"""Everything Cohort holds about one person, and everything they wrote, as one JSON document.

Only their own words and records: a reply someone else wrote under their post, another member's
name or address, or who else answered a session are never in it. ``TABLES`` names, for every table
with a column pointing at an account, the part of the export that covers it; ``NOT_PERSONAL`` says
why a table is left out. A test walks the schema, so a new table must be named in one of them."""

import base64
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Adoption,
    AgendaItem,
    Attachment,
    Attendance,
    AuditEntry,
    Cohort,
    FeedbackGiven,
    Flag,
    FormerHandle,
    Invitation,
    Meeting,
    MeetingFollow,
    MeetingNote,
    Membership,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Post,
    PostRead,
    RecoveryCode,
    Reply,
    Rsvp,
    SignIn,
    Thanks,
    ThreadFollow,
    TwoFactor,
    User,
)
from ..uploads import photos, storage

ABOUT = (
    "Everything Cohort stores about you and everything you wrote, as of the time above. Only your own "
    "words: replies, notes and thanks by other members are not included, even under your posts, as they "
    "are theirs. Session feedback is stored without its author, so which feedback was yours cannot be "
    "known; only the sessions you gave feedback on are listed. Mail sent to you is listed by its "
    "envelope (kind, status, times), not its text."
)

# Table → the key of the export that covers it.
TABLES = {
    "user": "account",
    "former_handle": "account",
    "two_factor": "account",  # whether it is on: never the secret
    "recovery_code": "account",  # how many are left: never a code, not even hashed
    "membership": "memberships",
    "post": "posts",
    "reply": "replies",
    "attachment": "files_attached",
    "thanks": "thanks_given",
    "flag": "flags_raised",
    "adoption": "adoptions",
    "post_read": "threads_read",
    "rsvp": "rsvps",
    "attendance": "attendance",
    "agenda_item": "agenda_items_proposed",
    "meeting_note": "session_notes_written",
    "feedback_given": "feedback_given",
    "notification": "notifications",
    "notification_preference": "notification_preferences",
    "thread_follow": "thread_follows",
    "meeting_follow": "session_follows",
    "sign_in": "sign_ins",
    "outbox_message": "mail_to_you",
    "invitation": "invitations_sent",
    "audit_entry": "audit_log",
}
# Tables pointing at accounts that hold nothing about the person beyond what the parts above say.
NOT_PERSONAL: dict[str, str] = {}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _rows(statement) -> list:
    return list(db.session.execute(statement).scalars())


def _account(user: User) -> dict:
    former = _rows(select(FormerHandle).where(FormerHandle.user_id == user.id).order_by(FormerHandle.released_at))
    return {
        "name": user.name,
        "email": user.email,
        "handle": user.handle,
        "former_handles": [{"handle": row.handle, "released": _time(row.released_at)} for row in former],
        "organisation": user.organisation,
        "job_title": user.job_title,
        "bio": user.bio,
        "country": user.country,
        "photo": _photo(user),
        "time_zone": user.timezone,
        "site_admin": user.is_admin,
        "created": _time(user.created_at),
        "email_confirmed": _time(user.email_confirmed_at),
        "suspended": _time(user.suspended_at),
        "two_factor": _two_factor(user),
    }


def _photo(user: User) -> str | None:
    """The photo as stored (the large size; the small one is made from it), as a data URL."""
    if not user.photo_token:
        return None
    data = storage.storage().read(photos.photo_key(user.photo_token, "large"))
    return f"data:image/jpeg;base64,{base64.b64encode(data).decode()}" if data else None


def _files(user: User) -> list[dict]:
    """The files the person attached, each with its bytes as a data URL."""
    found = []
    for attachment in _rows(select(Attachment).where(Attachment.uploader_id == user.id).order_by(Attachment.id)):
        data = storage.storage().read(attachment.storage_key)
        found.append(
            {
                "post_id": attachment.post_id,
                "reply_id": attachment.reply_id,
                "session_id": attachment.meeting_id,
                "name": attachment.name,
                "type": attachment.content_type,
                "size": attachment.size,
                "attached": _time(attachment.created_at),
                "file": f"data:{attachment.content_type};base64,{base64.b64encode(data).decode()}" if data else None,
            }
        )
    return found


def _two_factor(user: User) -> dict:
    enabled = db.session.scalar(
        select(TwoFactor.enabled_at).where(TwoFactor.user_id == user.id, TwoFactor.enabled_at.is_not(None))
    )
    left = db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return {"on": enabled is not None, "since": _time(enabled), "recovery_codes_left": left}


def _memberships(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Membership, Cohort).join(Cohort).where(Membership.user_id == user.id).order_by(Membership.joined_at)
    ).all()
    return [
        {
            "cohort": cohort.name,
            "cohort_slug": cohort.slug,
            "role": membership.role.value,
            "joined": _time(membership.joined_at),
            "charter_accepted": _time(membership.charter_accepted_at),
        }
        for membership, cohort in rows
    ]


def _posts(user: User) -> list[dict]:
    posts = _rows(
        select(Post)
        .where(Post.author_id == user.id)
        .options(selectinload(Post.cohort), selectinload(Post.tags), selectinload(Post.results))
        .order_by(Post.created_at, Post.id)
    )
    return [
        {
            "id": post.id,
            "cohort": post.cohort.name,
            "kind": post.kind.value,
            "visibility": post.visibility.value,
            "chatham_house": post.visibility.value == "chatham_house",
            "status": post.status.value if post.status else None,
            "title": post.title,
            "body": post.body,
            "commitment": post.commitment,
            "outcome": post.outcome,
            "results": [
                {
                    "measure": result.measure,
                    "unit": result.unit,
                    "baseline": result.baseline,
                    "result": result.result,
                    "period": result.period,
                }
                for result in post.results
            ],
            "tags": [tag.name for tag in post.tags],
            "created": _time(post.created_at),
            "edited": _time(post.edited_at),
            "committed": _time(post.committed_at),
            "outcome_recorded": _time(post.outcome_at),
            "deleted": _time(post.deleted_at),
            "hidden": _time(post.hidden_at),
        }
        for post in posts
    ]


def _replies(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Reply, Post.title)
        .join(Post, Post.id == Reply.post_id)
        .where(Reply.author_id == user.id)
        .order_by(Reply.created_at, Reply.id)
    ).all()
    return [
        {
            "id": reply.id,
            "post_id": reply.post_id,
            "post_title": title,
            "in_reply_to": reply.parent_id,
            "body": reply.body,
            "created": _time(reply.created_at),
            "edited": _time(reply.edited_at),
            "deleted": _time(reply.deleted_at),
            "hidden": _time(reply.hidden_at),
            "marked_helpful": _time(reply.helpful_at),
        }
        for reply, title in rows
    ]


def _target(post_id: int | None, reply_id: int | None) -> dict:
    return {"post_id": post_id} if post_id is not None else {"reply_id": reply_id}


def _thanks(user: User) -> tuple[list[dict], list[dict]]:
    given = _rows(
        select(Thanks).where(Thanks.user_id == user.id).options(selectinload(Thanks.value)).order_by(Thanks.created_at)
    )
    own_posts = select(Post.id).where(Post.author_id == user.id)
    own_replies = select(Reply.id).where(Reply.author_id == user.id)
    received = _rows(
        select(Thanks)
        .where(or_(Thanks.post_id.in_(own_posts), Thanks.reply_id.in_(own_replies)))
        .options(selectinload(Thanks.value))
        .order_by(Thanks.created_at)
    )

    def value(thanks: Thanks) -> str | None:
        return thanks.value.name if thanks.value else None

    return (
        [{**_target(t.post_id, t.reply_id), "value": value(t), "created": _time(t.created_at)} for t in given],
        # Who thanked is theirs to tell: the export says what was thanked and how, not by whom.
        [{**_target(t.post_id, t.reply_id), "value": value(t), "created": _time(t.created_at)} for t in received],
    )


def _flags(user: User) -> list[dict]:
    flags = _rows(select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.created_at))
    return [
        {
            **_target(flag.post_id, flag.reply_id),
            "reason": flag.reason,
            "created": _time(flag.created_at),
            "resolved": _time(flag.resolved_at),
            "resolution": flag.resolution,
        }
        for flag in flags
    ]


def _meeting_rows(model, user: User, *columns) -> list[dict]:
    rows = db.session.execute(
        select(model, Meeting.title, Meeting.starts_at)
        .join(Meeting, Meeting.id == model.meeting_id)
        .where(model.user_id == user.id)
        .order_by(Meeting.starts_at)
    ).all()
    return [
        {
            "session_id": row.meeting_id,
            "session": title,
            "starts": _time(starts),
            **{name: convert(getattr(row, attribute)) for name, attribute, convert in columns},
        }
        for row, title, starts in rows
    ]


def _value(item):
    return getattr(item, "value", item)


def _agenda_items(user: User) -> list[dict]:
    items = _rows(select(AgendaItem).where(AgendaItem.proposed_by_id == user.id).order_by(AgendaItem.created_at))
    return [
        {
            "session_id": item.meeting_id,
            "title": item.title,
            "post_id": item.post_id,
            "status": item.status.value,
            "created": _time(item.created_at),
        }
        for item in items
    ]


def _notes(user: User) -> list[dict]:
    notes = _rows(select(MeetingNote).where(MeetingNote.author_id == user.id).order_by(MeetingNote.created_at))
    return [
        {
            "session_id": note.meeting_id,
            "agenda_item_id": note.agenda_item_id,
            "body": note.body,
            "created": _time(note.created_at),
        }
        for note in notes
    ]


def _notifications(user: User) -> list[dict]:
    notes = _rows(
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(selectinload(Notification.cohort))
        .order_by(Notification.created_at)
    )
    # Who acted is not named: on a Chatham House thread the reader may not know, and it is theirs.
    return [
        {
            "kind": note.kind.value,
            "cohort": note.cohort.name,
            "post_id": note.post_id,
            "reply_id": note.reply_id,
            "session_id": note.meeting_id,
            "detail": note.detail,
            "created": _time(note.created_at),
            "read": _time(note.read_at),
        }
        for note in notes
    ]


def _follows(model, user: User, attribute: str, key: str) -> list[dict]:
    rows = _rows(select(model).where(model.user_id == user.id).order_by(model.created_at))
    return [{key: getattr(row, attribute), "following": row.following, "since": _time(row.created_at)} for row in rows]


def _sign_ins(user: User) -> list[dict]:
    rows = _rows(select(SignIn).where(SignIn.user_id == user.id).order_by(SignIn.created_at))
    return [
        {
            "device": row.device,
            "address": row.address,
            "signed_in": _time(row.created_at),
            "last_seen": _time(row.last_seen_at),
            "signed_out": _time(row.ended_at),
        }
        for row in rows
    ]


def _audit_log(user: User) -> list[dict]:
    """What the audit log says the person did as a facilitator or admin, and what was done about them."""
    rows = _rows(
        select(AuditEntry)
        .where(or_(AuditEntry.actor_id == user.id, AuditEntry.subject_id == user.id))
        .order_by(AuditEntry.created_at)
    )
    return [
        {
            "when": _time(row.created_at),
            "by_you": row.actor_id == user.id,
            "action": row.action,
            "description": row.description if row.actor_id == user.id else None,
            "address": row.address if row.actor_id == user.id else None,
        }
        for row in rows
    ]


def _outbox(user: User) -> list[dict]:
    rows = _rows(
        select(OutboxMessage)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.to_address == user.email))
        .order_by(OutboxMessage.created_at)
    )
    return [
        {"kind": row.kind, "status": row.status.value, "created": _time(row.created_at), "sent": _time(row.sent_at)}
        for row in rows
    ]


def _invitations(user: User) -> list[dict]:
    rows = _rows(
        select(Invitation)
        .where(Invitation.created_by_id == user.id)
        .options(selectinload(Invitation.cohort))
        .order_by(Invitation.created_at)
    )
    # The invited address is the invitee's: the export says that an invitation went out, not to whom.
    return [
        {
            "cohort": row.cohort.name,
            "emailed": row.email is not None,
            "role": row.role.value,
            "uses": row.use_count,
            "created": _time(row.created_at),
            "expires": _time(row.expires_at),
            "withdrawn": _time(row.revoked_at),
        }
        for row in rows
    ]


def personal_data(user: User, now: datetime) -> dict:
    """The export of ``user``'s data at ``now``: a dictionary ready for ``json.dumps``."""
    given, received = _thanks(user)
    return {
        "about": ABOUT,
        "exported": _time(now),
        "account": _account(user),
        "memberships": _memberships(user),
        "posts": _posts(user),
        "replies": _replies(user),
        "files_attached": _files(user),
        "thanks_given": given,
        "thanks_received": received,
        "flags_raised": _flags(user),
        "adoptions": [
            {"post_id": row.post_id, "created": _time(row.created_at)}
            for row in _rows(select(Adoption).where(Adoption.user_id == user.id).order_by(Adoption.created_at))
        ],
        "threads_read": [
            {"post_id": row.post_id, "read": _time(row.read_at)}
            for row in _rows(select(PostRead).where(PostRead.user_id == user.id).order_by(PostRead.read_at))
        ],
        "rsvps": _meeting_rows(Rsvp, user, ("response", "response", _value), ("answered", "responded_at", _time)),
        "attendance": _meeting_rows(Attendance, user, ("recorded", "recorded_at", _time)),
        "agenda_items_proposed": _agenda_items(user),
        "session_notes_written": _notes(user),
        "feedback_given": _meeting_rows(FeedbackGiven, user),
        "notifications": _notifications(user),
        "notification_preferences": [
            {"kind": row.kind.value, "delivery": row.delivery.value}
            for row in _rows(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
        ],
        "thread_follows": _follows(ThreadFollow, user, "post_id", "post_id"),
        "session_follows": _follows(MeetingFollow, user, "meeting_id", "session_id"),
        "sign_ins": _sign_ins(user),
        "audit_log": _audit_log(user),
        "mail_to_you": _outbox(user),
        "invitations_sent": _invitations(user),
    }
