"""The request and response layer against a hostile client: hosts, headers, cookies, methods,
body sizes, NUL bytes and redirects."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import abort
from wtforms import Form
from wtforms.fields.core import UnboundField
from wtforms.validators import Length as PlainLength

from cohort.cohorts import letters
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.forms import Length
from cohort.markdown import MAX_MARKDOWN_CHARS
from cohort.models import Cohort, Delivery, NotificationKind, Reply, User, utcnow
from cohort.notifications import queries as notification_queries
from cohort.notifications.tokens import unsubscribe_token

from . import factories
from .conftest import CohortClient
from .test_access import _sample_values

BASE_URL = "http://cohort.test"  # COHORT_BASE_URL in the tests' configuration


def _everything(app) -> dict:
    with app.app_context():
        return {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}


def _account(app, email: str) -> User:
    with app.app_context():
        return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


# Hosts, and the links mailed from a request.


def test_a_foreign_host_gets_400_once_trusted_hosts_are_set(make_app, monkeypatch):
    monkeypatch.setenv("COHORT_TRUSTED_HOSTS", "cohort.test, www.cohort.test")
    client = make_app().test_client()
    assert client.get("/login", headers={"Host": "www.cohort.test"}).status_code == 200
    for method in ("GET", "POST"):
        refused = client.open("/login", method=method, headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert "evil.example" not in refused.text
        assert refused.headers["X-Content-Type-Options"] == "nosniff"


class _ForeignHostClient(CohortClient):
    """A browser that reached the site under a Host header of the attacker's choosing."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "http://evil.example")
        return super().open(*args, **kwargs)


def _ask_for_reset(client, people):
    client.post_form("/forgot-password", {"email": people.member})


def _invite_by_email(client, people):
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/invitations/email", {"emails": "kai@fjord.example.org", "role": "member"})


def _sign_up_through_a_shared_link(client, people):
    app = client.application
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        facilitator = factories.member_of(cohort_ops.find_user(people.facilitator), cohort)
        invitation = cohort_ops.create_invitation_link(facilitator, expires_at=utcnow() + timedelta(days=7), max_uses=3)
        db.session.commit()
        path = urlsplit(letters.invitation_url(invitation)).path
    client.post_form(
        path,
        {
            "name": "Grace Adeyemi",
            "organisation": "Lakeside University Hospitals",
            "job_title": "Chief Executive",
            "email": "grace@lakeside.example.org",
            "timezone": "UTC",
            "password": "a long and careful passphrase",
            "confirm": "a long and careful passphrase",
        },
    )


@pytest.mark.parametrize("mail_is_sent_by", [_ask_for_reset, _invite_by_email, _sign_up_through_a_shared_link])
def test_mailed_links_come_from_the_base_url_whatever_the_host_header(make_app, people, mailbox, mail_is_sent_by):
    app = make_app(SERVER_NAME=None)  # the default: the site answers any Host
    app.test_client_class = _ForeignHostClient
    mail_is_sent_by(app.test_client(), people)
    links = mailbox.links()
    assert links, "no mail was sent"
    assert all(link.startswith(BASE_URL + "/") for link in links), links


# Headers on every answer.


def _calendar_feed(app, people):
    return f"/calendar/{_account(app, people.member).calendar_token}.ics"


def test_every_answer_carries_the_security_headers_and_only_static_files_are_cached(make_app, people):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        abort(500)

    anonymous, member = app.test_client(), app.test_client()
    member.login(people.member)
    answers = {
        "sign-in page": anonymous.get("/login"),
        "signed-in page": member.get(f"/c/{people.slug}/members"),
        "calendar feed": anonymous.get(_calendar_feed(app, people)),
        "not found": member.get("/no/such/page"),
        "method not allowed": member.open("/login", method="TRACE"),
        "too large": anonymous.post("/login", data={"password": "x" * 2_000_000}),
        "server error": member.get("/boom"),
        "redirect": anonymous.get("/"),
        "static file": anonymous.get("/static/cohort.css"),
    }
    assert answers["calendar feed"].mimetype == "text/calendar"
    for name, response in answers.items():
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], name
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp, name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        policy = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
            assert policy[feature] == "()", (name, feature)
        assert "Strict-Transport-Security" not in headers, name  # plain http: browsers ignore it
        if name == "static file":
            assert "no-store" not in headers.get("Cache-Control", ""), name
        else:
            assert headers["Cache-Control"] == "no-store", name
        response.close()


