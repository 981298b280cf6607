"""Each sign-in is a record on the server: signing out, a new password or "sign out everywhere else"
ends it, so cookies copied before stop working on any browser, and a sign-in lapses when idle or old."""

import re
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from cohort.auth import ops
from cohort.extensions import db
from cohort.models import Reply, SignIn, User, utcnow

from .. import factories
from ..conftest import CSRF_PATTERN
from ..posts.helpers import make_post

NEW_PASSWORD = "a brand new passphrase"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.5 Mobile/15E148 Safari/604.1"
)
SIGN_OUT_FORM = re.compile(r'action="/account/devices/(\d+)/sign-out"')


@pytest.fixture
def user_email(app):
    with app.app_context():
        user = factories.make_user(email="grace.okafor@riverside.example.org", name="Grace Okafor")
        db.session.commit()
        return user.email


def _cookies(client) -> dict[str, str]:
    """The session and remember-me cookies the browser holds, as someone copying them would take them."""
    names = ("session", "remember_token")
    found = {name: client.get_cookie(name, domain="cohort.test") for name in names}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def _browser_with(app, cookies: dict[str, str]):
    """Another browser, holding only the copied cookies."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value, domain="cohort.test")
    return browser


def _signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    return False


def _sign_ins(app, email: str) -> list[SignIn]:
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        return list(db.session.execute(db.select(SignIn).filter_by(user_id=user.id).order_by(SignIn.id)).scalars())


def _age_sign_ins(app, email: str, **ago: timedelta) -> None:
    """Move the account's sign-ins back in time: ``created_at`` and ``last_seen_at`` by the given spans."""
    now = utcnow()
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        values = {column: now - span for column, span in ago.items()}
        db.session.execute(update(SignIn).where(SignIn.user_id == user.id).values(**values))
        db.session.commit()


def test_cookies_copied_before_signing_out_sign_nobody_in_after(app, people, client):
    """The measured hole: a copied session cookie opened /account and posted a reply after logout."""
    post_id = make_post(app, people, people.facilitator, title="Theatre lists")
    thread = f"/c/{people.slug}/posts/{post_id}"
    client.login(people.member, remember="y")
    page = client.get(thread).text
    form = {"csrf_token": CSRF_PATTERN.search(page).group(1), "body": "Posted with a stolen cookie."}
    form["draft_for"] = re.search(r'name="draft_for" value="([^"]+)"', page).group(1)
    copied = _cookies(client)
    assert set(copied) == {"session", "remember_token"}
    assert _signed_in(_browser_with(app, copied))  # while signed in, the copy works: it is a real cookie

    assert client.logout().headers["Location"] == "/login"

    for cookies in (copied, {"session": copied["session"]}, {"remember_token": copied["remember_token"]}):
        thief = _browser_with(app, cookies)
        assert not _signed_in(thief), cookies.keys()
        response = thief.post(f"{thread}/replies", data=form)
        assert response.status_code in (302, 401), response.status_code
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")
        assert not _signed_in(thief)
    with app.app_context():
        assert db.session.execute(db.select(Reply).filter_by(post_id=post_id)).first() is None
    assert not _signed_in(client)


def test_a_refused_remember_me_cookie_is_dropped(app, user_email, client):
    client.login(user_email, remember="y")
    copied = _cookies(client)
    client.logout()
    thief = _browser_with(app, {"remember_token": copied["remember_token"]})
    response = thief.get("/account")
    assert response.headers["Location"].startswith("/login")
    assert thief.get_cookie("remember_token", domain="cohort.test") is None


def test_signing_in_again_after_signing_out_works(app, user_email, client):
    client.login(user_email, remember="y")
    client.logout()
    assert client.login(user_email).status_code == 302
    assert _signed_in(client)


def test_signing_in_makes_a_new_session_and_a_new_csrf_token(app, user_email, client):
    before = client.csrf_token()
    assert client.post("/forgot-password", data={"csrf_token": before, "email": "x@example.org"}).status_code == 302
    old_session = _cookies(client)["session"]
    client.login(user_email)
    assert _cookies(client)["session"] != old_session
    refused = client.post(
        "/account",
        data={"csrf_token": before, "name": "Changed by a fixed token", "timezone": "UTC"},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(User.name).filter_by(email=user_email)).scalar_one() == "Grace Okafor"
    fresh = client.post_form("/account", {"name": "Grace A. Okafor", "timezone": "UTC"})
    assert fresh.status_code == 302


def test_signing_in_on_a_browser_ends_its_earlier_sign_in(app, user_email, client):
    client.login(user_email, remember="y")
    first = _cookies(client)
    client.login(user_email)  # signing in again on the same browser, without "keep me signed in"
    assert _signed_in(client)
    assert not _signed_in(_browser_with(app, first))
    assert client.get_cookie("remember_token", domain="cohort.test") is None
    assert [sign_in.ended_at for sign_in in _sign_ins(app, user_email)] == [None]  # the ended one is forgotten


