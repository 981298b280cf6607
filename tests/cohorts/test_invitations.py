"""Invitations: by email and by shareable link, and joining through them."""

import re
from datetime import timedelta

import pytest

from cohort import policy
from cohort.cohorts import letters, ops
from cohort.extensions import db
from cohort.models import Cohort, Invitation, Membership, User, utcnow

from .. import factories

NEW_PERSON = {
    "name": "Grace Adeyemi",
    "organisation": "Lakeside University Hospitals",
    "job_title": "Chief Executive",
    "timezone": "America/New_York",
    "password": "a long and careful passphrase",
    "confirm": "a long and careful passphrase",
}


def _path(link: str) -> str:
    return link.split("cohort.test", 1)[1]


def _link_invitation(app, people, **overrides) -> str:
    """A shareable link of the people's cohort, as a path."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        facilitator = ops.find_user(people.facilitator)
        invitation = ops.create_invitation_link(
            factories.member_of(facilitator, cohort),
            expires_at=overrides.get("expires_at", utcnow() + timedelta(days=7)),
            max_uses=overrides.get("max_uses", 3),
        )
        db.session.commit()
        return _path(letters.invitation_url(invitation))


def test_facilitator_invites_several_people_by_email(app, people, client, mailbox):
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/invitations/email",
        {"emails": "a.one@trust.example.org, B.Two@trust.example.org\na.one@trust.example.org", "role": "member"},
        follow_redirects=True,
    )
    assert "Sent 2 invitations." in response.text
    assert [message["to"] for message in mailbox.messages] == ["a.one@trust.example.org", "b.two@trust.example.org"]
    assert all("/invite/" in message["body"] for message in mailbox.messages)
    page = client.get(f"/c/{people.slug}/invitations")
    assert "a.one@trust.example.org" in page.text and "b.two@trust.example.org" in page.text
    assert page.text.count("not yet accepted") == 2


def test_bad_addresses_are_named_and_the_text_kept(people, client, mailbox):
    client.login(people.facilitator)
    typed = "good@trust.example.org, not-an-address, also@bad@example"
    response = client.post_form(f"/c/{people.slug}/invitations/email", {"emails": typed, "role": "member"})
    assert response.status_code == 422
    assert "These do not look like email addresses: not-an-address, also@bad@example" in response.text
    assert typed in response.text
    assert mailbox.messages == []


def test_new_person_joins_by_emailed_invitation(app, people, client, mailbox):
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(
        f"/c/{people.slug}/invitations/email", {"emails": "grace@lakeside.example.org", "role": "member"}
    )
    invite_path = _path(mailbox.links()[0])

    page = client.get(invite_path)
    assert page.status_code == 200
    assert 'value="grace@lakeside.example.org"' in page.text and "readonly" in page.text
    assert "data-detect-timezone" in page.text
    with app.app_context():
        inviter = ops.find_user(people.facilitator).name
    assert f"{inviter} invites you to join" in page.text and "you will read the cohort’s charter" in page.text

    # The address is fixed by the invitation, whatever the form says.
    response = client.post_form(invite_path, {**NEW_PERSON, "email": "someone.else@example.org"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{people.slug}/charter"
    with app.app_context():
        user = ops.find_user("grace@lakeside.example.org")
        assert user.timezone == "America/New_York"
        assert user.organisation == "Lakeside University Hospitals"
        assert ops.find_user("someone.else@example.org") is None
    # Used once: the emailed link is spent.
    assert app.test_client().get(invite_path).status_code == 410


def test_link_sign_up_confirms_the_address_then_meets_the_charter(app, people, client, mailbox):
    invite_path = _link_invitation(app, people)
    sent = client.post_form(invite_path, {**NEW_PERSON, "email": "grace@lakeside.example.org"})
    assert sent.status_code == 200 and "confirm your address" in sent.text
    assert client.get(f"/c/{people.slug}/members").headers["Location"].startswith("/login")
    refused = client.login("grace@lakeside.example.org", NEW_PERSON["password"])
    assert refused.status_code == 403 and "Please confirm your address first" in refused.text
    confirmations = [link for link in mailbox.links() if "/confirm-email/" in link]
    assert len(confirmations) == 2  # on sign-up, and again on the refused sign-in
    assert client.post_form(_path(confirmations[0])).headers["Location"] == "/"
    members = client.get(f"/c/{people.slug}/members")
    assert members.status_code == 302
    assert members.headers["Location"] == f"/c/{people.slug}/charter?next=/c/{people.slug}/members"
    charter = client.get(members.headers["Location"])
    assert "Be <strong>kind</strong>." in charter.text
    accepted = client.post_form(f"/c/{people.slug}/charter?next=/c/{people.slug}/members")
    assert accepted.headers["Location"] == f"/c/{people.slug}/members"
    assert "Grace Adeyemi" in client.get(f"/c/{people.slug}/members").text


def test_join_form_errors_keep_what_was_typed(app, people, client):
    invite_path = _link_invitation(app, people)
    response = client.post_form(
        invite_path, {**NEW_PERSON, "email": "grace@lakeside.example.org", "confirm": "different"}
    )
    assert response.status_code == 422
    assert "The two passwords differ." in response.text
    assert 'value="Grace Adeyemi"' in response.text
    assert 'value="Lakeside University Hospitals"' in response.text
    assert re.search(r'<option [^>]*selected value="America/New_York">', response.text)


def test_join_with_an_address_that_has_an_account_asks_to_sign_in(app, people, client):
    invite_path = _link_invitation(app, people)
    response = client.post_form(invite_path, {**NEW_PERSON, "email": people.outsider.upper()})
    assert response.status_code == 422
    assert "An account already uses this address. Sign in first" in response.text


def test_signed_in_person_simply_joins_another_cohort(app, people, client):
    invite_path = _link_invitation(app, people)
    client.login(people.outsider)
    page = client.get(invite_path)
    assert "Join Cohort" in page.text
    response = client.post_form(invite_path)
    assert response.headers["Location"] == f"/c/{people.slug}/"
    assert client.get(f"/c/{people.slug}/charter").status_code == 200


def test_link_stops_when_used_up(app, people):
    invite_path = _link_invitation(app, people, max_uses=2)
    for number in range(2):
        joiner = app.test_client()
        response = joiner.post_form(invite_path, {**NEW_PERSON, "email": f"joiner{number}@example.org"})
        assert response.status_code == 200 and "confirm your address" in response.text
    late = app.test_client()
    response = late.get(invite_path)
    assert response.status_code == 410
    assert "This invitation has already been used." in response.text
    assert late.post_form(invite_path, {**NEW_PERSON, "email": "late@example.org"}).status_code == 410
    with app.app_context():
        assert ops.find_user("late@example.org") is None


def test_last_use_cannot_be_taken_twice(app, people):
    """Two people holding the same page: only one gets the last place."""
    invite_path = _link_invitation(app, people, max_uses=1)
    first, second = app.test_client(), app.test_client()
    assert first.get(invite_path).status_code == 200
    assert second.get(invite_path).status_code == 200
    assert first.post_form(invite_path, {**NEW_PERSON, "email": "first@example.org"}).status_code == 200
    response = second.post_form(invite_path, {**NEW_PERSON, "email": "second@example.org"})
    assert response.status_code == 410
    with app.app_context():
        assert ops.find_user("second@example.org") is None


def test_expired_invitation_says_so(app, people, client):
    invite_path = _link_invitation(app, people, expires_at=utcnow() - timedelta(minutes=1))
    response = client.get(invite_path)
    assert response.status_code == 410
    assert "This invitation has expired." in response.text


def test_withdrawn_invitation_says_so(app, people, client):
    invite_path = _link_invitation(app, people)
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    with app.app_context():
        invitation_id = db.session.execute(db.select(Invitation.id).order_by(Invitation.id.desc())).scalar()
    facilitator.post_form(f"/c/{people.slug}/invitations/{invitation_id}/revoke")
    response = client.get(invite_path)
    assert response.status_code == 410
    assert "This invitation has been withdrawn." in response.text
    assert "withdrawn" not in facilitator.get(f"/c/{people.slug}/invitations").text.split("Pending invitations")[1]


@pytest.mark.parametrize(
    "mangle", [lambda path: path[:-4] + "abcd", lambda path: path + "x", lambda path: "/invite/junk"]
)
def test_tampered_invitation_is_not_valid(app, people, client, mangle):
    invite_path = _link_invitation(app, people)
    response = client.get(mangle(invite_path))
    assert response.status_code == 404
    assert "This invitation link is not valid." in response.text


def test_invitation_of_another_cohort_cannot_be_revoked(app, people, client):
    _link_invitation(app, people)
    with app.app_context():
        invitation_id = db.session.execute(db.select(Invitation.id).order_by(Invitation.id.desc())).scalar()
    client.login(people.outsider)
    assert client.post_form(f"/c/{people.other_slug}/invitations/{invitation_id}/revoke").status_code == 404


def test_link_form_checks_its_numbers(people, client):
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/invitations/link", {"expires_in_days": "365", "max_uses": "0"})
    assert response.status_code == 422
    assert "Choose between 1 and 90 days." in response.text
    assert 'value="365"' in response.text


def test_facilitator_creates_a_link_and_sees_it(people, client):
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/invitations/link", {"expires_in_days": "7", "max_uses": "12"}, follow_redirects=True
    )
    assert "Link created." in response.text
    assert "0 of 12 places taken" in response.text
    assert "http://cohort.test/invite/" in response.text


def test_facilitator_invitation_makes_a_facilitator(app, people, client, mailbox):
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(
        f"/c/{people.slug}/invitations/email", {"emails": "co.lead@example.org", "role": "facilitator"}
    )
    client.post_form(_path(mailbox.links()[0]), {**NEW_PERSON, "email": "ignored@example.org"})
    with app.app_context():
        membership = db.session.execute(
            db.select(Membership).join(User).where(User.email == "co.lead@example.org")
        ).scalar_one()
        assert membership.is_facilitator


def test_an_emailed_invitation_is_only_for_its_address(app, people, client, mailbox):
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(
        f"/c/{people.slug}/invitations/email", {"emails": "co.lead@example.org", "role": "facilitator"}
    )
    client.login(people.member)  # someone else who got hold of the link
    response = client.get(_path(mailbox.links()[0]))
    assert response.status_code == 403
    assert "sent to another email address" in response.text
    assert client.post_form(_path(mailbox.links()[0])).status_code == 403
    assert client.get(f"/c/{people.slug}/invitations").status_code == 403  # not promoted


def test_separators_alone_are_not_addresses(people, client):
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/invitations/email", {"emails": ", ,;", "role": "member"})
    assert response.status_code == 422 and "Enter at least one email address." in response.text


def test_a_squatted_address_goes_to_its_real_owner(app, people, mailbox):
    """Someone signs up through a shareable link with another person's address; the owner is safe."""
    squatter = app.test_client()
    squatter.post_form(_link_invitation(app, people), {**NEW_PERSON, "email": "ceo@bigtrust.example.org"})
    admin_email = None
    with app.app_context():
        admin_email = factories.make_user(admin=True).email
        db.session.commit()
    admin = app.test_client()
    admin.login(admin_email)
    admin.post_form(
        "/admin/cohorts",
        {
            "name": "Board Circle",
            "slug": "board-circle",
            "description": "",
            "charter": "",
            "timezone": "UTC",
            "facilitator_email": "ceo@bigtrust.example.org",
        },
    )
    invitation = [link for link in mailbox.links() if "/invite/" in link][-1]
    owner = app.test_client()
    response = owner.post_form(
        _path(invitation), {**NEW_PERSON, "password": "the owner's passphrase", "confirm": "the owner's passphrase"}
    )
    assert response.headers["Location"] == "/c/board-circle/charter"
    assert squatter.login("ceo@bigtrust.example.org", NEW_PERSON["password"]).status_code == 401
    with app.app_context():
        account = ops.find_user("ceo@bigtrust.example.org")
        assert account.email_confirmed
        assert {m.cohort.slug for m in account.memberships} == {"board-circle"}


