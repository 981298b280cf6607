"""A form sent after its token or its sign-in lapsed: nothing is written, and the text comes back in
the form, with a fresh token and a clear message, after signing in again if need be."""

import html
import re
import secrets
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from cohort.extensions import db
from cohort.models import Post, Reply

from ..conftest import CSRF_PATTERN
from ..test_html import validate
from .helpers import PostKind, make_post, make_reply
from .test_posting import STORY

MARK = re.compile(r'name="draft_for" value="([^"]+)"')
REPLY_KEPT = "Your session had expired, so your reply was not sent. It is below: send it again."
SIGNED_OUT = "You were signed out, so what you wrote was not sent. Sign in, and it will be back in the form."
EXPIRED_PAGE = "This form has expired"
ADVICE = "Try a discharge lounge, staffed from 8am, with <b>pharmacy</b> on the ward round."


def _form_fields(page: str) -> dict:
    """The hidden fields a browser would send back with the page's forms."""
    return {"csrf_token": CSRF_PATTERN.search(page).group(1), "draft_for": _mark(page)}


def _mark(page: str) -> str:
    found = MARK.search(page)
    return found.group(1) if found else ""


def _lose_the_session(client) -> None:
    """What a browser does when it is closed and opened again: the session cookie is gone (a
    remember-me cookie, if any, stays)."""
    client.delete_cookie("session", domain="cohort.test")


def _sign_in_back_to(link: str) -> str:
    """Where a link to the sign-in page comes back to."""
    parts = urlsplit(html.unescape(link))
    assert parts.path == "/login"
    return parse_qs(parts.query)["next"][0]


def _reply_texts(app, post_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(Reply.body).filter_by(post_id=post_id)).scalars())


def _box(page: str, suffix: str = "top") -> str:
    """The text in a reply box of the thread page, as a browser reads it (without the newline after the tag)."""
    return re.search(rf'<textarea id="reply-body-{suffix}"[^>]*>\n?([^<]*)</textarea>', page).group(1)


def _incompressible_text() -> str:
    """A reply too long for a cookie, even compressed."""
    return " ".join(secrets.token_urlsafe(8) for _ in range(800))


@pytest.fixture
def thread(app, people):
    post_id = make_post(app, people, people.member, title="Bed flow in winter")
    return f"/c/{people.slug}/posts/{post_id}", post_id


def test_a_reply_sent_with_a_lapsed_token_comes_back_in_its_box(app, people, client, thread):
    url, post_id = thread
    client.login(people.member, remember="y")
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)  # the remember-me cookie signs the member back in, with a new session
    response = client.post(f"{url}/replies", data={**fields, "body": ADVICE})
    assert response.status_code == 400
    assert EXPIRED_PAGE not in response.text
    assert REPLY_KEPT in response.text and "<b>pharmacy" not in response.text
    assert html.unescape(_box(response.text)) == ADVICE
    assert _reply_texts(app, post_id) == []
    sent = client.post(f"{url}/replies", data={**_form_fields(response.text), "body": ADVICE})
    assert sent.status_code == 302
    assert _reply_texts(app, post_id) == [ADVICE]


def test_a_reply_to_a_reply_comes_back_under_the_reply_it_answers(app, people, client, thread):
    url, post_id = thread
    parent_id = make_reply(app, post_id, people.facilitator, "Have you tried a huddle?")
    client.login(people.member)
    page = client.get(url).text
    response = client.post(f"{url}/replies", data={"draft_for": _mark(page), "parent_id": parent_id, "body": "We did."})
    assert response.status_code == 400
    assert _box(response.text, str(parent_id)) == "We did." and _box(response.text) == ""
    assert REPLY_KEPT in response.text
    assert _reply_texts(app, post_id) == ["Have you tried a huddle?"]


def test_after_signing_in_again_the_reply_is_back_in_its_box_once(app, people, client, thread):
    url, post_id = thread
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)
    response = client.post(f"{url}/replies", data={**fields, "body": ADVICE})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"])
    assert SIGNED_OUT in login_page.text
    assert _reply_texts(app, post_id) == []
    signed_in = client.login(people.member, next=f"{url}#reply-heading")
    assert signed_in.headers["Location"] == f"{url}#reply-heading"
    back = client.get(url).text
    assert REPLY_KEPT in back
    assert html.unescape(_box(back)) == ADVICE and "<b>pharmacy" not in back
    again = client.get(url).text
    assert REPLY_KEPT not in again and _box(again) == ""


