"""Proposing a challenge for a session from the challenge itself: a real agenda proposal, and a status
that follows the agenda (accepted: on a session agenda; declined, cancelled or past: open)."""

from datetime import UTC, datetime, timedelta

from cohort.extensions import db
from cohort.models import AgendaItem, AgendaStatus, Meeting

from ..posts.helpers import PostKind, Visibility, add_member, make_post
from .helpers import upcoming_meeting

BADGE = "On a session agenda"


def _card_badge(client, slug: str, title: str) -> bool:
    """Whether the posts list shows the badge on this challenge's card."""
    page = client.get(f"/c/{slug}/posts/?status=on_agenda").text
    return title in page


def _items(app, post_id: int) -> list[tuple[int, int, AgendaStatus]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                db.select(AgendaItem.id, AgendaItem.meeting_id, AgendaItem.status).filter_by(post_id=post_id)
            )
        ]


def test_the_author_proposes_for_the_next_session_and_the_facilitator_decides(app, people, client):
    later = upcoming_meeting(app, people.cohort_id)
    with app.app_context():  # the second session comes first: it must be offered first
        sooner = db.session.get(Meeting, later)
        sooner.starts_at -= timedelta(days=3)
        sooner.ends_at -= timedelta(days=3)
        db.session.commit()
    other = upcoming_meeting(app, people.cohort_id)
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Theatre utilisation")
    client.login(people.member)
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Propose for a session" in thread
    form = client.get(f"/c/{people.slug}/posts/{post_id}/propose").text
    assert f'<option value="{later}" selected>' in form and f'<option value="{other}">' in form
    assert 'value="Theatre utilisation"' in form
    sent = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/propose",
        {"meeting_id": str(later), "title": "Theatre utilisation"},
        follow_redirects=True,
    )
    assert "The facilitator will confirm the agenda." in sent.text
    assert "proposed, waiting for the facilitator" in sent.text and BADGE not in sent.text
    ((item_id, meeting_id, status),) = _items(app, post_id)
    assert (meeting_id, status) == (later, AgendaStatus.PROPOSED)

    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    session_page = facilitator.get(f"/c/{people.slug}/sessions/{later}").text
    assert "Proposed, waiting for the facilitator" in session_page and "Theatre utilisation" in session_page
    facilitator.post_form(f"/c/{people.slug}/sessions/{later}/agenda/{item_id}/accept")
    assert BADGE in client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert _card_badge(client, people.slug, "Theatre utilisation")
    facilitator.post_form(f"/c/{people.slug}/sessions/{later}/agenda/{item_id}/decline")
    assert BADGE not in client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert not _card_badge(client, people.slug, "Theatre utilisation")


def test_the_badge_goes_when_the_session_is_cancelled_or_has_passed(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Discharge delays")
    client.login(people.facilitator)  # a facilitator's proposal is on the agenda at once
    added = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/propose",
        {"meeting_id": str(meeting_id), "title": "Discharge delays"},
        follow_redirects=True,
    )
    assert "On the agenda of" in added.text and BADGE in added.text
    with app.app_context():  # the session took place
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at = datetime.now(UTC) - timedelta(days=2)
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
        db.session.commit()
    assert BADGE not in client.get(f"/c/{people.slug}/posts/{post_id}").text
    second = upcoming_meeting(app, people.cohort_id)
    client.post_form(
        f"/c/{people.slug}/posts/{post_id}/propose", {"meeting_id": str(second), "title": "Discharge delays"}
    )
    assert BADGE in client.get(f"/c/{people.slug}/posts/{post_id}").text
    client.post_form(f"/c/{people.slug}/sessions/{second}/cancel", {"scope": "this"})
    assert BADGE not in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_only_the_author_or_a_facilitator_brings_a_challenge_the_cohort_can_read(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    theirs = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    private = make_post(app, people, people.member, kind=PostKind.CHALLENGE, visibility=Visibility.FACILITATORS)
    story = make_post(app, people, people.member)
    client.login(add_member(app, people))
    url = f"/c/{people.slug}/posts/{theirs}/propose"
    assert client.get(url).status_code == 403
    assert client.post_form(url, {"meeting_id": str(meeting_id), "title": "Not mine"}).status_code == 403
    author = app.test_client()
    author.login(people.member)
    for post_id in (private, story):
        assert author.get(f"/c/{people.slug}/posts/{post_id}/propose").status_code == 403
    assert _items(app, theirs) == [] and _items(app, private) == []


def test_with_no_session_scheduled_the_page_says_so(app, people, client):
    post_id = make_post(app, people, people.member, kind=PostKind.CHALLENGE)
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/posts/{post_id}/propose")
    assert page.status_code == 200 and "No session is scheduled yet" in page.text
    refused = client.post_form(f"/c/{people.slug}/posts/{post_id}/propose", {"meeting_id": "1", "title": "x"})
    assert refused.status_code == 422 and "No session is scheduled yet" in refused.text
    assert _items(app, post_id) == []


def test_the_session_page_offers_and_takes_only_ones_own_challenges(app, people, client):
    meeting_id = upcoming_meeting(app, people.cohort_id)
    theirs = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Someone else's worry")
    mine_email = add_member(app, people)
    mine = make_post(app, people, mine_email, kind=PostKind.CHALLENGE, title="My own worry")
    client.login(mine_email)
    page = client.get(f"/c/{people.slug}/sessions/{meeting_id}").text
    assert "My own worry" in page and "Someone else's worry" not in page
    url = f"/c/{people.slug}/sessions/{meeting_id}/agenda"
    refused = client.post_form(url, {"title": "Not mine", "post_id": str(theirs)})
    assert refused.status_code in (403, 422) and _items(app, theirs) == []
    client.post_form(url, {"title": "Mine", "post_id": str(mine)})
    assert [status for _, _, status in _items(app, mine)] == [AgendaStatus.PROPOSED]
