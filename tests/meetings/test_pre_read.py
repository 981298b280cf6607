"""The session pre-read: the agenda, what each challenge brought asks, the advice marked helpful,
what its author will try, and the outcomes recorded since the last session; a printable page, and
the same structure for the reminder mail."""

from datetime import UTC, datetime, timedelta

import pytest

from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.meetings import queries
from cohort.meetings.queries import UNSHOWN_CHALLENGE
from cohort.models import AgendaItem, Cohort, Meeting, Membership, PostKind, Visibility
from cohort.policy import Refused
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow

from .. import factories
from ..posts.helpers import user


def _members(people):
    cohort = db.session.get(Cohort, people.cohort_id)
    return (
        cohort,
        factories.member_of(user(people.member), cohort),
        factories.member_of(user(people.facilitator), cohort),
    )


def _coming_session(app, people) -> int:
    """A coming session bringing a member's challenge (two replies, one marked helpful, and what
    the member will try), then an item of the facilitator's own; and another challenge resolved
    with a measured result."""
    with app.app_context():
        cohort, member, facilitator = _members(people)
        meeting = factories.make_meeting(cohort, title="March session")
        challenge = factories.make_post(
            cohort, member.user, kind=PostKind.CHALLENGE, title="Fracture clinic backlog", body="Waits are **14 days**."
        )
        helpful = post_ops.add_reply(facilitator, challenge, "Review referrals virtually.")
        post_ops.add_reply(facilitator, challenge, "An aside nobody marked.")
        post_ops.set_helpful(member, helpful, True)
        post_ops.record_commitment(member, challenge, "A **2 a.m. huddle** for six weeks.")
        meeting_ops.propose_item(facilitator, meeting, "Our backlog", challenge)
        meeting_ops.propose_item(facilitator, meeting, "Winter planning")
        resolved = factories.make_post(cohort, member.user, kind=PostKind.CHALLENGE, title="Discharge before noon")
        post_ops.record_outcome(
            member, resolved, "Discharges before noon **doubled**.", [ResultRow("Before noon", "%", 15, 30, "Q1")]
        )
        db.session.commit()
        return meeting.id


def test_the_pre_read_page_gathers_what_to_read_before_the_session(app, people, client):
    meeting_id = _coming_session(app, people)
    client.login(people.member)
    session = client.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert f'href="/c/{people.slug}/sessions/{meeting_id}/pre-read">Pre-read (printable)</a>' in session

    page = client.get(f"/c/{people.slug}/sessions/{meeting_id}/pre-read").text
    assert "<h1" in page and "March session" in page and "Board room" in page
    assert "Check-in" in page  # the session's own agenda text
    assert page.index("<h3>Our backlog</h3>") < page.index("<h3>Winter planning</h3>")
    assert "Fracture clinic backlog" in page and "Waits are <strong>14 days</strong>." in page
    assert "Review referrals virtually." in page and "An aside nobody marked." not in page
    assert "What they’ll try" in page and "<strong>2 a.m. huddle</strong>" in page
    outcomes = page[page.index('id="pre-read-outcomes"') :]
    assert "Since the cohort began" in outcomes
    assert "Discharge before noon" in outcomes and "<strong>doubled</strong>" in outcomes
    assert "+15 percentage points" in outcomes
    # For paper: a print button (shown by the script) and nothing in the way when printed.
    assert "data-print hidden" in page
    with client.get("/static/cohort.css") as stylesheet:
        css = stylesheet.text
    assert "@media print" in css and ".site-header" in css[css.index("@media print") :]


