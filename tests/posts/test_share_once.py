"""One form, one post: the new-post form carries a key, and sending it again finds the post it made."""

import re

from cohort.extensions import db
from cohort.models import Post

from .test_posting import STORY

FORM_KEY = re.compile(r'name="form_key" type="text" value="([^"]*)"')


def _form_key(page: str) -> str:
    return FORM_KEY.search(page).group(1)


def _posts_titled(app, title: str) -> list[Post]:
    with app.app_context():
        return list(db.session.execute(db.select(Post).filter_by(title=title)).scalars())


def test_the_same_form_sent_twice_shares_one_post_and_the_second_answer_leads_to_it(app, people, client):
    client.login(people.member)
    url = f"/c/{people.slug}/posts/new"
    form = {**STORY, "form_key": _form_key(client.get(url).text)}
    first = client.post_form(url, form)
    assert first.status_code == 302
    assert "Shared with the cohort." in client.get(first.headers["Location"]).text
    again = client.post_form(url, form)  # Back, then Share again
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    thread = client.get(again.headers["Location"]).text
    assert "This was already shared." in thread and "Virtual fracture clinic" in thread
    assert len(_posts_titled(app, STORY["title"])) == 1


def test_each_new_form_has_its_own_key(people, client):
    client.login(people.member)
    keys = {_form_key(client.get(f"/c/{people.slug}/posts/new").text) for _ in range(3)}
    assert len(keys) == 3


def test_two_forms_with_the_same_text_share_two_posts(app, people, client):
    client.login(people.member)
    url = f"/c/{people.slug}/posts/new"
    for _ in range(2):
        assert client.post_form(url, {**STORY, "form_key": _form_key(client.get(url).text)}).status_code == 302
    assert len(_posts_titled(app, STORY["title"])) == 2


def test_the_key_is_kept_when_the_form_comes_back_with_an_error(app, people, client):
    client.login(people.member)
    url = f"/c/{people.slug}/posts/new"
    key = _form_key(client.get(url).text)
    refused = client.post_form(url, {**STORY, "title": "", "form_key": key})
    assert refused.status_code == 422 and _form_key(refused.text) == key
    assert client.post_form(url, {**STORY, "form_key": key}).status_code == 302
    assert client.post_form(url, {**STORY, "form_key": key}).status_code == 302
    assert len(_posts_titled(app, STORY["title"])) == 1


def test_a_form_without_a_key_or_with_a_malformed_one_still_shares(app, people, client):
    """A tab opened before forms had keys sends none; an altered form sends anything. Both share
    (without the guard), and a form shown again after an error gets a proper key."""
    client.login(people.member)
    url = f"/c/{people.slug}/posts/new"
    for key in (None, "", "short", "not a key!" * 3, "x" * 5000):
        title = f"Shared with key {key!r:.20}"
        form = {**STORY, "title": title} | ({} if key is None else {"form_key": key})
        response = client.post_form(url, form)
        assert response.status_code == 302, key
        assert "Shared with the cohort." in client.get(response.headers["Location"]).text
        (post,) = _posts_titled(app, title)
        assert post.form_key is None
        refused = client.post_form(url, {**form, "title": ""})
        assert refused.status_code == 422 and re.fullmatch(r"[A-Za-z0-9_-]{22}", _form_key(refused.text))


def test_a_deleted_post_is_shared_anew_when_its_form_is_sent_again(app, people, client):
    client.login(people.member)
    url = f"/c/{people.slug}/posts/new"
    form = {**STORY, "form_key": _form_key(client.get(url).text)}
    first = client.post_form(url, form).headers["Location"]
    client.post_form(f"{first}/delete")
    again = client.post_form(url, form)
    assert again.headers["Location"] != first
    assert "Shared with the cohort." in client.get(again.headers["Location"]).text