def test_a_session_cookie_signed_with_the_secret_but_naming_no_sign_in_is_refused(app, user_email):
    """Someone who learnt the secret key still needs a live sign-in's token, which is never stored."""
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=user_email)).scalar_one()
        login_token = user.login_token  # what cookies carried before sign-ins had records
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        forged = [serializer.dumps({"_user_id": value, "_fresh": True}) for value in (login_token, "made-up", "1")]
    for cookie in forged:
        assert not _signed_in(_browser_with(app, {"session": cookie}))


def test_the_account_page_lists_the_signed_in_devices(app, user_email, client):
    laptop = client
    laptop.login(user_email, environ_base={"HTTP_USER_AGENT": FIREFOX, "REMOTE_ADDR": "203.0.113.7"})
    phone = app.test_client()
    phone.login(user_email, environ_base={"HTTP_USER_AGENT": SAFARI, "REMOTE_ADDR": "198.51.100.23"})
    with app.app_context():
        db.session.execute(update(User).where(User.email == user_email).values(timezone="Asia/Tokyo"))
        db.session.commit()
    _age_sign_ins(app, user_email, last_seen_at=timedelta(hours=1))
    page = laptop.get("/account").text
    assert "Firefox on Windows <strong>(this device)</strong>" in page and "203.0.113.7" in page
    assert "Safari on iPhone" in page and "198.51.100.23" in page
    seen = _sign_ins(app, user_email)[1].last_seen_at  # the phone's: showing the page moved the laptop's on
    assert f">{seen.astimezone(ZoneInfo('Asia/Tokyo')).strftime('%a %-d %b %Y, %H:%M')}</time>" in page
    assert len(SIGN_OUT_FORM.findall(page)) == 1  # the phone's; this device signs out from the menu
    assert "Sign out everywhere else" in page


def test_reading_pages_notes_the_last_use_at_most_every_few_minutes(app, user_email, client):
    client.login(user_email)
    _age_sign_ins(app, user_email, last_seen_at=timedelta(minutes=2))
    before = _sign_ins(app, user_email)[0].last_seen_at
    client.get("/account")
    assert _sign_ins(app, user_email)[0].last_seen_at == before
    _age_sign_ins(app, user_email, last_seen_at=timedelta(minutes=6))
    client.get("/account")
    assert utcnow() - _sign_ins(app, user_email)[0].last_seen_at < timedelta(minutes=1)


def test_a_failed_note_of_the_last_use_never_fails_the_page(app, user_email, client, monkeypatch):
    client.login(user_email)
    _age_sign_ins(app, user_email, last_seen_at=timedelta(minutes=10))

    def locked(*_args):
        raise OperationalError("UPDATE sign_in", {}, Exception("database is locked"))

    monkeypatch.setattr(ops, "note_activity", locked)
    response = client.get("/account")
    assert response.status_code == 200 and "Your account" in response.text


def test_a_device_is_signed_out_from_the_account_page(app, user_email, client):
    client.login(user_email)
    phone = app.test_client()
    phone.login(user_email, remember="y")
    phone_cookies = _cookies(phone)
    (form,) = SIGN_OUT_FORM.findall(client.get("/account").text)
    response = client.post_form(f"/account/devices/{form}/sign-out", follow_redirects=True)
    assert "That device has been signed out." in response.text
    assert not _signed_in(phone)
    assert not _signed_in(_browser_with(app, {"remember_token": phone_cookies["remember_token"]}))
    assert _signed_in(client)
    assert SIGN_OUT_FORM.findall(response.text) == []


def test_a_device_sign_out_needs_a_post_with_a_token(app, user_email, client):
    client.login(user_email)
    phone = app.test_client()
    phone.login(user_email)
    (form,) = SIGN_OUT_FORM.findall(client.get("/account").text)
    assert client.get(f"/account/devices/{form}/sign-out").status_code == 405
    assert client.post(f"/account/devices/{form}/sign-out").status_code == 400
    assert client.post("/account/devices/sign-out-others").status_code == 400
    assert _signed_in(phone)


def test_nobody_signs_out_another_persons_device(app, user_email, people, client):
    victim = app.test_client()
    victim.login(user_email)
    (victim_sign_in,) = _sign_ins(app, user_email)
    client.login(people.member)
    response = client.post_form(f"/account/devices/{victim_sign_in.id}/sign-out")
    assert response.status_code == 404
    assert "Grace" not in response.text
    assert _signed_in(victim)
    assert client.post_form("/account/devices/999999/sign-out").status_code == 404


