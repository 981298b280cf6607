"""Edge cases: odd input, clock changes, series edits and privacy on the agenda."""

from zoneinfo import ZoneInfo

import pytest

from cohort.extensions import db
from cohort.models import Meeting

from ..posts.helpers import PostKind, Visibility, add_member, make_post, user
from .helpers import SERIES, clocks_go_forward, nth_tuesday, past_meeting, schedule_series, upcoming_meeting


@pytest.fixture
def strict_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_attendance_ignores_odd_values(strict_app, people):
    meeting_id = past_meeting(strict_app, people.cohort_id)
    client = strict_app.test_client()
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/attendance", {"attended": ["²", "9" * 5000, "-1"]}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-06-01"])
def test_dates_far_from_now_are_refused(strict_app, people, day):
    client = strict_app.test_client()
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/sessions/new", {**SERIES, "start_date": day, "repeat": "none"})
    assert response.status_code == 422 and "Choose a date between" in response.text


def test_a_time_the_clocks_skip_is_refused(people, client):
    skipped = clocks_go_forward()
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/sessions/new",
        {**SERIES, "start_date": skipped.isoformat(), "start_time": "01:30", "repeat": "none", "action": "preview"},
    )
    assert response.status_code == 422
    assert f"01:30 does not exist on {skipped:%-d %B %Y} in London" in response.text


def test_this_and_following_keeps_each_sessions_own_agenda(app, people, client):
    client.login(people.facilitator)
    ids = schedule_series(client, people.slug, occurrences="4")
    client.post_form(
        f"/c/{people.slug}/sessions/{ids[3]}/edit",
        {**SERIES, "start_date": nth_tuesday(4).isoformat(), "agenda": "Guest speaker: the regulator", "scope": "this"},
    )
    client.post_form(
        f"/c/{people.slug}/sessions/{ids[2]}/edit",
        {
            **SERIES,
            "start_date": nth_tuesday(3).isoformat(),
            "start_time": "10:00",
            "timezone": "America/New_York",
            "scope": "following",
        },
    )
    with app.app_context():
        third, fourth = db.session.get(Meeting, ids[2]), db.session.get(Meeting, ids[3])
        assert fourth.agenda == "Guest speaker: the regulator"
        assert fourth.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "10:00"
        assert third.timezone == fourth.timezone == "America/New_York"
    page = client.get(f"/c/{people.slug}/sessions/{ids[3]}").text
    assert "part of a monthly series (2nd Tuesday of each month)" in page and "15:00 London" not in page


def test_agenda_of_a_cancelled_session_is_closed(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/sessions/{meeting_id}/cancel", {"scope": "this"})
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/agenda", {"title": "Late idea", "post_id": "0"}, follow_redirects=True
    )
    assert "agenda is closed" in response.text


def test_chatham_author_stays_anonymous_on_the_agenda_even_when_the_challenge_is_hidden(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    challenge = make_post(
        app, people, people.member, kind=PostKind.CHALLENGE, title="Quiet worry", visibility=Visibility.CHATHAM_HOUSE
    )
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/sessions/{meeting_id}/agenda", {"title": "My item", "post_id": str(challenge)})
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    page = facilitator.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    item_id = page.split("/agenda/", 1)[1].split("/", 1)[0]
    facilitator.post_form(f"/c/{people.slug}/sessions/{meeting_id}/agenda/{item_id}/accept")
    facilitator.post_form(f"/c/{people.slug}/posts/{challenge}/hide")
    reader = app.test_client()
    reader.login(add_member(app, people))
    with app.app_context():
        author_name = user(people.member).name
    page = reader.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    # The item stands, naming neither the hidden challenge nor, through its title, anyone.
    assert "A challenge no longer shown here" in page and "My item" not in page and author_name not in page
