"""A fuzz of every form in the app: random Unicode, strings just over a field's cap and around 100,000
characters, text where a number, date or choice belongs, fields left out, sent twice or made up. Whatever
arrives, the answer is never a server error; a form shown again keeps what was typed (cut only where the
page says so) and never a password; a NUL byte anywhere is a 400; a body over the cap is a 413.

The forms are found, not listed: every POST route in ``app.url_map`` is fuzzed through the form that a
page of the registry (tests/pages.py) shows for it, signed in as whoever sees that form, or is in
EXCLUDED with its reason. Each example starts from the same database, restored from a snapshot taken
once, so no example sees what an earlier one wrote.
"""

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
import time_machine
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.exceptions import MethodNotAllowed, NotFound

from cohort import create_app
from cohort.auth import ops as account_ops
from cohort.auth import two_factor
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db, limiter
from cohort.markdown import MAX_MARKDOWN_CHARS
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, Membership, Post, PostKind, Reply
from cohort.moderation import ops as moderation_ops
from cohort.posts import ops as post_ops

from . import factories, pages
from .conftest import CohortClient, _config, make_people

pytestmark = pytest.mark.sqlite  # heavy, so one pass; and the snapshot is SQLite's own backup

HOST = "cohort.test"
BODY_CAP = 1024 * 1024  # COHORT_MAX_FORM_BYTES by default
# POST routes no page shows a form for, each with the reason it is not fuzzed here.
EXCLUDED: dict[str, str] = {
    "cohort.cohorts.preview": "a JSON answer to the page's script, no form: fuzzed in tests/cohorts/test_preview.py",
}
# "halfway" gave the right password of an account with two-factor sign-in and is asked for its code;
# "guarded" is signed in to that account, whose settings page offers new recovery codes and turning it off.
ROLES = ("anonymous", "facilitator", "member", "newcomer", "halfway", "guarded")


def _post_endpoints() -> list[str]:
    app = create_app({"TESTING": True, "SECRET_KEY": "-", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods})


POST_ENDPOINTS = _post_endpoints()


# Forms, as a browser reads them from a page ------------------------------------------------------------------


@dataclass
class Field:
    """One named control: a text box, a group of radios or checkboxes, a select, or named buttons."""

    name: str
    kind: str  # an input's type ("text", "email", "number", "radio", …), "textarea", "select" or "button"
    value: str = ""  # what the page filled in or chose
    options: list[str] = field(default_factory=list)  # the values a choice offers
    cap: int | None = None  # maxlength, where the markup declares one
    locked: bool = False  # hidden or read-only: nothing anyone types

    @property
    def typed(self) -> bool:
        """A box someone types into, whose text must come back on an error."""
        return not self.locked and self.kind in TYPED


TYPED = {"text", "email", "url", "search", "tel", "textarea"}
CHOICES = {"radio", "checkbox", "select", "button"}
# A file input is sent too, as text where a file belongs: its files come in tests of their own.
NOT_SENT = {"submit", "reset", "image"}


@dataclass
class Form:
    action: str  # path and query the form is sent to
    fields: dict[str, Field]
    token: str | None

    def shown_value(self, name: str) -> str | None:
        return self.fields[name].value if name in self.fields else None


