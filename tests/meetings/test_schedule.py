"""Session dates: RFC 5545 rules computed in the session's zone, stored in UTC."""

import calendar
from datetime import UTC, date, time
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import TH, relativedelta
from dateutil.rrule import rrulestr

from cohort.meetings.schedule import ScheduleError, plan_sessions

from .helpers import FIRST, LEAP_YEAR, YEAR, fifth_tuesday, nth_tuesday

SYDNEY = ZoneInfo("Australia/Sydney")


def test_second_tuesday_at_15_london_holds_across_both_clock_changes():
    plan = plan_sessions(FIRST, time(15, 0), "Europe/London", repeat="monthly", monthly_on="weekday", occurrences=12)
    assert plan.rule == "FREQ=MONTHLY;COUNT=12;BYDAY=2TU"
    assert plan.description == f"2nd Tuesday of each month, 15:00 London, 12 sessions from {FIRST.day} January {YEAR}"
    assert [start.date() for start in plan.starts][:4] == [nth_tuesday(month) for month in (1, 2, 3, 4)]
    assert all(start.weekday() == 1 and 8 <= start.day <= 14 for start in plan.starts)
    assert {start.strftime("%H:%M") for start in plan.starts} == {"15:00"}
    utc_hours = [start.astimezone(UTC).hour for start in plan.starts]
    assert utc_hours == [
        15,
        15,
        15,
        14,
        14,
        14,
        14,
        14,
        14,
        14,
        15,
        15,
    ]  # GMT, then BST from the last Sunday of March, GMT again from the last Sunday of October
    sydney = [start.astimezone(SYDNEY).strftime("%a %H:%M") for start in plan.starts]
    assert sydney[0] == "Wed 02:00"  # London winter, Sydney summer (AEDT)
    assert sydney[3] == "Wed 00:00"  # London summer, Sydney winter (AEST)
    assert sydney[9] == "Wed 01:00"  # October: London still on BST, Sydney back on AEDT
    assert sydney[10] == "Wed 02:00"


def test_rule_round_trips_through_dateutil():
    plan = plan_sessions(FIRST, time(15, 0), "Europe/London", repeat="monthly", monthly_on="weekday", occurrences=6)
    again = list(rrulestr(plan.rule, dtstart=plan.dtstart_local))
    assert [moment.replace(tzinfo=None) for moment in plan.starts] == again


def test_last_thursday():
    last_thursdays = [date(YEAR, month, 1) + relativedelta(day=31, weekday=TH(-1)) for month in range(1, 6)]
    plan = plan_sessions(
        last_thursdays[0], time(9, 0), "America/New_York", repeat="monthly", monthly_on="last_weekday", occurrences=5
    )
    assert plan.rule.endswith("BYDAY=-1TH")
    assert [start.date() for start in plan.starts] == last_thursdays
    assert all(start.weekday() == 3 and (start + relativedelta(weeks=1)).month != start.month for start in plan.starts)
    assert plan.description.startswith("Last Thursday of each month, 09:00 New York")


def test_day_31_falls_back_to_the_last_day_of_shorter_months():
    """RFC 5545 alone would skip months without a 31st; a monthly cohort would rather meet on the last day."""
    plan = plan_sessions(
        date(YEAR, 1, 31), time(17, 0), "America/Los_Angeles", repeat="monthly", monthly_on="day", occurrences=6
    )
    assert plan.rule == "FREQ=MONTHLY;COUNT=6;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    assert [start.date() for start in plan.starts] == [
        date(YEAR, 1, 31),
        date(YEAR, 2, calendar.monthrange(YEAR, 2)[1]),
        date(YEAR, 3, 31),
        date(YEAR, 4, 30),
        date(YEAR, 5, 31),
        date(YEAR, 6, 30),
    ]
    assert "the last day in shorter months" in plan.description


def test_day_29_in_a_leap_year():
    plan = plan_sessions(date(LEAP_YEAR, 1, 29), time(12, 0), "UTC", repeat="monthly", monthly_on="day", occurrences=3)
    assert [start.date() for start in plan.starts] == [date(LEAP_YEAR, month, 29) for month in (1, 2, 3)]


def test_ordinary_day_of_month():
    plan = plan_sessions(
        date(YEAR, 3, 15), time(8, 30), "Europe/London", repeat="monthly", monthly_on="day", occurrences=2
    )
    assert plan.rule == "FREQ=MONTHLY;COUNT=2;BYMONTHDAY=15"
    assert plan.description.startswith("The 15th of each month, 08:30 London")


def test_fifth_weekday_is_refused_with_advice():
    with pytest.raises(ScheduleError, match="last Tuesday"):
        plan_sessions(
            fifth_tuesday(), time(15, 0), "Europe/London", repeat="monthly", monthly_on="weekday", occurrences=3
        )


def test_one_off_session():
    day = nth_tuesday(3)
    plan = plan_sessions(day, time(15, 0), "Europe/London")
    assert plan.rule is None and len(plan.starts) == 1
    assert plan.description == f"One session, Tuesday {day.day} March {YEAR}, 15:00 London"


def test_occurrences_are_bounded():
    with pytest.raises(ScheduleError):
        plan_sessions(nth_tuesday(3), time(15, 0), "Europe/London", repeat="monthly", occurrences=25)
