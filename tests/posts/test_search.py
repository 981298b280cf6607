"""Full-text search: ranked, highlighted, and never outside what the reader may see."""

import re

from cohort import policy
from cohort.extensions import db
from cohort.models import Post
from cohort.moderation import ops as moderation_ops
from cohort.posts import ops
from cohort.posts.search import RESULTS_PER_PAGE, search_posts

from .. import factories
from .helpers import PostKind, Visibility, add_member, make_post, make_reply, user


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


def test_a_match_in_the_advice_only_shows_the_start_of_the_post(app, people, client):
    """Snippets come from the post's own text, whose size is bounded, never from a long thread's advice."""
    post_id = make_post(app, people, people.member, title="Discharge delays", body="Afternoon discharges pile up.")
    make_reply(app, post_id, people.facilitator, "Try a criteria-led discharge checklist.")
    client.login(people.member)
    page = _search(client, people, "checklist").text
    snippet = page.split('<p class="snippet">', 1)[1].split("</p>", 1)[0]
    assert "Afternoon discharges pile up." in snippet and "checklist" not in snippet


def test_results_come_a_page_at_a_time_the_best_first(app, people, client):
    for n in range(RESULTS_PER_PAGE + 5):
        make_post(app, people, people.member, title=f"Sepsis bundle {n:02}", body="Screening " * (n + 1))
    client.login(people.member)

    def titles(page_text):
        return re.findall(r">(Sepsis bundle \d+)</a>", page_text)

    first = _search(client, people, "screening").text
    assert f"Results 1–{RESULTS_PER_PAGE} for “screening”" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(f"/c/{people.slug}/posts/", query_string={"q": "screening", "page": 2}).text
    assert f"Results {RESULTS_PER_PAGE + 1}–{RESULTS_PER_PAGE + 5} for" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    shown = titles(first) + titles(second)
    assert sorted(shown) == [f"Sepsis bundle {n:02}" for n in range(RESULTS_PER_PAGE + 5)]
    # The most mentions rank first; the fewest come last, on the second page.
    assert shown[0] == f"Sepsis bundle {RESULTS_PER_PAGE + 4:02}" and shown[-1] == "Sepsis bundle 00"
    beyond = client.get(f"/c/{people.slug}/posts/", query_string={"q": "screening", "page": 3}).text
    assert "No more results for “screening”" in beyond and not titles(beyond)
    for odd in ("0", "-1", "two", "99999999999"):
        answer = client.get(f"/c/{people.slug}/posts/", query_string={"q": "screening", "page": odd})
        assert answer.status_code == 200 and titles(answer.text) == titles(first), odd


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


def _found(app, people, email: str, query: str, candidates: int) -> list[str]:
    with app.app_context():
        viewer = factories.member_of(user(email), people.cohort_id)
        visible = policy.visible_posts_condition(viewer)
        return [post.title for post, _snippet in search_posts(query, visible, people.cohort_id, candidates=candidates)]