def test_hsts_whenever_the_site_is_served_over_https(make_app):
    over_https = make_app(COHORT_BASE_URL="https://cohort.test").test_client()
    for path in ("/login", "/no/such/page", "/static/cohort.css"):
        with over_https.get(path) as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # A request that arrived over TLS (behind a proxy, X-Forwarded-Proto), whatever the base URL says.
    secure_request = make_app().test_client().get("/login", base_url="https://cohort.test")
    assert secure_request.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_signing_out_tells_the_browser_to_forget_what_it_kept(app, people):
    """ASVS V14.3.1: a sign-out clears the browser's cache and storage for the site; no other answer does."""
    client = app.test_client()
    client.login(people.member)
    others = [client.get("/account"), client.get(f"/c/{people.slug}/"), client.get("/logout")]
    forged = client.post("/logout", data={"csrf_token": "not the token"})
    assert client.get("/account").status_code == 200  # a forged sign-out signs no one out
    signed_out = client.logout()
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/login"
    assert signed_out.headers["Clear-Site-Data"] == '"cache", "storage"'
    login_page = client.get("/login")
    assert "You have signed out." in login_page.text  # cookies are not cleared: the message travels in one
    for response in [*others, forged, login_page, client.login(people.member)]:
        assert "Clear-Site-Data" not in response.headers, response.request.path


# Cookies.


@pytest.mark.parametrize(
    "base_url, forced, secure",
    [
        ("http://cohort.test", None, False),
        ("https://cohort.test", None, True),
        ("https://cohort.test", False, False),
        ("http://cohort.test", True, True),
    ],
)
def test_cookies_are_secure_exactly_when_the_site_is_https_unless_forced(make_app, people, base_url, forced, secure):
    client = make_app(COHORT_BASE_URL=base_url, COHORT_SECURE_COOKIES=forced).test_client()
    cookies = client.login(people.member, remember="y").headers.getlist("Set-Cookie")
    # Secure cookies carry the __Host- prefix, so browsers hold them to this host over HTTPS only.
    prefix = "__Host-" if secure else ""
    assert {cookie.split("=", 1)[0] for cookie in cookies} >= {f"{prefix}session", f"{prefix}remember_token"}
    for cookie in cookies:
        assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, cookie
        assert ("; Secure" in cookie) == secure, cookie
        if secure:
            assert "; Path=/" in cookie and "Domain=" not in cookie, cookie
    # The prefixed cookies are the ones that sign in.
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("value, secure", [("0", False), ("1", True)])
def test_the_secure_cookie_setting_is_read_from_the_environment(make_app, people, monkeypatch, value, secure):
    monkeypatch.setenv("COHORT_SECURE_COOKIES", value)
    client = make_app(COHORT_BASE_URL="https://cohort.test").test_client()
    cookie = next(c for c in client.login(people.member).headers.getlist("Set-Cookie") if "session=" in c)
    assert ("; Secure" in cookie) == secure
    assert cookie.startswith("__Host-session=") == secure


# Methods.


def _every_route(app):
    """Each rule of the app with a URL that reaches it (routing, which decides 405, needs no real object)."""
    samples = {"filename": "cohort.css", "action": "accept"}
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:>]+:)?{name}>", samples.get(name, "1"), url)
        yield url, rule.methods - {"HEAD", "OPTIONS"}


def test_trace_and_unused_methods_get_405_everywhere_and_nothing_is_echoed(app, people):
    client = app.test_client()
    client.login(people.member)
    routes = list(_every_route(app))
    assert len(routes) > 60
    for url, _methods in routes:
        for method in ("TRACE", "PUT", "PATCH", "DELETE"):
            response = client.open(url, method=method, headers={"X-Probe": "echo-me"})
            assert response.status_code == 405, f"{method} {url} answered {response.status_code}"
            assert "echo-me" not in response.text and "session=" not in response.text


def test_every_route_that_changes_something_refuses_get(app, people):
    client = app.test_client()
    client.login(people.facilitator)
    post_only = [url for url, methods in _every_route(app) if "POST" in methods and "GET" not in methods]
    slug = "/c/1"
    for expected in ("/posts/1/follow", "/sessions/1/rsvp", "/members/1/remove", "/posts/1/delete"):
        assert slug + expected in post_only
    assert "/notifications/read" in post_only
    for url in post_only:
        response = client.get(url)
        assert response.status_code == 405, f"GET {url} answered {response.status_code}"
        assert "POST" in response.headers["Allow"]


# Bookkeeping a page may write when opened: read marks (of a thread, and of the notifications about it).
BOOKKEEPING = {"post_read", "notification"}