class _FormReader(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._by_id: dict[str, Form] = {}
        self._textarea: Field | None = None
        self._select: Field | None = None

    def _add(self, control: Field, chosen: bool) -> None:
        known = self._form.fields.setdefault(control.name, control)
        if known is not control:
            known.options.extend(control.options)
            if chosen:
                known.value = control.value
        elif not chosen and control.kind in CHOICES:
            control.value = ""

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            if attributes.get("method", "get").lower() == "post":
                # Relative to the site, as the routing reads it: a page's own address may be absolute.
                parts = urlsplit(attributes.get("action") or self.page_url)
                self._form = Form(parts.path + (f"?{parts.query}" if parts.query else ""), {}, None)
                self.forms.append(self._form)
                self._by_id[attributes.get("id", "")] = self._form
            return
        name = attributes.get("name")
        if tag == "button" and "formaction" in attributes and attributes.get("form") in self._by_id:
            # A button that sends a shared form (the thread's) to an address of its own: to the
            # server, a form of its own, with the shared form's fields and the button's value.
            shared = self._by_id[attributes["form"]]
            parts = urlsplit(attributes["formaction"])
            form = Form(parts.path + (f"?{parts.query}" if parts.query else ""), dict(shared.fields), shared.token)
            if name:
                value = attributes.get("value", "")
                form.fields[name] = Field(name, "button", value, [value])
            self.forms.append(form)
            return
        if self._form is None:
            return
        cap = int(attributes["maxlength"]) if attributes.get("maxlength", "").isdigit() else None
        if tag == "input" and name == "csrf_token":
            self._form.token = attributes.get("value")
        elif tag == "input" and name and attributes.get("type", "text") not in NOT_SENT:
            kind = attributes.get("type", "text")
            value = attributes.get("value", "on" if kind in ("radio", "checkbox") else "")
            locked = kind == "hidden" or "hidden" in attributes or "readonly" in attributes
            control = Field(name, kind, value, [value] if kind in CHOICES else [], cap, locked)
            self._add(control, kind not in CHOICES or "checked" in attributes)
        elif tag == "button" and name:
            self._add(Field(name, "button", attributes.get("value", ""), [attributes.get("value", "")]), False)
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea", "", [], cap)
            self._add(self._textarea, True)
        elif tag == "select" and name:
            self._select = Field(name, "select")
            self._add(self._select, True)
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            self._select.options.append(value)
            if "selected" in attributes or len(self._select.options) == 1:
                self._select.value = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # As a browser does, a newline just after <textarea> is not part of its text.
            text = self._textarea.value
            self._textarea.value = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def forms_on(page_url: str, html: str) -> list[Form]:
    reader = _FormReader(page_url)
    reader.feed(html)
    reader.close()
    return reader.forms


def endpoint_of(app: Flask, action: str) -> str | None:
    """The endpoint a form is sent to, as routing decides it."""
    try:
        endpoint, _arguments = app.url_map.bind(HOST).match(urlsplit(action).path, method="POST")
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


# The scene: pages.set_scene, and what it lacks for the forms it does not show --------------------------------


@dataclass
class Holder:
    """Where a form is found: the page, who was looking, and the form itself."""

    role: str
    page: str
    form: Form


@dataclass
class Scene:
    snapshot: sqlite3.Connection
    cookies: dict[str, list[tuple[str, str]]]  # per role, the cookies its browser holds
    holders: dict[str, Holder]  # per endpoint


@dataclass
class Furnished:
    newcomer: str  # address of a member yet to accept the charter
    past_id: int  # a session that took place
    guarded: str  # address of a member with two-factor sign-in on
    guarded_secret: str


def _furnish_the_rest(app: Flask, people: SimpleNamespace) -> Furnished:
    """What the registry's scene lacks: a member yet to accept the charter, a suspended account, a hidden
    post and reply, an unpinned announcement, a session that took place, with its attendance, a
    member with two-factor sign-in on, and photos (so that the form removing one shows)."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        facilitator = cohort_ops.find_user(people.facilitator)
        member = cohort_ops.find_user(people.member)
        leading = factories.member_of(facilitator, cohort)
        newcomer = factories.make_member(cohort, accepted=False).user
        account_ops.suspend_account(facilitator, factories.make_member(cohort).user)
        hidden = factories.make_post(cohort, member, title="A post under review")
        moderation_ops.hide(leading, hidden)
        thread = factories.make_post(cohort, facilitator, title="A thread with a reply under review")
        reply = post_ops.add_reply(factories.member_of(member, cohort), thread, "A reply under review")
        moderation_ops.hide(leading, db.session.get(Reply, reply.id))
        announcement = factories.make_post(cohort, facilitator, kind=PostKind.ANNOUNCEMENT, title="Old news")
        post_ops.unpin_post(leading, announcement)
        start = datetime.now(UTC) - timedelta(hours=48)
        for membership in db.session.execute(db.select(Membership).filter_by(cohort_id=cohort.id)).scalars():
            membership.joined_at = min(membership.joined_at, start - timedelta(days=30))
        past = factories.make_meeting(cohort, start=start, title="Last month")
        meeting_ops.record_attendance(leading, past, {member.id})
        for person in (facilitator, member):
            account_ops.set_photo(person, factories.make_photo())
        guarded = factories.make_member(cohort).user
        secret = two_factor.begin(guarded)
        # Confirmed in the step before this one, so that signing in now takes this step's code.
        with time_machine.travel(datetime.now(UTC) - timedelta(seconds=30), tick=False):
            two_factor.confirm(guarded, factories.TEST_PASSWORD, pyotp.TOTP(secret).now(), keep="")
        db.session.commit()
        return Furnished(newcomer.email, past.id, guarded.email, secret)


def _pages_to_visit(app: Flask, scene: pages.Scene, people: SimpleNamespace, past_id: int) -> list[tuple[str, str]]:
    """(role, page): the registry's pages for each role, then every thread and session of the cohort."""
    visits = [("anonymous", url) for url in pages.public_pages(scene).values()]
    for role in ("facilitator", "member"):
        visits += [(role, url) for url in pages.member_pages(scene).values()]
    with app.app_context():
        posts = db.session.execute(db.select(Post.id).filter_by(cohort_id=people.cohort_id)).scalars().all()
    for role in ("facilitator", "member"):
        visits += [(role, f"/c/{people.slug}/posts/{post_id}") for post_id in posts]
        visits.append((role, f"/c/{people.slug}/sessions/{past_id}"))
    visits.append(("newcomer", f"/c/{people.slug}/charter"))
    visits += [("halfway", url) for url in pages.halfway_pages(scene).values()]
    visits.append(("guarded", "/account/two-factor"))
    return visits


def _snapshot(app: Flask) -> sqlite3.Connection:
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            connection.driver_connection.backup(copy)
        finally:
            connection.close()
    return copy


def restore(app: Flask, snapshot: sqlite3.Connection) -> None:
    """Put the database back as the snapshot found it, and forget every rate limit's count."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            snapshot.backup(connection.driver_connection)
        finally:
            connection.close()
    limiter.reset()


def _cookies(client: CohortClient) -> list[tuple[str, str]]:
    names = ("session", "remember_token")
    return [(name, cookie.value) for name in names if (cookie := client.get_cookie(name, domain=HOST))]


def client_as(app: Flask, scene: Scene, role: str) -> CohortClient:
    """A new browser holding what ``role``'s browser held when the snapshot was taken."""
    client = app.test_client()
    for name, value in scene.cookies[role]:
        client.set_cookie(name, value, domain=HOST)
    return client


@pytest.fixture(scope="module")
def scene(migrated_database, smtp_server, tmp_path_factory) -> Scene:
    """The registry's scene and the rest, every role signed in, each form found: built once, then kept as
    a snapshot of the database, and the tables emptied for the tests after these."""
    app = create_app(_config(migrated_database, tmp_path_factory.mktemp("fuzz"), smtp_server.port))
    app.test_client_class = CohortClient
    try:
        with app.app_context():
            people = make_people()
        registry_scene = pages.set_scene(app, people)
        rest = _furnish_the_rest(app, people)
        clients = {role: app.test_client() for role in ROLES}
        signing_in = (
            ("facilitator", people.facilitator),
            ("member", people.member),
            ("newcomer", rest.newcomer),
            ("halfway", rest.guarded),
            ("guarded", rest.guarded),
        )
        for role, email in signing_in:
            clients[role].login(email)
        clients["guarded"].post_form("/login/code", {"code": pyotp.TOTP(rest.guarded_secret).now()})
        app.test_client().login(people.facilitator)  # another device, for the forms that sign one out
        holders: dict[str, Holder] = {}
        for role, url in _pages_to_visit(app, registry_scene, people, rest.past_id):
            page = clients[role].get(url)
            for form in forms_on(url, page.text):
                endpoint = endpoint_of(app, form.action)
                if endpoint and endpoint not in holders:
                    holders[endpoint] = Holder(role, url, form)
        snapshot = _snapshot(app)
        yield Scene(snapshot, {role: _cookies(client) for role, client in clients.items()}, holders)
        snapshot.close()
    finally:
        with app.app_context():
            db.session.execute(db.text("DELETE FROM post_search"))
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()
        limiter.reset()


def test_every_post_route_is_fuzzed_or_excluded_with_a_reason(scene):
    found = set(scene.holders)
    assert found | set(EXCLUDED) >= set(POST_ENDPOINTS), f"no form found for {set(POST_ENDPOINTS) - found}"
    assert set(EXCLUDED) <= set(POST_ENDPOINTS), "EXCLUDED names a route that is gone"
    assert all(reason.strip() for reason in EXCLUDED.values())
    roles = {holder.role for holder in scene.holders.values()}
    assert roles == set(ROLES), roles


# What is sent ------------------------------------------------------------------------------------------------

# Pieces that break naive text handling: right-to-left override, zero-width joiners, combining marks, emoji
# sequences, byte-order marks, markup and entities, quotes, line ends.
ODD = [
    "\u202eevil\u202c",
    "zw\u200dj",
    "e\u0301\u0302",
    "👩🏽‍⚕️",
    "👨‍👩‍👧",
    "\ufeff",
    "\u200b",
    "<script>alert(1)</script>",
    "&amp;",
    "&lt;b&gt;",
    '"',
    "'",
    "\r\n",
    "\n",
    "\t",
    " ",
    "@person",
    "**bold**",
    "ﷺ",
    "\U0010ffff",
]
# Text where a number, a date, a time or a choice belongs.
WRONG = ["", " ", "-1", "0", "1e309", "nan", "inf", "9" * 40, "1.5", "１２", "²", "0x10", "2026-02-30", "0000-00-00"]
WRONG += ["25:61", "12:00:00", "[]", "{}", "null", "true", "on", "y"]
LONG_ENOUGH = 100_000

no_nul = st.characters(codec="utf-8", exclude_characters="\x00")  # surrogates are not UTF-8: none is drawn
text = st.one_of(
    st.text(no_nul, max_size=40),
    st.lists(st.one_of(st.sampled_from(ODD), st.text(no_nul, max_size=6)), max_size=8).map("".join),
)


def _repeat(seed: str, size: int) -> str:
    return (seed * (size // len(seed) + 1))[:size]


def _long(size: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """Long text, built from a short seed: Hypothesis need not draw every character."""
    return st.builds(_repeat, st.text(no_nul, min_size=1, max_size=12), size)


def _plausible(control: Field) -> st.SearchStrategy[str]:
    if control.kind in CHOICES:
        return st.sampled_from(control.options or [control.value])
    if control.kind == "number":
        return st.one_of(st.just(control.value), st.integers(-10, 600).map(str))
    if control.kind == "date":
        return st.dates(date(2020, 1, 1), date(2035, 12, 31)).map(date.isoformat)
    if control.kind == "time":
        return st.times().map(lambda moment: moment.strftime("%H:%M"))
    return st.one_of(st.just(control.value), st.text("abcdefgh ,.-@", min_size=1, max_size=30))


def _values(control: Field) -> st.SearchStrategy[list[str]]:
    """The values sent under one name: none (left out), one, or several (a repeated field)."""
    one = [_plausible(control), text]
    if not control.typed:
        one.append(st.sampled_from(WRONG))
    if control.cap:
        one.append(_long(st.integers(control.cap + 1, control.cap + 20)))
    one.append(_long(st.integers(LONG_ENOUGH - 10_000, LONG_ENOUGH + 10_000)))
    single = st.one_of(*one)
    return st.one_of(
        single.map(lambda value: [value]),
        st.just([]),
        st.lists(st.one_of(_plausible(control), text), min_size=2, max_size=3),
    )


@dataclass
class Submission:
    pairs: list[tuple[str, str]]
    query: list[tuple[str, str]]
    headers: dict[str, str]

    @property
    def has_nul(self) -> bool:
        parts = [*self.pairs, *self.query, *self.headers.items()]
        return any("\x00" in piece for pair in parts for piece in pair)

    def body(self) -> bytes:
        return urlencode(self.pairs).encode()

    def __repr__(self) -> str:
        # A failing example is printed: long values by their start and length, not in full.
        def short(value: str) -> str:
            return repr(value) if len(value) <= 100 else f"{value[:60]!r}…({len(value):,} characters)"

        pairs = ", ".join(f"{short(name)}: {short(value)}" for name, value in self.pairs)
        return f"Submission(pairs=[{pairs}], query={self.query!r}, headers={self.headers!r})"

    def _repr_pretty_(self, printer, _cycle) -> None:  # how Hypothesis prints an example
        printer.text(repr(self))


@st.composite
def submissions(draw, form: Form) -> Submission:
    pairs = []
    for control in form.fields.values():
        pairs += [(control.name, value) for value in draw(_values(control))]
    pairs += draw(st.lists(st.tuples(st.text(no_nul, min_size=1, max_size=20), text), max_size=3))
    pairs = draw(st.permutations(pairs)) if draw(st.booleans()) else pairs
    token = form.token or ""
    # Mostly a good token and no NUL byte, so that most examples reach the form itself.
    csrf = draw(st.sampled_from(["sent"] * 10 + ["left out", "forged", "twice"]))
    if csrf != "left out":
        tokens = {"sent": [token], "forged": ["forged"], "twice": [token, token]}[csrf]
        pairs = [("csrf_token", value) for value in tokens] + pairs
    query = draw(st.lists(st.tuples(st.sampled_from(["q", "next", "page", "kind"]), text), max_size=2))
    headers = {}
    where = draw(st.sampled_from(["nowhere"] * 24 + ["value", "name", "query", "header"]))
    if where in ("value", "name") and pairs:
        index = draw(st.integers(0, len(pairs) - 1))
        name, value = pairs[index]
        pairs[index] = (name + "\x00", value) if where == "name" else (name, value + "\x00")
    elif where == "query":
        query.append(("q", "a\x00b"))
    elif where == "header":
        headers["X-Note"] = "a\x00b"
    return Submission(pairs, query, headers)


# What comes back ---------------------------------------------------------------------------------------------

CUT = re.compile(r"[Oo]nly its first ([\d,]+) characters are kept in the form")


def _cut_to(html: str) -> set[int]:
    """The lengths a page says it cut a field's text to."""
    return {int(number.replace(",", "")) for number in CUT.findall(html)}


def check_answer(app: Flask, form: Form, sent: Submission, response) -> None:
    """What any answer to any form must be: see the module's docstring."""
    status, html = response.status_code, response.get_data(as_text=True)
    assert status < 500, f"{status} for {form.action}"
    assert "Traceback" not in html
    if len(sent.body()) > BODY_CAP:
        assert status == 413, f"a body of {len(sent.body()):,} bytes answered {status}"
        return
    assert status != 413, f"a body of {len(sent.body()):,} bytes, under the cap, answered 413"
    if sent.has_nul:
        assert status == 400, f"a NUL byte answered {status}"
        return
    if status >= 300 and status < 400:
        return
    again = [shown for shown in forms_on(form.action, html) if shown.action == form.action]
    first: dict[str, str] = {}
    for name, value in sent.pairs:
        first.setdefault(name, value)
    for name, control in form.fields.items():
        password = first.get(name, "") if control.kind == "password" else ""
        # Long enough not to be on the page by chance, and not also sent in a field shown again.
        elsewhere = any(password in value for other, value in sent.pairs if other != name)
        if len(password.strip()) >= 8 and not elsewhere:
            assert str(escape(password)) not in html, f"the password {name} was echoed"
    if again:
        # A page may show the same form more than once (a reply box under each reply): one holds the text.
        losses = [_lost(form, shown, first, _cut_to(html)) for shown in again]
        assert any(not lost for lost in losses), min(losses, key=len)


def _lost(form: Form, shown: Form, first: dict[str, str], cut_to: set[int]) -> list[str]:
    """What ``shown`` fails to give back of the text sent, and any password it shows."""
    lost = []
    for name, control in form.fields.items():
        if name not in first:
            continue
        value, kept = first[name], shown.shown_value(name)
        if control.kind == "password" and kept:
            lost.append(f"the password {name} is shown again")
        elif control.typed and kept is None:
            lost.append(f"{name} is gone from the form shown again")
        elif control.typed and not (kept == value or (len(kept) in cut_to and value.startswith(kept))):
            lost.append(f"{name}: sent {value[:80]!r} ({len(value):,}), shown {kept[:80]!r} ({len(kept):,})")
    return lost


def send(client: CohortClient, form: Form, sent: Submission):
    path = form.action
    if sent.query:
        path += ("&" if "?" in path else "?") + urlencode(sent.query)
    return client.post(
        path,
        data=sent.body(),
        content_type="application/x-www-form-urlencoded",
        headers=sent.headers,
    )


FUZZED = [endpoint for endpoint in POST_ENDPOINTS if endpoint not in EXCLUDED]
# Every form takes a share of the profile's examples (tests/conftest.py: fewer under CI=true).
EXAMPLES = max(10, settings().max_examples // 10)


@pytest.mark.parametrize("endpoint", FUZZED)
def test_a_form_survives_whatever_is_sent(app, scene, endpoint):
    assert endpoint in scene.holders, f"no page of the registry shows a form for {endpoint}"
    holder = scene.holders[endpoint]

    @settings(
        max_examples=EXAMPLES,
        # No shrinking: each example is a whole request of up to a megabyte, and shrinking one takes minutes.
        # A failing example is printed as sent, its long values cut short.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(sent=submissions(holder.form))
    def fuzz(sent):
        restore(app, scene.snapshot)
        check_answer(app, holder.form, sent, send(client_as(app, scene, holder.role), holder.form, sent))

    fuzz()


FAR_OVER = 500_000  # characters of one field, in a body under the cap


def _far_over(form: Form, name: str) -> Submission:
    pairs = [("csrf_token", form.token or "")]
    for control in form.fields.values():
        if control.name == name:
            pairs.append((name, "x" * FAR_OVER))
        elif control.value or control.kind not in CHOICES:
            pairs.append((control.name, control.value))
    return Submission(pairs, [], {})


def test_a_field_far_over_its_cap_comes_back_cut_not_whole(app, scene):
    """Half a megabyte in any one box: a form error, and no more than twice the box's cap sent back (a box
    with no cap in its markup is held to the largest in the app)."""
    checked, whole = 0, []
    for endpoint, holder in sorted(scene.holders.items()):
        for name, control in holder.form.fields.items():
            if not control.typed:
                continue
            restore(app, scene.snapshot)
            sent = _far_over(holder.form, name)
            response = send(client_as(app, scene, holder.role), holder.form, sent)
            check_answer(app, holder.form, sent, response)
            kept = 2 * (control.cap or MAX_MARKDOWN_CHARS)
            if "x" * (kept + 1) in response.get_data(as_text=True):
                whole.append(f"{endpoint}: {name}")
            checked += 1
    assert not whole, f"sent back whole: {whole}"
    assert checked > 40
