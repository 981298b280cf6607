"""Threaded replies: order, depth, permalinks, editing and deleting, and a fixed query count."""

import re

from cohort.extensions import db
from cohort.models import Post, Reply, User
from cohort.posts import ops

from .. import factories
from .helpers import make_post, make_reply


def _reply_order(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<li id="reply-(\d+)"', html)]


def test_reply_to_the_post_and_to_a_reply(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.facilitator)
    url = f"/c/{people.slug}/posts/{post_id}/replies"
    first = client.post_form(url, {"body": "Try a **huddle**."})
    assert first.status_code == 302
    first_id = int(first.headers["Location"].rsplit("#reply-", 1)[1])
    member = app.test_client()
    member.login(people.member)
    answer = member.post_form(url, {"body": "Which time of day?", "parent_id": str(first_id)})
    answer_id = int(answer.headers["Location"].rsplit("#reply-", 1)[1])
    page = member.get(f"/c/{people.slug}/posts/{post_id}").text
    assert _reply_order(page) == [first_id, answer_id]
    assert "<strong>huddle</strong>" in page
    assert f'<li id="reply-{answer_id}" class="reply indent-1' in page
    assert f'href="#reply-{first_id}"' in page


def test_thread_reads_parent_before_children_siblings_oldest_first(app, people, client):
    post_id = make_post(app, people, people.member)
    a = make_reply(app, post_id, people.facilitator, "A")
    b = make_reply(app, post_id, people.member, "B")
    a1 = make_reply(app, post_id, people.member, "A1", a)
    a2 = make_reply(app, post_id, people.facilitator, "A2", a)
    a1x = make_reply(app, post_id, people.facilitator, "A1x", a1)
    client.login(people.member)
    assert _reply_order(client.get(f"/c/{people.slug}/posts/{post_id}").text) == [a, a1, a1x, a2, b]


def test_deep_threads_stop_indenting_and_say_whom_they_answer(app, people, client):
    post_id = make_post(app, people, people.member)
    parent = None
    ids = []
    for depth in range(7):
        author = people.member if depth % 2 else people.facilitator
        parent = make_reply(app, post_id, author, f"Level {depth}", parent)
        ids.append(parent)
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert f'<li id="reply-{ids[4]}" class="reply indent-4' in page
    assert f'<li id="reply-{ids[6]}" class="reply indent-4' in page
    deepest = page.split(f'<li id="reply-{ids[6]}"', 1)[1].split("</li>", 1)[0]
    assert "in reply to Person" in deepest


def test_empty_reply_keeps_the_form_open_with_a_message(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "   "})
    assert response.status_code == 422
    assert "Write your reply before sending it." in response.text


def test_a_long_reply_survives_a_failed_submission(app, people, client):
    post_id = make_post(app, people, people.member)
    parent = make_reply(app, post_id, people.member, "Context")
    client.login(people.facilitator)
    long_reply = "We tried this across three hospitals and learned a lot. " * 1000  # over the limit
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies", {"body": long_reply, "parent_id": str(parent)}
    )
    assert response.status_code == 422
    assert "Keep it under" in response.text
    under_parent = response.text.split(f'<li id="reply-{parent}"', 1)[1].split("</li>", 1)[0]
    assert long_reply.strip() in under_parent and "Keep it under" in under_parent
    assert f'<textarea id="reply-body-{parent}"' in under_parent


def test_reply_cannot_hang_under_a_reply_of_another_post(app, people, client):
    post_id = make_post(app, people, people.member)
    other_post = make_post(app, people, people.member)
    foreign = make_reply(app, other_post, people.member, "Elsewhere")
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Misplaced answer", "parent_id": str(foreign)}
    )
    assert response.status_code == 422
    assert "no longer there" in response.text and "Misplaced answer" in response.text
    with app.app_context():
        assert db.session.execute(db.select(Reply).filter_by(post_id=post_id)).first() is None


def test_author_edits_a_reply_and_it_says_edited(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.facilitator, "First thought")
    client.login(people.facilitator)
    url = f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/edit"
    assert "First thought" in client.get(url).text
    client.post_form(url, {"body": "Second thought"})
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Second thought" in page and "· edited" in page
    other = app.test_client()
    other.login(people.member)
    assert other.get(url).status_code == 403
    assert other.post_form(url, {"body": "Hijack"}).status_code == 403


def test_deleted_reply_leaves_a_placeholder_and_its_children(app, people, client):
    post_id = make_post(app, people, people.member)
    parent = make_reply(app, post_id, people.facilitator, "Regrettable words")
    child = make_reply(app, post_id, people.member, "A kind answer", parent)
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{parent}/delete")
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Regrettable words" not in page and "[deleted]" in page
    assert _reply_order(page) == [parent, child] and "A kind answer" in page
    with app.app_context():
        assert db.session.get(Reply, parent).deleted_at is not None


def test_thread_page_runs_the_same_queries_for_5_and_500_replies(app, people, client, count_queries):
    small = make_post(app, people, people.member)
    large = make_post(app, people, people.member)
    with app.app_context():
        author = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        for post_id, count in ((small, 5), (large, 500)):
            post = db.session.get(Post, post_id)
            parent = None
            for number in range(count):
                acting = factories.member_of(author, post.cohort_id)
                reply = ops.add_reply(acting, post, f"Advice {number}", parent if number % 3 else None)
                parent = reply
        db.session.commit()
    client.login(people.member)
    client.get(f"/c/{people.slug}/posts/{small}")  # the first view also creates the read mark
    client.get(f"/c/{people.slug}/posts/{large}")
    with count_queries() as small_queries:
        small_page = client.get(f"/c/{people.slug}/posts/{small}")
    with count_queries() as large_queries:
        large_page = client.get(f"/c/{people.slug}/posts/{large}")
    assert small_page.status_code == large_page.status_code == 200
    assert len(_reply_order(large_page.text)) == 500
    assert len(small_queries) == len(large_queries)
    assert len(large_queries) <= 15
