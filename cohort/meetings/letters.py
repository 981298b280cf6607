"""Session mail carries the session's .ics, so calendars add, move or drop the session themselves."""

from email.utils import formataddr

from ..mail.compose import Attachment, Letter, composer
from ..models import Meeting, NotificationKind, OutboxMessage
from ..notifications.letters import notification_letter
from .calendar import invitation_calendar
from .queries import agenda_titles


def session_letter(message: OutboxMessage) -> Letter | None:
    """The notification's letter, with the session's invitation (or cancellation) attached."""
    letter = notification_letter(message)
    if letter is None:
        return None
    meeting: Meeting = letter.values["meeting"]
    cancelled = meeting.cancelled_at is not None
    if cancelled and not message.context.get("detail", "").startswith("cancelled"):
        return None  # news of a session cancelled since: the cancellation's own mail tells
    user = message.user
    data = invitation_calendar(
        meeting,
        letter.values["cohort_name"],
        letter.values["link"],
        agenda_titles([meeting.id]).get(meeting.id, []),
        cancelled=cancelled,
        attendee=formataddr((user.name, user.email)),
    )
    method = "CANCEL" if cancelled else "REQUEST"
    letter.attachments.append(Attachment("session.ics", f"text/calendar; method={method}", data))
    return letter


for _kind in (NotificationKind.SESSION_CHANGE, NotificationKind.SESSION_REMINDER):
    composer(_kind.value)(session_letter)