def test_the_sign_in_page_is_asked_to_come_back_to_the_box(people, client, thread):
    url, _post_id = thread
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    client.logout()
    response = client.post(f"{url}/replies", data={**fields, "body": ADVICE})
    assert _sign_in_back_to(response.headers["Location"]) == f"{url}#reply-heading"


def test_a_kept_reply_is_never_shown_to_someone_else_who_signs_in_on_the_browser(app, people, client, thread):
    url, _post_id = thread
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)
    client.post(f"{url}/replies", data={**fields, "body": ADVICE})
    client.login(people.facilitator)
    assert "discharge lounge" not in client.get(url).text
    client.logout()
    client.login(people.member)
    assert "discharge lounge" not in client.get(url).text  # gone once someone else came by


def test_signing_out_forgets_a_kept_reply(people, client, thread):
    url, _post_id = thread
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)
    client.post(f"{url}/replies", data={**fields, "body": ADVICE})
    client.login(people.member)  # and goes elsewhere first
    client.logout()
    client.login(people.member)
    assert "discharge lounge" not in client.get(url).text


def test_a_form_the_member_was_not_shown_gives_nothing_back(people, client, thread):
    """Without the mark of the page it was typed on (a form made up by another site, or sent from
    a tab opened before forms had marks), a form with a lapsed token or sign-in is not echoed."""
    url, _post_id = thread
    client.login(people.facilitator)
    someone_elses = _mark(client.get(url).text)
    client.logout()
    client.login(people.member)
    for mark in (None, "forged", someone_elses):
        data = {"body": ADVICE} | ({} if mark is None else {"draft_for": mark})
        response = client.post(f"{url}/replies", data=data)
        assert response.status_code == 400 and EXPIRED_PAGE in response.text and "discharge" not in response.text
    client.logout()
    response = client.post(f"{url}/replies", data={"body": ADVICE, "draft_for": "forged"})
    assert response.headers["Location"].startswith("/login")
    assert "discharge" not in client.get(response.headers["Location"]).text


def test_a_reply_too_long_to_keep_is_shown_to_copy(app, people, client, thread):
    url, post_id = thread
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)
    long_reply = _incompressible_text()
    response = client.post(f"{url}/replies", data={**fields, "body": long_reply})
    assert response.status_code == 401
    assert "You were signed out" in response.text and long_reply in response.text
    sign_in = re.search(r'<a class="button primary" href="([^"]+)">Sign in</a>', response.text).group(1)
    assert _sign_in_back_to(sign_in) == f"{url}#reply-heading"
    assert _reply_texts(app, post_id) == []
    cookie = client.get_cookie("session", domain="cohort.test")  # none: nothing was kept
    assert cookie is None or "draft" not in app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_longest_reply_kept_comes_back_whole_in_a_cookie_a_browser_keeps(people, client, thread):
    """Found by halving: the longest reply that is kept rather than shown to copy. Signing in adds
    to the session; the cookie must stay under the 4,093 bytes a browser keeps."""
    url, _post_id = thread
    text = _incompressible_text()

    def send(length: int):
        client.delete_cookie("session", domain="cohort.test")
        client.login(people.member)
        fields = _form_fields(client.get(url).text)
        _lose_the_session(client)
        return client.post(f"{url}/replies", data={**fields, "body": text[:length]})

    kept, shown = 0, len(text)
    while shown - kept > 1:
        middle = (kept + shown) // 2
        kept, shown = (middle, shown) if send(middle).status_code == 302 else (kept, middle)
    sent = send(kept)
    answers = (sent, client.get(sent.headers["Location"]), client.login(people.member))
    sizes = [len(cookie) for answer in answers for cookie in answer.headers.getlist("Set-Cookie")]
    assert kept > 2_500 and max(sizes) < 4_093
    assert text[:kept] in html.unescape(client.get(url).text)


