"""The preview beside a text box: the page's own script sends the text, and gets back exactly the HTML
the saved text would show."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohort.extensions import db
from cohort.markdown import render_markdown
from cohort.models import Cohort

from .. import factories


def _preview(client, slug: str, text: str, token: str | None = None):
    return client.post(f"/c/{slug}/preview", data={"text": text, "csrf_token": token or client.csrf_token()})


def test_the_preview_is_the_saved_texts_own_html_with_mentions_of_the_cohort(app, client, people):
    with app.app_context():
        peer = factories.make_member(db.session.get(Cohort, people.cohort_id), factories.make_user(name="Sarah Lee"))
        db.session.commit()
        handle, peer_id = peer.user.handle, peer.user_id
    text = f"**Try huddles**, ask @{handle}: see www.nhs.uk\n\n<script>alert(1)</script><img src=x onerror=alert(1)>"
    client.login(people.member)
    response = _preview(client, people.slug, text)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.json["html"]
    with app.app_context():
        assert html == render_markdown(text, people.cohort_id)
    assert "<strong>Try huddles</strong>" in html
    assert f'href="/c/{people.slug}/members/{peer_id}"' in html
    assert '<a href="http://www.nhs.uk"' in html
    assert "<script" not in html and "onerror" not in html


def test_text_too_intricate_to_show_says_why(client, people):
    client.login(people.member)
    response = _preview(client, people.slug, "[" * 30_000)
    assert response.status_code == 422
    assert "too intricate to show safely" in response.json["error"]


def test_the_preview_needs_the_forms_token(client, people):
    """Another site cannot have a member's browser render text in the cohort's name."""
    client.login(people.member)
    response = _preview(client, people.slug, "Hello", token="forged")
    assert response.status_code == 400
    assert "Hello" not in response.text


def test_another_cohorts_member_gets_not_found(client, people):
    client.login(people.outsider)
    response = _preview(client, people.slug, "Hello")
    assert response.status_code == 404
    assert "Hello" not in response.text


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
# What a browser can send: no lone surrogates, and no NUL byte (refused, 400, before any view on
# every form: tests/test_app.py).
@given(
    text=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=3000)
    | st.from_regex(r"(\[|`+|<[a-z]+|\*\*|@[a-z]+|https?://[a-z./?=]+|\n)+", fullmatch=True)
)
def test_whatever_is_typed_the_preview_answers_json_and_never_runs_script(client, people, text):
    client.login(people.member)
    response = _preview(client, people.slug, text)
    assert response.status_code in (200, 422), response.status_code
    assert response.mimetype == "application/json"
    if response.status_code == 200:
        assert "<script" not in response.json["html"].lower()
