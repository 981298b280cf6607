"""Signing in and out, the open-redirect guard, CSRF and the login rate limit."""

import pytest

from cohort.extensions import db

from .. import factories


@pytest.fixture
def user_email(app):
    with app.app_context():
        user = factories.make_user(email="helen.carter@northbridge.example.org", name="Helen Carter")
        db.session.commit()
        return user.email


def test_login_page_has_labelled_fields(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<label for="email">Email</label>' in page.text
    assert '<label for="password">Password</label>' in page.text


def test_sign_in_with_any_letter_case_and_out(client, user_email):
    response = client.login(user_email.upper())
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Welcome, Helen Carter" in client.get("/").text

    assert client.get("/logout").status_code == 200  # a confirmation, not a sign-out
    assert client.get("/").status_code == 200
    response = client.logout()
    assert response.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_wrong_password_keeps_the_email_and_says_so(client, user_email):
    response = client.login(user_email, "not the password at all")
    assert response.status_code == 401
    assert "That email and password do not match" in response.text
    assert f'value="{user_email}"' in response.text
    assert "not the password at all" not in response.text


def test_unknown_email_gets_the_same_answer(client):
    response = client.login("nobody@nowhere.example.org", "whatever password")
    assert response.status_code == 401
    assert "That email and password do not match" in response.text


def test_empty_form_gets_clear_messages(client):
    response = client.post_form("/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_remember_me_sets_a_lasting_http_only_cookie(client, user_email):
    response = client.login(user_email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(cookie for cookie in cookies if cookie.startswith("remember_token="))
    assert "HttpOnly" in remember and "Expires=" in remember and "SameSite=Lax" in remember


def test_session_cookie_is_http_only_and_same_site(client, user_email):
    response = client.login(user_email)
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie


def test_cookies_are_secure_when_configured(make_app, monkeypatch, user_email):
    monkeypatch.setenv("COHORT_SECURE_COOKIES", "1")
    client = make_app().test_client()
    response = client.login(user_email, remember="y")
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie, cookie


@pytest.mark.parametrize("target", ["/account", "/c/some-cohort/members?x=1"])
def test_next_goes_to_a_same_site_path(client, user_email, target):
    response = client.login(user_email, next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "\\\\evil.example.com",
        "javascript:alert(1)",
        "http:/evil.example.com",
        "/\r\nLocation: https://evil.example.com",
        "evil.example.com",
    ],
)
def test_next_never_leaves_the_site(client, user_email, target):
    response = client.login(user_email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_form_carries_next_through(client):
    page = client.get("/login?next=/account")
    assert 'name="next" type="hidden" value="/account"' in page.text


def test_post_without_csrf_token_is_refused(client, user_email):
    response = client.post("/login", data={"email": user_email, "password": factories.TEST_PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert client.get("/").status_code == 302  # not signed in


def test_post_with_forged_csrf_token_is_refused(client, user_email):
    response = client.post(
        "/login", data={"email": user_email, "password": factories.TEST_PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_sixth_failed_attempt_for_one_account_is_limited(client, user_email):
    for attempt in range(5):
        assert client.login(user_email, f"wrong password {attempt}").status_code == 401
    response = client.login(user_email, "wrong password 6")
    assert response.status_code == 429
    assert "Please slow down" in response.text
    assert "Traceback" not in response.text
    # Even the right password waits until the window is over.
    assert client.login(user_email).status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, user_email):
    for _ in range(12):
        assert client.login(user_email).status_code == 302
        client.logout()


def test_limit_is_per_address(make_app, user_email):
    app = make_app()
    attacker = app.test_client()
    for attempt in range(5):
        attacker.post_form(
            "/login",
            {"email": user_email, "password": f"wrong {attempt}"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    assert attacker.login(user_email, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429
    honest = app.test_client()
    response = honest.login(user_email, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert response.status_code == 302
