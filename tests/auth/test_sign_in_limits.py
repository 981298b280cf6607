"""Limits on failed sign-ins, counted in the database; the same answer for an unknown address; and
which passwords may be chosen."""

import statistics
import time

import pytest
from werkzeug.security import generate_password_hash

from cohort.auth import passwords
from cohort.extensions import db
from cohort.models import SignInAttempt, User
from cohort.tokens import password_reset_token

from .. import factories
from ..conftest import CSRF_PATTERN

OFFICE = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def emails(app):
    with app.app_context():
        users = [factories.make_user(email=f"colleague{n}@northbridge.example.org") for n in range(3)]
        db.session.commit()
        return [user.email for user in users]


def _fail(client, email, times, environ=OFFICE):
    for attempt in range(times):
        assert client.login(email, f"wrong guess {attempt}", environ_base=environ).status_code == 401


def test_a_limited_pair_answers_429_even_to_the_right_password(client, emails):
    _fail(client, emails[0], 5)
    for password in ("wrong guess again", factories.TEST_PASSWORD):
        response = client.login(emails[0], password, environ_base=OFFICE)
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
        assert "Please slow down" in response.text and "Traceback" not in response.text
    assert client.get("/").status_code == 302  # not signed in


def test_a_colleague_at_the_same_address_still_signs_in(app, client, emails):
    _fail(client, emails[0], 5)
    assert app.test_client().login(emails[1], environ_base=OFFICE).status_code == 302


def test_a_success_clears_the_pairs_failures(client, emails):
    _fail(client, emails[0], 4)
    assert client.login(emails[0], environ_base=OFFICE).status_code == 302
    client.logout()
    _fail(client, emails[0], 4)


