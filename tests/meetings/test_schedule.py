"""Session dates: RFC 5545 rules computed in the session's zone, stored in UTC."""

from datetime import UTC, date, time
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from cohort.meetings.schedule import ScheduleError, plan_sessions

SYDNEY = ZoneInfo("Australia/Sydney")


def test_second_tuesday_at_15_london_holds_across_both_clock_changes():
    plan = plan_sessions(
        date(2027, 1, 12), time(15, 0), "Europe/London", repeat="monthly", monthly_on="weekday", occurrences=12
    )
    assert plan.rule == "FREQ=MONTHLY;COUNT=12;BYDAY=2TU"
    assert plan.description == "2nd Tuesday of each month, 15:00 London, 12 sessions from 12 January 2027"
    assert [start.date() for start in plan.starts][:4] == [
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
        date(2027, 4, 13),
    ]
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
    ]  # GMT, then BST from 28 March, GMT from 31 October
    sydney = [start.astimezone(SYDNEY).strftime("%a %H:%M") for start in plan.starts]
    assert sydney[0] == "Wed 02:00"  # London winter, Sydney summer (AEDT)
    assert sydney[3] == "Wed 00:00"  # London summer, Sydney winter (AEST)
    assert sydney[9] == "Wed 01:00"  # October: London still on BST, Sydney back on AEDT
    assert sydney[10] == "Wed 02:00"


def test_rule_round_trips_through_dateutil():
    plan = plan_sessions(
        date(2027, 1, 12), time(15, 0), "Europe/London", repeat="monthly", monthly_on="weekday", occurrences=6
    )
    again = list(rrulestr(plan.rule, dtstart=plan.dtstart_local))
    assert [moment.replace(tzinfo=None) for moment in plan.starts] == again


def test_last_thursday():
    plan = plan_sessions(
        date(2027, 1, 28), time(9, 0), "America/New_York", repeat="monthly", monthly_on="last_weekday", occurrences=5
    )
    assert plan.rule.endswith("BYDAY=-1TH")
    assert [start.date() for start in plan.starts] == [
        date(2027, 1, 28),
        date(2027, 2, 25),
        date(2027, 3, 25),
        date(2027, 4, 29),
        date(2027, 5, 27),
    ]
    assert plan.description.startswith("Last Thursday of each month, 09:00 New York")


def test_day_31_falls_back_to_the_last_day_of_shorter_months():
    """RFC 5545 alone would skip months without a 31st; a monthly cohort would rather meet on the last day."""
    plan = plan_sessions(
        date(2027, 1, 31), time(17, 0), "America/Los_Angeles", repeat="monthly", monthly_on="day", occurrences=6
    )
    assert plan.rule == "FREQ=MONTHLY;COUNT=6;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    assert [start.date() for start in plan.starts] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
    ]
    assert "the last day in shorter months" in plan.description


def test_day_29_in_a_leap_year():
    plan = plan_sessions(date(2028, 1, 29), time(12, 0), "UTC", repeat="monthly", monthly_on="day", occurrences=3)
    assert [start.date() for start in plan.starts] == [date(2028, 1, 29), date(2028, 2, 29), date(2028, 3, 29)]


def test_ordinary_day_of_month():
    plan = plan_sessions(
        date(2027, 3, 15), time(8, 30), "Europe/London", repeat="monthly", monthly_on="day", occurrences=2
    )
    assert plan.rule == "FREQ=MONTHLY;COUNT=2;BYMONTHDAY=15"
    assert plan.description.startswith("The 15th of each month, 08:30 London")


def test_fifth_weekday_is_refused_with_advice():
    with pytest.raises(ScheduleError, match="last Tuesday"):
        plan_sessions(
            date(2027, 3, 30), time(15, 0), "Europe/London", repeat="monthly", monthly_on="weekday", occurrences=3
        )


def test_one_off_session():
    plan = plan_sessions(date(2027, 3, 9), time(15, 0), "Europe/London")
    assert plan.rule is None and len(plan.starts) == 1
    assert plan.description == "One session, Tuesday 9 March 2027, 15:00 London"


def test_occurrences_are_bounded():
    with pytest.raises(ScheduleError):
        plan_sessions(date(2027, 3, 9), time(15, 0), "Europe/London", repeat="monthly", occurrences=25)
