"""Guards a leak could slip past unseen: who may touch which reply, what a hidden post still
takes, and what the lists count. Each test names what an attacker or a careless change would see."""

from cohort.extensions import db
from cohort.models import Cohort, Flag, Reply, Tag, Thanks

from .. import factories
from .helpers import PostKind, Visibility, add_member, make_post, make_reply, user


def _reply(app, reply_id: int) -> Reply:
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        db.session.expunge(reply)
        return reply


def test_a_member_cannot_delete_another_members_reply(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.facilitator, "Facilitator's advice")
    client.login(add_member(app, people))
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/delete")
    assert response.status_code == 403
    assert _reply(app, reply_id).deleted_at is None
    assert "Facilitator's advice" in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_a_facilitator_cannot_edit_someone_elses_reply(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.member, "My own words")
    client.login(people.facilitator)
    url = f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/edit"
    assert client.get(url).status_code == 403
    assert client.post_form(url, {"body": "Words put in my mouth"}).status_code == 403
    assert _reply(app, reply_id).body == "My own words"


def test_a_reply_is_only_reached_through_its_own_post(app, people, client):
    first = make_post(app, people, people.member)
    second = make_post(app, people, people.member)
    reply_id = make_reply(app, first, people.member, "Under the first post")
    client.login(people.member)
    base = f"/c/{people.slug}/posts"
    assert client.get(f"{base}/{second}/replies/{reply_id}/edit").status_code == 404
    assert client.post_form(f"{base}/{second}/replies/{reply_id}/delete").status_code == 404
    assert client.get(f"{base}/{first}/replies/999999/edit").status_code == 404
    assert _reply(app, reply_id).deleted_at is None


def test_a_reply_of_another_cohort_is_not_found(app, people, client):
    foreign_post = make_post(app, people, people.outsider, cohort_id=people.other_cohort_id)
    foreign_reply = make_reply(app, foreign_post, people.outsider, "Elsewhere")
    own_post = make_post(app, people, people.member)
    client.login(people.member)
    base = f"/c/{people.slug}/posts"
    assert client.get(f"{base}/{own_post}/replies/{foreign_reply}/edit").status_code == 404
    assert client.post_form(f"{base}/{own_post}/replies/{foreign_reply}/thanks", {"set": "1"}).status_code == 404


def test_a_deleted_reply_cannot_be_edited_again(app, people, client):
    post_id = make_post(app, people, people.member)
    reply_id = make_reply(app, post_id, people.member, "Soon gone")
    client.login(people.member)
    client.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/delete")
    url = f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}/edit"
    assert client.get(url).status_code == 404
    assert client.post_form(url, {"body": "Back from the dead"}).status_code == 404
    assert "Back from the dead" not in client.get(f"/c/{people.slug}/posts/{post_id}").text


def test_a_member_cannot_reply_under_a_hidden_reply_and_keeps_the_text(app, people, client):
    post_id = make_post(app, people, people.member)
    hidden_id = make_reply(app, post_id, add_member(app, people), "Out of line")
    moderator = app.test_client()
    moderator.login(people.facilitator)
    moderator.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{hidden_id}/hide")
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/{post_id}/replies", {"body": "A measured answer", "parent_id": hidden_id}
    )
    assert response.status_code == 422
    assert "no longer there" in response.text and "A measured answer" in response.text
    with app.app_context():
        assert db.session.execute(db.select(Reply).filter_by(parent_id=hidden_id)).first() is None


def _hide_post(app, people, post_id: int) -> None:
    moderator = app.test_client()
    moderator.login(people.facilitator)
    moderator.post_form(f"/c/{people.slug}/posts/{post_id}/hide")


def test_a_hidden_post_takes_no_thanks_adoption_flag_or_loop_action(app, people, client):
    story = make_post(app, people, people.member, title="A story under review")
    challenge = make_post(app, people, people.member, kind=PostKind.CHALLENGE, title="A challenge under review")
    for post_id in (story, challenge):
        _hide_post(app, people, post_id)
    other = app.test_client()
    other.login(add_member(app, people))
    base = f"/c/{people.slug}/posts"
    assert other.post_form(f"{base}/{story}/thanks", {"set": "1"}).status_code == 404
    assert other.post_form(f"{base}/{story}/adopt", {"set": "1"}).status_code == 404
    assert other.post_form(f"{base}/{story}/flag", {"reason": "Again"}).status_code == 404
    client.login(people.member)  # the author sees only that it is hidden
    assert client.post_form(f"{base}/{challenge}/status", {"status": "parked"}).status_code == 404
    assert client.post_form(f"{base}/{challenge}/try", {"commitment": "Try"}).status_code == 403
    assert client.get(f"{base}/{challenge}/edit").status_code == 403
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    thanked = facilitator.post_form(f"{base}/{story}/thanks", {"set": "1"}, follow_redirects=True)
    assert "cannot be thanked while it is hidden" in thanked.text
    with app.app_context():
        assert db.session.execute(db.select(Thanks)).first() is None
        assert db.session.execute(db.select(Flag)).first() is None


