"""A member downloads everything stored about them, and deletes their account."""

import base64
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import JSON, String, Text, func, select, text

from cohort.auth import ops as auth_ops
from cohort.auth.export import NOT_PERSONAL, TABLES
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Attachment, Cohort, OutboxMessage, Post, Role, RsvpResponse, User, utcnow
from cohort.posts import ops as post_ops
from cohort.recognition import ops as recognition_ops
from cohort.uploads import storage
from cohort.uploads.attachments import Upload

from .. import factories

NAME, EMAIL = "Wilhelmina Quartermaine", "wilhelmina.q@harbour.example.org"
OTHER_NAME, OTHER_EMAIL = "Bartholomew Ingleby", "bart.ingleby@moor.example.org"


HELD_ITEM, HELD_NOTE, ITEM_NOTE = "Bedside handover scripts", "Wilhelmina's minutes: handover drifted.", "Try SBAR."
PROPOSED_ITEM = "Rota fatigue among juniors"


@pytest.fixture
def people(app):
    """Wilhelmina, who wrote a post and a reply, brought an item to February's session and wrote its
    notes (co-facilitating it), and proposes an item for March; Bartholomew, who replied under her
    post; a facilitator."""
    with app.app_context():
        cohort = factories.make_cohort(name="North Coast Leaders")
        facilitator = factories.make_member(cohort, role=Role.FACILITATOR).user
        her = factories.make_member(cohort, factories.make_user(email=EMAIL, name=NAME, country="NZ"))
        me = her.user
        other = factories.make_member(cohort, factories.make_user(email=OTHER_EMAIL, name=OTHER_NAME)).user
        post = factories.make_post(cohort, me, title="Virtual fracture clinic", body="Our **own** approach.")
        theirs = post_ops.add_reply(factories.member_of(other, cohort), post, "Bartholomew's private advice here.")
        mine = post_ops.add_reply(factories.member_of(me, cohort), post, "Wilhelmina answers, thankfully.")
        recognition_ops.thank(factories.member_of(me, cohort), theirs)
        meeting = factories.make_meeting(cohort, title="March session")
        meeting_ops.answer(factories.member_of(me, cohort), meeting, RsvpResponse.YES)
        held = factories.make_meeting(cohort, title="February session", start=utcnow() - timedelta(days=30))
        her.role = Role.FACILITATOR  # for February only: she co-facilitated it
        item = meeting_ops.propose_item(her, held, HELD_ITEM)
        meeting_ops.save_notes(her, held, HELD_NOTE, {item.id: ITEM_NOTE})
        her.role = Role.MEMBER
        meeting_ops.propose_item(her, meeting, PROPOSED_ITEM)
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
            held_id=held.id,
            facilitator=facilitator.email,
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
    assert data["account"]["country"] == "NZ"
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


# --- deleting the account ----------------------------------------------------------------------


def _delete(client, words="keep", password=factories.TEST_PASSWORD, confirm="delete"):
    return client.post_form("/account/delete", {"words": words, "password": password, "confirm": confirm})


def _signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def _every_text_in_the_database(app) -> str:
    """Every string and JSON value of every table, the search index included, in one text."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if columns:
                for row in db.session.execute(select(*columns)).all():
                    found.extend(str(value) for value in row if value is not None)
        found.extend(
            str(v) for row in db.session.execute(text("SELECT title, content, advice FROM post_search")) for v in row
        )
    return "\n".join(found).lower()


@pytest.fixture
def other_post(app, people):
    """Bartholomew's own post, with a reply by Wilhelmina under it."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        other, me = db.session.get(User, people.other_id), db.session.get(User, people.me_id)
        post = factories.make_post(cohort, other, title="Theatre lists", body="How do you run theatre lists?")
        reply = post_ops.add_reply(factories.member_of(me, cohort), post, "Wilhelmina suggests zeppelins.")
        db.session.commit()
        return SimpleNamespace(post_id=post.id, reply_id=reply.id)