def test_the_confirmation_mail_names_the_configured_lifetime(make_app, people, mailbox):
    app = make_app(COHORT_CONFIRMATION_MAX_AGE=2 * 24 * 60 * 60)
    client = app.test_client()
    client.post_form(_link_invitation(app, people), {**NEW_PERSON, "email": "ines@harbour.example.org"})
    (message,) = [message for message in mailbox.messages if "/confirm-email/" in message["body"]]
    assert "within 2 days" in message["body"] and "7 days" not in message["body"]


def test_mail_links_come_from_the_base_url_and_leave_only_after_commit(make_app, people, mailbox):
    app = make_app(COHORT_BASE_URL="https://cohort.example.org")
    client = app.test_client()
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/invitations/email", {"emails": "kai@fjord.example.org", "role": "member"})
    (link,) = mailbox.links()
    assert link.startswith("https://cohort.example.org/invite/")
    with app.test_request_context():
        facilitator = ops.find_user(people.facilitator)
        ops.invite_by_email(factories.member_of(facilitator, people.cohort_id), ["lost@fjord.example.org"])
        db.session.rollback()  # the invitation was never saved: nobody is told of it
    assert [message["to"] for message in mailbox.messages] == ["kai@fjord.example.org"]


def _open_invitation(app, people, mailbox, email: str, role: str):
    """``email`` (already in the cohort) signs in and accepts an emailed invitation with ``role``."""
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/invitations/email", {"emails": email, "role": role})
    invitee = app.test_client()
    invitee.login(email)
    response = invitee.post_form(_path(mailbox.links()[-1]), follow_redirects=True)
    assert "You have joined" in response.text
    return facilitator.get(f"/c/{people.slug}/invitations").text, invitee


