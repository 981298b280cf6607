"""A site admin suspends an account: it leaves every cohort, every sign-in ends (remember-me too), and
it cannot sign in again until reinstated."""

import re

import pytest

from cohort.extensions import db
from cohort.models import AuditEntry, Membership, User
from cohort.tokens import password_reset_token

from . import factories


@pytest.fixture
def admin_email(app):
    with app.app_context():
        admin = factories.make_user(admin=True, name="Ada Sitewright")
        db.session.commit()
        return admin.email


def _user(app, email: str) -> User:
    with app.app_context():
        return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def _signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _act(client, action: str, user_id: int, **data):
    return client.post_form(f"/admin/people/{user_id}/{action}", data)


def test_a_suspended_member_is_signed_out_everywhere_and_out_of_every_cohort(app, client, admin_email, people):
    member = _user(app, people.member)
    phone, laptop = app.test_client(), app.test_client()
    phone.login(people.member, remember="y")
    laptop.login(people.member)
    remembered = phone.get_cookie("remember_token", domain="cohort.test").value
    assert _signed_in(phone) and _signed_in(laptop)

    client.login(admin_email)
    response = _act(client, "suspend", member.id)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/people"
    page = client.get("/admin/people")
    assert f"{member.name} is suspended" in page.text
    assert "Reinstate" in page.text

    assert not _signed_in(phone) and not _signed_in(laptop)
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered, domain="cohort.test")
    assert not _signed_in(thief)
    refused = app.test_client().login(people.member)
    assert refused.status_code == 403 and "This account is suspended" in refused.text
    with app.app_context():
        assert db.session.execute(db.select(Membership).filter_by(user_id=member.id)).first() is None
        actions = {entry.action for entry in db.session.execute(db.select(AuditEntry)).scalars()}
    assert {"account_suspended", "member_suspended"} <= actions
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    assert "Suspended from the site" in facilitator.get(f"/c/{people.slug}/audit").text


def test_a_reinstated_account_signs_in_again_and_is_invited_back_like_anyone(app, client, admin_email, people):
    member = _user(app, people.member)
    client.login(admin_email)
    _act(client, "suspend", member.id)
    assert _act(client, "reinstate", member.id).status_code == 302
    assert "can sign in again" in client.get("/admin/people").text
    again = app.test_client()
    assert again.login(people.member).status_code == 302
    assert again.get(f"/c/{people.slug}/members").status_code == 404


def test_a_suspended_account_cannot_come_back_through_a_reset_link(app, client, admin_email, people):
    member = _user(app, people.member)
    client.login(admin_email)
    _act(client, "suspend", member.id)
    with app.test_request_context():
        link = f"/reset-password/{password_reset_token(_user(app, people.member))}"
    stranger = app.test_client()
    response = stranger.post_form(link, {"password": "a long new passphrase", "confirm": "a long new passphrase"})
    assert response.status_code == 422 and "This account is suspended" in response.text
    assert not _signed_in(stranger)
    assert app.test_client().login(people.member, "a long new passphrase").status_code == 401


def test_the_last_facilitator_of_a_cohort_is_not_suspended_until_another_is_named(app, client, admin_email, people):
    facilitator = _user(app, people.facilitator)
    client.login(admin_email)
    _act(client, "suspend", facilitator.id)
    page = client.get("/admin/people").text
    assert "is the last facilitator of" in page and "name another facilitator there first" in page
    assert app.test_client().login(people.facilitator).status_code == 302
    with app.app_context():
        assert db.session.get(User, facilitator.id).suspended_at is None
        assert db.session.get(Membership, people.facilitator_membership) is not None
        assert db.session.execute(db.select(AuditEntry)).first() is None


def test_an_admin_cannot_suspend_themselves_and_members_cannot_suspend_anyone(app, client, admin_email, people):
    admin = _user(app, admin_email)
    client.login(admin_email)
    page = client.get("/admin/people").text
    assert f'aria-label="Suspend {admin.name}"' not in page
    assert f'aria-label="Suspend {_user(app, people.member).name}"' in page
    assert _act(client, "suspend", admin.id).status_code == 403
    member = app.test_client()
    member.login(people.member)
    assert member.get("/admin/people").status_code == 403
    assert _act(member, "suspend", _user(app, people.outsider).id).status_code == 403
    assert app.test_client().login(people.outsider).status_code == 302
    assert _act(client, "suspend", 999_999).status_code == 404


