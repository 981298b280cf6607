"""Full-text search: ranked, highlighted, and never outside what the reader may see."""

from .helpers import PostKind, Visibility, add_member, make_post, make_reply


def _search(client, people, query, slug=None):
    return client.get(f"/c/{slug or people.slug}/posts/", query_string={"q": query})


def test_finds_titles_bodies_outcomes_and_replies(app, people, client):
    make_post(app, people, people.member, title="Virtual fracture clinic", body="Referrals reviewed by phone.")
    make_post(app, people, people.member, title="Rostering", body="Self-rostering for nurses on nights.")
    with_reply = make_post(app, people, people.member, title="Discharge delays", body="Afternoon discharges.")
    make_reply(app, with_reply, people.facilitator, "Try a criteria-led discharge checklist.")
    client.login(people.member)
    assert "Virtual fracture clinic" in _search(client, people, "fracture").text
    assert "Rostering" in _search(client, people, "nights").text
    assert "Discharge delays" in _search(client, people, "checklist").text
    assert "0 results" in _search(client, people, "helicopter").text


def test_results_are_ranked_and_highlighted(app, people, client):
    make_post(app, people, people.member, title="Staff survey", body="A passing mention of burnout.")
    make_post(app, people, people.member, title="Burnout on night shifts", body="Burnout, burnout and sickness.")
    client.login(people.member)
    page = _search(client, people, "burnout").text
    assert page.index("Burnout on night shifts") < page.index("Staff survey")
    assert "<mark>" in page.lower() and "burnout</mark>" in page.lower()


def test_a_title_match_shows_the_start_of_the_post_not_its_title_again(app, people, client):
    make_post(app, people, people.member, title="Virtual fracture clinic", body="Referrals reviewed by phone.")
    client.login(people.member)
    page = _search(client, people, "fracture").text
    snippet = page.split('<p class="snippet">', 1)[1].split("</p>", 1)[0]
    assert "Referrals reviewed by phone." in snippet and "Virtual" not in snippet


def test_snippets_cannot_inject_markup(app, people, client):
    make_post(app, people, people.member, title="Escaping", body="Plain words then `<script>alert(1)</script>` huddle")
    client.login(people.member)
    page = _search(client, people, "huddle").text
    snippet = page.split('<p class="snippet">', 1)[1].split("</p>", 1)[0]
    assert "<script>" not in snippet and "alert(1)" in snippet


def test_search_stays_inside_the_cohort(app, people, client):
    make_post(app, people, people.outsider, cohort_id=people.other_cohort_id, title="Other cohort's huddle")
    client.login(people.member)
    assert "Other cohort" not in _search(client, people, "huddle").text
    assert _search(client, people, "huddle", slug=people.other_slug).status_code == 404


def test_search_hides_deleted_hidden_and_private_posts(app, people, client):
    deleted = make_post(app, people, people.member, title="Deleted huddle notes")
    hidden = make_post(app, people, people.member, title="Hidden huddle notes")
    make_post(app, people, people.facilitator, title="Private huddle worry", visibility=Visibility.FACILITATORS)
    make_post(app, people, people.member, title="Visible huddle notes")
    reply_post = make_post(app, people, people.member, title="Huddle timing")
    hidden_reply = make_reply(app, reply_post, people.member, "zebracrossing advice")
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/posts/{hidden}/hide")
    facilitator.post_form(f"/c/{people.slug}/posts/{reply_post}/replies/{hidden_reply}/hide")
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{deleted}/delete")
    reader = app.test_client()
    reader.login(add_member(app, people))
    page = _search(reader, people, "huddle").text
    assert "Visible huddle notes" in page
    for absent in ("Deleted huddle notes", "Hidden huddle notes", "Private huddle worry"):
        assert absent not in page
    assert "0 results" in _search(reader, people, "zebracrossing").text
    assert "Private huddle worry" in _search(facilitator, people, "huddle").text


def test_edits_are_searchable_at_once(app, people, client):
    post_id = make_post(app, people, people.member, title="Old words", kind=PostKind.CHALLENGE)
    client.login(people.member)
    client.post_form(
        f"/c/{people.slug}/posts/{post_id}/edit",
        {
            "kind": "challenge",
            "title": "Renamed",
            "body": "Now about telemetry",
            "visibility": "attributed",
            "version": "1",
        },
    )
    assert "Renamed" in _search(client, people, "telemetry").text
    assert "0 results" in _search(client, people, "old words").text


def test_odd_queries_never_fail(app, people, client):
    make_post(app, people, people.member, title="Normal post")
    client.login(people.member)
    for query in ['"', "AND OR NOT", "*", "a:b", "(", "NEAR(", "'; DROP TABLE post; --", "ü" * 300]:
        assert _search(client, people, query).status_code == 200, query
