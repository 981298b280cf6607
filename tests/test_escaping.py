"""Names and titles that look like markup or template code stay text: in a page's text, its attributes and
its <title>, in both parts and the headers of a mail, in calendar files and in flashed messages."""

import re
from email import message_from_bytes
from email.policy import default as default_policy
from html.parser import HTMLParser
from urllib.parse import unquote_plus

from icalendar import Calendar

from cohort.extensions import db
from cohort.models import AgendaItem, Cohort, CohortValue, Meeting, Post, Tag, User

from . import factories
from .meetings.helpers import SERIES
from .pages import expected_status, set_scene, visits

PAYLOAD = "\"><script>alert(1)</script>'{{7*7}}"
RAW = "<script>alert(1)"
EVALUATED = "'49"  # what the payload's end would read as had {{7*7}} been run as a template
# Pages that must show the payload (where it is a name, a title, a tag or a value), so the checks bite.
SHOWN_ON = {
    "home.dashboard",
    "notifications.index",
    "admin.cohorts",
    "admin.people",
    "cohort.cohorts.home",
    "cohort.cohorts.members",
    "cohort.posts.index",
    "search",
    "cohort.posts.thread",
    "announcement",
    "cohort.loop.propose",
    "cohort.moderation.flags",
    "cohort.recognition.values",
    "cohort.meetings.index",
    "cohort.meetings.detail",
    "cohort.meetings.pre_read",
    "cohort.participation.notes",
    "auth.invitation",
}
LINK_ATTRIBUTES = {"href", "action", "src"}  # percent-encoded in a link: compared once decoded