def _every_page(app, people) -> list[str]:
    values = _sample_values(app, people)
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        values["token"] = unsubscribe_token(user.id, NotificationKind.REPLY_TO_POST)
        calendar = f"/calendar/{user.calendar_token}.ics"
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in {"static", "calendar.feed"}:
            continue
        # Pages behind a mailed token: a made-up token opens nothing (tests of their own cover them).
        if rule.endpoint in {"auth.reset_password", "auth.invitation", "auth.confirm_email"}:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:>]+:)?{name}>", str(values.get(name, 1)), url)
        pages.append(url)
    return [*pages, calendar]


def test_opening_a_page_changes_nothing_but_read_marks(app, people):
    client = app.test_client()
    client.login(people.facilitator)
    pages = _every_page(app, people)
    assert "/logout" in pages and any(page.startswith("/unsubscribe/") for page in pages)
    before = _everything(app)
    for page in pages:
        assert client.get(page).status_code < 500, page
    after = _everything(app)
    changed = {table for table in before if before[table] != after[table]}
    assert changed <= BOOKKEEPING, f"opening a page changed {changed - BOOKKEEPING}"


def test_logout_and_unsubscribe_by_get_only_ask(app, people):
    client = app.test_client()
    client.login(people.member)
    user = _account(app, people.member)
    with app.app_context():
        token = unsubscribe_token(user.id, NotificationKind.REPLY_TO_POST)
        before = notification_queries.deliveries(db.session.get(User, user.id))[NotificationKind.REPLY_TO_POST]
    asked = client.get("/logout")
    assert asked.status_code == 200 and 'method="post"' in asked.text.lower()
    assert client.get("/account").status_code == 200  # still signed in
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and 'method="post"' in page.text.lower()
    with app.app_context():
        after = notification_queries.deliveries(db.session.get(User, user.id))[NotificationKind.REPLY_TO_POST]
    assert after == before != Delivery.OFF


# The size of a request.

BIG = 2 * 1024 * 1024


def test_a_body_over_the_cap_gets_413_before_it_is_read(client):
    body = b"email=someone%40example.org&password=" + b"x" * BIG
    stream = io.BytesIO(body)
    response = client.post(
        "/login", input_stream=stream, content_length=len(body), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert stream.tell() == 0, "the body was read"
    assert "That was too much to send at once" in response.text and 'class="site-header"' in response.text
    assert "xxxx" not in response.text and len(response.data) < 20_000


def test_a_large_file_part_gets_413(people, client):
    client.login(people.member)
    body = b"".join(
        [
            b'--part\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n\r\n',
            b"x" * BIG,
            b"\r\n--part--\r\n",
        ]
    )
    stream = io.BytesIO(body)
    response = client.post(
        "/account", input_stream=stream, content_length=len(body), content_type="multipart/form-data; boundary=part"
    )
    assert response.status_code == 413 and len(response.data) < 20_000
    assert stream.tell() == 0, "the body was read"


def test_the_cap_is_a_setting(make_app, monkeypatch):
    monkeypatch.setenv("COHORT_MAX_FORM_BYTES", "5000")
    client = make_app().test_client()
    assert client.post_form("/login", {"email": "a@example.org", "password": "x" * 6000}).status_code == 413
    assert client.post_form("/login", {"email": "a@example.org", "password": "x" * 3000}).status_code == 401
    monkeypatch.setenv("COHORT_MAX_FORM_BYTES", "1 MB")
    with pytest.raises(ValueError, match="COHORT_MAX_FORM_BYTES must be a whole number"):
        make_app()


def _thread(app, people) -> str:
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        post = factories.make_post(cohort, cohort_ops.find_user(people.member))
        db.session.commit()
        return f"/c/{people.slug}/posts/{post.id}"


def _reply_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Reply))


def _kept(page: str) -> str:
    return re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', page, re.DOTALL).group(1)


def test_a_reply_far_over_its_cap_is_refused_with_its_start_kept_in_a_small_page(app, people, client):
    thread = _thread(app, people)
    client.login(people.facilitator)
    text = "We tried huddles first. " + "Then we kept going. " * 45_000  # 900 KB, under the body cap
    response = client.post_form(f"{thread}/replies", {"body": text})
    assert response.status_code == 422
    assert f"Keep it under {MAX_MARKDOWN_CHARS:,} characters." in response.text
    assert f"Only its first {2 * MAX_MARKDOWN_CHARS:,} characters are kept in the form." in response.text
    assert _kept(response.text) == text[: 2 * MAX_MARKDOWN_CHARS]
    assert len(response.data) < 2 * MAX_MARKDOWN_CHARS + 100_000
    assert _reply_count(app) == 0