def test_a_wrong_password_is_refused_and_the_form_kept(client, people, app):
    client.login(EMAIL)
    response = _delete(client, words="remove", password="not my password at all", confirm="delete")
    assert response.status_code == 422
    assert "That is not your current password." in response.text
    assert 'checked id="words-1" name="words" required type="radio" value="remove"' in response.text
    assert 'value="delete"' in response.text
    assert _signed_in(client)
    with app.app_context():
        assert db.session.get(User, people.me_id).email == EMAIL


def test_guessing_the_password_on_the_deletion_form_is_limited_as_at_sign_in(client, people, app):
    client.login(EMAIL)
    for guess in range(5):
        assert _delete(client, password=f"wrong guess number {guess}").status_code == 422
    response = _delete(client)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert _signed_in(client)
    with app.app_context():
        assert db.session.get(User, people.me_id).email == EMAIL


def test_the_word_must_be_typed(client, people, app):
    client.login(EMAIL)
    response = _delete(client, confirm="yes")
    assert response.status_code == 422
    assert "Type the word delete to confirm." in response.text
    assert _signed_in(client)


def test_kept_words_show_a_former_member_and_nothing_personal_remains(make_app, app, people, other_post):
    client, elsewhere = app.test_client(), app.test_client()
    client.login(EMAIL, remember="y")
    elsewhere.login(EMAIL)
    copied = client.get_cookie("session", domain="cohort.test").value
    response = _delete(client, words="keep")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")

    text_now = _every_text_in_the_database(app)
    assert NAME.lower() not in text_now
    assert EMAIL.lower() not in text_now
    assert "wilhelmina-quartermaine" not in text_now  # the handle, too
    assert not _signed_in(client) and not _signed_in(elsewhere)
    stolen = app.test_client()
    stolen.set_cookie("session", copied, domain="cohort.test")
    assert not _signed_in(stolen)
    assert client.login(EMAIL).status_code == 401

    reader = app.test_client()
    reader.login(OTHER_EMAIL)
    page = reader.get(f"/c/{people.slug}/posts/{people.post_id}")
    assert page.status_code == 200
    assert "Virtual fracture clinic" in page.text and "A former member" in page.text
    assert "Wilhelmina answers, thankfully." in page.text
    assert NAME not in page.text
    sessions = _session_pages(app, people)
    assert f"{HELD_ITEM}</strong>" in sessions.held and "brought by A former member" in sessions.held
    assert HELD_NOTE in sessions.held and ITEM_NOTE in sessions.held
    assert HELD_NOTE in sessions.notes and ITEM_NOTE in sessions.notes
    assert PROPOSED_ITEM in sessions.upcoming and "proposed by A former member" in sessions.upcoming
    assert HELD_ITEM in sessions.pre_read and "Brought by A former member" in sessions.pre_read
    for shown in vars(sessions).values():
        assert NAME not in shown
    with app.app_context():
        gone = db.session.get(User, people.me_id)
        assert gone.deleted_at is not None and gone.email.endswith("@invalid")
        assert gone.country == "" and gone.bio == ""
        assert gone.memberships == []
        # The placeholder address is no one's: not even a caller past the forms' checks reaches the row.
        mail_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        auth_ops.send_password_reset(gone.email)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mail_before
        assert cohort_ops.find_user(gone.email) is None


def _session_pages(app, people) -> SimpleNamespace:
    """What the facilitator sees of February's session, its notes and its pre-read, and of March's agenda."""
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    pages = {
        "held": f"/c/{people.slug}/sessions/{people.held_id}",
        "notes": f"/c/{people.slug}/sessions/{people.held_id}/notes",
        "pre_read": f"/c/{people.slug}/sessions/{people.held_id}/pre-read",
        "upcoming": f"/c/{people.slug}/sessions/{people.meeting_id}",
    }
    shown = {}
    for name, url in pages.items():
        response = facilitator.get(url)
        assert response.status_code == 200, url
        shown[name] = response.text
    return SimpleNamespace(**shown)


