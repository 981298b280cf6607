"""Announcements: a facilitator speaks to the whole cohort, pinned on the cohort home until unpinned."""

import pytest
from sqlalchemy import func, select

from cohort import policy
from cohort.extensions import db
from cohort.models import Cohort, Membership, Post, Role, Visibility
from cohort.posts import ops

from .. import factories
from .helpers import PostKind, add_member, make_post, make_reply, user

ANNOUNCEMENT = {
    "kind": "announcement",
    "title": "Next session: making room to lead differently",
    "body": "Bring **one task** you could hand over or stop.",
    "tags": "",
    "visibility": "attributed",
}


def _post_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Post.id))).scalar_one()


def _announce(app, people, email=None, **fields) -> int:
    return make_post(app, people, email or people.facilitator, kind=PostKind.ANNOUNCEMENT, **fields)


def _pinned_part(page: str) -> str:
    """The pinned announcements at the top of the cohort home ("" when there are none)."""
    if 'aria-labelledby="announcements-heading"' not in page:
        return ""
    return page.split('aria-labelledby="announcements-heading"', 1)[1].split("</section>", 1)[0]


def _co_facilitator(app, people) -> str:
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        membership = factories.make_member(cohort, role=Role.FACILITATOR)
        db.session.commit()
        return membership.user.email


# --- who may post one --------------------------------------------------------------------------


def test_the_new_post_form_offers_an_announcement_only_to_a_facilitator(people, client):
    client.login(people.member)
    form = client.get(f"/c/{people.slug}/posts/new?kind=announcement")
    assert form.status_code == 200
    assert 'value="announcement"' not in form.text and "An announcement" not in form.text
    assert 'checked id="kind-' not in form.text, "a kind they may not share is not chosen for them"
    assert "Post an announcement" not in client.get(f"/c/{people.slug}/").text

    facilitator = client.application.test_client()
    facilitator.login(people.facilitator)
    form = facilitator.get(f"/c/{people.slug}/posts/new?kind=announcement")
    assert 'checked id="kind-2" name="kind" required type="radio" value="announcement"' in form.text
    assert "An announcement: to every member, pinned on the cohort home" in form.text
    # Who sees it and measured results do not apply: the page's script hides them for an announcement.
    assert form.text.count('data-hidden-when="kind=announcement"') == 2
    assert "Post an announcement" in facilitator.get(f"/c/{people.slug}/").text


def test_a_member_who_sends_an_announcement_by_hand_is_refused_and_nothing_is_saved(app, people, client):
    before = _post_count(app)
    client.login(people.member)
    response = client.post_form(f"/c/{people.slug}/posts/new", ANNOUNCEMENT)
    assert response.status_code == 403
    assert _post_count(app) == before
    assert ANNOUNCEMENT["title"] not in client.get(f"/c/{people.slug}/").text


def test_the_operation_refuses_a_member_whoever_calls_it(app, people):
    with app.app_context():
        member = factories.member_of(user(people.member), people.cohort_id)
        with pytest.raises(policy.Refused) as refused:
            ops.create_post(
                member, kind=PostKind.ANNOUNCEMENT, title="Hi", body="All", tags=[], visibility=Visibility.ATTRIBUTED
            )
        assert refused.value.forbidden
        db.session.rollback()
        assert db.session.execute(select(func.count(Post.id))).scalar_one() == 0


def test_a_facilitator_announces_and_it_is_pinned_on_the_cohort_home_at_once(app, people, client):
    make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="Winter bed pressures")
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/posts/new", ANNOUNCEMENT)
    assert response.status_code == 302
    thread = client.get(response.headers["Location"]).text
    assert "Announced to the cohort, and pinned on the cohort home." in thread
    assert "Pinned on the cohort home, for every member." in thread
    assert 'badge-announcement">Announcement<' in thread and ">Pinned<" in thread
    assert "I’m adopting this" not in thread and "what happened next" not in thread  # a story's parts
    with app.app_context():
        post = db.session.execute(select(Post).filter_by(title=ANNOUNCEMENT["title"])).scalar_one()
        assert post.pinned_at is not None and post.visibility == Visibility.ATTRIBUTED and post.status is None

    reader = app.test_client()
    reader.login(people.member)
    home = reader.get(f"/c/{people.slug}/").text
    pinned = _pinned_part(home)
    assert ANNOUNCEMENT["title"] in pinned and "Bring <strong>one task</strong>" in pinned
    with app.app_context():
        assert user(people.facilitator).name in pinned
    assert home.index("announcements-heading") < home.index("waiting-heading"), "at the top of the home page"
    assert "Pin on the cohort home" not in reader.get(f"/c/{people.slug}/posts/{post.id}").text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"visibility": "chatham_house"}, "An announcement is shown to everyone in the cohort, with your name."),
        ({"visibility": "facilitators"}, "An announcement is shown to everyone in the cohort, with your name."),
        (
            {"results-0-measure": "Waits", "results-0-baseline": "14", "results-0-result": "4"},
            "An announcement has no measured results: share them in a story.",
        ),
    ],
)
def test_an_announcement_is_never_unnamed_private_or_measured_and_keeps_what_was_typed(
    app, people, client, fields, message
):
    before = _post_count(app)
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/posts/new", {**ANNOUNCEMENT, **fields})
    assert response.status_code == 422
    assert message in response.text and ANNOUNCEMENT["body"] in response.text
    assert _post_count(app) == before


