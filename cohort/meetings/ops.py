"""Every write on sessions. Each takes the acting membership, asks the policy, and leaves the commit
to its caller."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, select

from .. import audit, policy
from ..extensions import db
from ..locks import lock_meeting
from ..markdown import MAX_MARKDOWN_CHARS, Renderings, render_with_mentions
from ..models import (
    AgendaItem,
    AgendaStatus,
    Attachment,
    Attendance,
    Feedback,
    FeedbackGiven,
    Meeting,
    MeetingNote,
    MeetingSeries,
    Membership,
    Post,
    Rsvp,
    RsvpResponse,
    utcnow,
)
from ..notifications import events
from ..notifications import ops as notification_ops
from ..policy import Refused
from ..uploads import attachments
from ..upsert import insert_or_ignore, upsert
from .schedule import Plan, local_start


@dataclass
class SessionDetails:
    title: str
    duration_minutes: int
    location: str
    video_url: str
    agenda: str


RUN_ONLY = "Only a facilitator runs the cohort's sessions."


def schedule(actor: Membership, plan: Plan, timezone: str, details: SessionDetails) -> list[Meeting]:
    """Create the sessions of a plan: one, or a monthly series sharing its rule."""
    policy.require_permission(policy.can_run_sessions(actor), RUN_ONLY)
    cohort_id = actor.cohort_id
    series = None
    if plan.rule:
        series = MeetingSeries(
            cohort_id=cohort_id,
            rrule=plan.rule,
            dtstart_local=plan.dtstart_local,
            timezone=timezone,
            description=plan.pattern,
        )
        db.session.add(series)
    meetings = []
    agenda_html, mentioned = render_with_mentions(details.agenda, cohort_id)
    for start in plan.starts:
        meeting = Meeting(cohort_id=cohort_id, series=series, timezone=timezone)
        _apply(meeting, details, agenda_html)
        meeting.starts_at = start
        meeting.ends_at = start + timedelta(minutes=details.duration_minutes)
        db.session.add(meeting)
        meetings.append(meeting)
    db.session.flush()
    events.session_changed(meetings, events.SCHEDULED, actor)
    # A series shares its agenda: the people it mentions hear of it once, for the first session.
    events.mentioned_in_session(meetings[0], mentioned, actor.user_id, part=events.AGENDA)
    return meetings


def _apply(meeting: Meeting, details: SessionDetails, agenda_html: str) -> None:
    meeting.title = details.title
    meeting.location = details.location
    meeting.video_url = details.video_url
    meeting.agenda = details.agenda
    meeting.agenda_html = agenda_html


def _changed(meeting: Meeting) -> None:
    meeting.sequence += 1
    meeting.updated_at = utcnow()


def following(meeting: Meeting) -> list[Meeting]:
    """This session and the later ones of its series (just this one if it has no series)."""
    if meeting.series_id is None:
        return [meeting]
    return list(
        db.session.execute(
            select(Meeting)
            .where(Meeting.series_id == meeting.series_id, Meeting.starts_at >= meeting.starts_at)
            .order_by(Meeting.starts_at)
        ).scalars()
    )


def edit(
    actor: Membership,
    meeting: Meeting,
    details: SessionDetails,
    *,
    new_date: date,
    new_time: time,
    timezone: str,
    this_and_following: bool,
) -> list[Meeting]:
    """Change one session, or it and the rest of its series.

    The session edited moves to the new date and time; later ones keep their own dates and take
    the new wall-clock time in the new zone. Each keeps its identity; its SEQUENCE rises."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    policy.require_permission(policy.can_run_sessions(actor), RUN_ONLY)
    targets = following(meeting) if this_and_following else [meeting]
    # Later sessions take the new time, zone and length, and only the details that were changed
    # here: their own agendas and titles stay theirs.
    changed = {
        name: value
        for name, value in vars(details).items()
        if name != "duration_minutes" and value != getattr(meeting, name)
    }
    # The series' sessions mostly share one agenda: rendered once, not once a session.
    renderings = Renderings(meeting.cohort_id)
    mentioned = renderings.newly_mentioned(meeting.agenda, details.agenda)
    moved = False
    for target in targets:
        day = new_date if target.id == meeting.id else target.starts_at.astimezone(ZoneInfo(target.timezone)).date()
        start = local_start(day, new_time, timezone)
        for name, value in (vars(details) if target.id == meeting.id else changed).items():
            if name != "duration_minutes":
                setattr(target, name, value)
        target.agenda_html = renderings.html(target.agenda)
        moved = moved or target.starts_at != start
        target.timezone = timezone
        target.starts_at = start
        target.ends_at = start + timedelta(minutes=details.duration_minutes)
        _changed(target)
    if moved:
        db.session.flush()
        events.session_changed(targets, events.MOVED, actor)
    events.mentioned_in_session(meeting, mentioned, actor.user_id, part=events.AGENDA)
    return targets


