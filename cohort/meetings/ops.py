"""Writes on sessions. Each leaves the commit to its caller."""

from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from ..extensions import db
from ..markdown import render_markdown
from ..models import (
    AgendaItem,
    AgendaStatus,
    Attendance,
    ChallengeStatus,
    Cohort,
    Feedback,
    FeedbackGiven,
    Meeting,
    MeetingNote,
    MeetingSeries,
    Post,
    Rsvp,
    RsvpResponse,
    User,
    utcnow,
)
from ..upsert import insert_or_ignore, upsert
from .schedule import Plan, local_start


class MeetingError(Exception):
    """An action that cannot be done, with a message fit to show the person who tried."""


@dataclass
class SessionDetails:
    title: str
    duration_minutes: int
    location: str
    video_url: str
    agenda: str


def schedule(cohort: Cohort, plan: Plan, timezone: str, details: SessionDetails) -> list[Meeting]:
    """Create the sessions of a plan: one, or a monthly series sharing its rule."""
    series = None
    if plan.rule:
        series = MeetingSeries(
            cohort_id=cohort.id,
            rrule=plan.rule,
            dtstart_local=plan.dtstart_local,
            timezone=timezone,
            description=plan.pattern,
        )
        db.session.add(series)
    meetings = []
    for start in plan.starts:
        meeting = Meeting(cohort_id=cohort.id, series=series, timezone=timezone)
        _apply(meeting, details)
        meeting.starts_at = start
        meeting.ends_at = start + timedelta(minutes=details.duration_minutes)
        db.session.add(meeting)
        meetings.append(meeting)
    db.session.flush()
    return meetings


def _apply(meeting: Meeting, details: SessionDetails) -> None:
    meeting.title = details.title
    meeting.location = details.location
    meeting.video_url = details.video_url
    meeting.agenda = details.agenda
    meeting.agenda_html = render_markdown(details.agenda)


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
    targets = following(meeting) if this_and_following else [meeting]
    # Later sessions take the new time, zone and length, and only the details that were changed
    # here: their own agendas and titles stay theirs.
    changed = {
        name: value
        for name, value in vars(details).items()
        if name != "duration_minutes" and value != getattr(meeting, name)
    }
    for target in targets:
        day = new_date if target.id == meeting.id else target.starts_at.astimezone(ZoneInfo(target.timezone)).date()
        start = local_start(day, new_time, timezone)
        for name, value in (vars(details) if target.id == meeting.id else changed).items():
            if name != "duration_minutes":
                setattr(target, name, value)
        target.agenda_html = render_markdown(target.agenda)
        target.timezone = timezone
        target.starts_at = start
        target.ends_at = start + timedelta(minutes=details.duration_minutes)
        _changed(target)
    return targets


def cancel(meeting: Meeting, *, this_and_following: bool) -> list[Meeting]:
    """Cancel sessions; they stay listed, marked cancelled, and calendars are told."""
    candidates = following(meeting) if this_and_following else [meeting]
    targets = [target for target in candidates if not target.cancelled_at]
    for target in targets:
        target.cancelled_at = utcnow()
        _changed(target)
    return targets


def answer(meeting: Meeting, user: User, response: RsvpResponse) -> None:
    """Record or change an RSVP for this one session."""
    if meeting.cancelled_at:
        raise MeetingError("This session has been cancelled.")
    if meeting.has_ended():
        raise MeetingError("This session has already taken place.")
    now = utcnow()
    upsert(
        Rsvp,
        {"meeting_id": meeting.id, "user_id": user.id, "response": response, "responded_at": now},
        ["meeting_id", "user_id"],
        {"response": response, "responded_at": now},
    )


def record_attendance(meeting: Meeting, member_ids: set[int], cohort_member_ids: set[int]) -> None:
    """Set who attended: exactly the members given (others in the cohort are ignored)."""
    if not meeting.has_started():
        raise MeetingError("Attendance can be recorded once the session has started.")
    attended = member_ids & cohort_member_ids
    db.session.execute(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    for user_id in sorted(attended):
        db.session.add(Attendance(meeting_id=meeting.id, user_id=user_id))


def propose_item(meeting: Meeting, user: User, title: str, post: Post | None, *, accepted: bool) -> AgendaItem:
    """Add an agenda item: proposed by a member, or accepted at once when a facilitator adds it."""
    position = db.session.execute(
        select(func.coalesce(func.max(AgendaItem.position), 0)).where(AgendaItem.meeting_id == meeting.id)
    ).scalar_one()
    item = AgendaItem(
        meeting_id=meeting.id,
        title=title,
        post=post,
        proposed_by=user,
        status=AgendaStatus.ACCEPTED if accepted else AgendaStatus.PROPOSED,
        position=position + 1,
    )
    db.session.add(item)
    if accepted:
        _put_challenge_on_agenda(item)
    db.session.flush()
    return item


def _put_challenge_on_agenda(item: AgendaItem) -> None:
    if item.post is not None and item.post.status == ChallengeStatus.OPEN:
        item.post.status = ChallengeStatus.ON_AGENDA


def decide_item(item: AgendaItem, accept: bool) -> None:
    item.status = AgendaStatus.ACCEPTED if accept else AgendaStatus.DECLINED
    if accept:
        _put_challenge_on_agenda(item)


def move_item(item: AgendaItem, direction: int) -> None:
    """Swap an accepted item with its neighbour above (-1) or below (+1)."""
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


def save_notes(meeting: Meeting, author: User, general: str, per_item: dict[int, str]) -> int:
    """Add a new version of each note that changed; earlier versions stay. Returns how many changed."""
    current = current_notes(meeting)
    changed = 0
    for item_id, text in [(None, general), *per_item.items()]:
        previous = current.get(item_id)
        if text.strip() == (previous.body.strip() if previous else ""):
            continue
        db.session.add(
            MeetingNote(
                meeting_id=meeting.id,
                agenda_item_id=item_id,
                body=text,
                body_html=render_markdown(text),
                author_id=author.id,
            )
        )
        changed += 1
    return changed


def current_notes(meeting: Meeting) -> dict[int | None, MeetingNote]:
    """The newest version of the session's notes (key None) and of each item's notes."""
    latest = (
        select(func.max(MeetingNote.id))
        .where(MeetingNote.meeting_id == meeting.id)
        .group_by(MeetingNote.agenda_item_id)
    )
    notes = db.session.execute(select(MeetingNote).where(MeetingNote.id.in_(latest))).scalars()
    return {note.agenda_item_id: note for note in notes}


def give_feedback(meeting: Meeting, user: User, rating: int, comment: str) -> None:
    """Anonymous feedback, once per attendee: who gave it and what they said are kept apart."""
    if not meeting.has_ended():
        raise MeetingError("Feedback opens when the session has ended.")
    if not insert_or_ignore(FeedbackGiven, {"meeting_id": meeting.id, "user_id": user.id}, ["meeting_id", "user_id"]):
        raise MeetingError("You have already given feedback on this session. Thank you.")
    db.session.add(Feedback(meeting_id=meeting.id, rating=rating, comment=comment.strip()))
