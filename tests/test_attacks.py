"""Attacks a member could try from inside the app: extra form fields, another's device, odd Unicode and
blank titles. Each is refused or has no effect."""

import pytest

from cohort.extensions import db
from cohort.models import Cohort, Membership, Post, Reply, Role, Rsvp, RsvpResponse, User

from . import factories


def _user(email: str) -> User:
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def _snapshot() -> dict:
    return {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}


def test_a_signed_in_device_of_another_user_cannot_be_signed_out(app, people):
    other = app.test_client()
    other.login(people.outsider)
    with app.app_context():
        table = db.metadata.tables["sign_in"]
        sign_in_id = (
            db.session.execute(db.select(table.c.id).where(table.c.user_id == _user(people.outsider).id))
            .scalars()
            .first()
        )
    client = app.test_client()
    client.login(people.member)
    with app.app_context():
        before = _snapshot()
    client.post_form(f"/account/devices/{sign_in_id}/sign-out")
    with app.app_context():
        assert _snapshot() == before
    assert other.get("/account").status_code == 200


# Mass assignment ---------------------------------------------------------------------------------------------

EXTRA = {
    "role": "facilitator",
    "is_admin": "y",
    "author_id": "1",
    "user_id": "1",
    "membership_id": "1",
    "visibility": "anonymous",
}


def _extra(people, **overrides) -> dict:
    return {**EXTRA, "cohort_id": str(people.other_cohort_id), **overrides}


def test_extra_fields_on_a_new_post_and_a_reply_are_ignored(app, people, client):
    client.login(people.member)
    form = {"kind": "story", "title": "Huddles at eight", "body": "It worked.", **_extra(people)}
    form["visibility"] = "attributed"
    response = client.post_form(f"/c/{people.slug}/posts/new", form)
    assert response.status_code == 302
    with app.app_context():
        post = db.session.execute(db.select(Post).filter_by(title="Huddles at eight")).scalar_one()
        member = _user(people.member)
        assert (post.cohort_id, post.author_id) == (people.cohort_id, member.id)
        assert factories.member_of(member, people.cohort_id).role == Role.MEMBER
        assert not member.is_admin
        post_id = post.id
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Me too.", **_extra(people)})
    assert response.status_code == 302
    with app.app_context():
        reply = db.session.execute(db.select(Reply).filter_by(post_id=post_id)).scalar_one()
        assert (reply.author_id, reply.cohort_id if hasattr(reply, "cohort_id") else people.cohort_id) == (
            _user(people.member).id,
            people.cohort_id,
        )


def test_visibility_and_author_on_another_members_post_cannot_be_changed(app, people, client):
    with app.app_context():
        post = factories.make_post(db.session.get(Cohort, people.cohort_id), _user(people.facilitator), title="Mine")
        db.session.commit()
        post_id, version = post.id, post.version
    client.login(people.member)
    form = {"kind": "story", "title": "Taken", "body": "Taken.", "version": version, **_extra(people)}
    response = client.post_form(f"/c/{people.slug}/posts/{post_id}/edit", form)
    assert response.status_code in (403, 404)
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.title, post.author_id, post.visibility.value) == (
            "Mine",
            _user(people.facilitator).id,
            "attributed",
        )


def test_extra_fields_on_the_account_form_are_ignored(app, people, client):
    client.login(people.member)
    form = {"name": "New Name", "organisation": "Trust", "job_title": "CEO", "timezone": "UTC", "bio": ""}
    client.post_form("/account", {**form, **_extra(people), "email": "taken@evil.example", "email_confirmed_at": ""})
    with app.app_context():
        member = _user(people.member)
        assert member.name == "New Name"
        assert not member.is_admin and member.email == people.member
        assert factories.member_of(member, people.cohort_id).role == Role.MEMBER
        assert db.session.execute(db.select(Membership).filter_by(user_id=member.id)).scalars().all() == [
            factories.member_of(member, people.cohort_id)
        ]


def test_extra_fields_on_an_answer_to_a_session_answer_for_the_sender_only(app, people, client):
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id))
        db.session.commit()
        meeting_id, facilitator_id = meeting.id, _user(people.facilitator).id
    client.login(people.member)
    form = {"response": "yes", **_extra(people, user_id=str(facilitator_id), meeting_id="999999")}
    assert client.post_form(f"/c/{people.slug}/sessions/{meeting_id}/rsvp", form).status_code == 302
    with app.app_context():
        answers = db.session.execute(db.select(Rsvp.user_id, Rsvp.meeting_id, Rsvp.response)).all()
        assert answers == [(_user(people.member).id, meeting_id, RsvpResponse.YES)]


# Unicode ----------------------------------------------------------------------------------------------------

ODD = "Cafe\u0301 \u202eevil\u202c zw\u200dj 👩🏽‍⚕️ 👨‍👩‍👧"


def test_unicode_round_trips_exactly(app, people, client):
    client.login(people.member)
    response = client.post_form(
        f"/c/{people.slug}/posts/new",
        {"kind": "story", "title": ODD, "body": f"Body {ODD}", "visibility": "attributed"},
    )
    assert response.status_code == 302
    with app.app_context():
        post = db.session.execute(db.select(Post).filter_by(cohort_id=people.cohort_id)).scalar_one()
        assert post.title == ODD and f"Body {ODD}" in post.body
        post_id = post.id
    page = client.get(f"/c/{people.slug}/posts/{post_id}").text
    assert page.count(ODD) >= 2


@pytest.mark.parametrize("blank", [" ", "\t \t", "\u200b", " \u200b\u00a0 ", "\u00a0", "\u2060\ufeff"])
def test_titles_blank_after_stripping_are_refused_and_the_form_kept(app, people, client, blank):
    client.login(people.member)
    body = "A body worth keeping"
    response = client.post_form(
        f"/c/{people.slug}/posts/new", {"kind": "story", "title": blank, "body": body, "visibility": "attributed"}
    )
    assert response.status_code in (200, 400, 422)
    assert "Give it a title." in response.text and body in response.text
    with app.app_context():
        assert db.session.execute(db.select(Post)).first() is None
