"""Forgotten passwords, reset links and changing a password."""

import pytest

from cohort.extensions import db

from .. import factories

NEW_PASSWORD = "a much better passphrase"


@pytest.fixture
def user_email(app):
    with app.app_context():
        user = factories.make_user(email="amara.osei@riverside.example.org")
        db.session.commit()
        return user.email


def _request_reset(client, mailbox, email):
    response = client.post_form("/forgot-password", {"email": email})
    assert response.status_code == 302
    return mailbox.links()


def _path(link: str) -> str:
    return link.split("cohort.test", 1)[1]


def test_reset_link_is_mailed_and_sets_a_new_password(client, mailbox, user_email):
    links = _request_reset(client, mailbox, user_email.upper())
    assert len(links) == 1
    assert mailbox.messages[0]["to"] == user_email
    reset_path = _path(links[0])

    page = client.get(reset_path)
    assert page.status_code == 200 and user_email in page.text
    response = client.post_form(reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.logout()
    assert client.login(user_email, factories.TEST_PASSWORD).status_code == 401
    assert client.login(user_email, NEW_PASSWORD).status_code == 302


def test_reset_link_works_only_once(client, mailbox, user_email):
    reset_path = _path(_request_reset(client, mailbox, user_email)[0])
    client.post_form(reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(reset_path)
    assert again.status_code == 404
    assert "already been used" in again.text


def test_expired_reset_link_says_so(make_app, mailbox, user_email):
    client = make_app(COHORT_PASSWORD_RESET_MAX_AGE=-1).test_client()
    reset_path = _path(_request_reset(client, mailbox, user_email)[0])
    response = client.get(reset_path)
    assert response.status_code == 410
    assert "This link has expired" in response.text


def test_tampered_reset_link_is_refused(client, mailbox, user_email):
    reset_path = _path(_request_reset(client, mailbox, user_email)[0])
    tampered = reset_path[:-3] + ("AAA" if not reset_path.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 404
    assert "not valid" in response.text


def test_unknown_address_gets_the_same_answer_and_no_mail(client, mailbox):
    response = client.post_form("/forgot-password", {"email": "stranger@elsewhere.example.org"}, follow_redirects=True)
    assert "If an account uses that address" in response.text
    assert mailbox.messages == []


def test_mismatched_new_passwords_keep_the_form(client, mailbox, user_email):
    reset_path = _path(_request_reset(client, mailbox, user_email)[0])
    response = client.post_form(reset_path, {"password": NEW_PASSWORD, "confirm": "something else entirely"})
    assert response.status_code == 422
    assert "The two passwords differ." in response.text


def test_change_password_signs_out_other_devices(app, user_email):
    laptop, phone = app.test_client(), app.test_client()
    laptop.login(user_email)
    phone.login(user_email, remember="y")
    response = laptop.post_form(
        "/account/password",
        {"current_password": factories.TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").headers["Location"].startswith("/login")


def test_change_password_needs_the_current_one(app, client, user_email):
    phone = app.test_client()
    phone.login(user_email)
    client.login(user_email)
    response = client.post_form(
        "/account/password",
        {"current_password": "wrong current one", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 422
    # Beside the field it is about, and nothing changed: the old password works, no device signed out.
    assert '<p class="error" id="current_password-error">That is not your current password.</p>' in response.text
    assert phone.get("/account").status_code == 200
    assert app.test_client().login(user_email).status_code == 302
    assert app.test_client().login(user_email, NEW_PASSWORD).status_code == 401


def test_short_password_is_refused_with_a_reason(client, user_email):
    client.login(user_email)
    response = client.post_form(
        "/account/password",
        {"current_password": factories.TEST_PASSWORD, "password": "short", "confirm": "short"},
    )
    assert response.status_code == 422
    assert "Use between 12 and 128 characters." in response.text


def test_a_reset_proves_the_address_of_an_unconfirmed_account(app, client, mailbox):
    with app.app_context():
        factories.make_user(email="pending@trust.example.org", email_confirmed_at=None)
        db.session.commit()
    assert client.login("pending@trust.example.org").status_code == 403
    reset = [
        link for link in _request_reset(client, mailbox, "pending@trust.example.org") if "/reset-password/" in link
    ]
    client.post_form(_path(reset[0]), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.logout()
    assert client.login("pending@trust.example.org", NEW_PASSWORD).status_code == 302