def test_an_announcement_sent_without_who_sees_it_is_shown_with_its_authors_name(app, people, client):
    """The page's script disables the hidden choice, so the form arrives without it."""
    client.login(people.facilitator)
    fields = {key: value for key, value in ANNOUNCEMENT.items() if key != "visibility"}
    assert client.post_form(f"/c/{people.slug}/posts/new", fields).status_code == 302
    with app.app_context():
        post = db.session.execute(select(Post).filter_by(title=ANNOUNCEMENT["title"])).scalar_one()
        assert post.visibility == Visibility.ATTRIBUTED


def test_its_author_edits_an_announcement_without_a_choice_of_who_sees_it(app, people, client):
    post_id = _announce(app, people, title="Session moved")
    client.login(people.facilitator)
    url = f"/c/{people.slug}/posts/{post_id}/edit"
    form = client.get(url).text
    assert 'name="visibility"' not in form and "results-0-measure" not in form
    assert "An announcement is shown to everyone in the cohort, with your name." in form
    saved = client.post_form(url, {**ANNOUNCEMENT, "title": "Session moved to Thursday", "version": "1"})
    assert saved.status_code == 302
    forced = client.post_form(url, {**ANNOUNCEMENT, "visibility": "chatham_house", "version": "2"})
    assert forced.status_code == 422
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.title, post.visibility, post.kind) == (
            "Session moved to Thursday",
            Visibility.ATTRIBUTED,
            PostKind.ANNOUNCEMENT,
        )


# --- pinning ------------------------------------------------------------------------------------


def test_pinned_until_a_facilitator_unpins_it_and_again_once_pinned_again(app, people, client):
    post_id = _announce(app, people, title="Pinned news")
    reader = app.test_client()
    reader.login(people.member)
    assert "Pinned news" in _pinned_part(reader.get(f"/c/{people.slug}/").text)

    client.login(_co_facilitator(app, people))  # any facilitator, not only its author
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "Unpin from the cohort home" in thread and "Pin on the cohort home" not in thread
    unpinned = client.post_form(f"/c/{people.slug}/posts/{post_id}/unpin", follow_redirects=True)
    assert "Unpinned: it is no longer on the cohort home." in unpinned.text
    assert "no longer pinned on the cohort home" in unpinned.text and "Pin on the cohort home" in unpinned.text
    assert _pinned_part(reader.get(f"/c/{people.slug}/").text) == ""
    assert "Pinned news" in reader.get(f"/c/{people.slug}/posts/").text, "still among the posts"
    again = client.post_form(f"/c/{people.slug}/posts/{post_id}/unpin", follow_redirects=True)
    assert "This announcement is not pinned." in again.text

    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/pin").status_code == 302
    assert "Pinned news" in _pinned_part(reader.get(f"/c/{people.slug}/").text)


def test_members_cannot_pin_or_unpin_and_outsiders_are_not_told_the_post_exists(app, people, client):
    post_id = _announce(app, people, title="Pinned news")
    unpinned_id = _announce(app, people, title="Old news")
    with app.app_context():
        ops.unpin_post(
            factories.member_of(user(people.facilitator), people.cohort_id), db.session.get(Post, unpinned_id)
        )
        db.session.commit()
    client.login(people.member)
    assert client.post_form(f"/c/{people.slug}/posts/{post_id}/unpin").status_code == 403
    assert client.post_form(f"/c/{people.slug}/posts/{unpinned_id}/pin").status_code == 403
    outsider = app.test_client()
    outsider.login(people.outsider)
    assert outsider.post_form(f"/c/{people.slug}/posts/{post_id}/unpin").status_code == 404
    assert outsider.post_form(f"/c/{people.other_slug}/posts/{post_id}/unpin").status_code == 404
    with app.app_context():
        assert db.session.get(Post, post_id).pinned_at is not None
        assert db.session.get(Post, unpinned_id).pinned_at is None


def test_only_announcements_are_pinned(app, people, client):
    story_id = make_post(app, people, people.member, title="A story")
    client.login(people.facilitator)
    assert "Pin on the cohort home" not in client.get(f"/c/{people.slug}/posts/{story_id}").text
    response = client.post_form(f"/c/{people.slug}/posts/{story_id}/pin", follow_redirects=True)
    assert "Only announcements are pinned on the cohort home." in response.text
    with app.app_context():
        assert db.session.get(Post, story_id).pinned_at is None


