"""RFC 5545 calendars of sessions, made with the icalendar library."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from ..markdown import plain_text
from ..models import Meeting, utcnow


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
    return event


def build_calendar(entries, name: str) -> bytes:
    """A calendar of ``(meeting, cohort name, url, agenda item titles)`` entries, with a VTIMEZONE
    for each zone used."""
    calendar = Calendar()
    calendar.add("prodid", "-//Cohort//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for meeting, cohort_name, url, items in entries:
        calendar.add_component(_event(meeting, cohort_name, url, items))
    if entries:
        # Zone rules must cover every event, including ones years ahead.
        first = min(entry[0].starts_at for entry in entries).date()
        last = max(entry[0].ends_at for entry in entries).date()
        calendar.add_missing_timezones(first_date=first - timedelta(days=366), last_date=last + timedelta(days=366))
    return calendar.to_ical()
