"""Calendar files and the private feed, parsed back with icalendar."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from cohort.extensions import db
from cohort.models import User

from .helpers import FIRST, nth_tuesday, schedule_series


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