def test_a_reply_a_little_over_its_cap_is_kept_whole(app, people, client):
    thread = _thread(app, people)
    client.login(people.facilitator)
    text = "a" * (MAX_MARKDOWN_CHARS + 10)
    response = client.post_form(f"{thread}/replies", {"body": text})
    assert response.status_code == 422
    assert (
        f"Keep it under {MAX_MARKDOWN_CHARS:,} characters." in response.text and "Only its first" not in response.text
    )
    assert _kept(response.text) == text
    assert _reply_count(app) == 0


def _form_classes(base=Form):
    for form_class in base.__subclasses__():
        yield form_class
        yield from _form_classes(form_class)


def test_every_length_cap_in_a_form_cuts_what_it_sends_back(app):
    checked = 0
    for form_class in _form_classes():
        if not form_class.__module__.startswith("cohort."):
            continue
        for name in dir(form_class):
            field = getattr(form_class, name)
            if not isinstance(field, UnboundField):
                continue
            for validator in field.kwargs.get("validators") or ():
                if isinstance(validator, PlainLength):
                    assert isinstance(validator, Length), f"{form_class.__name__}.{name} uses wtforms' Length"
                    checked += 1
    assert checked > 20


# NUL bytes, which no one types and PostgreSQL cannot store.


def _with_cookie(client, name: str, value: str):
    client.set_cookie(name, value, domain="cohort.test")
    return client


PROFILE = {"name": "Ann Other", "organisation": "", "job_title": "", "bio": "", "timezone": "UTC"}
NUL_REQUESTS = {
    "path": lambda client, slug: client.get(f"/c/{slug}%00/members"),
    "query value": lambda client, slug: client.get(f"/c/{slug}/posts/?q=a%00b"),
    "query name": lambda client, slug: client.get(f"/c/{slug}/posts/?q%00=a"),
    "repeated query value": lambda client, slug: client.get(f"/c/{slug}/posts/?q=fine&q=a%00b"),
    "form value": lambda client, slug: client.post_form("/account", {**PROFILE, "bio": "A\x00B"}),
    "form name": lambda client, slug: client.post_form("/account", {**PROFILE, "x\x00": "1"}),
    "repeated form value": lambda client, slug: client.post_form("/account", {**PROFILE, "name": ["Ann", "A\x00"]}),
    "file name": lambda client, slug: client.post_form(
        "/account", {**PROFILE, "photo": (io.BytesIO(b"x"), "a\x00.jpg")}, content_type="multipart/form-data"
    ),
    "header": lambda client, slug: client.get(f"/c/{slug}/members", headers={"X-Note": "a\x00b"}),
    "cookie": lambda client, slug: _with_cookie(client, "theme", "a\x00b").get(f"/c/{slug}/members"),
}


@pytest.mark.parametrize("where", NUL_REQUESTS)
def test_a_nul_byte_anywhere_is_refused_and_nothing_changes(app, people, where):
    client = app.test_client()
    client.login(people.member)
    before = _everything(app)
    response = NUL_REQUESTS[where](client, people.slug)
    assert response.status_code == 400
    assert "Something in that request was not right" in response.text
    assert _everything(app) == before


# ?next=, wherever it is read.

HOSTILE_NEXT = [
    "//evil.example.com",
    "/\\evil.example.com",
    "https:evil.example.com",
    "https://evil.example.com/",
    "\\\\evil.example.com",
    "javascript:alert(1)",
    "/\r\nSet-Cookie: x=1",
    "/%0d%0aSet-Cookie:x",
    "/%2F%2Fevil.example.com",
    "/%2f/evil.example.com",
    "/%5Cevil.example.com",
    "/\t/evil.example.com",
    " //evil.example.com",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site_whoever_reads_it(app, people, target):
    client = app.test_client()
    signed_in = client.login(people.member, next=target)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == "/"
    charter = client.post_form(f"/c/{people.slug}/charter", query_string={"next": target})
    assert charter.status_code == 302 and charter.headers["Location"] == f"/c/{people.slug}/"
    assert not any(header.lower().startswith("x=") for header in charter.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("target", ["/account", "/c/some-cohort/posts/?q=a%2Fb", "/notifications#latest"])
def test_next_still_goes_to_a_page_of_the_site(app, people, target):
    response = app.test_client().login(people.member, next=target)
    assert response.headers["Location"] == target
