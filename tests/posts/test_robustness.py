"""Odd input and races never give a 500, and never lose what was typed."""

import pytest

from .helpers import PostKind, add_member, make_post, make_reply


@pytest.fixture
def strict_app(app):
    """Errors become pages, as in production, so a 500 shows as a status code."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    "path",
    [
        "/posts/99999999999999999999",
        "/posts/?author=99999999999999999999",
        "/sessions/99999999999999999999",
    ],
)
def test_huge_numbers_in_urls_are_handled(strict_app, people, path):
    client = strict_app.test_client()
    client.login(people.member)
    assert client.get(f"/c/{people.slug}{path}").status_code in (200, 404)


def test_odd_form_numbers_are_refused_politely(strict_app, people):
    post_id = make_post(strict_app, people, people.member)
    client = strict_app.test_client()
    client.login(people.member)
    edit = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/edit",
        {"kind": "story", "title": "t", "body": "b", "visibility": "attributed", "version": "abc"},
    )
    assert edit.status_code == 422
    reply = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies", {"body": "kept text", "parent_id": "99999999999999999999"}
    )
    assert reply.status_code == 422 and "kept text" in reply.text
    other = make_post(strict_app, people, people.facilitator)
    thanks = client.post_form(f"/c/{people.slug}/posts/{other}/thanks", {"set": "1", "value_id": "9" * 30})
    assert thanks.status_code == 302


@pytest.mark.parametrize("number", ["nan", "inf", "-inf"])
def test_results_must_be_ordinary_numbers(strict_app, people, number):
    post_id = make_post(strict_app, people, people.member, kind=PostKind.CHALLENGE)
    client = strict_app.test_client()
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/outcome",
        {"outcome": "x", "results-0-measure": "m", "results-0-baseline": number, "results-0-result": "1"},
    )
    assert response.status_code == 422 and "ordinary numbers" in response.text


def test_reply_to_a_reply_deleted_meanwhile_keeps_the_text(app, people, client):
    post_id = make_post(app, people, people.member)
    parent = make_reply(app, post_id, people.facilitator, "Soon deleted")
    author = app.test_client()
    author.login(people.facilitator)
    author.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{parent}/delete")
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies", {"body": "My considered answer", "parent_id": str(parent)}
    )
    assert response.status_code == 422
    assert "no longer there" in response.text and "My considered answer" in response.text


def test_hidden_post_title_is_not_shown_on_the_reply_edit_page(app, people, client):
    post_id = make_post(app, people, add_member(app, people), title="Secret merger talks")
    reply_id = make_reply(app, post_id, people.member, "My reply")
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/posts/{post_id}/hide")
    client.login(people.member)
    response = client.get(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/edit")
    assert response.status_code == 404 and "Secret merger talks" not in response.text


def test_deep_reply_to_a_hidden_reply_names_no_one(app, people, client):
    post_id = make_post(app, people, people.member)
    parent = None
    for depth in range(5):
        parent = make_reply(app, post_id, people.member, f"Level {depth}", parent)
    hidden = make_reply(app, post_id, add_member(app, people), "Hidden words", parent)
    make_reply(app, post_id, people.member, "Answer to the hidden one", hidden)
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{hidden}/hide")
    reader = app.test_client()
    reader.login(add_member(app, people))
    page = reader.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "in reply to a hidden reply" in page


def test_flags_on_deleted_posts_leave_the_review_list(app, people, client):
    post_id = make_post(app, people, people.member, title="Deleted title")
    flagger = app.test_client()
    flagger.login(people.facilitator)
    flagger.post_form(f"/c/{people.slug}/posts/{post_id}/flag", {"reason": "check"})
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/delete")
    assert "Deleted title" not in flagger.get(f"/c/{people.slug}/flags").text


def test_search_and_flags_pages_do_not_grow_with_results(app, people, client, count_queries):
    client.login(people.facilitator)
    make_post(app, people, people.member, title="Huddle one")
    with count_queries() as one:
        client.get(f"/c/{people.slug}/posts/?q=huddle")
    for number in range(8):
        make_post(app, people, people.member, title=f"Huddle {number}")
    with count_queries() as many:
        client.get(f"/c/{people.slug}/posts/?q=huddle")
    assert len(one) == len(many)