def test_the_most_recently_pinned_comes_first(app, people, client):
    first = _announce(app, people, title="First news")
    _announce(app, people, title="Second news")
    client.login(people.facilitator)
    pinned = _pinned_part(client.get(f"/c/{people.slug}/").text)
    assert pinned.index("Second news") < pinned.index("First news")
    client.post_form(f"/c/{people.slug}/posts/{first}/unpin")
    client.post_form(f"/c/{people.slug}/posts/{first}/pin")
    pinned = _pinned_part(client.get(f"/c/{people.slug}/").text)
    assert pinned.index("First news") < pinned.index("Second news")


def test_a_hidden_or_deleted_announcement_is_not_pinned_on_the_home_page(app, people, client):
    hidden_id = _announce(app, people, title="Hidden news")
    deleted_id = _announce(app, people, title="Deleted news")
    co_facilitator = app.test_client()
    co_facilitator.login(_co_facilitator(app, people))
    co_facilitator.post_form(f"/c/{people.slug}/posts/{hidden_id}/hide")
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/posts/{deleted_id}/delete")
    reader = app.test_client()
    reader.login(people.member)
    for viewer in (reader, client, co_facilitator):
        home = viewer.get(f"/c/{people.slug}/").text
        assert "Hidden news" not in home and "Deleted news" not in home
    unpinned = co_facilitator.post_form(f"/c/{people.slug}/posts/{hidden_id}/unpin", follow_redirects=True)
    assert "Unpinned: it is no longer on the cohort home." in unpinned.text, "a facilitator may still unpin it"
    refused = co_facilitator.post_form(f"/c/{people.slug}/posts/{hidden_id}/pin", follow_redirects=True)
    assert "A hidden announcement cannot be pinned: restore it first." in refused.text
    co_facilitator.post_form(f"/c/{people.slug}/posts/{hidden_id}/restore")
    with app.app_context():
        assert db.session.get(Post, hidden_id).pinned_at is None, "a hidden announcement is not pinned again"


def test_a_restored_announcement_is_pinned_again_unless_it_was_unpinned(app, people, client):
    post_id = _announce(app, people, title="Back again")
    client.login(_co_facilitator(app, people))
    client.post_form(f"/c/{people.slug}/posts/{post_id}/hide")
    refused = client.post_form(f"/c/{people.slug}/posts/{post_id}/pin", follow_redirects=True)
    assert "This announcement is already pinned on the cohort home." in refused.text
    client.post_form(f"/c/{people.slug}/posts/{post_id}/restore")
    reader = app.test_client()
    reader.login(people.member)
    assert "Back again" in _pinned_part(reader.get(f"/c/{people.slug}/").text)


# --- in the cohort -------------------------------------------------------------------------------


def test_members_reply_to_an_announcement_and_the_home_page_counts_the_replies(app, people, client):
    post_id = _announce(app, people, title="Next session")
    client.login(people.member)
    thread = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert "A question? Ask it here." in thread and "Send reply" in thread
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Can I bring a colleague?"})
    assert response.status_code == 302
    make_reply(app, post_id, people.facilitator, "Yes, do.")
    assert "2 replies · read and reply" in _pinned_part(client.get(f"/c/{people.slug}/").text)


def test_announcements_are_listed_among_the_posts_and_have_a_filter_of_their_own(app, people, client):
    _announce(app, people, title="Pinned news")
    make_post(app, people, people.member, title="A story")
    client.login(people.member)
    everything = client.get(f"/c/{people.slug}/posts/").text
    assert "Pinned news" in everything and "A story" in everything
    assert '<option value="announcement">Announcements</option>' in everything
    only = client.get(f"/c/{people.slug}/posts/?kind=announcement").text
    assert "Pinned news" in only and "A story" not in only
    assert "announced <time" in only


def test_an_announcement_of_another_cohort_is_neither_pinned_nor_opened(app, people, client):
    post_id = _announce(app, people, people.outsider, title="Elsewhere news", cohort_id=people.other_cohort_id)
    client.login(people.member)
    assert "Elsewhere news" not in client.get(f"/c/{people.slug}/").text
    assert client.get(f"/c/{people.slug}/posts/{post_id}").status_code == 404
    assert client.get(f"/c/{people.other_slug}/").status_code == 404


def test_an_announcement_is_mailed_at_once_to_every_member_who_may_read_it_but_its_author(app, people, mailbox):
    newcomer = add_member(app, people)
    with app.app_context():
        db.session.execute(
            db.update(Membership).where(Membership.user_id == user(newcomer).id).values(charter_accepted_at=None)
        )
        db.session.commit()
    _announce(app, people, title="Next session: discharge before noon")
    (mail,) = mailbox.messages
    assert mail["to"] == people.member
    assert mail["subject"].startswith("Announcement from ") and "Next session: discharge before noon" in mail["subject"]