def cancel(actor: Membership, meeting: Meeting, *, this_and_following: bool) -> list[Meeting]:
    """Cancel sessions; they stay listed, marked cancelled, and calendars are told."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    policy.require_permission(policy.can_run_sessions(actor), RUN_ONLY)
    if meeting.has_ended():
        raise Refused("This session has already taken place, so it can no longer be cancelled.")
    candidates = following(meeting) if this_and_following else [meeting]
    targets = [target for target in candidates if not target.cancelled_at]
    for target in targets:
        target.cancelled_at = utcnow()
        _changed(target)
    events.session_changed(targets, events.CANCELLED, actor)
    if targets:
        count = "the session" if len(targets) == 1 else f"{len(targets)} sessions from"
        audit.record(actor, "session_cancelled", meeting, actor.cohort_id, f"Cancelled {count} “{meeting.title}”")
    return targets


def answer(actor: Membership, meeting: Meeting, response: RsvpResponse) -> None:
    """Record or change an RSVP for this one session."""
    policy.require_visible(policy.can_answer(actor, meeting))
    if meeting.cancelled_at:
        raise Refused("This session has been cancelled.")
    if meeting.has_ended():
        raise Refused("This session has already taken place.")
    now = utcnow()
    upsert(
        Rsvp,
        {"meeting_id": meeting.id, "user_id": actor.user_id, "response": response, "responded_at": now},
        ["meeting_id", "user_id"],
        {"response": response, "responded_at": now},
    )
    if response != RsvpResponse.NO:
        notification_ops.follow_session_by_default(actor.user_id, meeting)


def record_attendance(actor: Membership, meeting: Meeting, member_ids: set[int]) -> None:
    """Set who attended: exactly the members given (anyone not in the cohort is ignored)."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    policy.require_permission(policy.can_run_sessions(actor), RUN_ONLY)
    if not meeting.has_started():
        raise Refused("Attendance can be recorded once the session has started.")
    lock_meeting(meeting.id)
    attended = member_ids & set(db.session.execute(select(Membership.user_id).where(members_then(meeting))).scalars())
    db.session.execute(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    for user_id in sorted(attended):
        db.session.add(Attendance(meeting_id=meeting.id, user_id=user_id))


def propose_item(actor: Membership, meeting: Meeting, title: str, post: Post | None = None) -> AgendaItem:
    """Add an agenda item: proposed by a member, or accepted at once when a facilitator adds it.

    A linked challenge must be one everyone in the cohort can read and still open to discussion."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    policy.require(policy.can_propose_item(actor, meeting), "This session’s agenda is closed.")
    if post is not None:
        policy.require_visible(policy.can_see_post(actor, post))
        policy.require_permission(
            policy.can_bring_to_session(actor, post),
            "Only its author or a facilitator brings an open challenge the whole cohort can read.",
        )
    accepted = policy.can_run_sessions(actor)
    lock_meeting(meeting.id)
    position = db.session.execute(
        select(func.coalesce(func.max(AgendaItem.position), 0)).where(AgendaItem.meeting_id == meeting.id)
    ).scalar_one()
    item = AgendaItem(
        meeting_id=meeting.id,
        title=title,
        post=post,
        proposed_by_id=actor.user_id,
        status=AgendaStatus.ACCEPTED if accepted else AgendaStatus.PROPOSED,
        position=position + 1,
    )
    db.session.add(item)
    db.session.flush()
    notification_ops.follow_session_by_default(actor.user_id, meeting)
    if accepted:
        events.session_news(meeting, events.AGENDA, actor.user_id)
    else:
        events.item_proposed(item, meeting)
    return item


def _require_item(actor: Membership, item: AgendaItem) -> None:
    meeting = db.session.get(Meeting, item.meeting_id)
    policy.require_visible(meeting is not None and policy.can_see_agenda_item(actor, item, meeting))
    policy.require_permission(policy.can_run_sessions(actor), RUN_ONLY)


def decide_item(actor: Membership, item: AgendaItem, accept: bool) -> None:
    """Accept or decline a proposed item; the session's followers (its proposer among them) hear of
    an item added."""
    _require_item(actor, item)
    newly_accepted = accept and item.status != AgendaStatus.ACCEPTED
    item.status = AgendaStatus.ACCEPTED if accept else AgendaStatus.DECLINED
    if newly_accepted:
        events.session_news(db.session.get(Meeting, item.meeting_id), events.AGENDA, actor.user_id)


def move_item(actor: Membership, item: AgendaItem, direction: int) -> None:
    """Swap an accepted item with its neighbour above (-1) or below (+1)."""
    _require_item(actor, item)
    if item.status != AgendaStatus.ACCEPTED:
        return
    items = list(
        db.session.execute(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == item.meeting_id, AgendaItem.status == AgendaStatus.ACCEPTED)
            .order_by(AgendaItem.position, AgendaItem.id)
        ).scalars()
    )
    index = items.index(item)
    other = index + direction
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        for position, each in enumerate(items, start=1):
            each.position = position


def save_notes(
    actor: Membership,
    meeting: Meeting,
    general: str,
    per_item: dict[int, str],
    files: Sequence[attachments.Upload] = (),
) -> int:
    """Add a new version of each note that changed (earlier versions stay), and publish ``files``
    with the notes, checked as a post's are. Returns how many notes and files were added."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    policy.require_permission(policy.can_run_sessions(actor), RUN_ONLY)
    if any(len(text) > MAX_MARKDOWN_CHARS for text in [general, *per_item.values()]):
        raise Refused(
            f"Each note must stay under {MAX_MARKDOWN_CHARS:,} characters. Your text is below: shorten it and save."
        )
    stored = attachments.store(attachments.check(list(files)))
    attachments.add_rows(stored, actor.user_id, meeting_id=meeting.id)
    current = current_notes(meeting)
    renderings = Renderings(meeting.cohort_id)
    changed = 0
    told = set()
    for item_id, text in [(None, general), *per_item.items()]:
        previous = current.get(item_id)
        if text.strip() == (previous.body.strip() if previous else ""):
            continue
        body_html = renderings.html(text)
        mentioned = renderings.newly_mentioned(previous.body if previous else "", text)
        db.session.add(
            MeetingNote(
                meeting_id=meeting.id,
                agenda_item_id=item_id,
                body=text,
                body_html=body_html,
                author_id=actor.user_id,
            )
        )
        item = db.session.get(AgendaItem, item_id) if item_id is not None else None
        told |= events.mentioned_in_session(
            meeting, mentioned, actor.user_id, part=events.NOTES, post=item.post if item else None
        )
        changed += 1
    changed += len(stored)
    if changed:
        events.session_news(meeting, events.NOTES, actor.user_id, told=told)
    return changed


def remove_attachment(actor: Membership, attachment: Attachment, meeting: Meeting) -> None:
    """Withdraw a file published with the session's notes."""
    policy.require_visible(policy.can_see_attachment(actor, attachment, meeting=meeting))
    policy.require_permission(policy.can_remove_attachment(actor, attachment, meeting=meeting), RUN_ONLY)
    attachments.remove(attachment)


def members_then(meeting: Meeting):
    """Memberships of the session's cohort that began before it ended: those who could have come.
    The session page's lists and the attendance it records both use this."""
    return and_(Membership.cohort_id == meeting.cohort_id, Membership.joined_at <= meeting.ends_at)


ALREADY_GAVE_FEEDBACK = "You have already given feedback on this session. Thank you."


def attended(meeting: Meeting, user_id: int) -> bool:
    """Whether someone came: recorded attendance, or, until it is recorded, their "yes"."""
    recorded = set(db.session.execute(select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)).scalars())
    if recorded:
        return user_id in recorded
    answer = db.session.execute(
        select(Rsvp.response).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user_id)
    ).scalar_one_or_none()
    return answer == RsvpResponse.YES


