"""Every page runs the same, small number of SQL statements however much its cohort holds."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, CohortValue, Flag, Meeting, Post, PostKind, RsvpResponse, Thanks
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow

from . import factories
from .pages import expected_status, furnish, member_pages, misnamed_pages, public_pages, unlisted_pages

# Room above today's pages; a page that needs more should say why.
MOST_STATEMENTS_PER_PAGE = 15
_serial = itertools.count()


def _grow(scene, people, times: int) -> None:
    """Add ``times`` of everything a page lists: members, posts, replies, thanks, flags, tags,
    results, sessions, answers, agenda items, invitations, values and other cohorts."""
    cohort = db.session.get(Cohort, people.cohort_id)
    facilitator = cohort_ops.find_user(people.facilitator)
    post = db.session.get(Post, scene.post_id)
    meeting = db.session.get(Meeting, scene.meeting_id)
    start = datetime.now(ZoneInfo("Europe/London")) + timedelta(days=10)
    for _ in range(times):
        number = next(_serial)
        membership = factories.make_member(cohort)
        member = membership.user
        acting = factories.member_of(facilitator, cohort)
        value = CohortValue(cohort_id=cohort.id, name=f"Value {number}", position=number + 10)
        db.session.add(value)
        story = factories.make_post(cohort, member, tags=[f"tag-{number}"], body="A fracture clinic story.")
        post_ops.record_outcome(membership, story, "It worked.", [ResultRow("Waits", "days", 14, 4, "")])
        challenge = factories.make_post(cohort, member, kind=PostKind.CHALLENGE, title=f"Fracture question {number}")
        advice = post_ops.add_reply(membership, post, f"Advice {number}")
        post_ops.add_reply(acting, post, f"Answer {number}", advice)
        post_ops.add_reply(acting, challenge, "A thought")
        db.session.flush()
        db.session.add(Thanks(reply_id=advice.id, user_id=facilitator.id, value_id=value.id))
        db.session.add(Flag(cohort_id=cohort.id, reply_id=advice.id, reporter_id=member.id, reason="Please look."))
        post_ops.set_adoption(acting, story, True)
        meeting_ops.answer(membership, meeting, RsvpResponse.YES if number % 2 else RsvpResponse.MAYBE)
        meeting_ops.propose_item(acting if number % 2 == 0 else membership, meeting, f"Item {number}", challenge)
        factories.make_meeting(cohort, start=start + timedelta(days=number), title=f"Extra session {number}")
        cohort_ops.invite_by_email(acting, [f"guest{number}@trust.example.org"])
        elsewhere = factories.make_cohort()
        factories.make_member(elsewhere, facilitator)
        factories.make_meeting(elsewhere, start=start + timedelta(days=number, hours=1))
    db.session.commit()


def _count_every_page(app, scene, people, count_queries) -> dict[str, int]:
    counts = {}
    anonymous = app.test_client()
    for name, url in public_pages(scene).items():
        with count_queries() as statements:
            response = anonymous.get(url)
        assert response.status_code == expected_status(name), name
        counts[name] = len(statements)
    reader = app.test_client()
    reader.login(people.facilitator)
    for name, path in member_pages(scene).items():
        reader.get(path)  # the first visit marks things read; measure a visit like any other
        with count_queries() as statements:
            response = reader.get(path)
        assert response.status_code == expected_status(name), name
        counts[name] = len(statements)
    return counts


def test_every_page_runs_the_same_few_statements_for_a_small_and_a_large_cohort(app, people, count_queries):
    with app.test_request_context(base_url="http://cohort.test"):
        cohort = db.session.get(Cohort, people.cohort_id)
        advisor = factories.make_member(cohort).user
        scene = furnish(cohort, cohort_ops.find_user(people.facilitator), advisor, cohort_ops.find_user(people.member))
        _grow(scene, people, 1)
    small = _count_every_page(app, scene, people, count_queries)
    with app.test_request_context(base_url="http://cohort.test"):
        _grow(scene, people, 12)
    large = _count_every_page(app, scene, people, count_queries)
    assert misnamed_pages(app, scene) == {}
    assert {name: (small[name], large[name]) for name in small if small[name] != large[name]} == {}
    assert {name: count for name, count in large.items() if count > MOST_STATEMENTS_PER_PAGE} == {}


def test_every_page_is_measured_and_walked(app):
    """A new page joins the list in tests/pages.py: then it is measured here, and the browser walk
    screenshots it and checks its accessibility."""
    assert unlisted_pages(app) == set()
