"""RFC 5545 calendars of sessions, made with the icalendar library: files and feeds to import, and
RFC 5546 invitations (REQUEST, CANCEL) for session mail, so calendars update themselves."""

from datetime import timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Alarm, Calendar, Event, vCalAddress

from ..markdown import plain_text
from ..models import Meeting, utcnow

# Every session that is to happen reminds its reader this long before it starts.
REMINDER_BEFORE = timedelta(hours=1)


def _alarm(meeting: Meeting, cohort_name: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER_BEFORE)  # before DTSTART, so it follows the session when it moves
    alarm.add("description", f"In one hour: {meeting.title} · {cohort_name}")
    return alarm


def _event(meeting: Meeting, cohort_name: str, url: str, items: list[str]) -> Event:
    event = Event()
    zone = ZoneInfo(meeting.timezone)
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", utcnow())
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("summary", f"{meeting.title} · {cohort_name}")
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if meeting.cancelled_at else "CONFIRMED")
    event.add("url", url)
    location = ", ".join(part for part in (meeting.location, meeting.video_url) if part)
    if location:
        event.add("location", location)
    parts = [plain_text(meeting.agenda_html).strip()]
    if items:
        # Every accepted item, whoever proposed it: what the session page shows the cohort.
        parts.append("Agenda items:\n" + "\n".join(f"{number}. {title}" for number, title in enumerate(items, 1)))
    parts.append(url)
    event.add("description", "\n\n".join(part for part in parts if part))
    # Nobody is reminded of a session that will not happen (and RFC 5546 allows no alarm in a CANCEL).
    if not meeting.cancelled_at:
        event.add_component(_alarm(meeting, cohort_name))
    return event


def _calendar(meetings: list[Meeting], events: list[Event], **properties) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Cohort//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for name, value in properties.items():
        calendar.add(name.replace("_", "-"), value)
    for event in events:
        calendar.add_component(event)
    if meetings:
        # Zone rules must cover every event, including ones years ahead.
        first = min(meeting.starts_at for meeting in meetings).date()
        last = max(meeting.ends_at for meeting in meetings).date()
        calendar.add_missing_timezones(first_date=first - timedelta(days=366), last_date=last + timedelta(days=366))
    return calendar


def build_calendar(entries, name: str) -> bytes:
    """A calendar of ``(meeting, cohort name, url, agenda item titles)`` entries to import or
    subscribe to, with a VTIMEZONE for each zone used and a reminder on each session to come."""
    events = [_event(meeting, cohort_name, url, items) for meeting, cohort_name, url, items in entries]
    return _calendar([entry[0] for entry in entries], events, x_wr_calname=name).to_ical()


def _address(address: str, **parameters) -> vCalAddress:
    """A calendar address from a mail address such as ``Cohort <cohort@example.org>``."""
    name, email = parseaddr(address)
    return vCalAddress.new(email, cn=name or None, **parameters)


def invitation_calendar(
    meeting: Meeting, cohort_name: str, url: str, items: list[str], *, cancelled: bool, attendee: str | None = None
) -> bytes:
    """The ``.ics`` a session's mail carries (RFC 5546): METHOD:REQUEST when it is scheduled, moved
    or coming up, METHOD:CANCEL once it is cancelled. Both keep the session's UID and carry its
    current SEQUENCE, which every change (a cancellation too) raises, so a calendar that has the
    invitation replaces it rather than adding another.

    The organizer is the cohort's sender address (``COHORT_MAIL_FROM``). ``attendee``, the
    recipient's address, should be given: RFC 5546 wants one in a REQUEST. They are not asked to
    answer by calendar (RSVP=FALSE): answers are given on the session page. ``items`` are the agenda
    titles, as for ``build_calendar``. Needs an application context, not a request."""
    if cancelled != (meeting.cancelled_at is not None):
        raise ValueError("a cancellation is sent for a cancelled session, and an invitation for one that is not")
    event = _event(meeting, cohort_name, url, items)
    event.add("organizer", _address(current_app.config["COHORT_MAIL_FROM"]))
    if attendee:
        event.add("attendee", _address(attendee, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=False))
    method = "CANCEL" if cancelled else "REQUEST"
    return _calendar([meeting], [event], method=method).to_ical()
