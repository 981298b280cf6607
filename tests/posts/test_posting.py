"""Writing, editing and deleting stories and challenges."""

from cohort.extensions import db
from cohort.models import Post

from .helpers import PostKind, make_post

STORY = {
    "kind": "story",
    "title": "Virtual fracture clinic",
    "body": "We moved **60%** of referrals to virtual care plans.",
    "tags": "Outpatients, virtual care,  outpatients",
    "visibility": "attributed",
}


def test_new_post_form_starts_with_the_kind_asked_for(people, client):
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/new?kind=challenge")
    assert page.status_code == 200
    assert 'checked id="kind-1" name="kind" required type="radio" value="challenge"' in page.text


def test_member_shares_a_story_with_results(app, people, client):
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/new",
        {
            **STORY,
            "results-0-measure": "ED referrals managed as virtual care plans",
            "results-0-unit": "%",
            "results-0-baseline": "0",
            "results-0-result": "60",
            "results-0-period": "Jan–Jun 2026",
        },
    )
    assert response.status_code == 302
    thread = client.get(response.headers["Location"]).text
    assert "Shared with the cohort." in thread
    assert "<strong>60%</strong>" in thread
    assert "ED referrals managed as virtual care plans" in thread
    assert '0% <span aria-hidden="true">→</span>' in thread and "<strong>60%</strong>" in thread
    assert "+60 percentage points" in thread
    assert thread.count(">outpatients<") == 1 and ">virtual care<" in thread


def test_a_new_challenge_is_open(app, people, client):
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/new", {**STORY, "kind": "challenge"})
    assert "Open" in client.get(response.headers["Location"]).text


def test_invalid_post_keeps_everything_typed(people, client):
    client.login(people.member)
    long_body = "A careful account of what we tried. " * 40
    response = client.post_form(
        f"/c/{people.slug}/posts/new",
        {**STORY, "title": "", "body": long_body, "results-0-measure": "Waits", "results-0-baseline": "14"},
    )
    assert response.status_code == 422
    assert "Give it a title." in response.text
    assert "Give the figure before and after." in response.text
    assert long_body.strip() in response.text
    assert 'value="Outpatients, virtual care,  outpatients"' in response.text
    assert 'value="Waits"' in response.text


def test_unknown_kind_or_visibility_is_refused(people, client):
    client.login(people.member)
    assert client.post_form(f"/c/{people.slug}/posts/new", {**STORY, "kind": "rant"}).status_code == 422
    assert client.post_form(f"/c/{people.slug}/posts/new", {**STORY, "visibility": "public"}).status_code == 422


def test_author_edits_and_the_post_says_edited(app, people, client):
    post_id = make_post(app, people, people.member, title="First title")
    client.login(people.member)
    form = client.get(f"/c/{people.slug}/posts/{post_id}/edit")
    assert 'value="First title"' in form.text
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/edit", {**STORY, "title": "Better title", "version": "1"}
    )
    assert response.status_code == 302
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Better title" in thread and "· edited" in thread


def test_stale_edit_is_refused_and_keeps_the_text(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/edit"
    assert client.post_form(url, {**STORY, "title": "Edit from the laptop", "version": "1"}).status_code == 302
    stale = client.post_form(url, {**STORY, "title": "Edit from the phone", "body": "Phone text", "version": "1"})
    assert stale.status_code == 409
    assert "This post was changed while you were editing it." in stale.text
    assert 'value="Edit from the phone"' in stale.text and "Phone text" in stale.text
    assert 'name="version" type="hidden" value="2"' in stale.text
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Edit from the laptop"


def test_only_the_author_edits(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.facilitator)
    assert client.get(f"/c/{people.slug}/posts/{post_id}/edit").status_code == 403
    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/edit", {**STORY, "version": "1"}).status_code == 403


def test_delete_is_soft_and_hides_the_post_from_everyone(app, people, client):
    post_id = make_post(app, people, people.member, title="Soon gone")
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/delete", follow_redirects=True)
    assert "The post has been deleted." in response.text and "Soon gone" not in response.text
    assert client.get(f"/c/{people.slug}/posts/{post_id}").status_code == 404
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    assert facilitator.get(f"/c/{people.slug}/posts/{post_id}").status_code == 404
    with app.app_context():
        kept = db.session.get(Post, post_id)
        assert kept is not None and kept.deleted_at is not None and kept.title == "Soon gone"


def test_facilitator_may_delete_but_other_members_may_not(app, people, client):
    post_id = make_post(app, people, people.facilitator, kind=PostKind.CHALLENGE)
    client.login(people.member)
    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/delete").status_code == 403
    member_post = make_post(app, people, people.member)
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    assert facilitator.post_form(f"/c/{people.slug}/posts/{member_post}/delete").status_code == 302


def test_post_of_another_cohort_is_not_found(app, people, client):
    other_post = make_post(app, people, people.outsider, cohort_id=people.other_cohort_id)
    client.login(people.member)
    assert client.get(f"/c/{people.slug}/posts/{other_post}").status_code == 404
    assert client.get(f"/c/{people.other_slug}/posts/{other_post}").status_code == 404


def test_markdown_is_sanitised_on_the_page(app, people, client):
    corpus = "\n\n".join(
        [
            "<script>alert('x')</script>",
            '<img src=x onerror="alert(1)">',
            "[click me](javascript:alert(1))",
            "[data](data:text/html;base64,PHNjcmlwdD4=)",
            '<svg onload="alert(1)"><circle r="5"/></svg>',
            '<p style="background:url(x)">styled</p>',
            '<div onclick="steal()">raw html block</div>',
            "| a | b |\n|---|---|\n| <b onmouseover=x>1</b> | 2 |",
        ]
    )
    post_id = make_post(app, people, people.member, body=corpus)
    client.login(people.facilitator)
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    body = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    for forbidden in ("<script", "onerror", "javascript:", "data:", "<svg", "style=", "onclick", "onmouseover"):
        assert forbidden not in body, forbidden
    assert "<table>" in body