def test_only_the_newest_matches_are_ranked_and_the_best_of_them_come_first(app, people, client):
    """bm25 and ts_rank score every match given them, so a search ranks the newest few thousand of the
    cohort's matches it may show; here five. Newer matches elsewhere, hidden or deleted take no place."""
    make_post(app, people, people.member, title="Quillwort everywhere", body="Quillwort, quillwort, quillwort.")
    for n in range(6):
        make_post(app, people, people.member, title=f"Older {n}", body="A passing quillwort.")
    make_post(app, people, people.member, title="Quillwort in the title", body="Quillwort twice: quillwort.")
    for n in range(3):
        make_post(app, people, people.member, title=f"Newer {n}", body="One more quillwort.")
    hidden = make_post(app, people, people.member, title="Quillwort hidden", body="Quillwort quillwort quillwort.")
    gone = make_post(app, people, people.member, title="Quillwort deleted", body="Quillwort quillwort quillwort.")
    only_facilitators = Visibility.FACILITATORS
    make_post(
        app, people, people.facilitator, title="Quillwort private", body="Quillwort.", visibility=only_facilitators
    )
    elsewhere = people.other_cohort_id
    make_post(app, people, people.outsider, title="Quillwort elsewhere", body="Quillwort.", cohort_id=elsewhere)
    with app.app_context():
        facilitator = factories.member_of(user(people.facilitator), people.cohort_id)
        moderation_ops.hide(facilitator, db.session.get(Post, hidden))
        ops.delete_post(factories.member_of(user(people.member), people.cohort_id), db.session.get(Post, gone))
        db.session.commit()
    newest = _found(app, people, people.member, "quillwort", candidates=5)
    assert newest[0] == "Quillwort in the title"
    assert sorted(newest[1:]) == ["Newer 0", "Newer 1", "Newer 2", "Older 5"]
    assert _found(app, people, people.member, "quillwort", candidates=2000)[:2] == [
        "Quillwort everywhere",
        "Quillwort in the title",
    ]
    # The facilitators' own candidates include what only they may read.
    assert sorted(_found(app, people, people.facilitator, "quillwort", candidates=3)) == [
        "Newer 2",
        "Quillwort hidden",
        "Quillwort private",
    ]
    client.login(people.member)
    page = _search(client, people, "quillwort").text
    assert page.index("Quillwort everywhere") < page.index("Quillwort in the title") < page.index("Newer 0")


def test_a_search_within_the_filters_finds_only_what_they_select_and_keeps_them_in_its_links(app, people, client):
    make_post(app, people, people.member, title="Huddles story", body="Daily huddles worked.", tags=["flow"])
    make_post(
        app,
        people,
        people.member,
        title="Huddles challenge",
        body="Huddles stall.",
        kind=PostKind.CHALLENGE,
        tags=["flow"],
    )
    make_post(app, people, people.member, title="Huddles elsewhere", body="Huddles again.", kind=PostKind.CHALLENGE)
    make_post(
        app,
        people,
        people.member,
        title="Huddles unnamed",
        body="Huddles, said under the rule.",
        kind=PostKind.CHALLENGE,
        tags=["flow"],
        visibility=Visibility.CHATHAM_HOUSE,
    )
    for n in range(RESULTS_PER_PAGE):
        make_post(app, people, people.facilitator, title=f"Huddles note {n}", body="Huddles.", kind=PostKind.CHALLENGE)
    with app.app_context():
        author = user(people.member).id
    client.login(people.facilitator)

    def titles(**args):
        page = client.get(f"/c/{people.slug}/posts/", query_string={"q": "huddles", **args}).text
        return set(re.findall(r">(Huddles [a-z]+(?: \d+)?)</a>", page)), page

    found, page = titles(kind="challenge", tag="flow")
    assert found == {"Huddles challenge", "Huddles unnamed"}
    assert '<option value="challenge" selected>' in page and "<option selected>flow</option>" in page
    assert re.search(r'<details class="filter-box" open>', page)
    # By one author: facilitators know who wrote under the Chatham House rule; other members do not.
    found, _ = titles(author=author)
    assert found == {"Huddles story", "Huddles challenge", "Huddles elsewhere", "Huddles unnamed"}
    client.logout()
    client.login(add_member(app, people))
    found, _ = titles(author=author)
    assert found == {"Huddles story", "Huddles challenge", "Huddles elsewhere"}
    found, _ = titles(kind="story")
    assert found == {"Huddles story"}

    found_first, first = titles(kind="challenge")
    more = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "kind=challenge" in more and "q=huddles" in more and "page=2" in more
    found_second = set(re.findall(r">(Huddles [a-z]+(?: \d+)?)</a>", client.get(more).text))
    notes = {f"Huddles note {n}" for n in range(RESULTS_PER_PAGE)}
    assert found_first | found_second == {"Huddles challenge", "Huddles elsewhere", "Huddles unnamed"} | notes
    assert not found_first & found_second
