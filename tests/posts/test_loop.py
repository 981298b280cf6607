"""The challenge loop: status, commitment, helpful advice, outcome with results; adopting stories."""

import re

from cohort.extensions import db
from cohort.models import ChallengeStatus, Post

from .helpers import PostKind, add_member, make_post, make_reply


def _status(app, post_id):
    with app.app_context():
        return db.session.get(Post, post_id).status


def test_a_facilitator_parks_a_challenge(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/status", {"status": "parked"}, follow_redirects=True)
    assert "The challenge is now: parked." in response.text
    assert _status(app, post_id) == ChallengeStatus.PARKED


def test_on_a_session_agenda_cannot_be_set_by_hand(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/status", {"status": "on_agenda"}, follow_redirects=True
    )
    assert "cannot become on a session agenda" in response.text
    assert "On a session agenda" not in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_other_members_cannot_move_a_challenge(app, people, client):
    post_id = make_post(app, people, people.facilitator, kind=PostKind.CHALLENGE)
    client.login(people.member)
    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/status", {"status": "resolved"}).status_code == 403
    assert _status(app, post_id) == ChallengeStatus.OPEN


def test_impossible_moves_are_explained(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/status"
    assert client.post_form(url, {"status": "flying"}).status_code == 400
    client.post_form(url, {"status": "resolved"})
    response = client.post_form(url, {"status": "parked"}, follow_redirects=True)
    assert "A challenge that is resolved cannot become parked." in response.text


def test_stories_have_no_status(app, people, client):
    post_id = make_post(app, people, people.member)
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/status", {"status": "parked"}, follow_redirects=True)
    assert "Only challenges have a status." in response.text


def test_commitment_is_shared_and_the_challenge_is_being_tried(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/try"
    assert client.post_form(url, {"commitment": ""}).status_code == 422
    client.post_form(url, {"commitment": "Run a **2 a.m. huddle** for six weeks."})
    assert _status(app, post_id) == ChallengeStatus.TRYING
    reader = app.test_client()
    reader.login(people.facilitator)
    page = reader.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "What they’ll try" in page and "<strong>2 a.m. huddle</strong>" in page
    assert reader.get(url).status_code == 403


def test_author_marks_several_replies_helpful(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    first = make_reply(app, post_id, people.facilitator, "Advice one")
    second = make_reply(app, post_id, people.facilitator, "Advice two")
    client.login(people.member)
    for reply_id in (first, second):
        client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/helpful", {"set": "1"})
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "2 replies · 2 marked helpful" in page
    assert f'<li id="reply-{first}" class="reply indent-0 helpful' in page
    assert "2 helpful" in client.get(f"/c/{people.slug}/posts/").text
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{first}/helpful", {"set": "0"})
    assert "1 marked helpful" in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_only_the_posts_author_marks_helpful(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    reply_id = make_reply(app, post_id, people.member, "My own note")
    client.login(people.facilitator)
    url = f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/helpful"
    assert client.post_form(url, {"set": "1"}).status_code == 403


def test_authors_cannot_mark_their_own_reply_helpful(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    own = make_reply(app, post_id, people.member, "Adding some context")
    advice = make_reply(app, post_id, people.facilitator, "Try this")
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert f"/replies/{advice}/helpful" in page and f"/replies/{own}/helpful" not in page
    url = f"/c/{people.slug}/posts/{post_id}/replies/{own}/helpful"
    assert client.post_form(url, {"set": "1"}).status_code == 403
    assert "marked helpful" not in client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert client.post_form(url, {"set": "0"}).status_code == 302  # a mark made earlier can be taken back


def test_a_resolved_challenge_no_longer_asks_what_the_author_will_try(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    assert "Record what I’ll try" in client.get(f"/c/{people.slug}/posts/{post_id}").text
    client.post_form(f"/c/{people.slug}/posts/{post_id}/status", {"status": "resolved"})
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Resolved" in page and "what I’ll try" not in page and "Record what happened next" in page


def test_outcome_with_results_resolves_the_challenge_and_reads_as_a_case(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Fracture clinic backlog")
    helpful = make_reply(app, post_id, people.facilitator, "Review referrals virtually first.")
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{helpful}/helpful", {"set": "1"})
    url = f"/c/{people.slug}/posts/{post_id}/outcome"
    response = client.post_form(
        url,
        {
            "outcome": "We moved stable injuries to virtual care plans.",
            "results-0-measure": "ED referrals managed as virtual care plans",
            "results-0-unit": "%",
            "results-0-baseline": "0",
            "results-0-result": "60",
            "results-0-period": "Jan–Jun 2026",
            "results-1-measure": "Median wait",
            "results-1-unit": "days",
            "results-1-baseline": "14",
            "results-1-result": "4",
        },
    )
    assert response.status_code == 302
    assert _status(app, post_id) == ChallengeStatus.RESOLVED
    reader = app.test_client()
    reader.login(add_member(app, people))
    case = reader.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "What happened next" in case and "virtual care plans" in case
    assert "+60 percentage points" in case and "Jan–Jun 2026" in case
    assert "14 days" in case and "<strong>4 days</strong>" in case and "−10 days (−71%)" in case
    assert "1 marked helpful" in case
    assert reader.get(f"/c/{people.slug}/posts/?status=resolved").text.count("Fracture clinic backlog") == 1
    # Opened again to update it, the form shows the figures as they were written.
    form = client.get(url).text
    figures = re.findall(r'<input[^>]*name="results-\d-(?:baseline|result)"[^>]*>', form)
    assert [re.search(r'value="([^"]*)"', field).group(1) for field in figures] == ["0", "60", "14", "4", "", ""]


def test_outcome_form_errors_keep_the_text(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/outcome",
        {"outcome": "What we learned, at length.", "results-0-measure": "Waits", "results-0-baseline": "abc"},
    )
    assert response.status_code == 422
    assert "What we learned, at length." in response.text and 'value="Waits"' in response.text


def test_members_adopt_a_story(app, people, client):
    post_id = make_post(app, people, people.facilitator)
    client.login(people.member)
    url = f"/c/{people.slug}/posts/{post_id}/adopt"
    page = client.post_form(url, {"set": "1"}, follow_redirects=True).text
    assert "You are adopting this practice." in page and "1 adopting this:" in page
    client.post_form(url, {"set": "1"})  # a second click changes nothing
    assert "1 adopting this:" in client.get(f"/c/{people.slug}/posts/{post_id}").text
    client.post_form(url, {"set": "0"})
    assert "adopting this:" not in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_challenges_and_own_stories_cannot_be_adopted(app, people, client):
    challenge = make_post(app, people, people.facilitator, kind=PostKind.CHALLENGE)
    own = make_post(app, people, people.member)
    client.login(people.member)
    assert (
        "Only stories can be adopted."
        in client.post_form(f"/c/{people.slug}/posts/{challenge}/adopt", {"set": "1"}, follow_redirects=True).text
    )
    assert (
        "This is your own story."
        in client.post_form(f"/c/{people.slug}/posts/{own}/adopt", {"set": "1"}, follow_redirects=True).text
    )
