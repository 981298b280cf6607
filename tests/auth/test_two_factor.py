"""Two-factor sign-in: setting it up with an authenticator app, the code after the password, recovery
codes, the limits on guessing, turning it off, and the setting that requires it of facilitators and
site admins. Codes are made as an authenticator app makes them (pyotp), on a clock the tests hold."""

import hashlib
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from cohort.auth import two_factor
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.models import RecoveryCode, Role, SignIn, TwoFactor, User
from cohort.policy import Refused

from .. import factories
from ..conftest import CSRF_PATTERN
from ..test_html import skipped_levels, validate

OFFICE = {"REMOTE_ADDR": "203.0.113.40"}
RECOVERY = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")
SETUP_KEY = re.compile(r'<code class="setup-key" id="setup-key">([A-Z2-7 ]+)</code>')


@pytest.fixture
def clock():
    """A clock that stands still at the start of a 30-second step until a test moves it on."""
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(seconds=now.timestamp() % 30) + timedelta(seconds=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def _code(secret: str, later: int = 0) -> str:
    """What the app shows now, or ``later`` seconds from now."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=later))


def _wrong(secret: str) -> str:
    """Six digits that are no code of this step or the steps either side."""
    near = {_code(secret, seconds) for seconds in (-30, 0, 30)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in near)


def _enrol(user: User) -> SimpleNamespace:
    """Turn two-factor sign-in on through the operations, as the app does, in the step before this
    one (so the tests' own codes of this step are unused)."""
    secret = two_factor.begin(user)
    with time_machine.travel(datetime.now(UTC) - timedelta(seconds=30), tick=False):
        recovery = two_factor.confirm(user, factories.TEST_PASSWORD, _code(secret), keep="")
    return SimpleNamespace(email=user.email, id=user.id, secret=secret, recovery=recovery)


@pytest.fixture
def people(app, clock):
    """A cohort with a facilitator and a member who has two-factor sign-in on; and a member without."""
    with app.app_context():
        cohort = factories.make_cohort()
        facilitator = factories.make_member(cohort, role=Role.FACILITATOR).user
        guarded = factories.make_member(cohort).user
        plain = factories.make_member(cohort).user
        enrolled = _enrol(guarded)
        db.session.commit()
        return SimpleNamespace(
            slug=cohort.slug, facilitator=facilitator.email, guarded=enrolled, plain=plain.email, plain_id=plain.id
        )


def _signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    return False


def _send_code(client, code: str, environ=None):
    return client.post_form("/login/code", {"code": code}, environ_base=environ or {})


def _sent_at_two_sign_ins(client, email: str, code: str):
    """The answers to ``code`` sent after the password, then again at a second sign-in."""
    client.login(email)
    first = _send_code(client, code)
    client.logout()
    client.login(email)
    return first, _send_code(client, code)


def _factor(app, user_id: int) -> TwoFactor | None:
    with app.app_context():
        return db.session.execute(select(TwoFactor).where(TwoFactor.user_id == user_id)).scalar_one_or_none()


# --- setting it up ---------------------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key_and_only_the_right_first_code_turns_it_on(app, client, people):
    client.login(people.plain)
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "Set up two-factor sign-in" in page.text and "<svg" not in page.text
    assert client.post_form("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor")
    assert '<svg viewBox="0 0' in page.text and "<script" not in page.text.split("</head>")[1]
    assert "data:" not in page.text and "img-src 'self' data:" in page.headers["Content-Security-Policy"]
    secret = SETUP_KEY.search(page.text).group(1).replace(" ", "")
    assert _factor(app, people.plain_id).secret == secret

    refused = client.post_form(
        "/account/two-factor/confirm", {"password": factories.TEST_PASSWORD, "code": _wrong(secret)}
    )
    assert refused.status_code == 422
    assert "That code is not right. Check that your app shows Cohort" in refused.text
    assert _factor(app, people.plain_id).enabled_at is None
    client.logout()
    assert client.login(people.plain).headers["Location"] == "/"  # still the password alone

    turned_on = client.post_form(
        "/account/two-factor/confirm", {"password": factories.TEST_PASSWORD, "code": _code(secret)}
    )
    assert turned_on.status_code == 200
    assert "This is the only time they are shown." in turned_on.text
    shown = RECOVERY.findall(turned_on.text)
    assert len(set(shown)) == 10
    with app.app_context():
        stored = list(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == people.plain_id)))
    assert len(stored) == 10
    assert not [code for code in shown if any(code.replace("-", "") in kept for kept in stored)]
    # Each hashed as a password is, with a salt of its own (ASVS 6.5.2: these codes are under 112 bits).
    assert all(kept.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for kept in stored)
    assert "10 recovery codes left" in client.get("/account").text


