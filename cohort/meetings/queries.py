"""Reading sessions: the cohort's list, one session's page, and a person's next sessions."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import listed_posts
from ..extensions import db
from ..models import (
    AgendaItem,
    AgendaStatus,
    Attendance,
    ChallengeStatus,
    Cohort,
    Feedback,
    FeedbackGiven,
    Meeting,
    Membership,
    Post,
    PostKind,
    Rsvp,
    RsvpResponse,
    User,
    Visibility,
    utcnow,
)
from ..posts.queries import person_label
from .ops import current_notes

PAST_SHOWN = 24


def sessions_of(cohort_id: int) -> tuple[list[Meeting], list[Meeting]]:
    now = utcnow()
    upcoming = db.session.execute(
        select(Meeting).where(Meeting.cohort_id == cohort_id, Meeting.ends_at > now).order_by(Meeting.starts_at)
    ).scalars()
    past = db.session.execute(
        select(Meeting)
        .where(Meeting.cohort_id == cohort_id, Meeting.ends_at <= now)
        .order_by(Meeting.starts_at.desc())
        .limit(PAST_SHOWN)
    ).scalars()
    return list(upcoming), list(past)


def next_sessions_for(user: User, limit: int = 5) -> list[tuple[Meeting, Cohort, RsvpResponse | None]]:
    """The user's coming sessions across the cohorts whose charter they have accepted (the others
    open only at the charter), with their answer to each."""
    rows = db.session.execute(
        select(Meeting, Cohort, Rsvp.response)
        .join(Cohort, Cohort.id == Meeting.cohort_id)
        .join(
            Membership,
            (Membership.cohort_id == Cohort.id)
            & (Membership.user_id == user.id)
            & Membership.charter_accepted_at.is_not(None),
        )
        .outerjoin(Rsvp, (Rsvp.meeting_id == Meeting.id) & (Rsvp.user_id == user.id))
        .where(Meeting.ends_at > utcnow(), Meeting.cancelled_at.is_(None))
        .order_by(Meeting.starts_at)
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]


def open_challenges(membership: Membership) -> list[Post]:
    """Challenges a member can bring to a session: ones everyone in the cohort can see."""
    return list(
        db.session.execute(
            select(Post)
            .where(
                listed_posts(membership),
                Post.kind == PostKind.CHALLENGE,
                Post.visibility != Visibility.FACILITATORS,
                Post.status.in_([ChallengeStatus.OPEN, ChallengeStatus.ON_AGENDA, ChallengeStatus.TRYING]),
            )
            .order_by(Post.created_at.desc())
        ).scalars()
    )


def session_page(meeting: Meeting, viewer: Membership) -> dict:
    """Everything the session page shows, in a fixed number of queries."""
    members = db.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == meeting.cohort_id)
        .order_by(User.name)
    ).all()
    responses = dict(db.session.execute(select(Rsvp.user_id, Rsvp.response).where(Rsvp.meeting_id == meeting.id)).all())
    by_response = {response: [] for response in RsvpResponse}
    not_answered = []
    for user, _membership in members:
        (by_response[responses[user.id]] if user.id in responses else not_answered).append(user)
    attended = set(db.session.execute(select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)).scalars())

    items = list(
        db.session.execute(
            select(AgendaItem)
            .options(joinedload(AgendaItem.post), joinedload(AgendaItem.proposed_by))
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        ).scalars()
    )
    linked_ids = [item.post_id for item in items if item.post_id]
    readable = (
        set(db.session.execute(select(Post.id).where(Post.id.in_(linked_ids), listed_posts(viewer))).scalars())
        if linked_ids
        else set()
    )
    agenda = []
    for item in items:
        if item.status != AgendaStatus.ACCEPTED and not (
            viewer.is_facilitator or item.proposed_by_id == viewer.user_id
        ):
            continue
        post = item.post if item.post_id in readable else None
        # Named as on the challenge itself, even when the challenge is no longer readable.
        proposer = (
            person_label(item.post, item.proposed_by_id, item.proposed_by.name, viewer)
            if item.post is not None
            else item.proposed_by.name
        )
        agenda.append({"item": item, "post": post, "proposer": proposer})

    feedback = None
    if viewer.is_facilitator:
        feedback = list(
            db.session.execute(
                select(Feedback).where(Feedback.meeting_id == meeting.id).order_by(Feedback.created_at)
            ).scalars()
        )
    gave_feedback = (
        db.session.execute(
            select(FeedbackGiven.user_id).where(
                FeedbackGiven.meeting_id == meeting.id, FeedbackGiven.user_id == viewer.user_id
            )
        ).first()
        is not None
    )
    return {
        "meeting": meeting,
        "members": [user for user, _ in members],
        "by_response": by_response,
        "not_answered": not_answered,
        "my_response": responses.get(viewer.user_id),
        "attended": attended,
        "agenda_items": agenda,
        "notes": current_notes(meeting),
        "challenges": open_challenges(viewer),
        "feedback": feedback,
        "can_give_feedback": meeting.has_ended()
        and not meeting.cancelled_at
        and not gave_feedback
        and (viewer.user_id in attended or (not attended and responses.get(viewer.user_id) == RsvpResponse.YES)),
        "gave_feedback": gave_feedback,
    }
