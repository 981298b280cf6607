"""The "Needs attention" panel of the cohort home: what needs its facilitators, counted."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import AgendaStatus, ChallengeStatus, Cohort, Flag, PostKind, User
from cohort.moderation import ops as moderation_ops
from cohort.posts import ops as post_ops

from .. import factories


def _challenge(cohort, author, days_ago: float, **fields):
    post = factories.make_post(cohort, author, kind=PostKind.CHALLENGE)
    post.created_at = datetime.now(UTC) - timedelta(days=days_ago)
    for name, value in fields.items():
        setattr(post, name, value)
    return post


@pytest.fixture
def busy(app, people):
    """One of each thing that needs a facilitator, and beside each, one like it that does not."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        facilitator = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        member = db.session.execute(db.select(User).filter_by(email=people.member)).scalar_one()
        leading, taking_part = factories.member_of(facilitator, cohort), factories.member_of(member, cohort)
        now = datetime.now(UTC)

        flagged = factories.make_post(cohort, member)
        gone = factories.make_post(cohort, member)
        gone.deleted_at = now
        db.session.add_all(
            [
                Flag(cohort_id=cohort.id, post_id=flagged.id, reporter_id=facilitator.id, reason="Check"),
                Flag(cohort_id=cohort.id, post_id=flagged.id, reporter_id=member.id, reason="Old", resolved_at=now),
                # On a post its author deleted since: nothing left to review, as the flags page says.
                Flag(cohort_id=cohort.id, post_id=gone.id, reporter_id=facilitator.id, reason="Gone"),
            ]
        )
        coming = factories.make_meeting(cohort, start=now + timedelta(days=7))
        for title in ("A challenge to bring", "A story to tell"):
            meeting_ops.propose_item(taking_part, coming, title)
        meeting_ops.propose_item(taking_part, coming, "Accepted already").status = AgendaStatus.ACCEPTED
        past = factories.make_meeting(cohort, start=now - timedelta(days=7))
        meeting_ops.propose_item(taking_part, coming, "Too late").meeting_id = past.id
        cancelled = factories.make_meeting(cohort, start=now + timedelta(days=14))
        meeting_ops.propose_item(taking_part, cancelled, "For a cancelled session")
        cancelled.cancelled_at = now

        _challenge(cohort, member, 4)  # waiting: no advice after 3 days
        _challenge(cohort, member, 1)  # brought yesterday
        answered = _challenge(cohort, member, 5)
        post_ops.add_reply(leading, answered, "Try a huddle.")
        moderation_ops.hide(leading, _challenge(cohort, member, 5))
        _challenge(cohort, member, 5, deleted_at=now)
        _challenge(cohort, member, 60, status=ChallengeStatus.TRYING, committed_at=now - timedelta(days=31))
        _challenge(cohort, member, 60, status=ChallengeStatus.TRYING, committed_at=now - timedelta(days=10))
        _challenge(cohort, member, 60, status=ChallengeStatus.RESOLVED, committed_at=now - timedelta(days=40))

        other = db.session.get(Cohort, people.other_cohort_id)
        outsider = db.session.execute(db.select(User).filter_by(email=people.outsider)).scalar_one()
        elsewhere = _challenge(other, outsider, 10)
        db.session.add(Flag(cohort_id=other.id, post_id=elsewhere.id, reporter_id=outsider.id, reason="There"))
        db.session.commit()
    return people


def _panel(html: str) -> str:
    found = re.search(r'<section class="panel attention".*?</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group())) if found else ""


def test_a_facilitator_sees_what_needs_them_counted(client, busy):
    client.login(busy.facilitator)
    panel = _panel(client.get(f"/c/{busy.slug}/").text)
    assert "Needs attention" in panel
    assert "1 open flag to review" in panel
    assert "2 agenda proposals for coming sessions" in panel
    assert "1 challenge with no advice after 3 days" in panel
    assert "1 challenge being tried for over 30 days with no outcome yet" in panel


def test_a_member_sees_no_panel(client, busy):
    client.login(busy.member)
    page = client.get(f"/c/{busy.slug}/").text
    assert "Needs attention" not in page


def test_a_quiet_cohort_says_nothing_needs_them(client, people):
    client.login(people.facilitator)
    panel = _panel(client.get(f"/c/{people.slug}/").text)
    assert "Nothing needs you just now" in panel


def test_the_panel_costs_one_statement_whatever_there_is(app, client, busy, count_queries):
    client.login(busy.facilitator)
    client.get(f"/c/{busy.slug}/")
    with count_queries() as busy_queries:
        client.get(f"/c/{busy.slug}/")
    with app.app_context():
        cohort = db.session.get(Cohort, busy.cohort_id)
        member = db.session.execute(db.select(User).filter_by(email=busy.member)).scalar_one()
        for days in range(20):
            _challenge(cohort, member, 4 + days)
        db.session.commit()
    with count_queries() as busier_queries:
        assert "21 challenges with no advice after 3 days" in _panel(client.get(f"/c/{busy.slug}/").text)
    assert len(busier_queries) == len(busy_queries)
