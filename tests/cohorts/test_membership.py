"""The charter, the member directory, roles, removing and leaving."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cohort import policy
from cohort.cohorts import ops
from cohort.extensions import db
from cohort.models import Cohort, Membership
from cohort.policy import Refused

from .. import factories


def _join_unaccepted(app, people, timezone="UTC"):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        user = factories.make_user(timezone=timezone)
        factories.make_member(cohort, user, accepted=False)
        db.session.commit()
        return user.email


def test_every_cohort_page_waits_for_the_charter(app, people, client):
    client.login(_join_unaccepted(app, people))
    for page in ("/", "/members"):
        response = client.get(f"/c/{people.slug}{page}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/c/{people.slug}/charter")
    charter = client.get(f"/c/{people.slug}/charter")
    assert "I accept the charter" in charter.text
    assert client.get(f"/c/{people.slug}/leave").status_code == 200


def test_sessions_wait_for_the_charter_too(app, people, client):
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, people.cohort_id))
        db.session.commit()
        rsvp = f"/c/{people.slug}/sessions/{meeting.id}/rsvp"
    client.login(_join_unaccepted(app, people))
    assert rsvp not in client.get("/").text  # no answering from the dashboard before the charter
    response = client.post_form(rsvp, {"response": "yes"})
    # A form sent before accepting goes to the charter, and is not replayed as a GET afterwards.
    assert response.headers["Location"] == f"/c/{people.slug}/charter"


def test_accepting_the_charter_is_recorded(app, people, client):
    client.login(_join_unaccepted(app, people))
    response = client.post_form(f"/c/{people.slug}/charter")
    assert response.headers["Location"] == f"/c/{people.slug}/"
    charter = client.get(f"/c/{people.slug}/charter")
    assert "You accepted this charter on" in charter.text
    assert "I accept the charter" not in charter.text
    assert client.get(f"/c/{people.slug}/members").status_code == 200


def test_charter_accept_never_redirects_off_site(app, people, client):
    client.login(_join_unaccepted(app, people))
    response = client.post_form(f"/c/{people.slug}/charter?next=https://evil.example.com/")
    assert response.headers["Location"] == f"/c/{people.slug}/"


def test_directory_shows_each_members_local_time(app, people, client):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        factories.make_member(
            cohort,
            factories.make_user(name="Priya Raman", organisation="Harbourside LHD", timezone="Australia/Sydney"),
        )
        db.session.commit()
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/members").text
    assert "Priya Raman" in page and "Harbourside LHD" in page and "Local time" in page
    sydney_now = datetime.now(ZoneInfo("Australia/Sydney"))
    assert sydney_now.strftime("%Z") in page  # AEDT or AEST
    assert f'datetime="{sydney_now.strftime("%Y-%m-%dT%H")}' in page
    assert "Change role" not in page  # members see no facilitator controls


def test_facilitator_promotes_and_demotes(app, people, client):
    client.login(people.facilitator)
    url = f"/c/{people.slug}/members/{people.member_membership}/role"
    response = client.post_form(url, {"role": "facilitator"}, follow_redirects=True)
    assert "is now a facilitator." in response.text
    member = app.test_client()
    member.login(people.member)
    assert member.get(f"/c/{people.slug}/invitations").status_code == 200
    client.post_form(url, {"role": "member"})
    assert member.get(f"/c/{people.slug}/invitations").status_code == 403


def test_unknown_role_is_a_bad_request(people, client):
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/members/{people.member_membership}/role", {"role": "owner"})
    assert response.status_code == 400


def test_last_facilitator_cannot_step_down_or_leave(people, client):
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/members/{people.facilitator_membership}/role", {"role": "member"}, follow_redirects=True
    )
    assert "A cohort always needs a facilitator" in response.text
    response = client.post_form(f"/c/{people.slug}/leave", follow_redirects=True)
    assert "A cohort always needs a facilitator" in response.text
    response = client.post_form(
        f"/c/{people.slug}/members/{people.facilitator_membership}/remove", follow_redirects=True
    )
    assert "A cohort always needs a facilitator" in response.text
    assert client.get(f"/c/{people.slug}/invitations").status_code == 200


def test_facilitator_can_leave_once_another_facilitates(app, people, client):
    client.login(people.facilitator)
    client.post_form(f"/c/{people.slug}/members/{people.member_membership}/role", {"role": "facilitator"})
    response = client.post_form(f"/c/{people.slug}/leave")
    assert response.headers["Location"] == "/"
    assert client.get(f"/c/{people.slug}/").status_code == 404


def test_member_leaves_and_loses_access(people, client):
    client.login(people.member)
    assert "Leave the cohort" in client.get(f"/c/{people.slug}/leave").text
    response = client.post_form(f"/c/{people.slug}/leave", follow_redirects=True)
    assert "You have left" in response.text
    assert client.get(f"/c/{people.slug}/").status_code == 404


def test_facilitator_removes_a_member(app, people, client):
    client.login(people.facilitator)
    response = client.post_form(f"/c/{people.slug}/members/{people.member_membership}/remove", follow_redirects=True)
    assert "is no longer a member" in response.text
    removed = app.test_client()
    removed.login(people.member)
    assert removed.get(f"/c/{people.slug}/members").status_code == 404


def test_membership_of_another_cohort_cannot_be_touched(people, client):
    client.login(people.outsider)  # facilitates the other cohort
    url = f"/c/{people.other_slug}/members/{people.member_membership}/remove"
    assert client.post_form(url).status_code == 404


def test_settings_update_renders_a_sanitised_charter(people, client):
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/settings",
        {
            "name": "Renamed Cohort",
            "description": "Monthly.",
            "charter": "1. **Candour**\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))",
            "timezone": "America/New_York",
        },
        follow_redirects=True,
    )
    assert "Cohort settings saved." in response.text
    charter = client.get(f"/c/{people.slug}/charter").text
    assert "<strong>Candour</strong>" in charter
    assert "<script>alert(1)</script>" not in charter
    assert "javascript:" not in charter
    assert "Renamed Cohort" in client.get("/").text


def test_settings_errors_keep_the_charter_text(people, client):
    client.login(people.facilitator)
    response = client.post_form(
        f"/c/{people.slug}/settings",
        {"name": "", "description": "", "charter": "A long charter I wrote carefully.", "timezone": "UTC"},
    )
    assert response.status_code == 422
    assert "Give the cohort a name." in response.text
    assert "A long charter I wrote carefully." in response.text


def test_a_charter_too_intricate_is_refused_and_kept(app, people, client):
    client.login(people.facilitator)
    intricate = "[a](" * 12_500
    response = client.post_form(
        f"/c/{people.slug}/settings",
        {"name": "Renamed Cohort", "description": "", "charter": intricate, "timezone": "UTC"},
    )
    assert response.status_code == 422
    assert "This text is too intricate to show safely" in response.text and intricate in response.text
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        assert cohort.name != "Renamed Cohort" and cohort.charter != intricate


def test_dashboard_lists_my_cohorts_only(app, people, client):
    with app.app_context():
        names = {c.slug: c.name for c in db.session.execute(db.select(Cohort)).scalars()}
    client.login(people.member)
    page = client.get("/").text
    assert names[people.slug] in page
    assert names[people.other_slug] not in page


def test_two_facilitators_demoting_each_other_at_once_leave_one(app, people):
    """Concurrent writers cannot leave a cohort without a facilitator."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        second = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        db.session.commit()
        second_email, second_membership = second.user.email, second.id
    first_client, second_client = app.test_client(), app.test_client()
    first_client.login(people.facilitator)
    second_client.login(second_email)
    requests = [
        (first_client, f"/c/{people.slug}/members/{second_membership}/role", first_client.csrf_token()),
        (second_client, f"/c/{people.slug}/members/{people.facilitator_membership}/role", second_client.csrf_token()),
    ]
    barrier = threading.Barrier(len(requests))
    statuses = []

    def demote(client, url, token):
        barrier.wait()
        statuses.append(client.post(url, data={"role": "member", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=demote, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The later request is refused (403) if the earlier one has already demoted its sender.
    assert len(statuses) == 2 and set(statuses) <= {302, 403}
    with app.app_context():
        facilitators = db.session.execute(
            db.select(db.func.count())
            .select_from(Membership)
            .where(Membership.cohort_id == people.cohort_id, Membership.role == factories.Role.FACILITATOR)
        ).scalar()
    assert facilitators == 1


def test_removal_decided_on_a_stale_role_still_keeps_a_facilitator(app, people, make_app):
    """A removal whose request read the role before a promotion and a step-down elsewhere."""
    elsewhere = make_app().test_client()
    elsewhere.login(people.facilitator)
    with app.app_context():
        stale = db.session.get(Membership, people.member_membership)  # read as a plain member
        acting = db.session.get(Membership, people.facilitator_membership)  # read as a facilitator
        url = f"/c/{people.slug}/members"
        elsewhere.post_form(f"{url}/{people.member_membership}/role", {"role": "facilitator"})
        elsewhere.post_form(f"{url}/{people.facilitator_membership}/role", {"role": "member"})
        with pytest.raises(Refused):
            ops.remove_membership(acting, stale)
        db.session.rollback()
        roles = db.session.execute(db.select(Membership.role).where(Membership.cohort_id == people.cohort_id)).scalars()
        assert factories.Role.FACILITATOR in set(roles)


def test_a_facilitator_yet_to_accept_the_charter_counts_as_the_one_who_remains(app, people, client):
    """They hold the role and run the cohort once they accept the charter, so the other may step down;
    and then, as the one who remains, they cannot leave it without a facilitator."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        newcomer = factories.make_member(cohort, role=factories.Role.FACILITATOR, accepted=False).user.email
        db.session.commit()
    client.login(people.facilitator)
    url = f"/c/{people.slug}/members/{people.facilitator_membership}/role"
    assert "is now a member." in client.post_form(url, {"role": "member"}, follow_redirects=True).text
    assert client.get(f"/c/{people.slug}/invitations").status_code == 403

    remaining = app.test_client()
    remaining.login(newcomer)
    response = remaining.post_form(f"/c/{people.slug}/leave", follow_redirects=True)
    assert "A cohort always needs a facilitator" in response.text
    remaining.post_form(f"/c/{people.slug}/charter")
    assert remaining.get(f"/c/{people.slug}/invitations").status_code == 200


def test_the_last_facilitator_guard_follows_the_permissions(monkeypatch, people, client):
    """Whoever the policy lets manage a cohort keeps it: with a role that may manage (here, members
    given every permission), its last facilitator may step down and leave."""
    monkeypatch.setitem(policy.ROLE_PERMISSIONS, factories.Role.MEMBER, frozenset(policy.Permission))
    client.login(people.facilitator)
    url = f"/c/{people.slug}/members/{people.facilitator_membership}/role"
    assert "is now a member." in client.post_form(url, {"role": "member"}, follow_redirects=True).text
    assert client.post_form(f"/c/{people.slug}/leave").headers["Location"] == "/"
    member = client.application.test_client()
    member.login(people.member)
    assert member.get(f"/c/{people.slug}/invitations").status_code == 200
    response = member.post_form(f"/c/{people.slug}/leave", follow_redirects=True)
    assert "A cohort always needs a facilitator" in response.text


def test_the_dashboard_counts_members_only_for_those_who_may_see_them(app, people, client):
    """Before accepting the charter the cohort is listed, to lead to the charter, but not its size:
    the count is a count of the member directory."""
    client.login(_join_unaccepted(app, people))
    card = client.get("/").text.split('id="cohorts-heading"')[1]
    assert "please read and accept the charter" in card
    assert " members · " not in card
    client.post_form(f"/c/{people.slug}/charter")
    assert "3 members · you are a member" in client.get("/").text
