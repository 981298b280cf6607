"""Attacks a member could try from inside the app: another cohort's objects by id, extra form fields,
markup and odd Unicode in titles, and search syntax. Each is refused or treated as plain text."""

import html
import re
from datetime import timedelta

import icalendar
import pytest

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, Flag, Membership, Notification, Post, PostKind, Reply, Role, User, utcnow
from cohort.posts import ops as post_ops

from . import factories
from .conftest import CSRF_PATTERN

SECRET = "Zanzibar merger secret"
MISSING_ID = 2_000_000_000
SCRIPT = '"><script>alert(1)</script>'
ATTRIBUTE = "' onmouseover='x"
# Each URL variable that names one object, and the variables whose values come from cohort B.
OBJECT_IDS = ("membership_id", "invitation_id", "post_id", "reply_id", "flag_id", "value_id", "meeting_id", "item_id")


def _user(email: str) -> User:
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def _snapshot() -> dict:
    return {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}


def _without_tokens(text: str) -> str:
    return CSRF_PATTERN.sub("", text)


def _objects_of_b(app, people) -> dict:
    """One object of every kind in cohort B (the people fixture's other cohort), each titled with SECRET."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.other_cohort_id)
        facilitator = _user(people.outsider)
        b_member = factories.make_member(cohort, factories.make_user(name=f"{SECRET} person"))
        invitation = cohort_ops.create_invitation_link(
            factories.member_of(facilitator, cohort), expires_at=utcnow() + timedelta(days=1), max_uses=5
        )
        post = factories.make_post(cohort, b_member.user, kind=PostKind.CHALLENGE, title=f"{SECRET} post")
        reply = post_ops.add_reply(factories.member_of(facilitator, cohort), post, f"{SECRET} reply")
        flag = Flag(cohort_id=cohort.id, post_id=post.id, reporter_id=facilitator.id, reason=f"{SECRET} flag")
        db.session.add(flag)
        value_id = (
            db.session.execute(
                db.select(factories.db.literal_column("id"))
                .select_from(db.metadata.tables["cohort_value"])
                .where(db.metadata.tables["cohort_value"].c.cohort_id == cohort.id)
            )
            .scalars()
            .first()
        )
        meeting = factories.make_meeting(cohort, title=f"{SECRET} session")
        item = meeting_ops.propose_item(factories.member_of(b_member.user, cohort), meeting, f"{SECRET} item")
        db.session.flush()
        notification = db.session.execute(db.select(Notification).filter_by(user_id=b_member.user_id)).scalars().first()
        db.session.commit()
        return {
            "slug": people.other_slug,
            "membership_id": b_member.id,
            "invitation_id": invitation.id,
            "post_id": post.id,
            "reply_id": reply.id,
            "flag_id": flag.id,
            "value_id": value_id,
            "meeting_id": meeting.id,
            "item_id": item.id,
            "action": "accept",
            "notification_id": notification.id if notification else None,
        }


def _fill(rule: str, values: dict) -> str:
    return re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule)


def _object_requests(app, values):
    """(method, rule) for every route that names an object by id: inside a cohort, and the notifications."""
    for rule in app.url_map.iter_rules():
        if not (rule.arguments & (set(OBJECT_IDS) | {"notification_id"})):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule


def _send(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": client.csrf_token(), "body": "Sneaked in", "title": "Sneaked in"})


def test_a_member_of_a_gets_not_found_for_every_object_of_b(app, people):
    values = _objects_of_b(app, people)
    assert values["notification_id"] is not None and values["value_id"] is not None
    client = app.test_client()
    client.login(people.member)  # a member of cohort A only
    requests = list(_object_requests(app, values))
    assert len(requests) >= 30
    kinds = {name for _method, rule in requests for name in re.findall(r"<(?:[^:>]+:)?([a-z_]+)>", rule)}
    assert kinds >= set(OBJECT_IDS) | {"notification_id"}, "an object kind has no route in the walk"
    with app.app_context():
        before = _snapshot()
    for method, rule in requests:
        for slug in (people.slug, people.other_slug):
            url = _fill(rule, {**values, "slug": slug})
            missing = _fill(rule, {**{name: MISSING_ID for name in values}, "slug": people.slug, "action": "accept"})
            response = _send(client, method, url)
            expected = _send(client, method, missing)
            # A facilitator's form answers a plain member 403 before it looks anything up: the same for any id.
            assert response.status_code in (403, 404), f"{method} {url} answered {response.status_code}"
            assert response.status_code == expected.status_code, f"{method} {url} differs from a missing id"
            assert _without_tokens(response.text) == _without_tokens(expected.text), f"{method} {url} differs"
            assert SECRET not in response.text
    with app.app_context():
        assert _snapshot() == before, "a request for another cohort's object changed something"


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


def test_extra_fields_on_an_rsvp_are_ignored(app, people, client):
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id))
        db.session.commit()
        meeting_id = meeting.id
        facilitator_id = _user(people.facilitator).id
    client.login(people.member)
    client.post_form(
        f"/c/{people.slug}/sessions/{meeting_id}/rsvp", {"response": "yes", **_extra(people, user_id=facilitator_id)}
    )
    with app.app_context():
        rsvps = db.metadata.tables["rsvp"]
        rows = db.session.execute(db.select(rsvps)).mappings().all()
        memberships = {row["membership_id"] for row in rows}
        assert memberships == {people.member_membership}
        assert factories.member_of(_user(people.member), people.cohort_id).role == Role.MEMBER


# Markup in titles and names ----------------------------------------------------------------------------------

HOSTILE = f"Plan {SCRIPT} and {ATTRIBUTE}"


def _no_raw_markup(text: str, where: str):
    assert "<script>alert(1)" not in text, f"raw script in {where}"
    assert " onmouseover='x" not in text or "&#39; onmouseover=&#39;x" in text, f"raw attribute in {where}"
    assert "onmouseover='x'" not in text.replace("&#39;", ""), f"attribute break-out in {where}"


def test_hostile_titles_and_names_are_text_everywhere(app, people, client, mailbox):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        author = _user(people.member)
        author.name = f"Ann {SCRIPT} {ATTRIBUTE}"
        post = factories.make_post(cohort, author, title=HOSTILE)
        meeting = factories.make_meeting(cohort, title=HOSTILE)
        db.session.commit()
        post_id, meeting_id = post.id, meeting.id
    client.login(people.member)
    thread = client.get(f"/c/{people.slug}/posts/{post_id}")
    assert thread.status_code == 200
    title = re.search(r"<title>(.*?)</title>", thread.text, re.S).group(1)
    assert html.escape("<script>") in title or "&lt;script&gt;" in title
    for url in (
        f"/c/{people.slug}/posts/{post_id}",
        f"/c/{people.slug}/posts/{post_id}/edit",
        f"/c/{people.slug}/posts/",
        f"/c/{people.slug}/sessions/{meeting_id}",
        f"/c/{people.slug}/sessions/",
        f"/c/{people.slug}/members",
        "/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        _no_raw_markup(page.text, url)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, f"{url} does not show the title as text"
    edit = client.get(f"/c/{people.slug}/posts/{post_id}/edit").text
    assert f'value="{html.escape(HOSTILE, quote=True)}"' in edit

    other = app.test_client()
    other.login(people.facilitator)
    other.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Have you tried this?"})
    messages = [message for message in mailbox.messages if message["to"] and people.member in str(message["to"])]
    assert messages, "the reply sent the author no mail"
    for message in messages:
        _no_raw_markup(message.get("html") or "", "mail html")
        assert HOSTILE in message["subject"] + message["body"] or "Plan " in message["body"]
        if message.get("html"):
            assert "&lt;script&gt;" in message["html"]

    ics = client.get(f"/c/{people.slug}/sessions/{meeting_id}.ics")
    assert ics.status_code == 200
    calendar = icalendar.Calendar.from_ical(ics.data)
    event = next(component for component in calendar.walk("VEVENT"))
    assert str(event["SUMMARY"]) == HOSTILE
    assert all(len(line.encode()) <= 75 for line in ics.data.decode().split("\r\n"))

    flash_page = client.post_form(
        f"/c/{people.slug}/posts/new",
        {"kind": "story", "title": "Flash", "body": "x", "visibility": "attributed"},
        follow_redirects=True,
    )
    _no_raw_markup(flash_page.text, "flash page")


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


# Search -----------------------------------------------------------------------------------------------------

QUERIES = [
    "' OR 1=1--",
    '"',
    "*",
    "NEAR",
    "NEAR(a b)",
    "%",
    "_",
    "AND",
    "OR",
    "NOT",
    "^",
    ":",
    "title:x",
    "(",
    '"unbalanced',
    "un'balanced",
]


def test_search_syntax_is_text(app, people, client):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        author = _user(people.member)
        factories.make_post(cohort, author, title="Waiting times cut by 50%", body="Half the wait.")
        factories.make_post(cohort, author, title="Plain rostering", body="Nothing special here.")
        db.session.commit()
    client.login(people.member)
    for query in QUERIES:
        response = client.get(f"/c/{people.slug}/posts/", query_string={"q": query})
        assert response.status_code == 200, query
        assert "Plain rostering" not in response.text, f"{query!r} matched a post without it"
    percent = client.get(f"/c/{people.slug}/posts/", query_string={"q": "50%"}).text
    assert "Waiting times cut by 50%" in percent and "Plain rostering" not in percent