def test_a_recovery_code_kept_as_before_still_signs_in_once(app, client, people):
    """Codes made before they were hashed slowly (SHA-256 of the account and the code) still work."""
    code = "abcd-efgh-jkmn"
    with app.app_context():
        legacy = hashlib.sha256(f"{people.guarded.id}:abcdefghjkmn".encode()).hexdigest()
        db.session.add(RecoveryCode(user_id=people.guarded.id, code_hash=legacy))
        db.session.commit()
    first, again = _sent_at_two_sign_ins(client, people.guarded.email, code)
    assert first.status_code == 302
    assert again.status_code == 401 and "That recovery code has been used already" in again.text


def test_turning_it_on_asks_for_the_password_again(app, client, people):
    """Someone who finds the account signed in cannot tie it to their own phone and lock its owner out;
    wrong passwords here count against the sign-in limits."""
    client.login(people.plain)
    client.post_form("/account/two-factor/start")
    secret = _factor(app, people.plain_id).secret
    refused = client.post_form(
        "/account/two-factor/confirm", {"password": "not the password at all", "code": _code(secret)}
    )
    assert refused.status_code == 422 and "not the password at all" not in refused.text
    assert "That is not your current password." in refused.text
    assert _factor(app, people.plain_id).enabled_at is None
    missing = client.post_form("/account/two-factor/confirm", {"code": _code(secret)})
    assert missing.status_code == 422 and "Enter your password." in missing.text
    assert _factor(app, people.plain_id).enabled_at is None
    for _ in range(10):
        answer = client.post_form(
            "/account/two-factor/confirm", {"password": "wrong guess again", "code": _code(secret)}
        )
        if answer.status_code == 429:
            break
    assert answer.status_code == 429 and "Retry-After" in answer.headers
    assert _factor(app, people.plain_id).enabled_at is None


def test_turning_it_on_signs_out_every_other_device(app, people):
    here, elsewhere = app.test_client(), app.test_client()
    here.login(people.plain)
    elsewhere.login(people.plain)
    here.post_form("/account/two-factor/start")
    secret = SETUP_KEY.search(here.get("/account/two-factor").text).group(1).replace(" ", "")
    assert (
        here.post_form(
            "/account/two-factor/confirm", {"password": factories.TEST_PASSWORD, "code": _code(secret)}
        ).status_code
        == 200
    )
    assert _signed_in(here) and not _signed_in(elsewhere)


def test_starting_again_gives_a_new_key_but_never_replaces_one_in_use(app, client, people):
    client.login(people.plain)
    client.post_form("/account/two-factor/start")
    first = _factor(app, people.plain_id).secret
    client.post_form("/account/two-factor/start")
    second = _factor(app, people.plain_id).secret
    assert first != second
    with app.app_context():
        with pytest.raises(Refused, match="already on"):
            two_factor.begin(db.session.get(User, people.guarded.id))
        db.session.rollback()
    assert _factor(app, people.guarded.id).secret == people.guarded.secret


# --- signing in -----------------------------------------------------------------------------------