def test_a_challenge_the_member_may_not_read_shows_nothing_and_a_chatham_house_author_is_unnamed(app, people, client):
    with app.app_context():
        cohort, member, facilitator = _members(people)
        author = factories.make_member(cohort, factories.make_user(name="Dana Quill"))
        meeting = factories.make_meeting(cohort)
        chatham = factories.make_post(
            cohort, author.user, kind=PostKind.CHALLENGE, title="Board tension", visibility=Visibility.CHATHAM_HOUSE
        )
        meeting_ops.propose_item(author, meeting, "Board tension", chatham)
        private = factories.make_post(cohort, author.user, kind=PostKind.CHALLENGE, title="Chair succession")
        post_ops.record_commitment(author, private, "Talk to the senior independent director.")
        meeting_ops.propose_item(author, meeting, "Chair succession", private)
        for item in db.session.execute(db.select(AgendaItem).filter_by(meeting_id=meeting.id)).scalars():
            meeting_ops.decide_item(facilitator, item, True)
        post_ops.edit_post(
            author,
            private,
            seen_version=private.version,
            title=private.title,
            body=private.body,
            tags=[],
            visibility=Visibility.FACILITATORS,
            results=[],
        )
        db.session.commit()
        url = f"/c/{people.slug}/sessions/{meeting.id}/pre-read"
    client.login(people.member)
    page = client.get(url).text
    assert "Board tension" in page and "A cohort member" in page and "Dana Quill" not in page
    assert "Chair succession" not in page and "senior independent director" not in page
    assert UNSHOWN_CHALLENGE in page
    facilitator_client = app.test_client()
    facilitator_client.login(people.facilitator)
    seen = facilitator_client.get(url).text
    assert "Chair succession" in seen and "senior independent director" in seen
    assert "Dana Quill (members see “A cohort member”)" in seen


DAY = timedelta(days=1)
TOLD = (("before January", 30), ("after January", 10), ("this week", 1))  # outcomes, and how many days ago


def test_outcomes_come_from_after_the_last_session_that_took_place_and_need_no_request(app, people):
    """Since the previous session (a cancelled one does not count), or the cohort's start, until this
    session began; read in an application context alone, as a mail job would, with absolute links."""
    now = datetime.now(UTC)
    with app.app_context():
        cohort, member, _facilitator = _members(people)
        cohort.created_at = now - 60 * DAY
        earlier = factories.make_meeting(cohort, start=now - 20 * DAY, title="January session")
        called_off = factories.make_meeting(cohort, start=now - 5 * DAY, title="Called off")
        called_off.cancelled_at = now - 9 * DAY
        coming = factories.make_meeting(cohort, start=now + 7 * DAY, title="March session")
        told = {}
        for name, days_ago in TOLD:
            post = factories.make_post(cohort, member.user, kind=PostKind.CHALLENGE, title=f"Told {name}")
            post_ops.record_outcome(member, post, f"What happened, {name}.", [ResultRow("Waits", "days", 9, 3, "")])
            post.outcome_at = now - days_ago * DAY
            told[name] = post
        story = factories.make_post(cohort, member.user, title="A story, not a challenge")
        post_ops.record_outcome(member, story, "It worked.", [])
        story.outcome_at = now - 2 * DAY
        db.session.commit()
        ids = {name: post.id for name, post in told.items()}
        coming_id, earlier_id = coming.id, earlier.id

    with app.app_context():
        member = factories.member_of(user(people.member), people.cohort_id)
        coming_read = queries.pre_read(member, db.session.get(Meeting, coming_id))
        first_read = queries.pre_read(member, db.session.get(Meeting, earlier_id))
        db.session.rollback()

    assert coming_read.previous_session == "January session"
    assert [outcome.title for outcome in coming_read.outcomes] == ["Told after January", "Told this week"]
    assert coming_read.outcomes[0].url == f"http://cohort.test/c/{people.slug}/posts/{ids['after January']}"
    assert [(figure.baseline, figure.result) for figure in coming_read.outcomes[0].figures] == [(9, 3)]
    assert first_read.previous_session is None
    assert abs(first_read.outcomes_since - (now - 60 * DAY)) < timedelta(seconds=1)
    assert [outcome.title for outcome in first_read.outcomes] == ["Told before January"]
    assert coming_read.url == f"http://cohort.test/c/{people.slug}/sessions/{coming_id}"


def test_someone_outside_the_cohort_gets_no_pre_read(app, people):
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id))
        outsider = db.session.execute(db.select(Membership).filter_by(cohort_id=people.other_cohort_id)).scalar_one()
        with pytest.raises(Refused) as refused:
            queries.pre_read(outsider, meeting)
        assert refused.value.not_found
        db.session.rollback()


def test_items_name_who_brought_them(app, people):
    meeting_id = _coming_session(app, people)
    with app.app_context():
        names = {
            item.title: item.brought_by
            for item in queries.pre_read(
                factories.member_of(user(people.member), people.cohort_id), db.session.get(Meeting, meeting_id)
            ).items
        }
        facilitator_name = user(people.facilitator).name
        assert names == {"Our backlog": facilitator_name, "Winter planning": facilitator_name}