def bringable_challenges(actor: Membership) -> list[Post]:
    """The challenges this member may link to an agenda item (``policy.can_bring_to_session``)."""
    return list(
        db.session.execute(
            select(Post).where(policy.bringable_challenges_condition(actor)).order_by(Post.created_at.desc())
        ).scalars()
    )


def current_notes(meeting: Meeting) -> dict[int | None, MeetingNote]:
    """The newest version of the session's notes (key None) and of each item's notes."""
    latest = (
        select(func.max(MeetingNote.id))
        .where(MeetingNote.meeting_id == meeting.id)
        .group_by(MeetingNote.agenda_item_id)
    )
    notes = db.session.execute(select(MeetingNote).where(MeetingNote.id.in_(latest))).scalars()
    return {note.agenda_item_id: note for note in notes}


def give_feedback(actor: Membership, meeting: Meeting, rating: int, comment: str) -> None:
    """Anonymous feedback, once per attendee: who gave it and what they said are kept apart."""
    policy.require_visible(policy.can_see_meeting(actor, meeting))
    if not meeting.has_ended():
        raise Refused("Feedback opens when the session has ended.")
    already = db.session.execute(
        select(FeedbackGiven.user_id).where(
            FeedbackGiven.meeting_id == meeting.id, FeedbackGiven.user_id == actor.user_id
        )
    ).first()
    if already is not None:
        raise Refused(ALREADY_GAVE_FEEDBACK)
    policy.require(
        policy.can_give_feedback(actor, meeting, attended=attended(meeting, actor.user_id)),
        "Feedback is for those who attended, once the session has ended.",
    )
    if not insert_or_ignore(
        FeedbackGiven, {"meeting_id": meeting.id, "user_id": actor.user_id}, ["meeting_id", "user_id"]
    ):
        raise Refused(ALREADY_GAVE_FEEDBACK)
    db.session.add(Feedback(meeting_id=meeting.id, rating=rating, comment=comment.strip()))