def test_a_member_invited_to_facilitate_becomes_a_facilitator(app, people, mailbox):
    invitations, member = _open_invitation(app, people, mailbox, people.member, "facilitator")
    assert people.member not in invitations  # the invitation is used
    assert member.get(f"/c/{people.slug}/invitations").status_code == 200


def test_an_invitation_that_grants_nothing_more_spends_no_use(app, people, mailbox):
    invitations, _ = _open_invitation(app, people, mailbox, people.facilitator, "member")
    assert people.facilitator in invitations and "not yet accepted" in invitations  # still open
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    assert facilitator.get(f"/c/{people.slug}/invitations").status_code == 200  # still a facilitator


def test_whether_an_invitation_raises_a_member_follows_the_permissions(monkeypatch, app, people, mailbox):
    """A role that grants no more than the one held changes nothing, whatever it is called."""
    monkeypatch.setitem(policy.ROLE_PERMISSIONS, factories.Role.MEMBER, frozenset(policy.Permission))
    invitations, _ = _open_invitation(app, people, mailbox, people.member, "facilitator")
    assert people.member in invitations  # no use spent
    with app.app_context():
        membership = db.session.get(Membership, people.member_membership)
        assert membership.role == factories.Role.MEMBER


def test_a_confirmation_link_works_once(app, people, client, mailbox):
    client.post_form(_link_invitation(app, people), {**NEW_PERSON, "email": "olga@delta.example.org"})
    (link,) = [link for link in mailbox.links() if "/confirm-email/" in link]
    scanned = app.test_client().get(_path(link))  # a mail scanner following the link confirms nothing
    assert scanned.status_code == 200 and "Confirm and sign in" in scanned.text
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.post_form(_path(link)).headers["Location"] == "/"
    stranger = app.test_client()  # whoever finds the mail later is not signed in by it
    again = stranger.get(_path(link))
    assert again.status_code == 404 and "already been used" in again.text
    assert stranger.get("/").headers["Location"].startswith("/login")
