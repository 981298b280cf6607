"""Text that would keep the renderer busy for minutes is refused where it is written, with the text kept."""

import pytest

from cohort.extensions import db
from cohort.models import Notification, NotificationKind, Post, Reply, User

from .helpers import PostKind, add_member, make_post, make_reply, user
from .test_posting import STORY

REFUSED = "This text is too intricate to show safely"
# 20,000 `[` took a worker past gunicorn's 30-second timeout; 12,500 `[a](` took 23 s.
PATHOLOGICAL = ["[" * 20_000, "[a](" * 12_500]


def _replies(app, post_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(Reply.body).filter_by(post_id=post_id)).scalars())


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=["brackets", "link addresses"])
def test_a_reply_too_intricate_is_refused_and_kept_in_its_box(app, people, client, text):
    post_id = make_post(app, people, people.member)
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": text})
    assert response.status_code == 422
    assert REFUSED in response.text
    assert f">\n{text}</textarea>" in response.text
    assert _replies(app, post_id) == []
    # The same box takes an ordinary reply at once.
    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Ordinary."}).status_code == 302


def test_a_reply_that_begins_with_a_blank_line_keeps_it_in_its_box(app, people, client):
    """A browser drops the newline just after <textarea>: the box puts one there, so the reply's own stays."""
    post_id = make_post(app, people, people.member)
    client.login(people.member)
    text = "\n[" + "[" * 20_000
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": text})
    assert response.status_code == 422 and REFUSED in response.text
    assert f">\n{text}</textarea>" in response.text


def test_a_reply_edited_into_something_too_intricate_is_refused_and_kept(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.member, "My first reply.")
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/edit", {"body": "[" * 20_000})
    assert response.status_code == 422
    assert REFUSED in response.text and "[" * 20_000 in response.text
    assert _replies(app, post_id) == ["My first reply."]


def test_a_post_too_intricate_is_refused_and_everything_typed_is_kept(app, people, client):
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/new", {**STORY, "body": "[a](" * 12_500})
    assert response.status_code == 422
    assert REFUSED in response.text
    assert "[a](" * 12_500 in response.text and f'value="{STORY["title"]}"' in response.text
    with app.app_context():
        assert db.session.execute(db.select(Post)).first() is None


def test_an_edit_too_intricate_is_refused_and_the_post_stays_as_it_was(app, people, client):
    post_id = make_post(app, people, people.member, title="First title", body="First body.")
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/edit", {**STORY, "body": "[" * 20_000, "version": "1"}
    )
    assert response.status_code == 422
    assert REFUSED in response.text and "[" * 20_000 in response.text
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.title, post.body, post.version) == ("First title", "First body.", 1)


def test_a_commitment_too_intricate_is_refused_and_kept(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/try", {"commitment": "``a`" * 12_500})
    assert response.status_code == 422
    assert REFUSED in response.text and "``a`" * 12_500 in response.text
    with app.app_context():
        assert db.session.get(Post, post_id).commitment == ""


def test_a_reply_saved_before_the_bound_can_still_be_replaced(app, people, client):
    """Text saved before renders were bounded may be refused now: its author can still put it right,
    and whoever it already named is not told again."""
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.member, "Placeholder.")
    named, newcomer = add_member(app, people), add_member(app, people)
    with app.app_context():
        handle, new_handle = user(named).handle, user(newcomer).handle
        db.session.get(Reply, reply_id).body = f"@{handle} " + "[" * 20_000
        db.session.commit()
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/edit", {"body": f"Fixed, @{handle} and @{new_handle}."}
    )
    assert response.status_code == 302
    assert _replies(app, post_id) == [f"Fixed, @{handle} and @{new_handle}."]
    with app.app_context():
        told = db.session.execute(
            db.select(User.email)
            .join(Notification, Notification.user_id == User.id)
            .filter(Notification.kind == NotificationKind.MENTION)
        ).scalars()
        assert list(told) == [newcomer]
