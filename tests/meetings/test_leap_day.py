"""29 February: scheduling on it, across it, and on a day when it is "today"."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .helpers import LEAP_YEAR, SERIES

LEAP_DAY = date(LEAP_YEAR, 2, 29)


@pytest.fixture
def facilitator(app, people):
    """The facilitator's client, with server errors answered as pages rather than raised."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def sign_in():
        client = app.test_client()
        client.login(people.facilitator)
        return client

    return sign_in


def _schedule(client, slug, **changes):
    return client.post_form(f"/c/{slug}/sessions/new", {**SERIES, "action": "schedule", **changes})


def test_a_session_on_29_february_scheduled_that_very_day(people, facilitator):
    with time_machine.travel(datetime(LEAP_YEAR, 2, 29, 9, 0, tzinfo=ZoneInfo("UTC"))):
        client = facilitator()
        response = _schedule(client, people.slug, start_date=LEAP_DAY.isoformat(), repeat="none")
        assert response.status_code == 302
        page = client.get(response.headers["Location"])
    assert f"{LEAP_DAY:%a} 29 Feb {LEAP_YEAR}, 15:00 London" in page.text


def test_a_series_crossing_29_february_previewed_on_that_day(people, facilitator):
    with time_machine.travel(datetime(LEAP_YEAR, 2, 29, 9, 0, tzinfo=ZoneInfo("UTC"))):
        response = facilitator().post_form(
            f"/c/{people.slug}/sessions/new",
            {
                **SERIES,
                "start_date": f"{LEAP_YEAR}-01-29",
                "monthly_on": "day",
                "occurrences": "3",
                "action": "preview",
            },
        )
    assert response.status_code == 200
    for day in (date(LEAP_YEAR, 1, 29), LEAP_DAY, date(LEAP_YEAR, 3, 29)):
        assert f"{day:%a %-d %b %Y}, 15:00" in response.text


def test_on_29_february_five_years_ahead_ends_on_28_february(people, facilitator):
    with time_machine.travel(datetime(LEAP_YEAR, 2, 29, 9, 0, tzinfo=ZoneInfo("UTC"))):
        client = facilitator()
        last = _schedule(client, people.slug, start_date=f"{LEAP_YEAR + 5}-02-28", repeat="none")
        beyond = _schedule(client, people.slug, start_date=f"{LEAP_YEAR + 5}-03-01", repeat="none")
    assert last.status_code == 302
    assert beyond.status_code == 422
    assert "Choose a date between last year and 5 years from now." in beyond.text


def test_today_is_the_date_in_utc_not_on_the_servers_clock(people, facilitator):
    """Just after midnight UTC on 1 March it is still 29 February in Los Angeles, where this server runs."""
    server_time = datetime(LEAP_YEAR, 3, 1, 0, 30, tzinfo=UTC).astimezone(ZoneInfo("America/Los_Angeles"))
    with time_machine.travel(server_time):
        assert date.today() == LEAP_DAY  # the server's own calendar
        client = facilitator()
        five_years_on = _schedule(client, people.slug, start_date=f"{LEAP_YEAR + 5}-03-01", repeat="none")
    assert five_years_on.status_code == 302