def test_people_are_found_by_name_or_address_and_wildcards_are_text(app, client, admin_email, people):
    with app.app_context():
        factories.make_user(name="Percy 100% Certain", email="percy@certain.example.org")
        factories.make_user(name="Peggy 1000 Ways", email="peggy@ways.example.org")
        db.session.commit()
    client.login(admin_email)
    found = client.get("/admin/people", query_string={"q": "100%"}).text
    assert "Percy 100% Certain" in found and "Peggy 1000 Ways" not in found
    by_address = client.get("/admin/people", query_string={"q": "WAYS.example"}).text
    assert "Peggy 1000 Ways" in by_address and "Percy" not in by_address
    nobody = client.get("/admin/people", query_string={"q": "_"}).text
    assert "No account matches" in nobody
    assert re.search(r'value="_"', nobody)


def test_an_admin_signs_one_account_out_everywhere_and_it_may_sign_in_again(app, client, admin_email, people):
    member = _user(app, people.member)
    phone, laptop, other = app.test_client(), app.test_client(), app.test_client()
    phone.login(people.member, remember="y")
    laptop.login(people.member)
    other.login(people.facilitator)
    remembered = phone.get_cookie("remember_token", domain="cohort.test").value
    client.login(admin_email)
    assert f'aria-label="Sign {member.name} out everywhere"' in client.get("/admin/people").text
    assert _act(client, "sign-out", member.id).status_code == 302
    assert f"{member.name} is signed out everywhere" in client.get("/admin/people").text
    assert not _signed_in(phone) and not _signed_in(laptop)
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered, domain="cohort.test")
    assert not _signed_in(thief)
    assert _signed_in(other) and _signed_in(client)
    assert app.test_client().login(people.member).status_code == 302
    with app.app_context():
        entry = db.session.execute(db.select(AuditEntry).filter_by(action="sign_ins_ended")).scalar_one()
        assert entry.subject_id == member.id and entry.cohort_id is None


def test_an_admin_signs_everyone_else_out_and_stays_signed_in(app, client, admin_email, people):
    browsers = {email: app.test_client() for email in (people.member, people.facilitator, people.outsider)}
    for email, browser in browsers.items():
        browser.login(email, remember="y")
    client.login(admin_email)
    other_tab_of_admin = app.test_client()
    other_tab_of_admin.login(admin_email)
    response = client.post_form("/admin/people/sign-out")
    assert response.status_code == 302
    assert "Everyone else is signed out everywhere (4 sign-ins ended)." in client.get("/admin/people").text
    assert _signed_in(client)
    assert not any(_signed_in(browser) for browser in (*browsers.values(), other_tab_of_admin))
    with app.app_context():
        assert db.session.execute(db.select(AuditEntry).filter_by(action="sign_ins_ended_everyone")).scalar_one()


def test_only_an_admin_signs_others_out_and_never_by_get(app, client, admin_email, people):
    admin, member = _user(app, admin_email), _user(app, people.member)
    signed_in = app.test_client()
    signed_in.login(people.outsider)
    member_browser = app.test_client()
    member_browser.login(people.member)
    assert _act(member_browser, "sign-out", _user(app, people.outsider).id).status_code == 403
    assert member_browser.post_form("/admin/people/sign-out").status_code == 403
    assert _signed_in(signed_in)
    client.login(admin_email)
    assert f'aria-label="Sign {admin.name} out everywhere"' not in client.get("/admin/people").text
    assert _act(client, "sign-out", admin.id).status_code == 403
    assert _signed_in(client)
    assert client.get(f"/admin/people/{member.id}/sign-out").status_code == 405
    assert client.get("/admin/people/sign-out").status_code == 405
    assert _signed_in(member_browser)