def test_the_password_alone_opens_nothing_and_the_code_signs_in(client, people):
    response = client.login(people.guarded.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not _signed_in(client)
    assert client.get(f"/c/{people.slug}/").status_code == 302
    page = client.get("/login/code")
    assert page.status_code == 200 and "Enter your code" in page.text

    wrong = _send_code(client, _wrong(people.guarded.secret))
    assert wrong.status_code == 401 and "That code is not right." in wrong.text
    assert not _signed_in(client)

    right = _send_code(client, _code(people.guarded.secret))
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert _signed_in(client)


def test_digits_of_another_script_are_a_wrong_code_not_an_error(client, people):
    """Six Arabic-Indic or full-width digits look like a code to a regular expression, but no app shows
    them: they are refused as a wrong code, when signing in and when setting up."""
    for typed in ("\u0661\u0662\u0663\u0664\u0665\u0666", "\uff11\uff12\uff13\uff14\uff15\uff16"):
        client.login(people.guarded.email)
        wrong = _send_code(client, typed)
        assert wrong.status_code == 401 and "That code is not right." in wrong.text
        assert typed in wrong.text  # kept in the form
        assert not _signed_in(client)
    client.login(people.plain)
    assert client.post_form("/account/two-factor/start").status_code == 302
    refused = client.post_form(
        "/account/two-factor/confirm",
        {"password": factories.TEST_PASSWORD, "code": "\u0661\u0662\u0663\u0664\u0665\u0666"},
    )
    assert refused.status_code == 422 and "That code is not right." in refused.text


def test_a_code_is_taken_once(client, people, clock):
    code = _code(people.guarded.secret)
    first, replayed = _sent_at_two_sign_ins(client, people.guarded.email, code)
    assert first.status_code == 302
    assert replayed.status_code == 401 and "That code has been used already." in replayed.text
    clock.shift(30)  # and in the next step it is no code at all
    assert _send_code(client, code).status_code == 401
    assert not _signed_in(client)
    assert _send_code(client, _code(people.guarded.secret)).status_code == 302


def test_a_code_lives_for_its_own_thirty_seconds_only(client, people, clock):
    client.login(people.guarded.email)
    for seconds in (-30, 30):
        late_or_early = _send_code(client, _code(people.guarded.secret, seconds))
        assert late_or_early.status_code == 401 and "That code is not right." in late_or_early.text
    clock.shift(28)
    assert _send_code(client, _code(people.guarded.secret)).status_code == 302


@pytest.mark.postgresql
def test_the_same_code_sent_twice_at_once_lets_one_browser_in(app, people):
    """Two browsers past the password send one code at the same moment: exactly one is signed in."""
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        browser.login(people.guarded.email)
    forms = [{"code": _code(people.guarded.secret), "csrf_token": browser.csrf_token()} for browser in browsers]
    start, answers = threading.Barrier(2), {}

    def send(index):
        start.wait()
        answers[index] = browsers[index].post("/login/code", data=forms[index]).status_code

    threads = [threading.Thread(target=send, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [302, 401]
    assert sorted(_signed_in(browser) for browser in browsers) == [False, True]


def test_a_recovery_code_signs_in_once_however_it_is_typed(client, people):
    code = people.guarded.recovery[0]
    client.login(people.guarded.email)
    assert _send_code(client, f" {code.upper().replace('-', ' ')} ").status_code == 302
    assert "9 recovery codes left" in client.get("/account").text
    client.logout()
    client.login(people.guarded.email)
    again = _send_code(client, code)
    assert again.status_code == 401 and "That recovery code has been used already" in again.text
    assert _send_code(client, "abcd-efgh-jkmn").status_code == 401
    assert not _signed_in(client)


def test_the_code_step_lasts_five_minutes_then_asks_for_the_password_again(client, people, clock):
    client.login(people.guarded.email)
    clock.shift(timedelta(minutes=5, seconds=1))
    late = _send_code(client, _code(people.guarded.secret))
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert "took more than five minutes" in client.get("/login").text
    assert not _signed_in(client)
    assert client.get("/login/code").headers["Location"] == "/login"  # nothing is held any longer


def test_without_the_password_the_code_page_opens_nothing(client, people):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert _send_code(client, _code(people.guarded.secret)).headers["Location"] == "/login"
    assert not _signed_in(client)


def test_where_the_person_was_going_and_keep_me_signed_in_survive_the_code(client, people):
    client.login(people.guarded.email, next="/notifications", remember="y")
    response = _send_code(client, _code(people.guarded.secret))
    assert response.headers["Location"] == "/notifications"
    assert client.get_cookie("remember_token", domain="cohort.test") is not None


def test_a_next_address_elsewhere_is_not_followed_after_the_code(client, people):
    client.login(people.guarded.email, next="//evil.example.org/login")
    assert _send_code(client, _code(people.guarded.secret)).headers["Location"] == "/"


def test_wrong_codes_are_limited_like_wrong_passwords_and_the_password_does_not_clear_them(client, people):
    client.login(people.guarded.email, environ_base=OFFICE)
    for _ in range(3):
        assert _send_code(client, _wrong(people.guarded.secret), OFFICE).status_code == 401
    # The right password again is no success yet: the wrong codes before it still count.
    assert client.login(people.guarded.email, environ_base=OFFICE).headers["Location"] == "/login/code"
    for _ in range(2):
        assert _send_code(client, _wrong(people.guarded.secret), OFFICE).status_code == 401
    limited = _send_code(client, _code(people.guarded.secret), OFFICE)
    assert (
        limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 15 * 60 + 1
    )  # the clock stands still
    assert "Please slow down" in limited.text
    assert not _signed_in(client)
    assert client.login(people.guarded.email, environ_base=OFFICE).status_code == 429


def test_a_right_code_clears_the_failures(client, people, clock):
    client.login(people.guarded.email, environ_base=OFFICE)
    for _ in range(4):
        _send_code(client, _wrong(people.guarded.secret), OFFICE)
    assert _send_code(client, _code(people.guarded.secret), OFFICE).status_code == 302
    client.logout()
    clock.shift(30)
    client.login(people.guarded.email, environ_base=OFFICE)
    for _ in range(4):
        assert _send_code(client, _wrong(people.guarded.secret), OFFICE).status_code == 401
    assert _send_code(client, _code(people.guarded.secret), OFFICE).status_code == 302


def test_a_password_reset_still_asks_for_the_code(app, client, people, mailbox):
    client.post_form("/forgot-password", {"email": people.guarded.email})
    (link,) = [link for link in mailbox.links() if "/reset-password/" in link]
    path = link.split("cohort.test", 1)[1]
    new_password = "a fresh and private passphrase"
    response = client.post_form(path, {"password": new_password, "confirm": new_password})
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not _signed_in(client)
    assert "Enter a code from your authenticator app to sign in" in client.get("/login/code").text
    assert _send_code(client, _code(people.guarded.secret)).status_code == 302
    assert _signed_in(client)


# --- recovery codes and turning it off ---------------------------------------------------------------


def _signed_in_with_code(client, people):
    client.login(people.guarded.email)
    assert _send_code(client, _code(people.guarded.secret)).status_code == 302


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, client, people, clock):
    _signed_in_with_code(client, people)
    refused = client.post_form("/account/two-factor/recovery-codes", {"codes-code": _wrong(people.guarded.secret)})
    assert refused.status_code == 422 and "That code is not right." in refused.text
    clock.shift(30)
    made = client.post_form("/account/two-factor/recovery-codes", {"codes-code": _code(people.guarded.secret)})
    assert made.status_code == 200
    fresh = RECOVERY.findall(made.text)
    assert len(fresh) == 10 and not set(fresh) & set(people.guarded.recovery)
    client.logout()
    client.login(people.guarded.email)
    assert _send_code(client, people.guarded.recovery[1]).status_code == 401
    assert _send_code(client, fresh[0]).status_code == 302


def test_turning_it_off_needs_the_password_and_a_code(app, client, people, clock):
    _signed_in_with_code(client, people)
    clock.shift(30)
    code = _code(people.guarded.secret)
    no_password = client.post_form("/account/two-factor/off", {"off-password": "not my password", "off-code": code})
    assert no_password.status_code == 422 and "That is not your current password." in no_password.text
    no_code = client.post_form(
        "/account/two-factor/off", {"off-password": factories.TEST_PASSWORD, "off-code": _wrong(people.guarded.secret)}
    )
    assert no_code.status_code == 422 and "That code is not right." in no_code.text
    assert _factor(app, people.guarded.id).enabled_at is not None

    off = client.post_form("/account/two-factor/off", {"off-password": factories.TEST_PASSWORD, "off-code": code})
    assert off.status_code == 302
    assert "Two-factor sign-in is off" in client.get("/account/two-factor").text
    with app.app_context():
        for model in (TwoFactor, RecoveryCode):
            count = db.session.scalar(select(func.count()).select_from(model).where(model.user_id == people.guarded.id))
            assert count == 0, model
    client.logout()
    assert client.login(people.guarded.email).headers["Location"] == "/"


def test_guessing_codes_to_turn_it_off_is_limited(client, people):
    _signed_in_with_code(client, people)
    form = {"off-password": factories.TEST_PASSWORD, "off-code": _wrong(people.guarded.secret)}
    for _ in range(5):
        assert client.post_form("/account/two-factor/off", form).status_code == 422
    form["off-code"] = people.guarded.recovery[0]
    assert client.post_form("/account/two-factor/off", form).status_code == 429
    assert "Recovery codes, or turn it off" in client.get("/account").text  # still on


def test_the_forms_act_on_the_signed_in_account_only(app, client, people):
    """A user id slipped into the forms changes nothing of another account."""
    client.login(people.plain)
    other = {"user_id": str(people.guarded.id), "user": people.guarded.email, "email": people.guarded.email}
    client.post_form("/account/two-factor/start", other)
    assert _factor(app, people.guarded.id).secret == people.guarded.secret
    secret = _factor(app, people.plain_id).secret
    client.post_form(
        "/account/two-factor/confirm",
        {**other, "password": factories.TEST_PASSWORD, "code": _code(people.guarded.secret)},
    )
    assert _factor(app, people.plain_id).enabled_at is None
    off = {**other, "off-password": factories.TEST_PASSWORD, "off-code": people.guarded.recovery[0]}
    assert client.post_form("/account/two-factor/off", off).status_code == 422
    assert _factor(app, people.guarded.id).enabled_at is not None
    assert (
        client.post_form(
            "/account/two-factor/confirm", {**other, "password": factories.TEST_PASSWORD, "code": _code(secret)}
        ).status_code
        == 200
    )
    assert _factor(app, people.guarded.id).secret == people.guarded.secret


def test_every_form_needs_its_csrf_token(client, people):
    _signed_in_with_code(client, people)
    for url in ("/account/two-factor/start", "/account/two-factor/recovery-codes", "/account/two-factor/off"):
        assert client.post(url, data={}).status_code == 400, url
    for url in ("/account/two-factor/start", "/account/two-factor/off", "/account/two-factor/confirm"):
        assert client.get(url).status_code == 405, url


# --- asked and required of facilitators and site admins ------------------------------------------------


PROMPT = "please turn on two-factor sign-in"


def test_facilitators_and_admins_are_asked_calmly_and_members_are_not(app, people):
    with app.app_context():
        admin = factories.make_user(admin=True)
        db.session.commit()
        admin_email = admin.email
    for email, asked in ((people.facilitator, True), (admin_email, True), (people.plain, False)):
        client = app.test_client()
        client.login(email)
        for page in ("/", "/account"):
            response = client.get(page)
            assert response.status_code == 200 and (PROMPT in response.text) is asked, (email, page)


def test_once_on_the_facilitator_is_no_longer_asked(app, client, people):
    with app.app_context():
        enrolled = _enrol(cohort_ops.find_user(people.facilitator))
        db.session.commit()
    client.login(people.facilitator)
    assert _send_code(client, _code(enrolled.secret)).status_code == 302
    for page in ("/", "/account"):
        response = client.get(page)
        assert response.status_code == 200 and PROMPT not in response.text


def _post_while_confined(client, url: str, data: dict | None = None):
    """Send a form with the CSRF token of the one page a confined person can open."""
    token = CSRF_PATTERN.search(client.get("/account/two-factor").text).group(1)
    return client.post(url, data={**(data or {}), "csrf_token": token})


def test_required_of_facilitators_it_confines_one_without_it_to_setting_it_up(make_app, people):
    app = make_app(COHORT_REQUIRE_2FA_FOR="facilitators")
    client = app.test_client()
    assert client.login(people.facilitator).headers["Location"] == "/"
    for page in ("/", "/account", f"/c/{people.slug}/", "/notifications", "/account/my-data.json"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", page
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "This site requires two-factor sign-in of your account" in page.text
    renamed = _post_while_confined(client, "/account", {"name": "Someone Else", "timezone": "UTC"})
    assert renamed.headers["Location"] == "/account/two-factor"
    with app.app_context():
        assert cohort_ops.find_user(people.facilitator).name != "Someone Else"

    _post_while_confined(client, "/account/two-factor/start")
    secret = SETUP_KEY.search(client.get("/account/two-factor").text).group(1).replace(" ", "")
    assert (
        _post_while_confined(
            client, "/account/two-factor/confirm", {"password": factories.TEST_PASSWORD, "code": _code(secret)}
        ).status_code
        == 200
    )
    assert client.get(f"/c/{people.slug}/").status_code == 200

    member = app.test_client()
    member.login(people.plain)
    assert member.get(f"/c/{people.slug}/").status_code == 200  # members are not required


def test_signing_out_still_works_while_confined(make_app, people):
    app = make_app(COHORT_REQUIRE_2FA_FOR="facilitators, admins")
    client = app.test_client()
    client.login(people.facilitator)
    assert _post_while_confined(client, "/logout").headers["Location"] == "/login"
    assert not _signed_in(client)


def test_required_of_admins_it_confines_a_site_admin_and_not_a_facilitator(make_app, people):
    app = make_app(COHORT_REQUIRE_2FA_FOR="admins")
    with app.app_context():
        admin = factories.make_user(admin=True)
        db.session.commit()
        admin_email = admin.email
    admin_client, facilitator_client = app.test_client(), app.test_client()
    admin_client.login(admin_email)
    facilitator_client.login(people.facilitator)
    assert admin_client.get("/admin/people").headers["Location"] == "/account/two-factor"
    assert facilitator_client.get(f"/c/{people.slug}/").status_code == 200


def test_required_of_everyone_it_confines_a_plain_member_until_it_is_on(make_app, people):
    app = make_app(COHORT_REQUIRE_2FA_FOR="everyone")
    member = app.test_client()
    member.login(people.plain)
    assert member.get(f"/c/{people.slug}/").headers["Location"] == "/account/two-factor"
    page = member.get("/account/two-factor")
    assert page.status_code == 200 and "This site requires two-factor sign-in of your account" in page.text
    enrolled = app.test_client()
    enrolled.login(people.guarded.email)
    assert _send_code(enrolled, _code(people.guarded.secret)).status_code == 302
    assert enrolled.get(f"/c/{people.slug}/").status_code == 200


def test_an_unknown_group_in_the_setting_stops_the_app(make_app):
    with pytest.raises(ValueError, match="COHORT_REQUIRE_2FA_FOR names members"):
        make_app(COHORT_REQUIRE_2FA_FOR="facilitators,members")


# --- personal data --------------------------------------------------------------------------------------


def test_the_export_says_it_is_on_and_holds_no_secret_or_code(client, people):
    _signed_in_with_code(client, people)
    response = client.get("/account/my-data.json")
    assert response.json["account"]["two_factor"] == {
        "on": True,
        "since": response.json["account"]["two_factor"]["since"],
        "recovery_codes_left": 10,
    }
    assert response.json["account"]["two_factor"]["since"]
    assert people.guarded.secret not in response.text
    for code in people.guarded.recovery:
        assert code not in response.text and code.replace("-", "") not in response.text


def test_deleting_the_account_deletes_its_secret_and_codes(app, client, people):
    _signed_in_with_code(client, people)
    response = client.post_form(
        "/account/delete", {"words": "keep", "password": factories.TEST_PASSWORD, "confirm": "delete"}
    )
    assert response.status_code == 302
    with app.app_context():
        for model in (TwoFactor, RecoveryCode, SignIn):
            count = db.session.scalar(select(func.count()).select_from(model).where(model.user_id == people.guarded.id))
            assert count == 0, model


def test_the_command_line_turns_it_off_for_someone_who_lost_everything(app, runner, people):
    result = runner.invoke(args=["turn-off-two-factor", people.guarded.email])
    assert result.exit_code == 0 and "Two-factor sign-in is off" in result.output
    assert _factor(app, people.guarded.id) is None
    again = runner.invoke(args=["turn-off-two-factor", people.guarded.email])
    assert again.exit_code == 1 and "is not on" in again.output
    assert runner.invoke(args=["turn-off-two-factor", "nobody@nowhere.example.org"]).exit_code == 1


def test_an_empty_code_is_refused_with_what_is_missing(client, people):
    client.login(people.guarded.email)
    response = _send_code(client, "")
    assert response.status_code == 422 and "Enter the 6-digit code your app shows" in response.text
    assert CSRF_PATTERN.search(response.text)


def test_the_pages_of_two_factor_sign_in_that_the_page_walk_cannot_reach_are_valid_html(client, people, tmp_path):
    """The walk of tests/pages.py sees set-up and the code page; these are what comes after: the page
    while it is on, with a refused form, and the recovery codes shown once."""
    if shutil.which("java") is None:
        pytest.skip("Java not found, which the Nu Html Checker needs (apt-get install default-jre-headless)")
    _signed_in_with_code(client, people)
    pages = {
        "on": client.get("/account/two-factor").text,
        "refused": client.post_form("/account/two-factor/off", {"off-password": "wrong", "off-code": "1"}).text,
    }
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=30), tick=False):
        made = client.post_form("/account/two-factor/recovery-codes", {"codes-code": _code(people.guarded.secret)})
    assert made.status_code == 200
    pages["recovery-codes"] = made.text
    assert validate(pages, tmp_path) == {}
    assert {name: skips for name, html in pages.items() if (skips := skipped_levels(html))} == {}
