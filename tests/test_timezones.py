"""The time-zone list: each place once by its current name, with its country, offset and time now;
an old name saved or sent stands for its zone."""

import re
from datetime import UTC, datetime

import pytest

from cohort.extensions import db
from cohort.models import User
from cohort.timezones import canonical_timezone, timezone_choices, timezone_names

from . import factories

SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _labels(moment) -> dict[str, str]:
    return {choice.value: choice.label for choice in timezone_choices(moment)}


def test_each_place_is_listed_once_by_its_current_name():
    names = timezone_names()
    assert len(names) == len(set(names)) > 300
    for current in ("Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires", "Europe/Stockholm", "UTC"):
        assert current in names
    for old_or_legacy in ("Asia/Calcutta", "Europe/Kiev", "America/Buenos_Aires", "US/Eastern", "EST5EDT", "GMT"):
        assert old_or_legacy not in names
    assert not [name for name in names if name.startswith(("Etc/", "posix/", "right/", "SystemV/"))]


def test_each_zone_says_its_country_offset_and_time_now():
    summer, winter = _labels(SUMMER), _labels(WINTER)
    assert summer["Europe/London"] == "London, United Kingdom · UTC+01:00 · 13:00"
    assert winter["Europe/London"] == "London, United Kingdom · UTC+00:00 · 12:00"
    assert summer["Asia/Kolkata"] == "Kolkata, India · UTC+05:30 · 17:30"
    assert winter["America/St_Johns"] == "St Johns, Canada · UTC−03:30 · 08:30"
    assert summer["UTC"] == "UTC · UTC+00:00 · 12:00"


def test_each_zone_carries_the_other_names_a_browser_may_report():
    known_as = {choice.value: choice.render_kw.get("data-aliases", "").split() for choice in timezone_choices()}
    assert "Asia/Calcutta" in known_as["Asia/Kolkata"]
    assert "Europe/Kiev" in known_as["Europe/Kyiv"]
    assert {"Etc/UTC", "Etc/GMT", "GMT"} <= set(known_as["UTC"])
    assert "Europe/Stockholm" not in known_as["Europe/Berlin"], "a country's own zone is no alias"


@pytest.mark.parametrize(
    ("given", "zone"),
    [("Asia/Calcutta", "Asia/Kolkata"), ("US/Eastern", "America/New_York"), ("Etc/UTC", "UTC"), ("Nowhere/Else", None)],
)
def test_an_old_name_stands_for_its_zone(given, zone):
    assert canonical_timezone(given) == zone


def test_a_zone_saved_under_an_old_name_shows_and_saves_as_its_current_one(app, client):
    with app.app_context():
        user = factories.make_user(timezone="Asia/Calcutta")
        db.session.commit()
        email, user_id = user.email, user.id
    client.login(email)
    page = client.get("/account").text
    assert re.search(r'<option [^>]*selected value="Asia/Kolkata">Kolkata, India · UTC\+05:30 · ', page)
    response = client.post_form("/account", {"name": "Priya Raman", "timezone": "Europe/Kiev"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).timezone == "Europe/Kyiv"


def test_the_command_line_takes_an_old_name_as_its_zone(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "z@example.org",
            "--name",
            "Z",
            "--password",
            "long enough pass",
            "--timezone",
            "Asia/Calcutta",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.execute(db.select(User.timezone).filter_by(email="z@example.org")).scalar_one() == "Asia/Kolkata"
        )
