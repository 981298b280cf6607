"""Session mail carries the session's .ics, so calendars add, move or drop the session themselves."""

from email.utils import formataddr

from sqlalchemy import select

from ..extensions import db
from ..mail import external_url
from ..mail.compose import Attachment, Letter, composer
from ..markdown import plain_text
from ..models import Meeting, Membership, NotificationKind, OutboxMessage, Rsvp, RsvpResponse
from ..notifications.letters import notification_letter
from ..timezones import local_time
from .calendar import invitation_calendar
from .queries import agenda_titles, pre_read, series_from


def session_letter(message: OutboxMessage) -> Letter | None:
    """The notification's letter, with the session's invitation (or cancellation) attached."""
    letter = notification_letter(message)
    if letter is None:
        return None
    meeting: Meeting = letter.values["meeting"]
    cancelled = meeting.cancelled_at is not None
    detail = message.context.get("detail", "")
    if cancelled and not detail.startswith("cancelled"):
        return None  # news of a session cancelled since: the cancellation's own mail tells
    if message.kind == NotificationKind.SESSION_REMINDER and not _reminder_still_wanted(message, meeting):
        return None
    user = message.user
    # News of a series (``detail`` "scheduled:12") carries one invitation per session it changed.
    sessions = series_from(meeting, int(detail.partition(":")[2])) if ":" in detail else [meeting]
    titles = agenda_titles([session.id for session in sessions])
    for number, session in enumerate(sessions, 1):
        cancelled = session.cancelled_at is not None
        data = invitation_calendar(
            session,
            letter.values["cohort_name"],
            external_url("cohort.meetings.detail", slug=letter.values["slug"], meeting_id=session.id),
            titles.get(session.id, []),
            cancelled=cancelled,
            attendee=formataddr((user.name, user.email)),
        )
        method = "CANCEL" if cancelled else "REQUEST"
        name = "session.ics" if len(sessions) == 1 else f"session-{number}.ics"
        letter.attachments.append(Attachment(name, f"text/calendar; method={method}", data))
    return letter


def _reminder_still_wanted(message: OutboxMessage, meeting: Meeting) -> bool:
    """A reminder is the session's pre-read, for someone still coming (yes or maybe) to it as it now is."""
    response = db.session.scalar(
        select(Rsvp.response).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == message.user_id)
    )
    return response in (RsvpResponse.YES, RsvpResponse.MAYBE)


def reminder_letter(message: OutboxMessage) -> Letter | None:
    """The reminder the day before: the session's pre-read, naming people as mail must."""
    letter = session_letter(message)
    if letter is None:
        return None
    meeting: Meeting = letter.values["meeting"]
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == message.user_id, Membership.cohort_id == meeting.cohort_id)
    )
    letter.template = "reminder"
    letter.values.update(
        pre_read=pre_read(membership, meeting, for_mail=True),
        text_of=plain_text,
        when=local_time(meeting.starts_at, message.user.timezone),
    )
    return letter


composer(NotificationKind.SESSION_CHANGE.value)(session_letter)
composer(NotificationKind.SESSION_REMINDER.value)(reminder_letter)