class _Page(HTMLParser):
    """A page as a browser reads it: its text, its <title>, and each attribute's value."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.title = ""
        self.attributes: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.scripts = 0
        self._in_title = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == "title"
        if tag == "script" and not dict(attrs).get("src"):
            self.scripts += 1
        for name, value in attrs:
            value = value or ""
            self.attributes.append((tag, name, unquote_plus(value) if name in LINK_ATTRIBUTES else value))

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data


def assert_text_only(html: str, where: str, *, shown: bool = True) -> _Page:
    """The payload appears only as text: never as markup, never evaluated, never cut short in an attribute."""
    assert RAW not in html, f"{where}: raw <script> in the HTML"
    page = _Page(html)
    text = "".join(page.text)
    assert page.scripts == 0, f"{where}: an inline script"
    assert EVALUATED not in text, f"{where}: {{{{7*7}}}} was evaluated"
    if shown:
        in_values = any(PAYLOAD in value for _tag, _name, value in page.attributes)
        assert PAYLOAD in text or in_values, f"{where}: the name is not shown as text"
    for tag, name, value in page.attributes:
        if "alert(1)" in value or "7*7" in value:
            assert PAYLOAD in value, f"{where}: <{tag} {name}> holds a broken {value!r}"
    return page


def _poison(app, people) -> None:
    """Every name and title the scene shows becomes the payload (with a number where it must be unique)."""
    with app.app_context():
        for number, user in enumerate(db.session.execute(db.select(User)).scalars()):
            user.name, user.organisation, user.job_title = f"{PAYLOAD} {number}", PAYLOAD, PAYLOAD
        for model, column in ((Cohort, "name"), (Post, "title"), (Meeting, "title"), (AgendaItem, "title")):
            for row in db.session.execute(db.select(model)).scalars():
                setattr(row, column, PAYLOAD)
        for model in (CohortValue, Tag):
            for number, row in enumerate(db.session.execute(db.select(model)).scalars()):
                row.name = f"{PAYLOAD} {number}"
        db.session.commit()


def _shows(page: _Page) -> bool:
    return PAYLOAD in "".join(page.text) or any(PAYLOAD in value for _tag, _name, value in page.attributes)


def test_every_page_shows_names_and_titles_as_text(app, people):
    scene = set_scene(app, people)
    _poison(app, people)
    showing, titled, in_attributes = set(), set(), set()
    for name, url, client in visits(app, scene, people.facilitator):
        response = client.get(url)
        assert response.status_code == expected_status(name), name
        page = assert_text_only(response.text, name, shown=False)
        if _shows(page):
            showing.add(name)
        if "alert(1)" in page.title:
            assert PAYLOAD in page.title, f"{name}: <title> {page.title!r}"
            titled.add(name)
        if any(PAYLOAD in value for _tag, attribute, value in page.attributes if attribute not in LINK_ATTRIBUTES):
            in_attributes.add(name)
        if name == "cohort.cohorts.members":  # a data-* attribute the page's script reads as text
            asked = re.compile(f"Remove {re.escape(PAYLOAD)} \\d+ from {re.escape(PAYLOAD)}\\?")
            confirms = [value for _tag, attribute, value in page.attributes if attribute == "data-confirm"]
            assert any(asked.fullmatch(confirm) for confirm in confirms), confirms
    assert SHOWN_ON <= showing, f"the payload is not shown on {SHOWN_ON - showing}"
    assert {"cohort.posts.thread", "cohort.meetings.detail", "cohort.cohorts.home"} <= titled
    assert {
        "auth.account",
        "cohort.posts.edit",
        "cohort.meetings.edit",
        "cohort.cohorts.settings",
        "cohort.cohorts.members",
        "cohort.recognition.values",
    } <= in_attributes


def test_the_forms_keep_a_name_typed_as_text(app, people, client):
    """Typed through the forms, not written to the database: each comes back escaped in its form."""
    client.login(people.member)
    account = {"name": PAYLOAD, "organisation": PAYLOAD, "job_title": PAYLOAD, "timezone": "UTC", "bio": ""}
    assert client.post_form("/account", account).status_code == 302
    page = assert_text_only(client.get("/account").text, "account")
    values = [value for tag, name, value in page.attributes if tag == "input" and name == "value"]
    assert values.count(PAYLOAD) == 3
    shared = client.post_form(
        f"/c/{people.slug}/posts/new",
        {"kind": "story", "title": PAYLOAD, "body": "It worked.", "tags": PAYLOAD, "visibility": "attributed"},
    )
    assert shared.status_code == 302
    thread = client.get(shared.headers["Location"])
    page = assert_text_only(thread.text, "thread")
    assert PAYLOAD in page.title
    edit = assert_text_only(client.get(shared.headers["Location"] + "/edit").text, "edit")
    assert ("input", "value", PAYLOAD) in edit.attributes
    refused = client.post_form(
        f"/c/{people.slug}/posts/new",
        {"kind": "story", "title": PAYLOAD, "body": "", "tags": "", "visibility": "attributed"},
    )
    assert refused.status_code in (200, 400, 422)
    assert ("input", "value", PAYLOAD) in assert_text_only(refused.text, "refused form").attributes


def _messages(mailbox) -> list[dict]:
    messages = mailbox.messages
    assert messages, "no mail was sent"
    return messages


def _assert_mail_is_text(message: dict, where: str) -> None:
    assert "\n" not in message["subject"] and "\r" not in message["subject"], where
    assert_text_only(message["html"], f"{where} (HTML part)", shown=PAYLOAD in message["body"])
    # The plain part is text already: the payload is in it as typed, with {{7*7}} never run.
    assert EVALUATED not in message["body"] and "&lt;" not in message["body"] and "&#34;" not in message["body"], where


def test_mail_about_a_post_keeps_names_and_titles_as_text_in_both_parts_and_the_subject(app, people, mailbox):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        cohort.name = PAYLOAD
        facilitator = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        facilitator.name = PAYLOAD
        db.session.commit()
    client = app.test_client()
    client.login(people.member)
    shared = client.post_form(
        f"/c/{people.slug}/posts/new",
        {"kind": "challenge", "title": PAYLOAD, "body": "What worked?", "visibility": "attributed"},
    )
    replier = app.test_client()
    replier.login(people.facilitator)
    replier.post_form(shared.headers["Location"] + "/replies", {"body": "Try a huddle."})
    (reply_mail,) = [message for message in _messages(mailbox) if message["to"] == people.member]
    assert PAYLOAD in reply_mail["subject"] and PAYLOAD in reply_mail["body"]
    _assert_mail_is_text(reply_mail, "reply mail")


def test_a_name_with_a_line_break_adds_no_header_and_no_recipient(app, people, mailbox, smtp_server):
    smuggled = "Sam\r\nBcc: x@evil.example\r\nSubject: Free money"
    with app.app_context():
        facilitator = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        facilitator.name = smuggled
        post = factories.make_post(
            db.session.get(Cohort, people.cohort_id),
            db.session.execute(db.select(User).filter_by(email=people.member)).scalar_one(),
            kind=factories.PostKind.CHALLENGE,
            title="Clinic\r\nBcc: y@evil.example",
        )
        db.session.commit()
        post_id = post.id
    replier = app.test_client()
    replier.login(people.facilitator)
    replier.post_form(f"/c/{people.slug}/posts/{post_id}/replies", {"body": "Try a huddle."})
    messages = _messages(mailbox)
    for received in smtp_server.received:
        assert not any("evil.example" in address for address in received.rcpt_tos)
        raw = received.message.as_bytes()
        reparsed = message_from_bytes(raw, policy=default_policy)
        assert reparsed["Bcc"] is None and len(reparsed.get_all("Subject")) == 1
        headers = raw.split(b"\n\n", 1)[0]
        assert b"\nBcc:" not in headers and b"\nSubject: Free money" not in headers
    assert any("Clinic Bcc: y@evil.example" in message["subject"] for message in messages)


def test_invitation_and_session_mail_and_calendar_files_keep_titles_exact(app, people, mailbox):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        cohort.name = PAYLOAD
        db.session.execute(db.update(User).where(User.email == people.facilitator).values(name=PAYLOAD))
        db.session.commit()
        token = db.session.execute(db.select(User.calendar_token).filter_by(email=people.member)).scalar_one()
    client = app.test_client()
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/invitations/email", {"emails": "kai@fjord.example.org", "role": "member"})
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id), title=PAYLOAD)
        db.session.commit()
        meeting_id = meeting.id
    messages = _messages(mailbox)
    (invitation,) = [message for message in messages if message["to"] == "kai@fjord.example.org"]
    assert PAYLOAD in invitation["body"]
    _assert_mail_is_text(invitation, "invitation")
    sessions = [message for message in messages if message["to"] == people.member]
    assert sessions, "no mail about the session"
    expected_summary = f"{PAYLOAD} · {PAYLOAD}"  # the session's title · the cohort's name
    for message in sessions:
        _assert_mail_is_text(message, "session mail")
        attached = [
            part for part in message["message"].iter_attachments() if part.get_content_type() == "text/calendar"
        ]
        for part in attached:
            # RFC 5545: a calendar part is UTF-8 unless it says otherwise.
            (event,) = Calendar.from_ical(part.get_payload(decode=True).decode()).walk("VEVENT")
            assert str(event["SUMMARY"]) == expected_summary
    client.login(people.member)
    files = {
        "session file": client.get(f"/c/{people.slug}/sessions/{meeting_id}.ics"),
        "feed": client.get(f"/calendar/{token}.ics"),
    }
    for where, response in files.items():
        assert response.status_code == 200, where
        events = Calendar.from_ical(response.data).walk("VEVENT")
        assert [str(event["SUMMARY"]) for event in events] == [expected_summary], where


def test_a_flash_that_names_a_cohort_shows_the_name_as_text(app, people, mailbox):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        cohort.name = PAYLOAD
        db.session.commit()
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/invitations/email", {"emails": people.outsider, "role": "member"})
    (link,) = [link for link in mailbox.links() if "/invite/" in link]
    invited = app.test_client()
    invited.login(people.outsider)
    joined = invited.post_form(link.split("cohort.test", 1)[1], follow_redirects=True)
    assert joined.status_code == 200
    page = assert_text_only(joined.text, "page after joining")
    assert f"You have joined {PAYLOAD}." in "".join(page.text)


def test_what_a_visitor_types_comes_back_as_text(app, people, client):
    """Reflected input: a search, a sign-in form sent back with its error, a ``next`` address, a path."""
    answers = {
        "sign-in refused": client.post_form("/login", {"email": PAYLOAD, "password": "wrong", "next": PAYLOAD}),
        "sign-in next": client.get("/login", query_string={"next": PAYLOAD}),
        "reset asked": client.post_form("/forgot-password", {"email": PAYLOAD}),
    }
    for path in ("/c/" + PAYLOAD.replace("/", "") + "/", "/" + PAYLOAD.replace("/", "")):
        assert RAW not in client.get(path).text, path
    client.login(people.facilitator)
    with app.app_context():
        db.session.execute(db.update(User).where(User.email == people.facilitator).values(is_admin=True))
        db.session.commit()
    for path in ("/c/" + PAYLOAD.replace("/", "") + "/", f"/c/{people.slug}/" + PAYLOAD.replace("/", "")):
        assert RAW not in client.get(path).text, path
    search = client.get(f"/c/{people.slug}/posts/", query_string={"q": PAYLOAD})
    people_search = client.get("/admin/people", query_string={"q": PAYLOAD})
    for where, response in {**answers, "post search": search, "people search": people_search}.items():
        assert response.status_code in (200, 302, 400, 404, 422), where
        assert_text_only(response.text, where, shown=False)
    page = assert_text_only(search.text, "post search")
    assert PAYLOAD in page.title and ("input", "value", PAYLOAD) in page.attributes
    assert ("input", "value", PAYLOAD) in assert_text_only(people_search.text, "people search").attributes


def test_a_facilitator_s_forms_keep_cohort_session_agenda_and_value_names_as_text(app, people, client):
    """Typed through the facilitator's forms: a cohort's name, a session's title and place, an agenda
    item and a value, each shown as text where it appears, and the session's mail and file exact."""
    client.login(people.facilitator)
    cohort = f"/c/{people.slug}"
    settings = {"name": PAYLOAD, "description": PAYLOAD, "charter": "Be kind.", "timezone": "Europe/London"}
    assert client.post_form(f"{cohort}/settings", settings).status_code == 302
    session = {**SERIES, "title": PAYLOAD, "location": PAYLOAD, "repeat": "none", "action": "schedule"}
    scheduled = client.post_form(f"{cohort}/sessions/new", session)
    assert scheduled.status_code == 302, scheduled.text
    detail = scheduled.headers["Location"]
    client.post_form(f"{detail}/agenda", {"title": PAYLOAD, "post_id": "0"})
    client.post_form(f"{cohort}/values", {"name": PAYLOAD})
    for path in (f"{cohort}/", f"{cohort}/settings", detail, f"{detail}/edit", f"{cohort}/values", "/"):
        page = assert_text_only(client.get(path).text, path)
        assert PAYLOAD in page.title or path in ("/", f"{cohort}/values"), path
    detail_page = _Page(client.get(detail).text)
    assert "".join(detail_page.text).count(PAYLOAD) >= 3  # title, place and agenda item
    assert PAYLOAD in "".join(_Page(client.get(f"{cohort}/values").text).text)
    (event,) = Calendar.from_ical(client.get(f"{detail}.ics").data).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{PAYLOAD} · {PAYLOAD}"
    assert str(event["LOCATION"]).startswith(PAYLOAD)
