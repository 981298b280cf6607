"""The post list: filters, pages, unread marks, dates, the cohort home, and a fixed query count."""

import re
from datetime import UTC, datetime

from cohort.extensions import db
from cohort.models import Cohort, Post, Reply
from cohort.posts import ops

from .. import factories
from .helpers import PostKind, add_member, make_post, make_reply, user


def _card(page: str, title: str) -> str:
    """The list card of the post with this title, as HTML."""
    return next(card for card in re.findall(r'<li class="post-card.*?</li>', page, re.S) if f">{title}<" in card)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_filters_by_kind_status_tag_and_author(app, people, client):
    make_post(app, people, people.member, title="A story about waits", tags=["outpatients"])
    make_post(app, people, people.facilitator, title="A challenge about rotas", kind=PostKind.CHALLENGE)
    client.login(people.member)
    base = f"/c/{people.slug}/posts/"
    stories = client.get(base, query_string={"kind": "story"}).text
    assert "A story about waits" in stories and "A challenge about rotas" not in stories
    open_challenges = client.get(base, query_string={"status": "open"}).text
    assert "A challenge about rotas" in open_challenges and "A story about waits" not in open_challenges
    tagged = client.get(base, query_string={"tag": "outpatients"}).text
    assert "A story about waits" in tagged and "A challenge about rotas" not in tagged
    with app.app_context():
        facilitator_id = user(people.facilitator).id
    by_author = client.get(base, query_string={"author": facilitator_id}).text
    assert "A challenge about rotas" in by_author and "A story about waits" not in by_author
    assert client.get(base, query_string={"kind": "essay"}).status_code == 400


def test_newest_activity_comes_first_and_pages_hold_twenty(app, people, client):
    ids = [make_post(app, people, people.member, title=f"Numbered post {n:02d}") for n in range(22)]
    make_reply(app, ids[0], people.facilitator, "Bumps the oldest post to the top")
    client.login(people.member)
    first_page = client.get(f"/c/{people.slug}/posts/").text
    assert first_page.index("Numbered post 00") < first_page.index("Numbered post 21")
    assert "Older →" in first_page and "Numbered post 01" not in first_page
    second_page = client.get(f"/c/{people.slug}/posts/?page=2").text
    assert "Numbered post 01" in second_page and "← Newer" in second_page and "Older →" not in second_page


def test_unread_marks_for_new_posts_and_new_replies(app, people, client):
    post_id = make_post(app, people, people.facilitator, title="Fresh story")
    client.login(people.member)
    listing = client.get(f"/c/{people.slug}/posts/").text
    assert "post-card unread" in listing and ">New<" in listing
    client.get(f"/c/{people.slug}/posts/{post_id}")
    assert ">New<" not in client.get(f"/c/{people.slug}/posts/").text
    make_reply(app, post_id, people.facilitator, "A follow-up")
    assert "1 new reply" in client.get(f"/c/{people.slug}/posts/").text
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "is-new" in thread
    assert "new repl" not in client.get(f"/c/{people.slug}/posts/").text


def test_own_posts_are_never_unread(app, people, client):
    make_post(app, people, people.member, title="Mine")
    client.login(people.member)
    assert ">New<" not in client.get(f"/c/{people.slug}/posts/").text


def test_cards_say_when_a_post_was_asked_or_shared_and_last_answered_in_the_viewer_s_time_zone(app, people, client):
    in_auckland = add_member(app, people, timezone="Pacific/Auckland")
    challenge = make_post(app, people, people.facilitator, title="Rota gaps", kind=PostKind.CHALLENGE)
    first, last, deleted = (make_reply(app, challenge, people.member, f"Advice {n}") for n in range(3))
    story = make_post(app, people, people.facilitator, title="Quiet wards")
    with app.app_context():
        # Evening in London is the next morning in Auckland (UTC+12 in June).
        for model, key, moment in [
            (Post, challenge, datetime(2025, 6, 10, 20, 0, tzinfo=UTC)),
            (Reply, first, datetime(2025, 6, 11, 9, 0, tzinfo=UTC)),
            (Reply, last, datetime(2025, 6, 12, 23, 30, tzinfo=UTC)),
            (Reply, deleted, datetime(2025, 6, 20, 9, 0, tzinfo=UTC)),
            (Post, story, datetime(2025, 7, 1, 8, 0, tzinfo=UTC)),
        ]:
            db.session.get(model, key).created_at = moment
        gone = db.session.get(Reply, deleted)
        ops.delete_reply(factories.member_of(user(people.member), people.cohort_id), gone)
        db.session.commit()
    client.login(in_auckland)
    for page in (f"/c/{people.slug}/posts/", f"/c/{people.slug}/"):
        listing = client.get(page).text
        assert _text(_card(listing, "Quiet wards")).endswith("· shared 1 Jul 2025 · 0 replies")
        assert '<time datetime="2025-07-01T08:00:00+00:00">1 Jul 2025</time>' in _card(listing, "Quiet wards")
    challenge_card = _card(client.get(f"/c/{people.slug}/posts/").text, "Rota gaps")
    assert _text(challenge_card).endswith("· asked 11 Jun 2025 · last reply 13 Jun 2025 · 2 replies")
    assert '<time datetime="2025-06-10T20:00:00+00:00">11 Jun 2025</time>' in challenge_card
    assert '<time datetime="2025-06-12T23:30:00+00:00">13 Jun 2025</time>' in challenge_card


def test_home_shows_challenges_waiting_for_advice_and_latest_stories(app, people, client):
    waiting = make_post(app, people, people.facilitator, title="Waiting challenge", kind=PostKind.CHALLENGE)
    answered = make_post(app, people, people.facilitator, title="Answered challenge", kind=PostKind.CHALLENGE)
    make_reply(app, answered, people.member, "Some advice")
    make_reply(app, waiting, people.facilitator, "A note from the author")
    make_post(app, people, people.member, title="A fresh story")
    client.login(people.member)
    home = client.get(f"/c/{people.slug}/").text
    waiting_section = home.split("Challenges waiting for advice", 1)[1].split("Latest stories", 1)[0]
    assert "Waiting challenge" in waiting_section and "Answered challenge" not in waiting_section
    assert "A fresh story" in home.split("Latest stories", 1)[1]


def test_list_runs_the_same_queries_for_few_and_many_posts(app, people, client, count_queries):
    client.login(people.member)
    for _ in range(3):
        make_post(app, people, people.facilitator, tags=["alpha", "beta"])
    with count_queries() as few:
        client.get(f"/c/{people.slug}/posts/")
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        author = user(people.facilitator)
        for number in range(40):
            post = factories.make_post(cohort, author, tags=[f"tag{number}"])
            for _ in range(3):
                ops.add_reply(factories.member_of(author, cohort), post, "advice")
        db.session.commit()
    with count_queries() as many:
        client.get(f"/c/{people.slug}/posts/")
    assert len(few) == len(many)