def test_removed_words_are_gone_from_pages_and_search_while_others_replies_stay(app, people, other_post):
    client = app.test_client()
    client.login(EMAIL)
    assert _delete(client, words="remove").status_code == 302

    reader = app.test_client()
    reader.login(OTHER_EMAIL)
    assert reader.get(f"/c/{people.slug}/posts/{people.post_id}").status_code == 404
    thread = reader.get(f"/c/{people.slug}/posts/{other_post.post_id}")
    assert thread.status_code == 200 and "zeppelins" not in thread.text
    assert "How do you run theatre lists?" in thread.text
    for gone in ("fracture", "zeppelins"):
        assert f"0 results for “{gone}”" in reader.get(f"/c/{people.slug}/posts/?q={gone}").text
    assert "Theatre lists" in reader.get(f"/c/{people.slug}/posts/?q=theatre").text
    sessions = _session_pages(app, people)
    # The item stays on the agenda of the session it was discussed at, its words and proposer gone;
    # the proposal for March, never on an agenda, is gone altogether.
    assert "<strong>[deleted]</strong>" in sessions.held and "brought by" not in sessions.held
    assert "[deleted]" in sessions.pre_read and "Brought by" not in sessions.pre_read
    assert "[deleted]" not in sessions.upcoming and "proposed by" not in sessions.upcoming
    assert 'id="notes"' not in sessions.held and 'class="item-note' not in sessions.held  # no empty notes shown
    for shown in vars(sessions).values():
        for words in (HELD_ITEM, PROPOSED_ITEM, HELD_NOTE, ITEM_NOTE, "Wilhelmina&#39;s minutes"):
            assert words not in shown
    text_now = _every_text_in_the_database(app)
    assert "virtual fracture clinic" not in text_now and "wilhelmina answers" not in text_now
    for words in (HELD_ITEM, PROPOSED_ITEM, "handover drifted", ITEM_NOTE):
        assert words.lower() not in text_now  # notifications of the proposal included
    assert "bartholomew's private advice here." in text_now  # his reply under her post stays
    assert NAME.lower() not in text_now and EMAIL.lower() not in text_now


def test_the_last_facilitator_of_a_cohort_is_asked_to_name_another_first(app, people):
    with app.app_context():
        cohort = factories.make_cohort(name="Solo Circle")
        lead = factories.make_member(cohort, factories.make_user(email="lead@solo.example.org"), role=Role.FACILITATOR)
        db.session.commit()
        lead_id = lead.user_id
    client = app.test_client()
    client.login("lead@solo.example.org")
    response = _delete(client)
    assert response.status_code == 422
    assert "You are the last facilitator of Solo Circle" in response.text
    assert _signed_in(client)
    with app.app_context():
        assert db.session.get(User, lead_id).deleted_at is None


# --- files attached ------------------------------------------------------------------------------


def _attach(app, people, email_id: int, name: str) -> None:
    with app.app_context():
        post = db.session.get(Post, people.post_id)
        author = factories.member_of(db.session.get(User, email_id), people.cohort_id)
        post_ops.add_reply(author, post, f"Attached: {name}", files=[Upload(name, factories.PDF)])
        db.session.commit()


def _stored_files(app) -> list[str]:
    with app.app_context():
        return sorted(key for key, _at in storage.storage().stored("files/"))


def test_the_export_holds_the_files_they_attached_and_no_one_elses(app, client, people):
    _attach(app, people, people.me_id, "Our pathway.pdf")
    _attach(app, people, people.other_id, "Bartholomew's audit.pdf")
    files = _download(client).json["files_attached"]
    assert [(f["name"], f["type"], f["size"]) for f in files] == [
        ("Our pathway.pdf", "application/pdf", len(factories.PDF))
    ]
    assert base64.b64decode(files[0]["file"].split(",", 1)[1]) == factories.PDF


@pytest.mark.parametrize("words", ["keep", "remove"])
def test_deleting_the_account_removes_its_files_unless_its_words_stay(app, client, people, words):
    _attach(app, people, people.me_id, "Our pathway.pdf")
    _attach(app, people, people.other_id, "Bartholomew's audit.pdf")
    assert len(_stored_files(app)) == 2
    client.login(EMAIL)
    assert _delete(client, words=words).status_code == 302
    with app.app_context():
        left = sorted(db.session.execute(select(Attachment.name)).scalars())
    if words == "remove":
        assert left == ["Bartholomew's audit.pdf"] and len(_stored_files(app)) == 1
    else:
        assert left == ["Bartholomew's audit.pdf", "Our pathway.pdf"] and len(_stored_files(app)) == 2