def test_pages_that_give_a_draft_back_are_valid_html(people, client, thread, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Java not found, which the Nu Html Checker needs (apt-get install default-jre-headless)")
    url, _post_id = thread
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    lapsed = {"body": ADVICE, "draft_for": fields["draft_for"]}
    pages = {"thread-with-draft": client.post(f"{url}/replies", data=lapsed)}
    _lose_the_session(client)
    pages["signed-out"] = client.post(f"{url}/replies", data={**fields, "body": _incompressible_text()})
    assert [page.status_code for page in pages.values()] == [400, 401]
    assert validate({name: page.text for name, page in pages.items()}, tmp_path) == {}


def test_a_new_post_comes_back_with_everything_typed_and_is_shared_once(app, people, client):
    url = f"/c/{people.slug}/posts/new"
    client.login(people.member, remember="y")
    page = client.get(url).text
    form = {**STORY, "form_key": re.search(r'name="form_key" type="text" value="([^"]+)"', page).group(1)}
    _lose_the_session(client)
    refused = client.post(url, data={**form, "draft_for": _mark(page)})
    assert refused.status_code == 400
    assert "Your session had expired, so your post was not shared. It is below: share it again." in refused.text
    assert 'value="Virtual fracture clinic"' in refused.text and "We moved **60%** of referrals" in refused.text
    client.logout()
    client.login(people.member)
    kept = client.get(url).text
    fields = _form_fields(kept)
    _lose_the_session(client)
    assert client.post(url, data={**form, "draft_for": fields["draft_for"]}).status_code == 302
    client.login(people.member, next=url)
    back = client.get(url).text
    assert "Your session had expired, so your post was not shared." in back
    assert 'value="Virtual fracture clinic"' in back and f'value="{form["form_key"]}"' in back
    assert client.post(url, data={**form, "csrf_token": _form_fields(back)["csrf_token"]}).status_code == 302
    assert client.post_form(url, form).status_code == 302  # and once more: the form has shared already
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Post.id))).scalar_one() == 1


def test_an_edit_comes_back_after_signing_in_again(app, people, client):
    post_id = make_post(app, people, people.member, title="First title")
    url = f"/c/{people.slug}/posts/{post_id}/edit"
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)
    edit = {**STORY, "title": "A better title", "version": "1"}
    assert client.post(url, data={**edit, **fields}).status_code == 302
    client.login(people.member, next=url)
    back = client.get(url).text
    assert "Your session had expired, so your changes were not saved." in back
    assert 'value="A better title"' in back and 'name="version" type="hidden" value="1"' in back
    with app.app_context():
        assert db.session.get(Post, post_id).title == "First title"


def test_a_reply_edit_comes_back_when_its_token_lapsed(app, people, client, thread):
    url, post_id = thread
    reply_id = make_reply(app, post_id, people.member, "First thoughts.")
    client.login(people.member, remember="y")
    fields = _form_fields(client.get(f"{url}/replies/{reply_id}/edit").text)
    _lose_the_session(client)
    response = client.post(f"{url}/replies/{reply_id}/edit", data={**fields, "body": "Second thoughts."})
    assert response.status_code == 400
    assert "Your session had expired, so your reply was not saved. It is below: save it again." in response.text
    assert "Second thoughts." in response.text
    assert _reply_texts(app, post_id) == ["First thoughts."]


@pytest.mark.parametrize("page, field", [("try", "commitment"), ("outcome", "outcome")])
def test_what_the_author_records_on_a_challenge_comes_back_after_signing_in(app, people, client, page, field):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    url = f"/c/{people.slug}/posts/{post_id}/{page}"
    client.login(people.member)
    fields = _form_fields(client.get(url).text)
    _lose_the_session(client)
    assert client.post(url, data={**fields, field: "Criteria-led discharge on two wards."}).status_code == 302
    client.login(people.member, next=url)
    back = client.get(url).text
    assert "Your session had expired, so this was not saved. It is below: save it again." in back
    assert "Criteria-led discharge on two wards." in back
    with app.app_context():
        assert getattr(db.session.get(Post, post_id), field) == ""
