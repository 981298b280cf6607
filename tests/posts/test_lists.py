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


def _older(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Older →</a>', page)
    return found and found.group(1).replace("&amp;", "&")


def _newer(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="prev">← Newer</a>', page)
    return found and found.group(1).replace("&amp;", "&")


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', page)


def test_newest_activity_comes_first_and_pages_hold_twenty(app, people, client):
    ids = [make_post(app, people, people.member, title=f"Numbered post {n:02d}") for n in range(22)]
    make_reply(app, ids[0], people.facilitator, "Bumps the oldest post to the top")
    client.login(people.member)
    first_page = client.get(f"/c/{people.slug}/posts/").text
    assert first_page.index("Numbered post 00") < first_page.index("Numbered post 21")
    assert "Older →" in first_page and "Numbered post 01" not in first_page and "← Newer" not in first_page
    second_page = client.get(_older(first_page)).text
    assert _titles(second_page) == ["Numbered post 02", "Numbered post 01"]
    assert "← Newer" in second_page and "Older →" not in second_page
    assert _titles(client.get(_newer(second_page)).text) == _titles(first_page)


def _at_one_moment(app, ids: list[int]) -> None:
    with app.app_context():
        for post_id in ids:
            db.session.get(Post, post_id).last_activity_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        db.session.commit()


def test_older_and_newer_links_walk_every_post_once_in_order_even_when_activity_ties(app, people, client):
    ids = [make_post(app, people, people.member, title=f"Post {n:02d}") for n in range(45)]
    _at_one_moment(app, ids[10:30])  # ties across a page boundary: the id decides
    client.login(people.member)
    pages = [client.get(f"/c/{people.slug}/posts/").text]
    while _older(pages[-1]):
        pages.append(client.get(_older(pages[-1])).text)
    walked = [title for page in pages for title in _titles(page)]
    with app.app_context():
        expected = db.session.scalars(
            db.select(Post.title).order_by(Post.last_activity_at.desc(), Post.id.desc())
        ).all()
    assert [len(_titles(page)) for page in pages] == [20, 20, 5]
    assert walked == expected
    back = [pages[-1]]
    while _newer(back[-1]):
        back.append(client.get(_newer(back[-1])).text)
    assert [_titles(page) for page in reversed(back)] == [_titles(page) for page in pages]


def test_a_post_moving_up_while_someone_pages_on_shifts_no_other_post(app, people, client):
    ids = [make_post(app, people, people.member, title=f"Post {n:02d}") for n in range(30)]
    client.login(people.member)
    first_page = client.get(f"/c/{people.slug}/posts/").text
    make_reply(app, ids[0], people.facilitator, "The oldest post moves to the top")
    second_page = client.get(_older(first_page)).text
    # Numbered pages would now repeat Post 10, pushed down by the post that moved up.
    assert _titles(second_page) == [f"Post {n:02d}" for n in range(9, 0, -1)]


def test_filters_stay_on_the_older_and_newer_links(app, people, client):
    for n in range(25):
        make_post(app, people, people.member, title=f"Story {n:02d}")
        make_post(app, people, people.member, title=f"Challenge {n:02d}", kind=PostKind.CHALLENGE)
    client.login(people.member)
    first_page = client.get(f"/c/{people.slug}/posts/?kind=challenge").text
    second_page = client.get(_older(first_page)).text
    assert "kind=challenge" in _older(first_page) and "kind=challenge" in _newer(second_page)
    assert _titles(second_page) == [f"Challenge {n:02d}" for n in range(4, -1, -1)]


def test_numbered_page_links_from_before_lead_to_the_newest_posts_with_their_filters(app, people, client):
    client.login(people.member)
    for query in ("page=3&kind=story", "page=999999999999999999&kind=story", "page=-3&kind=story", "kind=story&page=x"):
        response = client.get(f"/c/{people.slug}/posts/?{query}")
        assert (response.status_code, response.headers["Location"]) == (301, f"/c/{people.slug}/posts/?kind=story")


def test_a_cursor_not_made_by_the_list_is_refused_and_one_past_the_end_shows_nothing(app, people, client):
    for n in range(3):
        make_post(app, people, people.member, title=f"Post {n:02d}")
    client.login(people.member)
    base = f"/c/{people.slug}/posts/"
    for query in (
        "before=abc",
        "before=",
        "before=1-2-3",
        "before=12345678901234567-1",
        "before=1-0",
        "before=1-99999999999",
        "after=-1-1",
        "after=1.5-1",
        "before=1%00-1",
        "before=１-1",
        "before=1-2&after=1-2",
    ):
        response = client.get(f"{base}?{query}")
        assert response.status_code == 400, query
    past_the_end = client.get(f"{base}?before=1-1")
    assert past_the_end.status_code == 200 and "Nothing here yet" in past_the_end.text
    assert _titles(client.get(_newer(past_the_end.text)).text) == ["Post 02", "Post 01", "Post 00"]
    assert _titles(client.get(f"{base}?after=9999999999999999-1").text) == ["Post 02", "Post 01", "Post 00"]


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