def test_the_flag_count_leaves_out_other_cohorts_and_deleted_content(app, people, client):
    post_id = make_post(app, people, people.member, title="Flagged here")
    gone_id = make_post(app, people, people.member, title="Deleted since")
    gone_reply = make_reply(app, post_id, people.member, "A reply deleted since")
    foreign = make_post(app, people, people.outsider, cohort_id=people.other_cohort_id)
    with app.app_context():
        reporter = user(people.facilitator).id
        for cohort_id, target in (
            (people.cohort_id, {"post_id": post_id}),
            (people.cohort_id, {"post_id": gone_id}),
            (people.cohort_id, {"reply_id": gone_reply}),
            (people.other_cohort_id, {"post_id": foreign}),
        ):
            db.session.add(Flag(cohort_id=cohort_id, reporter_id=reporter, reason="Look", **target))
        db.session.commit()
    author = app.test_client()
    author.login(people.member)
    author.post_form(f"/c/{people.slug}/posts/{gone_id}/delete")
    author.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{gone_reply}/delete")
    client.login(people.facilitator)
    page = client.get(f"/c/{people.slug}/posts/").text
    assert "Flags (1)" in page
    assert client.get(f"/c/{people.slug}/flags").text.count("<blockquote>") == 1


def test_the_tag_list_shows_only_tags_of_posts_this_member_can_read(app, people, client):
    make_post(app, people, people.member, tags=["visible-tag"])
    make_post(app, people, people.facilitator, tags=["private-tag"], visibility=Visibility.FACILITATORS)
    hidden = make_post(app, people, add_member(app, people), tags=["hidden-tag"])
    make_post(app, people, people.outsider, cohort_id=people.other_cohort_id, tags=["foreign-tag"])
    with app.app_context():  # a tag row of the other cohort with the same name as ours
        db.session.add(Tag(cohort_id=people.other_cohort_id, name="visible-tag"))
        db.session.commit()
    _hide_post(app, people, hidden)
    reader = app.test_client()
    reader.login(add_member(app, people))
    page = reader.get(f"/c/{people.slug}/posts/").text
    assert "visible-tag" in page
    assert "private-tag" not in page and "hidden-tag" not in page and "foreign-tag" not in page
    client.login(people.facilitator)
    assert "hidden-tag" in client.get(f"/c/{people.slug}/posts/").text


def test_new_replies_count_leaves_out_deleted_hidden_and_own_replies(app, people, client):
    post_id = make_post(app, people, people.member, title="Counting what is new")
    client.login(people.member)
    client.get(f"/c/{people.slug}/posts/{post_id}")  # read now
    other = add_member(app, people)
    make_reply(app, post_id, other, "New and shown")
    deleted = make_reply(app, post_id, other, "New but deleted")
    hidden = make_reply(app, post_id, other, "New but hidden")
    make_reply(app, post_id, people.member, "My own reply")
    writer = app.test_client()
    writer.login(other)
    writer.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{deleted}/delete")
    moderator = app.test_client()
    moderator.login(people.facilitator)
    moderator.post_form(f"/c/{people.slug}/posts/{post_id}/replies/{hidden}/hide")
    page = client.get(f"/c/{people.slug}/posts/").text
    assert "1 new" in page and "3 new" not in page and "2 new" not in page


def test_a_chatham_house_story_on_the_cohort_home_names_no_one(app, people, client):
    with app.app_context():
        author = user(people.member)
        factories.make_post(
            db.session.get(Cohort, people.cohort_id), author, title="Unnamed story", visibility=Visibility.CHATHAM_HOUSE
        )
        db.session.commit()
        name = author.name
    client.login(add_member(app, people))
    home = client.get(f"/c/{people.slug}/").text
    assert "Unnamed story" in home and "A cohort member" in home and name not in home


def test_a_reply_on_a_hidden_post_is_not_found_even_to_its_author(app, people, client):
    post_id = make_post(app, people, add_member(app, people), title="Under review")
    reply_id = make_reply(app, post_id, people.member, "My answer, kept as it was")
    _hide_post(app, people, post_id)
    client.login(people.member)
    base = f"/c/{people.slug}/posts/{post_id}/replies/{reply_id}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post_form(f"{base}/edit", {"body": "Changed while hidden"}).status_code == 404
    assert client.post_form(f"{base}/delete").status_code == 404
    assert client.post_form(f"{base}/thanks", {"set": "1"}).status_code == 404
    reply = _reply(app, reply_id)
    assert reply.body == "My answer, kept as it was" and reply.deleted_at is None
