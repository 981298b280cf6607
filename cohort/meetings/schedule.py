"""Turning a facilitator's choices into session dates: an RFC 5545 rule, computed by
dateutil.rrule in the session's own time zone, so 15:00 London stays 15:00 London across
daylight-saving changes. Times leave here as aware datetimes; the models store them in UTC."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from ..policy import Refused
from ..timezones import city

MAX_OCCURRENCES = 24
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


class ScheduleError(Refused):
    """Choices that do not make a schedule, with a message for the facilitator."""


@dataclass
class Plan:
    rule: str | None  # the RRULE, or None for a one-off session
    pattern: str  # e.g. "2nd Tuesday of each month"
    description: str
    starts: list[datetime]  # aware, in the session's zone

    @property
    def dtstart_local(self) -> datetime:
        return self.starts[0].replace(tzinfo=None)


def _ordinal_day(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def monthly_rule(start: date, monthly_on: str, occurrences: int) -> tuple[str, str]:
    """The RRULE for a monthly series starting on ``start``, and the pattern in words."""
    weekday = start.weekday()
    count = f"FREQ=MONTHLY;COUNT={occurrences}"
    if monthly_on == "weekday":
        nth = (start.day - 1) // 7 + 1
        if nth == 5:
            raise ScheduleError(
                f"{start:%-d %B} is the fifth {WEEKDAY_NAMES[weekday]}, which most months do not have. "
                f"Choose “last {WEEKDAY_NAMES[weekday]}” instead."
            )
        return f"{count};BYDAY={nth}{WEEKDAY_CODES[weekday]}", f"{ORDINALS[nth]} {WEEKDAY_NAMES[weekday]} of each month"
    if monthly_on == "last_weekday":
        return f"{count};BYDAY=-1{WEEKDAY_CODES[weekday]}", f"last {WEEKDAY_NAMES[weekday]} of each month"
    if monthly_on == "day":
        if start.day <= 28:
            return f"{count};BYMONTHDAY={start.day}", f"the {_ordinal_day(start.day)} of each month"
        # Months too short for this day number take their last day: the latest of the days
        # 28..N that the month has (BYSETPOS=-1), rather than skipping the month.
        days = ",".join(str(day) for day in range(28, start.day + 1))
        return (
            f"{count};BYMONTHDAY={days};BYSETPOS=-1",
            f"the {_ordinal_day(start.day)} of each month (the last day in shorter months)",
        )
    raise ScheduleError("Choose how the sessions repeat each month.")


def plan_sessions(
    start_date: date,
    start_time: time,
    timezone: str,
    *,
    repeat: str = "none",
    monthly_on: str = "weekday",
    occurrences: int = 1,
) -> Plan:
    """The sessions these choices make, with a description in words."""
    zone = ZoneInfo(timezone)
    local_start = datetime.combine(start_date, start_time)
    at = f"{start_time:%H:%M} {city(timezone)}"
    if repeat == "none":
        start = local_start.replace(tzinfo=zone)
        check_wall_clock(start)
        return Plan(None, "one session", f"One session, {local_start:%A %-d %B %Y}, {at}", [start])
    if not 1 <= occurrences <= MAX_OCCURRENCES:
        raise ScheduleError(f"A series has between 1 and {MAX_OCCURRENCES} sessions.")
    rule, pattern = monthly_rule(start_date, monthly_on, occurrences)
    starts = [moment.replace(tzinfo=zone) for moment in rrulestr(rule, dtstart=local_start)]
    if not starts:
        raise ScheduleError("These choices give no dates. Check the start date.")
    for start in starts:
        check_wall_clock(start)
    sessions = f"{len(starts)} session{'s' if len(starts) != 1 else ''}"
    description = f"{pattern[0].upper()}{pattern[1:]}, {at}, {sessions} from {starts[0]:%-d %B %Y}"
    return Plan(rule, pattern, description, starts)


def check_wall_clock(start: datetime) -> None:
    """Refuse a time the clocks skip (e.g. 01:30 when they go forward at 01:00)."""
    round_trip = start.astimezone(UTC).astimezone(start.tzinfo)
    if round_trip.replace(tzinfo=None) != start.replace(tzinfo=None):
        raise ScheduleError(
            f"{start:%H:%M} does not exist on {start:%-d %B %Y} in {city(str(start.tzinfo))}: "
            "the clocks go forward then. Choose another time."
        )


def local_start(date_part: date, time_part: time, zone_name: str) -> datetime:
    """A wall-clock start in a zone, as an aware datetime; refused if the clocks skip it."""
    start = datetime.combine(date_part, time_part).replace(tzinfo=ZoneInfo(zone_name))
    check_wall_clock(start)
    return start
