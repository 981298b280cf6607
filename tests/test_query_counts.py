"""Every page runs the same, small number of SQL statements however much its cohort holds, for a
facilitator and for a plain member; and so do the main writes."""

import pytest
from flask import Flask

from cohort.extensions import db
from cohort.models import Cohort, User

from . import factories
from .pages import expected_status, grow, misnamed_pages, set_scene, unlisted_pages, visits

MOST_STATEMENTS_PER_PAGE = 10
# A thread and a session page gather the most: their post or session, its people, thanks and notes.
MOST_STATEMENTS = {"cohort.posts.thread": 12, "announcement": 12, "story": 12, "cohort.meetings.detail": 12}
MOST_STATEMENTS["past session"] = 12
# A write does more, each part one statement whatever the cohort holds: the post's search row rebuilt
# (four), each kind of notification and its mail queued by one INSERT … SELECT (two), and the objects
# the redirect names read again after the commit (three). Not yet within the pages' ten.
MOST_STATEMENTS_PER_WRITE = 18


def _budget(name: str) -> int:
    return MOST_STATEMENTS.get(name, MOST_STATEMENTS_PER_PAGE)


def _count_every_page(app, scene, email, count_queries) -> dict[str, tuple[int, int]]:
    """Each page's status and statement count, opened as ``email``."""
    counts = {}
    for name, url, client in visits(app, scene, email):
        client.get(url)  # the first visit marks things read; measure a visit like any other
        with count_queries() as statements:
            response = client.get(url)
        counts[name] = (response.status_code, len(statements))
    return counts


@pytest.mark.parametrize("viewer", ["facilitator", "member"])
def test_every_page_runs_the_same_few_statements_for_a_small_and_a_large_cohort(app, people, count_queries, viewer):
    scene = set_scene(app, people)
    email = getattr(people, viewer)
    small = _count_every_page(app, scene, email, count_queries)
    with app.test_request_context(base_url="http://cohort.test"):
        grow(scene, people, 12)
    large = _count_every_page(app, scene, email, count_queries)
    assert misnamed_pages(app, scene) == {}
    if viewer == "facilitator":
        assert {name: status for name, (status, _count) in large.items() if status != expected_status(name)} == {}
    assert {name: (small[name], large[name]) for name in small if small[name] != large[name]} == {}
    assert {name: count for name, (_status, count) in large.items() if count > _budget(name)} == {}


def _writer(app: Flask, people) -> str:
    """Someone new in the cohort, so each measured write starts from the same place."""
    with app.app_context():
        membership = factories.make_member(db.session.get(Cohort, people.cohort_id))
        db.session.commit()
        return membership.user.email


def _count_writes(app, scene, people, count_queries) -> dict[str, tuple[int, int]]:
    client = app.test_client()
    client.login(_writer(app, people))
    cohort = f"/c/{scene.slug}"
    writes = {
        "reply": (f"{cohort}/posts/{scene.post_id}/replies", {"body": "One more idea"}),
        "post": (
            f"{cohort}/posts/new",
            {"kind": "story", "title": "Huddles", "body": "A daily huddle.", "visibility": "attributed", "tags": "x"},
        ),
        "rsvp": (f"{cohort}/sessions/{scene.meeting_id}/rsvp", {"response": "yes"}),
        "thanks": (f"{cohort}/posts/{scene.post_id}/thanks", {"set": "1"}),
    }
    counts = {}
    for name, (url, form) in writes.items():
        token = client.csrf_token()
        with count_queries() as statements:
            response = client.post(url, data={**form, "csrf_token": token})
        counts[name] = (response.status_code, len(statements))
    return counts


def test_the_main_writes_run_the_same_few_statements_for_a_small_and_a_large_cohort(app, people, count_queries):
    scene = set_scene(app, people)
    small = _count_writes(app, scene, people, count_queries)
    with app.test_request_context(base_url="http://cohort.test"):
        grow(scene, people, 12)
    large = _count_writes(app, scene, people, count_queries)
    assert {name: status for name, (status, _count) in large.items()} == dict.fromkeys(large, 302)
    assert {name: (small[name], large[name]) for name in small if small[name] != large[name]} == {}
    assert {name: count for name, (_status, count) in large.items() if count > MOST_STATEMENTS_PER_WRITE} == {}


def test_every_page_is_measured_and_walked(app):
    """A new page joins the list in tests/pages.py: then it is measured here, and the browser walk
    screenshots it and checks its accessibility."""
    assert unlisted_pages(app) == set()


def test_the_personal_data_export_runs_the_same_statements_however_much_its_person_wrote(app, people, count_queries):
    scene = set_scene(app, people)
    client = app.test_client()
    client.login(people.facilitator)

    def statements_of_export() -> int:
        with count_queries() as statements:
            response = client.get("/account/my-data.json")
        assert response.status_code == 200
        return len(statements)

    small = statements_of_export()
    with app.test_request_context(base_url="http://cohort.test"):
        grow(scene, people, 12)
    assert statements_of_export() == small


@pytest.mark.parametrize("viewer", ["facilitator", "member"])
def test_the_personal_calendar_feed_runs_the_same_few_statements_however_many_sessions(
    app, people, count_queries, viewer
):
    scene = set_scene(app, people)
    with app.app_context():
        token = db.session.execute(db.select(User.calendar_token).filter_by(email=getattr(people, viewer))).scalar_one()
    feed = app.test_client()  # a calendar program: no sign-in, the token is the key

    def statements_of_feed() -> int:
        with count_queries() as statements:
            response = feed.get(f"/calendar/{token}.ics")
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        return len(statements)

    small = statements_of_feed()
    with app.test_request_context(base_url="http://cohort.test"):
        grow(scene, people, 12)
    assert statements_of_feed() == small <= MOST_STATEMENTS_PER_PAGE
