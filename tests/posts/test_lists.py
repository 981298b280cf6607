"""The post list: filters, pages, unread marks, the cohort home, and a fixed query count."""

from cohort.extensions import db
from cohort.models import Cohort
from cohort.posts import ops

from .. import factories
from .helpers import PostKind, make_post, make_reply, user


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
