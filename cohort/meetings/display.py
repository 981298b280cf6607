"""Session times as each viewer reads them: in their own zone, with the session's beside it."""

from zoneinfo import ZoneInfo

from ..models import Meeting
from ..timezones import city


def when(meeting: Meeting, viewer_zone: str) -> str:
    """E.g. "Tue 9 Mar 2027, 15:00 London · 10:00 your time (New York)"."""
    session_local = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))
    label = f"{session_local:%a %-d %b %Y, %H:%M} {city(meeting.timezone)}"
    if viewer_zone == meeting.timezone:
        return label
    mine = meeting.starts_at.astimezone(ZoneInfo(viewer_zone))
    if mine.replace(tzinfo=None) == session_local.replace(tzinfo=None):
        return label
    day = "" if mine.date() == session_local.date() else f"{mine:%a %-d %b}, "
    return f"{label} · {day}{mine:%H:%M} your time ({city(viewer_zone)})"