def test_the_account_is_limited_across_many_addresses(make_app, emails):
    app = make_app(COHORT_SIGN_IN_ACCOUNT_LIMIT=8)
    for n in range(8):
        assert (
            app.test_client().login(emails[0], "wrong", environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
            == 401
        )
    fresh = {"REMOTE_ADDR": "192.0.2.77"}
    assert app.test_client().login(emails[0], environ_base=fresh).status_code == 429
    assert app.test_client().login(emails[1], environ_base=fresh).status_code == 302


def test_the_address_is_limited_higher_over_every_account(make_app, emails):
    app = make_app(COHORT_SIGN_IN_ADDRESS_LIMIT=12)
    client = app.test_client()
    for n in range(12):
        assert client.login(f"guess{n}@northbridge.example.org", "wrong", environ_base=OFFICE).status_code == 401
    assert app.test_client().login(emails[1], environ_base=OFFICE).status_code == 429
    assert app.test_client().login(emails[1], environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 302


def test_the_limit_holds_across_two_apps_on_one_database(make_app, emails):
    first, second = make_app(), make_app()
    for attempt in range(5):
        app = first if attempt % 2 else second
        assert app.test_client().login(emails[0], "wrong", environ_base=OFFICE).status_code == 401
    assert first.test_client().login(emails[0], environ_base=OFFICE).status_code == 429
    assert second.test_client().login(emails[0], environ_base=OFFICE).status_code == 429
    with first.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(SignInAttempt)).scalar_one() == 5


def test_a_wrong_current_password_counts_towards_the_limit(client, emails):
    client.login(emails[0])
    for _ in range(5):
        response = client.post_form(
            "/account/password",
            {
                "current_password": "wrong",
                "password": "a much better passphrase",
                "confirm": "a much better passphrase",
            },
        )
        assert response.status_code == 422
    response = client.post_form(
        "/account/password",
        {
            "current_password": factories.TEST_PASSWORD,
            "password": "a much better passphrase",
            "confirm": "a much better passphrase",
        },
    )
    assert response.status_code == 429 and "Retry-After" in response.headers


@pytest.mark.parametrize("kept_as", ["argon2id", "an older hash on one account"])
def test_an_unknown_address_gets_the_same_answer_after_the_same_work(app, emails, kept_as):
    """Whichever hash an account still holds: one kept by werkzeug's scrypt costs four times an
    Argon2id one, and until its owner signs in again every check does that work too."""

    def timed(email):
        client = app.test_client()
        token = client.csrf_token()
        started = time.perf_counter()
        response = client.post("/login", data={"email": email, "password": "wrong guess", "csrf_token": token})
        return time.perf_counter() - started, response

    with app.app_context():
        # Factories hash cheaply for speed; here the accounts hold hashes made as a real sign-up makes them.
        for user in db.session.execute(db.select(User)).scalars():
            user.set_password(factories.TEST_PASSWORD)
        if kept_as != "argon2id":
            older = db.session.execute(db.select(User).filter_by(email=emails[0])).scalar_one()
            older.password_hash = generate_password_hash(factories.TEST_PASSWORD, method="scrypt")
        db.session.commit()
        started = time.perf_counter()
        passwords.matches(None, "wrong guess")
        hash_cost = time.perf_counter() - started
    unknown = [timed(f"nobody{n}@northbridge.example.org") for n in range(4)]
    # The older account and the others alike: wrong guesses change no hash.
    known = [timed(emails[n % 3]) for n in range(6)]
    unknown_median = statistics.median(seconds for seconds, _ in unknown)
    assert unknown_median > hash_cost / 2
    for n in range(3):  # each account on its own: the older one must not stand out
        known_median = statistics.median(seconds for seconds, _ in known[n::3])
        assert max(unknown_median, known_median) / min(unknown_median, known_median) < 2, emails[n]
    bodies = {
        CSRF_PATTERN.sub("", response.get_data(as_text=True).replace(email, ""))
        for email, (_, response) in zip(
            [f"nobody{n}@northbridge.example.org" for n in range(4)] + [emails[n % 3] for n in range(6)],
            unknown + known,
            strict=True,
        )
    }
    assert len(bodies) == 1
    assert all(response.status_code == 401 for _, response in unknown + known)


@pytest.mark.parametrize(
    "common", ["123456789012", "QwertyUiopAsdf", "password1234", "1qaz2wsx3edc", "MonkeyMonkey", "Password2026"]
)
def test_a_common_password_is_refused_and_the_form_kept(client, emails, common):
    client.login(emails[0])
    response = client.post_form(
        "/account/password", {"current_password": factories.TEST_PASSWORD, "password": common, "confirm": common}
    )
    assert response.status_code == 422
    assert "one of the most common" in response.text
    client.logout()
    assert client.login(emails[0], common).status_code == 401


def test_every_shipped_common_password_is_long_enough_to_be_allowed_otherwise():
    assert all(len(entry) >= 12 for entry in passwords.COMMON)


def test_the_commonest_long_passwords_are_refused_as_typed_and_a_rare_one_is_not():
    """The leaked lists' commonest passwords that meet the length rule: keyboard walks, doubled
    words, words with digits, each tried as typed."""
    walks = ["1qaz2wsx3edc4rfv"[:length] for length in range(12, 17)] + ["qwertyuiopasdfgh"[:12]]
    words = ["password", "iloveyou", "princess", "sunshine", "football", "baseball", "superman"]
    padded = [word + digits for word in words for digits in ("1234", "12345", "123456")]
    doubled = [word + word for word in words]
    common = walks + padded + doubled
    assert all(passwords.is_common(password) for password in common), [
        password for password in common if not passwords.is_common(password)
    ]
    assert not passwords.is_common("quiet larch over the harbour")
    assert not passwords.is_common(factories.TEST_PASSWORD)


def test_passwords_are_never_truncated(app):
    long = "x" * 72
    with app.app_context():
        user = factories.make_user()
        user.set_password(long + "first ending")
        assert user.check_password(long + "first ending")
        assert not user.check_password(long + "other ending")
        assert not user.check_password(long)


def test_passwords_are_kept_as_argon2id_and_an_older_hash_is_replaced_at_sign_in(app, client):
    with app.app_context():
        chosen = factories.make_user()
        chosen.set_password("quiet larch over the harbour")
        older = factories.make_user()
        older.password_hash = generate_password_hash(factories.TEST_PASSWORD, method="scrypt")
        db.session.commit()
        assert chosen.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        emails, older_id = (chosen.email, older.email), older.id
    assert client.login(emails[0], "quiet larch over the harbour").status_code == 302
    client.logout()
    assert client.login(emails[1], "not the password at all").status_code == 401
    with app.app_context():
        assert db.session.get(User, older_id).password_hash.startswith("scrypt:")  # a wrong one changes nothing
    assert client.login(emails[1]).status_code == 302
    with app.app_context():
        renewed = db.session.get(User, older_id)
        assert renewed.password_hash.startswith("$argon2id$")
        assert renewed.check_password(factories.TEST_PASSWORD)


@pytest.fixture
def sarah(app):
    with app.app_context():
        user = factories.make_user(name="Sarah Okafor", email="s.okafor@harbourview.example.org")
        db.session.commit()
        return user.email


@pytest.mark.parametrize(
    "password", ["my long COHORT passphrase", "okafor by the long harbour", "s.okafor at the long harbour"]
)
def test_a_new_password_holding_the_site_or_the_persons_name_or_address_is_refused_and_kept(client, sarah, password):
    client.login(sarah)
    response = client.post_form(
        "/account/password", {"current_password": factories.TEST_PASSWORD, "password": password, "confirm": password}
    )
    assert response.status_code == 422
    assert "Leave out your name, your email address and the site&#39;s name" in response.text
    client.logout()
    assert client.login(sarah, password).status_code == 401


def test_a_reset_link_refuses_a_password_holding_its_accounts_name(app, sarah):
    with app.test_request_context():
        user = db.session.execute(db.select(User).filter_by(email=sarah)).scalar_one()
        link = f"/reset-password/{password_reset_token(user)}"
    visitor = app.test_client()
    refused = visitor.post_form(link, {"password": "Sarah's long harbour walk", "confirm": "Sarah's long harbour walk"})
    assert refused.status_code == 422 and "Leave out your name" in refused.text
    accepted = visitor.post_form(
        link, {"password": "quiet larch over the water", "confirm": "quiet larch over the water"}
    )
    assert accepted.status_code == 302
