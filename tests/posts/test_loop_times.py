"""When a challenge's author committed to something and when its outcome came: the clocks the
"what happened next?" question and the session pre-read read."""

from datetime import UTC, datetime

from cohort.extensions import db
from cohort.models import ChallengeStatus, Post

from .helpers import PostKind, make_post

OUTCOME = {"outcome": "Waits fell to four days."}


def _times(app, post_id):
    with app.app_context():
        post = db.session.get(Post, post_id)
        return post.status, post.committed_at, post.outcome_at


def _backdate(app, post_id, **columns):
    """Move a post's clocks into the past, so a later change is plainly later."""
    with app.app_context():
        post = db.session.get(Post, post_id)
        for name, value in columns.items():
            setattr(post, name, value)
        db.session.commit()


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def test_committing_starts_the_clock_and_a_new_commitment_restarts_it(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    assert _times(app, post_id) == (ChallengeStatus.OPEN, None, None)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/try"
    before = datetime.now(UTC)
    client.post_form(url, {"commitment": "A 2 a.m. huddle for six weeks."})
    status, committed, _outcome = _times(app, post_id)
    assert status == ChallengeStatus.TRYING and committed >= before

    _backdate(app, post_id, committed_at=LONG_AGO)
    client.post_form(url, {"commitment": "A 2 a.m. huddle for six weeks."})  # saved again, unchanged
    assert _times(app, post_id)[1] == LONG_AGO
    client.post_form(url, {"commitment": "A 2 a.m. huddle, and a board paper."})
    assert _times(app, post_id)[1] >= before


def test_trying_again_after_parking_restarts_the_clock(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    text = {"commitment": "Weekly reviews."}
    client.post_form(f"/c/{people.slug}/posts/{post_id}/try", text)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/status", {"status": "parked"})
    _backdate(app, post_id, committed_at=LONG_AGO)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/try", text)
    status, committed, _outcome = _times(app, post_id)
    assert status == ChallengeStatus.TRYING and committed > LONG_AGO


def test_the_outcome_that_resolves_a_challenge_keeps_its_time_through_corrections(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/outcome"
    before = datetime.now(UTC)
    client.post_form(url, OUTCOME)
    status, _committed, recorded = _times(app, post_id)
    assert status == ChallengeStatus.RESOLVED and recorded >= before

    _backdate(app, post_id, outcome_at=LONG_AGO)
    client.post_form(url, {"outcome": "Waits fell to four days, and stayed there."})
    assert _times(app, post_id)[2] == LONG_AGO  # a correction is not news

    client.post_form(f"/c/{people.slug}/posts/{post_id}/status", {"status": "open"})
    client.post_form(url, {"outcome": "After reopening: waits are at two days."})
    status, _committed, recorded = _times(app, post_id)
    assert status == ChallengeStatus.RESOLVED and recorded >= before


def test_a_story_remembers_when_its_outcome_was_first_told(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/outcome", OUTCOME)
    status, committed, recorded = _times(app, post_id)
    assert status is None and committed is None and recorded is not None
    _backdate(app, post_id, outcome_at=LONG_AGO)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/outcome", {"outcome": "And a year on, still four."})
    assert _times(app, post_id)[2] == LONG_AGO
