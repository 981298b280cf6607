"""The audit log: each facilitator or admin action leaves one entry, seen by the cohort's
facilitators and the site's admins, and never changed through the app."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from cohort import audit
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import FORMER_MEMBER, AuditEntry, Cohort, Flag, Membership, Role, User, utcnow
from cohort.moderation import ops as moderation_ops
from cohort.posts import ops as post_ops
from cohort.recognition import ops as recognition_ops

from . import factories

ADDRESS = "203.0.113.9"


def _entries(app) -> list[AuditEntry]:
    with app.app_context():
        entries = list(db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars())
        db.session.expunge_all()
        return entries


def _facilitator(people) -> Membership:
    user = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
    return factories.member_of(user, people.cohort_id)


def _act(app, people, action):
    """Run ``action(facilitator membership, cohort)`` in a request from ADDRESS, then commit."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": ADDRESS}):
        acting = _facilitator(people)
        action(acting, db.session.get(Cohort, people.cohort_id))
        db.session.commit()


def _member(people) -> Membership:
    return db.session.get(Membership, people.member_membership)


ACTIONS = {
    "invitation_sent": lambda acting, cohort, people: cohort_ops.invite_by_email(acting, ["new@trust.example.org"]),
    "invitation_link_created": lambda acting, cohort, people: cohort_ops.create_invitation_link(
        acting, expires_at=utcnow() + timedelta(days=2), max_uses=3
    ),
    "role_changed": lambda acting, cohort, people: cohort_ops.change_role(acting, _member(people), Role.FACILITATOR),
    "member_removed": lambda acting, cohort, people: cohort_ops.remove_membership(acting, _member(people)),
    "settings_changed": lambda acting, cohort, people: cohort_ops.save_settings(
        acting, name="Renamed", description=cohort.description, timezone=cohort.timezone, charter=cohort.charter
    ),
    "value_added": lambda acting, cohort, people: recognition_ops.add_value(acting, "Curiosity"),
    "hidden": lambda acting, cohort, people: moderation_ops.hide(
        acting, factories.make_post(cohort, _member(people).user)
    ),
    "post_deleted": lambda acting, cohort, people: post_ops.delete_post(
        acting, factories.make_post(cohort, _member(people).user)
    ),
    "session_cancelled": lambda acting, cohort, people: meeting_ops.cancel(
        acting, factories.make_meeting(cohort, title="Spring session"), this_and_following=False
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_leaves_one_entry_with_who_what_when_and_where(app, people, action):
    before = utcnow()
    _act(app, people, lambda acting, cohort: ACTIONS[action](acting, cohort, people))
    entries = [entry for entry in _entries(app) if entry.action == action]
    assert len(entries) == 1
    (entry,) = entries
    with app.app_context():
        facilitator = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        assert (entry.actor_id, entry.actor_name) == (facilitator.id, facilitator.name)
    assert entry.cohort_id == people.cohort_id
    assert entry.address == ADDRESS
    assert before <= entry.created_at <= utcnow()
    assert entry.description and entry.object_kind and entry.object_id


def test_revoke_restore_and_dismiss_are_recorded(app, people):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        acting = _facilitator(people)
        (invitation,) = cohort_ops.invite_by_email(acting, ["late@trust.example.org"])
        post = factories.make_post(cohort, _member(people).user)
        moderation_ops.hide(acting, post)
        flag = Flag(cohort_id=cohort.id, post_id=post.id, reporter_id=_member(people).user_id, reason="Look")
        db.session.add(flag)
        db.session.commit()
        ids = (invitation.id, post.id, flag.id)
    _act(
        app,
        people,
        lambda acting, cohort: cohort_ops.revoke_invitation(acting, db.session.get(type(invitation), ids[0])),
    )
    _act(app, people, lambda acting, cohort: moderation_ops.restore(acting, db.session.get(type(post), ids[1])))
    last = {entry.action: entry for entry in _entries(app)}
    assert (last["invitation_revoked"].object_id, last["invitation_revoked"].subject_name) == (
        ids[0],
        "late@trust.example.org",
    )
    assert (last["restored"].object_kind, last["restored"].object_id) == ("post", ids[1])
    client = app.test_client()
    client.login(people.facilitator)
    response = client.post(
        f"/c/{people.slug}/flags/{ids[2]}/dismiss",
        data={"csrf_token": client.csrf_token()},
        environ_base={"REMOTE_ADDR": ADDRESS},
    )
    assert response.status_code == 302
    dismissed = [entry for entry in _entries(app) if entry.action == "flag_dismissed"]
    assert [(entry.object_id, entry.address) for entry in dismissed] == [(ids[2], ADDRESS)]


def test_the_command_line_records_no_address(app, people):
    with app.app_context():
        admin = factories.make_user(admin=True)
        cohort_ops.admin_create_cohort(
            admin,
            "new-one",
            "New one",
            facilitator_email="lead@trust.example.org",
            description="",
            charter="",
            timezone="UTC",
        )
        db.session.commit()
    entries = {entry.action: entry for entry in _entries(app)}
    assert entries["cohort_created"].address is None
    assert entries["invitation_sent"].subject_name == "lead@trust.example.org"


def test_a_member_is_not_permitted_and_an_outsider_finds_nothing(app, people):
    member = app.test_client()
    member.login(people.member)
    assert member.get(f"/c/{people.slug}/audit").status_code == 403
    outsider = app.test_client()
    outsider.login(people.outsider)
    assert outsider.get(f"/c/{people.slug}/audit").status_code == 404


def test_a_facilitator_sees_their_cohort_only_and_an_admin_sees_all(app, people):
    _act(app, people, lambda acting, cohort: recognition_ops.add_value(acting, "Ours alone"))
    with app.app_context():
        other = db.session.get(Cohort, people.other_cohort_id)
        outsider = db.session.execute(db.select(User).filter_by(email=people.outsider)).scalar_one()
        recognition_ops.add_value(factories.member_of(outsider, other), "Theirs alone")
        factories.make_user(email="admin@cohort.example.org", admin=True)
        db.session.commit()
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    page = facilitator.get(f"/c/{people.slug}/audit").text
    assert "Ours alone" in page and "Theirs alone" not in page and ADDRESS in page
    assert f'href="/c/{people.slug}/audit"' in facilitator.get(f"/c/{people.slug}/").text
    admin = app.test_client()
    admin.login("admin@cohort.example.org")
    page = admin.get("/admin/audit").text
    assert "Ours alone" in page and "Theirs alone" in page
    assert facilitator.get("/admin/audit").status_code == 403


def test_times_are_shown_in_the_viewers_time_zone(app, people):
    _act(app, people, lambda acting, cohort: recognition_ops.add_value(acting, "Timely"))
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        user.timezone = "Asia/Tokyo"
        db.session.commit()
    (entry,) = _entries(app)
    client = app.test_client()
    client.login(people.facilitator)
    shown = entry.created_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %-d %b %Y, %H:%M")
    assert shown in client.get(f"/c/{people.slug}/audit").text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_entries_cannot_be_changed_through_the_app(app, people, method):
    _act(app, people, lambda acting, cohort: recognition_ops.add_value(acting, "Kept"))
    with app.app_context():
        factories.make_user(email="admin@cohort.example.org", admin=True)
        db.session.commit()
    client = app.test_client()
    client.login("admin@cohort.example.org")
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    before = [(entry.id, entry.description) for entry in _entries(app)]
    assert client.open("/admin/audit", method=method, data={"csrf_token": client.csrf_token()}).status_code == 405
    response = facilitator.open(f"/c/{people.slug}/audit", method=method, data={"csrf_token": facilitator.csrf_token()})
    assert response.status_code == 405
    assert [(entry.id, entry.description) for entry in _entries(app)] == before
    assert {name for name in dir(audit) if not name.startswith("_")} >= {"record", "forget_user"}
    assert not [
        rule for rule in app.url_map.iter_rules() if "audit" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}
    ]


def test_forget_user_keeps_the_entries_without_the_person(app, people):
    _act(app, people, lambda acting, cohort: cohort_ops.change_role(acting, _member(people), Role.FACILITATOR))
    _act(app, people, lambda acting, cohort: recognition_ops.add_value(acting, "Memory"))
    with app.app_context():
        facilitator = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        member_id = _member(people).user_id
        audit.forget_user(facilitator.id)
        audit.forget_user(member_id)
        db.session.commit()
        name = facilitator.name
    entries = _entries(app)
    assert len(entries) == 2
    assert {(entry.actor_id, entry.actor_name, entry.address) for entry in entries} == {(None, FORMER_MEMBER, None)}
    role = next(entry for entry in entries if entry.action == "role_changed")
    assert (role.subject_id, role.subject_name) == (None, FORMER_MEMBER)
    client = app.test_client()
    client.login(people.member)
    page = client.get(f"/c/{people.slug}/audit").text
    assert name not in page and FORMER_MEMBER in page


def test_the_page_runs_the_same_statements_however_long_the_log(app, people, count_queries):
    client = app.test_client()
    client.login(people.facilitator)

    def measured() -> int:
        client.get(f"/c/{people.slug}/audit")
        with count_queries() as statements:
            assert client.get(f"/c/{people.slug}/audit").status_code == 200
        return len(statements)

    _act(app, people, lambda acting, cohort: recognition_ops.add_value(acting, "First"))
    few = measured()
    for number in range(60):
        _act(app, people, lambda acting, cohort, number=number: recognition_ops.add_value(acting, f"Value {number}"))
    assert measured() == few
    assert "Older entries" in client.get(f"/c/{people.slug}/audit").text


def test_a_facilitator_deleting_someone_elses_post_is_logged_and_an_author_deleting_their_own_is_not(app, people):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        theirs = factories.make_post(cohort, _member(people).user, title="Ward rounds at dawn")
        own = factories.make_post(cohort, _facilitator(people).user, title="My own aside")
        mine = factories.make_post(cohort, _member(people).user, title="Second thoughts")
        reply = post_ops.add_reply(_member(people), own, "A reply only its author may delete")
        db.session.commit()
        ids = (theirs.id, own.id, mine.id, reply.id)
    facilitator, member = app.test_client(), app.test_client()
    facilitator.login(people.facilitator)
    member.login(people.member)
    at = {"environ_base": {"REMOTE_ADDR": ADDRESS}}
    # Someone else's reply a facilitator hides, never deletes: refused, so nothing to log.
    refused = facilitator.post_form(f"/c/{people.slug}/posts/{ids[1]}/replies/{ids[3]}/delete", **at)
    assert refused.status_code == 403
    assert facilitator.post_form(f"/c/{people.slug}/posts/{ids[0]}/delete", **at).status_code == 302
    assert facilitator.post_form(f"/c/{people.slug}/posts/{ids[1]}/delete", **at).status_code == 302
    assert member.post_form(f"/c/{people.slug}/posts/{ids[2]}/delete", **at).status_code == 302
    entries = _entries(app)
    assert [(entry.action, entry.object_kind, entry.object_id, entry.address) for entry in entries] == [
        ("post_deleted", "post", ids[0], ADDRESS)
    ]
    page = facilitator.get(f"/c/{people.slug}/audit").text
    assert "Deleted a story" in page and ADDRESS in page
    assert "Ward rounds at dawn" not in page  # the log keeps what was done, not the words


def test_a_deleted_facilitators_entries_stay_without_their_name_email_or_address(app, people):
    departing_email, departing_name, departing_address = (
        "ottoline@trust.example.org",
        "Ottoline Pemberton",
        "198.51.100.77",
    )
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        departing = factories.make_user(email=departing_email, name=departing_name)
        factories.make_member(cohort, departing, role=Role.FACILITATOR)
        post_id = factories.make_post(cohort, _member(people).user, title="Rota swaps").id
        factories.make_user(email="admin@cohort.example.org", admin=True)
        db.session.commit()
    leaving = app.test_client()
    at = {"environ_base": {"REMOTE_ADDR": departing_address}}
    leaving.login(departing_email, **at)
    assert leaving.post_form(f"/c/{people.slug}/posts/{post_id}/hide", **at).status_code == 302
    assert _entries(app)[-1].address == departing_address  # recorded first, as any action is
    deleted = leaving.post_form(
        "/account/delete", {"words": "keep", "password": factories.TEST_PASSWORD, "confirm": "delete"}, **at
    )
    assert deleted.status_code == 302 and deleted.headers["Location"].endswith("/login")

    facilitator, admin = app.test_client(), app.test_client()
    facilitator.login(people.facilitator)
    admin.login("admin@cohort.example.org")
    for page in (facilitator.get(f"/c/{people.slug}/audit").text, admin.get("/admin/audit").text):
        row = next(line for line in page.split("<tr>") if "Hid a story" in line)
        assert FORMER_MEMBER in row
        for personal in (departing_name, departing_email, departing_address):
            assert personal not in page
