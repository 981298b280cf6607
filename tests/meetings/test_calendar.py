"""Calendar files and the private feed, parsed back with icalendar."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.meetings.calendar import invitation_calendar
from cohort.models import Meeting, User

from .. import factories
from .helpers import FIRST, YEAR, nth_tuesday, schedule_series


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def _feed_path(app, email) -> str:
    with app.app_context():
        token = db.session.execute(db.select(User.calendar_token).filter_by(email=email)).scalar_one()
    return f"/calendar/{token}.ics"


def test_one_session_as_an_ics_file(app, people, client):
    client.login(people.facilitator)
    ids = schedule_series(client, people.slug)
    calendar = _calendar(client.get(f"/c/{people.slug}/sessions/{ids[3]}.ics"))
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime.combine(nth_tuesday(4), time(15, 0), tzinfo=ZoneInfo("Europe/London"))
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event.decoded("dtend") - start == timedelta(minutes=90)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(event["status"]) == "CONFIRMED" and int(event["sequence"]) == 0
    assert "Check-in" in str(event["description"]) and f"/c/{people.slug}/sessions/{ids[3]}" in str(
        event["description"]
    )
    assert str(event["uid"]).endswith("@cohort")
    (alarm,) = event.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY" and alarm.decoded("trigger") == timedelta(hours=-1)
    assert "Monthly session" in str(alarm["description"])
    assert "METHOD" not in calendar  # a file to import, not an invitation


def test_uid_is_stable_and_sequence_rises_with_each_change(app, people, client):
    client.login(people.facilitator)
    ids = schedule_series(client, people.slug, repeat="none")
    url = f"/c/{people.slug}/sessions/{ids[0]}"
    before = _calendar(client.get(f"{url}.ics")).walk("VEVENT")[0]
    client.post_form(
        f"{url}/edit",
        {
            "title": "Moved",
            "start_date": (FIRST + timedelta(days=1)).isoformat(),
            "start_time": "16:00",
            "timezone": "Europe/London",
            "duration_minutes": "60",
            "scope": "this",
        },
    )
    client.post_form(f"{url}/cancel", {"scope": "this"})
    after = _calendar(client.get(f"{url}.ics")).walk("VEVENT")[0]
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == 2
    assert str(after["status"]) == "CANCELLED"


def test_private_feed_lists_all_my_cohorts_sessions_including_cancelled(app, people, client):
    client.login(people.facilitator)
    ids = schedule_series(client, people.slug, occurrences="3")
    client.post_form(f"/c/{people.slug}/sessions/{ids[2]}/cancel", {"scope": "this"})
    anonymous = app.test_client()  # calendar apps do not sign in: the token is the key
    events = _calendar(anonymous.get(_feed_path(app, people.member))).walk("VEVENT")
    assert len(events) == 3
    assert [str(event["status"]) for event in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    # A reminder an hour before each session still to happen; none for the cancelled one.
    assert [[alarm.decoded("trigger") for alarm in event.walk("VALARM")] for event in events] == [
        [timedelta(hours=-1)],
        [timedelta(hours=-1)],
        [],
    ]
    outsider_events = _calendar(anonymous.get(_feed_path(app, people.outsider))).walk("VEVENT")
    assert outsider_events == []


def test_regenerating_the_token_retires_the_old_feed(app, people, client):
    client.login(people.member)
    old = _feed_path(app, people.member)
    assert client.get(old).status_code == 200
    account = client.get("/account").text
    assert f"http://cohort.test{old}" in account
    response = client.post_form("/account/calendar", follow_redirects=True)
    assert "the old link no longer works" in response.text
    new = _feed_path(app, people.member)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_feed_stops_showing_a_cohort_after_leaving_it(app, people, client):
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    schedule_series(facilitator, people.slug, occurrences="2")
    feed = _feed_path(app, people.member)
    assert len(_calendar(client.get(feed)).walk("VEVENT")) == 2
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/leave")
    assert _calendar(client.get(feed)).walk("VEVENT") == []


def test_unknown_feed_token_is_not_found(client):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


SENDER = "Riverside Cohort <sessions@cohort.example.org>"


def _invitation(meeting: Meeting, **kwargs):
    body = invitation_calendar(meeting, "Riverside", "https://cohort.example.org/s/1", ["Winter beds"], **kwargs)
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_session_mail_carries_an_invitation_its_move_and_its_cancellation_as_one_event(make_app):
    """REQUEST, then REQUEST again for the move, then CANCEL: one UID, its SEQUENCE rising each time,
    the organizer the cohort's sender, times in the session's own zone (New York, across a clock change)."""
    app = make_app(COHORT_MAIL_FROM=SENDER)
    with app.app_context():
        cohort = factories.make_cohort(timezone="America/New_York")
        facilitator = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        winter = datetime(YEAR, 1, 12, 15, 0, tzinfo=ZoneInfo("America/New_York"))
        meeting = factories.make_meeting(cohort, start=winter, timezone="America/New_York")
        sent = [_invitation(meeting, cancelled=False, attendee="Ada Member <ada@trust.example.org>")]
        details = meeting_ops.SessionDetails(meeting.title, 90, meeting.location, meeting.video_url, meeting.agenda)
        meeting_ops.edit(
            facilitator,
            meeting,
            details,
            new_date=date(YEAR, 7, 13),
            new_time=time(15, 0),
            timezone="America/New_York",
            this_and_following=False,
        )
        sent.append(_invitation(meeting, cancelled=False))
        meeting_ops.cancel(facilitator, meeting, this_and_following=False)
        sent.append(_invitation(meeting, cancelled=True))
        db.session.rollback()

    assert [str(calendar["method"]) for calendar, _event in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({str(event["uid"]) for _calendar, event in sent}) == 1
    assert [int(event["sequence"]) for _calendar, event in sent] == [0, 1, 2]
    assert [str(event["status"]) for _calendar, event in sent] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    for calendar, event in sent:
        organizer = event["organizer"]
        assert str(organizer) == "mailto:sessions@cohort.example.org" and organizer.params["CN"] == "Riverside Cohort"
        assert event["dtstart"].params["TZID"] == "America/New_York"
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
        assert "Winter beds" in str(event["description"])
    starts = [event.decoded("dtstart") for _calendar, event in sent]
    assert [start.time() for start in starts] == [time(15, 0)] * 3
    assert [start.utcoffset() for start in starts] == [timedelta(hours=-5), timedelta(hours=-4), timedelta(hours=-4)]
    attendee = sent[0][1]["attendee"]
    assert str(attendee) == "mailto:ada@trust.example.org" and attendee.params["RSVP"] == "FALSE"
    # Reminded an hour before the session, wherever it moves; a cancellation carries no alarm.
    assert [[alarm.decoded("trigger") for alarm in event.walk("VALARM")] for _calendar, event in sent] == [
        [timedelta(hours=-1)],
        [timedelta(hours=-1)],
        [],
    ]


def test_a_cancellation_straight_after_scheduling_still_outranks_the_invitation(app):
    with app.app_context():
        cohort = factories.make_cohort()
        facilitator = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        meeting = factories.make_meeting(cohort)
        _calendar, invited = _invitation(meeting, cancelled=False)
        meeting_ops.cancel(facilitator, meeting, this_and_following=False)
        _calendar, cancelled = _invitation(meeting, cancelled=True)
        db.session.rollback()
    assert str(cancelled["uid"]) == str(invited["uid"])
    assert int(cancelled["sequence"]) > int(invited["sequence"])


def test_an_invitation_and_the_sessions_state_must_agree(app):
    with app.app_context():
        meeting = factories.make_meeting(factories.make_cohort())
        with pytest.raises(ValueError):
            _invitation(meeting, cancelled=True)
        db.session.rollback()
