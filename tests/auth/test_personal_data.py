"""A member downloads everything stored about them, and deletes their account."""

from types import SimpleNamespace

import pytest

from cohort.auth.export import NOT_PERSONAL, TABLES
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Role, RsvpResponse
from cohort.posts import ops as post_ops
from cohort.recognition import ops as recognition_ops

from .. import factories

NAME, EMAIL = "Wilhelmina Quartermaine", "wilhelmina.q@harbour.example.org"
OTHER_NAME, OTHER_EMAIL = "Bartholomew Ingleby", "bart.ingleby@moor.example.org"


@pytest.fixture
def people(app):
    """Wilhelmina, who wrote a post and a reply; Bartholomew, who replied under her post; a facilitator."""
    with app.app_context():
        cohort = factories.make_cohort(name="North Coast Leaders")
        factories.make_member(cohort, role=Role.FACILITATOR)
        me = factories.make_member(cohort, factories.make_user(email=EMAIL, name=NAME)).user
        other = factories.make_member(cohort, factories.make_user(email=OTHER_EMAIL, name=OTHER_NAME)).user
        post = factories.make_post(cohort, me, title="Virtual fracture clinic", body="Our **own** approach.")
        theirs = post_ops.add_reply(factories.member_of(other, cohort), post, "Bartholomew's private advice here.")
        mine = post_ops.add_reply(factories.member_of(me, cohort), post, "Wilhelmina answers, thankfully.")
        recognition_ops.thank(factories.member_of(me, cohort), theirs)
        meeting = factories.make_meeting(cohort, title="March session")
        meeting_ops.answer(factories.member_of(me, cohort), meeting, RsvpResponse.YES)
        db.session.commit()
        return SimpleNamespace(
            cohort_id=cohort.id,
            slug=cohort.slug,
            me_id=me.id,
            other_id=other.id,
            post_id=post.id,
            their_reply_id=theirs.id,
            my_reply_id=mine.id,
            meeting_id=meeting.id,
        )


def _download(client):
    client.login(EMAIL)
    response = client.get("/account/my-data.json")
    assert response.status_code == 200
    return response


def test_the_export_is_a_private_attachment(client, people):
    response = _download(client)
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    assert "Download my data" in client.get("/account").text


def test_the_export_holds_what_they_wrote_and_what_is_stored_about_them(client, people):
    data = _download(client).json
    assert data["account"]["name"] == NAME and data["account"]["email"] == EMAIL
    assert [m["cohort"] for m in data["memberships"]] == ["North Coast Leaders"]
    assert data["posts"][0]["title"] == "Virtual fracture clinic"
    assert data["posts"][0]["body"] == "Our **own** approach."
    assert [r["body"] for r in data["replies"]] == ["Wilhelmina answers, thankfully."]
    assert data["replies"][0]["post_title"] == "Virtual fracture clinic"
    assert data["thanks_given"] == [
        {"reply_id": people.their_reply_id, "value": None, "created": data["thanks_given"][0]["created"]}
    ]
    assert data["rsvps"][0]["session"] == "March session" and data["rsvps"][0]["response"] == "yes"
    assert data["sign_ins"] and data["sign_ins"][0]["signed_out"] is None
    assert "only your own" in data["about"].lower()


def test_the_export_holds_nothing_of_another_member(client, people):
    text = _download(client).text
    assert OTHER_EMAIL not in text
    assert OTHER_NAME not in text
    assert "private advice" not in text


def test_signed_out_the_export_asks_to_sign_in(client, people):
    response = client.get("/account/my-data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_table_pointing_at_an_account_is_exported_or_said_not_to_be_personal(client, people):
    data = _download(client).json
    pointing = {
        table.name
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "user"
    } | {"user"}
    for name in pointing:
        assert name in TABLES or name in NOT_PERSONAL, f"{name} points at an account: export it or say why not"
        if name in TABLES:
            assert TABLES[name] in data, f"the export has no {TABLES[name]!r} for {name}"
