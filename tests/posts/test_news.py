"""What is new to a member since they last read: on the dashboard per cohort, and on the cohort home."""

import re
from datetime import UTC, datetime, timedelta

from cohort.extensions import db
from cohort.models import Cohort, Post, PostRead, Reply
from cohort.moderation import ops as moderation_ops

from .. import factories
from .helpers import Visibility, add_member, make_post, make_reply, user


def _news(html: str) -> str:
    found = re.search(r'<p class="news[^"]*">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def _read(app, email: str, post_id: int, at: datetime) -> None:
    with app.app_context():
        db.session.add(PostRead(post_id=post_id, user_id=user(email).id, read_at=at))
        db.session.commit()


def _reply_at(app, post_id: int, email: str, at: datetime) -> None:
    reply_id = make_reply(app, post_id, email, "Advice.")
    with app.app_context():
        db.session.get(Reply, reply_id).created_at = at
        db.session.commit()


def test_unread_posts_and_replies_since_reading_are_counted_as_the_reader_may_see_them(app, people, client):
    now = datetime.now(UTC)
    make_post(app, people, people.facilitator, title="New one")
    make_post(app, people, people.facilitator, title="New two")
    make_post(app, people, people.facilitator, title="For facilitators", visibility=Visibility.FACILITATORS)
    hidden = make_post(app, people, add_member(app, people), title="Under review")
    make_post(app, people, people.member, title="My own")
    read = make_post(app, people, people.facilitator, title="Read before")
    _read(app, people.member, read, now - timedelta(hours=2))
    _reply_at(app, read, people.facilitator, now - timedelta(hours=3))  # before it was read
    _reply_at(app, read, people.facilitator, now - timedelta(hours=1))  # since
    _reply_at(app, read, people.member, now - timedelta(minutes=30))  # their own
    deleted = make_reply(app, read, people.facilitator, "Taken back.")
    with app.app_context():
        db.session.get(Reply, deleted).deleted_at = now
        db.session.commit()
    make_post(app, people, people.outsider, title="Elsewhere", cohort_id=people.other_cohort_id)
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        moderation_ops.hide(factories.member_of(user(people.facilitator), cohort), db.session.get(Post, hidden))
        db.session.commit()

    client.login(people.member)
    assert _news(client.get("/").text) == "New for you: 2 posts and 1 reply since you last read"
    assert _news(client.get(f"/c/{people.slug}/").text) == "New for you: 2 posts and 1 reply since you last read"
    client.get(f"/c/{people.slug}/posts/{read}")  # reading the thread catches up with it
    assert _news(client.get("/").text) == "New for you: 2 posts since you last read"


def test_the_dashboard_counts_every_cohort_in_one_statement(app, people, client, count_queries):
    client.login(people.member)
    client.get("/")
    with count_queries() as one_cohort:
        client.get("/")
    with app.app_context():
        member = user(people.member)
        for _ in range(3):
            cohort = factories.make_cohort()
            factories.make_member(cohort, member)
            factories.make_post(cohort, factories.make_member(cohort).user)
        db.session.commit()
    with count_queries() as four_cohorts:
        page = client.get("/").text
    shown = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", news)).strip()
        for news in re.findall(r'<p class="news[^"]*">(.*?)</p>', page, re.S)
    ]
    assert shown.count("New for you: 1 post since you last read") == 3
    assert len(four_cohorts) == len(one_cohort)


def test_a_member_yet_to_accept_the_charter_is_shown_no_news(app, people, client):
    with app.app_context():
        newcomer = factories.make_member(db.session.get(Cohort, people.cohort_id), accepted=False).user.email
    make_post(app, people, people.facilitator, title="Before the charter")
    client.login(newcomer)
    assert _news(client.get("/").text) == ""


def test_what_is_older_than_the_window_is_no_longer_new(app, people, client):
    now = datetime.now(UTC)
    old = make_post(app, people, people.facilitator, title="From last winter")
    read = make_post(app, people, people.facilitator, title="Read long ago")
    _read(app, people.member, read, now - timedelta(days=60))
    _reply_at(app, read, people.facilitator, now - timedelta(days=45))  # after reading, before the window
    with app.app_context():
        for post_id in (old, read):
            post = db.session.get(Post, post_id)
            post.created_at = now - timedelta(days=90)
            post.last_activity_at = now - timedelta(days=45)
        db.session.commit()

    client.login(people.member)
    assert _news(client.get("/").text) == "Nothing new since you last read."
    listing = client.get(f"/c/{people.slug}/posts/").text
    assert "From last winter" in listing and "badge-new" not in listing

    _reply_at(app, read, people.facilitator, now - timedelta(days=1))  # and now something is
    assert _news(client.get("/").text) == "New for you: 1 reply since you last read"
    assert "1 new reply" in client.get(f"/c/{people.slug}/posts/").text
