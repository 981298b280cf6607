"""Site admins create cohorts and name facilitators."""

import pytest

from cohort.cohorts import ops
from cohort.extensions import db
from cohort.models import Cohort, Invitation

from . import factories


@pytest.fixture
def admin_email(app):
    with app.app_context():
        admin = factories.make_user(admin=True)
        db.session.commit()
        return admin.email


def _new_cohort(**changes):
    return {
        "name": "Nordic CEO Circle",
        "slug": "nordic-ceo-circle",
        "description": "Five chief executives.",
        "charter": "We keep confidences.",
        "timezone": "Europe/Stockholm",
        "facilitator_email": "lead@institute.example.org",
        **changes,
    }


def test_admin_creates_a_cohort_with_an_existing_facilitator(app, client, admin_email):
    with app.app_context():
        factories.make_user(email="lead@institute.example.org", name="Lead Person")
        db.session.commit()
    client.login(admin_email)
    response = client.post_form("/admin/cohorts", _new_cohort(), follow_redirects=True)
    assert "Created Nordic CEO Circle. Lead Person facilitates Nordic CEO Circle." in response.text
    lead = app.test_client()
    lead.login("lead@institute.example.org")
    assert lead.get("/c/nordic-ceo-circle/charter").status_code == 200
    lead.post_form("/c/nordic-ceo-circle/charter")
    assert lead.get("/c/nordic-ceo-circle/invitations").status_code == 200


def test_admin_invites_a_facilitator_without_an_account(app, client, admin_email, mailbox):
    client.login(admin_email)
    response = client.post_form("/admin/cohorts", _new_cohort(), follow_redirects=True)
    expected = "Created Nordic CEO Circle. Invited lead@institute.example.org to facilitate Nordic CEO Circle."
    assert expected in response.text
    assert mailbox.messages[0]["to"] == "lead@institute.example.org"
    assert "as a facilitator" in mailbox.messages[0]["body"]


def test_admin_form_errors_keep_the_input(client, admin_email, people):
    client.login(admin_email)
    response = client.post_form("/admin/cohorts", _new_cohort(slug=people.slug, charter="Carefully written."))
    assert response.status_code == 422
    assert "already exists" in response.text
    assert '<details class="create-cohort" open>' in response.text
    assert "Carefully written." in response.text
    response = client.post_form("/admin/cohorts", _new_cohort(slug="Not A Slug"))
    assert response.status_code == 422
    assert "Use lower-case letters" in response.text


def test_admin_charter_too_intricate_is_refused_and_kept(app, client, admin_email):
    client.login(admin_email)
    response = client.post_form("/admin/cohorts", _new_cohort(charter="[" * 20_000))
    assert response.status_code == 422
    assert "This text is too intricate to show safely" in response.text.split('id="charter-error"', 1)[1]
    assert "[" * 20_000 in response.text
    with app.app_context():
        assert db.session.execute(db.select(Cohort).filter_by(slug="nordic-ceo-circle")).first() is None


def test_admin_adds_a_facilitator_to_an_existing_cohort(app, client, admin_email, people):
    client.login(admin_email)
    response = client.post_form(
        f"/admin/cohorts/{people.cohort_id}/facilitators", {"email": people.member}, follow_redirects=True
    )
    assert "facilitates Cohort" in response.text
    with app.app_context():
        cohort = ops.find_cohort(people.slug)
        assert {m.user.email for m in cohort.memberships if m.is_facilitator} == {people.facilitator, people.member}
        names = sorted(ops.find_user(email).name for email in (people.facilitator, people.member))
    assert f"Facilitated by {', '.join(names)}" in client.get("/admin/cohorts").text
    bad = client.post_form(f"/admin/cohorts/{people.cohort_id}/facilitators", {"email": "nope"})
    assert bad.status_code == 422 and 'value="nope"' in bad.text
    assert "<details open>" in bad.text  # the failed form stays open, with what was typed


def test_admin_sees_no_cohort_content_without_membership(client, admin_email, people):
    client.login(admin_email)
    assert client.get(f"/c/{people.slug}/members").status_code == 404


def test_admin_invitations_last_as_configured_and_say_so(make_app, admin_email, mailbox):
    client = make_app(COHORT_INVITATION_DAYS=3).test_client()
    client.login(admin_email)
    client.post_form("/admin/cohorts", _new_cohort())
    with client.application.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        days = (invitation.expires_at - invitation.created_at).total_seconds() / 86400
    assert round(days) == 3
    assert f"{invitation.expires_at:%-d %B %Y}" in mailbox.messages[0]["body"]


def test_the_outbox_shows_admins_each_messages_envelope_and_never_its_words(app, client, admin_email, people, mailbox):
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/invitations/email", {"emails": "kai@fjord.example.org", "role": "member"})
    mailbox.deliver()
    client.login(admin_email)
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    with app.app_context():
        cohort_name = db.session.get(Cohort, people.cohort_id).name
    row = page.text[page.text.index("<tbody>") :]
    assert "invitation" in row and cohort_name in row and "Sent" in row
    assert "kai@fjord.example.org" not in page.text and "/invite/" not in page.text


def test_only_site_admins_open_the_outbox(app, client, people):
    assert client.get("/admin/outbox").status_code == 302  # to the sign-in page
    client.login(people.facilitator)
    assert client.get("/admin/outbox").status_code == 403


def test_a_facilitator_address_far_over_its_cap_comes_back_cut(app, client, admin_email, people):
    client.login(admin_email)
    pasted = "lead@" + "x" * 300_000
    for url, form in (
        ("/admin/cohorts", _new_cohort(facilitator_email=pasted)),
        (f"/admin/cohorts/{people.cohort_id}/facilitators", {"email": pasted}),
    ):
        response = client.post_form(url, form)
        assert response.status_code == 422
        assert "Only its first 508 characters are kept in the form." in response.text
        assert pasted[:508] in response.text and pasted[:509] not in response.text
        assert len(response.data) < 100_000
    with app.app_context():
        assert db.session.execute(db.select(Cohort).filter_by(slug="nordic-ceo-circle")).first() is None