def test_sign_out_everywhere_else(app, user_email, client):
    client.login(user_email)
    others = [app.test_client() for _ in range(3)]
    for number, other in enumerate(others):
        other.login(user_email, remember="y" if number else "")
    remembered = _cookies(others[1])
    response = client.post_form("/account/devices/sign-out-others", follow_redirects=True)
    assert "Every other device has been signed out." in response.text
    assert "Sign out everywhere else" not in response.text  # nothing else is signed in
    assert [_signed_in(other) for other in others] == [False, False, False]
    assert not _signed_in(_browser_with(app, {"remember_token": remembered["remember_token"]}))
    assert _signed_in(client)


def test_a_password_change_ends_every_other_sign_in(app, user_email, client):
    client.login(user_email)
    phone = app.test_client()
    phone.login(user_email, remember="y")
    copied = _cookies(phone)
    response = client.post_form(
        "/account/password",
        {"current_password": factories.TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(phone)
    for cookie in copied.items():
        assert not _signed_in(_browser_with(app, dict([cookie])))


def test_a_password_reset_ends_every_sign_in(app, user_email, client, mailbox):
    laptop = app.test_client()
    laptop.login(user_email, remember="y")
    client.post_form("/forgot-password", {"email": user_email})
    (link,) = [link for link in mailbox.links() if "/reset-password/" in link]
    path = link.removeprefix("http://cohort.test")
    response = client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password has been changed and you are signed in." in response.text
    assert _signed_in(client)
    assert not _signed_in(laptop)
    assert [sign_in.ended_at for sign_in in _sign_ins(app, user_email)] == [None]


def test_a_sign_in_idle_past_the_timeout_ends(make_app, user_email):
    app = make_app(COHORT_IDLE_TIMEOUT_HOURS=12)
    client = app.test_client()
    client.login(user_email, remember="y")
    _age_sign_ins(app, user_email, last_seen_at=timedelta(hours=11, minutes=50))
    assert _signed_in(client)
    _age_sign_ins(app, user_email, last_seen_at=timedelta(hours=12, minutes=1))
    assert not _signed_in(client)
    assert client.get("/account").headers["Location"].startswith("/login")


def test_a_sign_in_in_use_still_ends_at_the_absolute_timeout(make_app, user_email):
    app = make_app(COHORT_ABSOLUTE_TIMEOUT_DAYS=30)
    client = app.test_client()
    client.login(user_email, remember="y")
    _age_sign_ins(app, user_email, created_at=timedelta(days=29, hours=23), last_seen_at=timedelta(minutes=1))
    assert _signed_in(client)
    _age_sign_ins(app, user_email, created_at=timedelta(days=30, minutes=1), last_seen_at=timedelta(minutes=1))
    assert not _signed_in(client)


def test_the_timeouts_are_settings(make_app, monkeypatch, user_email):
    monkeypatch.setenv("COHORT_IDLE_TIMEOUT_HOURS", "1")
    monkeypatch.setenv("COHORT_ABSOLUTE_TIMEOUT_DAYS", "7")
    app = make_app()
    assert app.permanent_session_lifetime == timedelta(days=7)
    client = app.test_client()
    client.login(user_email, remember="y")
    _age_sign_ins(app, user_email, last_seen_at=timedelta(minutes=61))
    assert not _signed_in(client)


@pytest.mark.parametrize("value", ["0", "-1", "twelve"])
def test_a_timeout_must_be_a_whole_number_of_one_or_more(make_app, monkeypatch, value):
    monkeypatch.setenv("COHORT_IDLE_TIMEOUT_HOURS", value)
    with pytest.raises(ValueError, match="COHORT_IDLE_TIMEOUT_HOURS"):
        make_app()


def test_the_cookies_last_no_longer_than_a_sign_in(app, user_email, client):
    response = client.login(user_email, remember="y")
    remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember).group(1))
    assert abs(expires - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    # Flask refuses a session cookie signed longer ago than this (it was 31 days).
    assert app.permanent_session_lifetime == timedelta(days=30)


def test_a_session_cookie_signed_more_than_the_absolute_timeout_ago_is_refused(app, user_email, client, monkeypatch):
    client.login(user_email)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    contents = serializer.loads(_cookies(client)["session"])
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - timedelta(days=30, minutes=1).total_seconds())
    signed_long_ago = serializer.dumps(contents)
    monkeypatch.setattr(time, "time", lambda: now - timedelta(days=29).total_seconds())
    signed_lately = serializer.dumps(contents)
    monkeypatch.undo()
    assert _signed_in(_browser_with(app, {"session": signed_lately}))
    assert not _signed_in(_browser_with(app, {"session": signed_long_ago}))
