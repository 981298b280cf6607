"""The access layer holds for every route under /c/<slug>/, including ones added later."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask

from cohort import policy
from cohort.access import ANY_MEMBER, check_declarations, requires
from cohort.cohorts import ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, CohortValue, Flag, PostKind, Reply, Role, User, utcnow
from cohort.policy import Permission
from cohort.posts import ops as post_ops

from . import factories
from .conftest import CSRF_PATTERN

COHORT_PREFIX = "/c/<slug>"


def _sample_values(app, people) -> dict:
    """A real object of the cohort for each URL variable, so a 404 can only come from the access check."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        facilitator = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        invitation = ops.create_invitation_link(
            factories.member_of(facilitator, cohort), expires_at=utcnow() + timedelta(days=1), max_uses=5
        )
        member = db.session.execute(db.select(User).filter_by(email=people.member)).scalar_one()
        post = factories.make_post(cohort, member, kind=PostKind.CHALLENGE)
        reply = post_ops.add_reply(factories.member_of(facilitator, cohort), post, "Have you tried a huddle?")
        flag = Flag(cohort_id=cohort.id, post_id=post.id, reporter_id=facilitator.id, reason="Check this")
        db.session.add(flag)
        value_id = db.session.execute(db.select(CohortValue.id).filter_by(cohort_id=cohort.id)).scalars().first()
        meeting = factories.make_meeting(cohort)
        item = meeting_ops.propose_item(factories.member_of(member, cohort), meeting, "A challenge to bring")
        db.session.commit()
        return {
            "slug": people.slug,
            "membership_id": people.member_membership,
            "user_id": member.id,
            "invitation_id": invitation.id,
            "post_id": post.id,
            "reply_id": reply.id,
            "flag_id": flag.id,
            "value_id": value_id,
            "meeting_id": meeting.id,
            "item_id": item.id,
            "action": "accept",
            "token": "0" * 32,
            "size": "large",
        }


def _cohort_requests(app, people, with_endpoint=False):
    values = _sample_values(app, people)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(COHORT_PREFIX):
            continue
        missing = rule.arguments - values.keys()
        assert not missing, f"test_access needs a sample value for {missing} in {rule.rule}"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:>]+:)?{name}>", str(values[name]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield (method, url, rule.endpoint) if with_endpoint else (method, url)


def _send(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": client.csrf_token()})


def _without_tokens(html: str) -> str:
    return CSRF_PATTERN.sub("", html)


def test_walk_covers_the_cohort_routes(app, people):
    requests = list(_cohort_requests(app, people))
    assert len(requests) >= 10
    assert ("GET", f"/c/{people.slug}/members") in requests


def test_every_cohort_route_is_not_found_for_a_signed_in_outsider(app, people):
    client = app.test_client()
    client.login(people.outsider)
    unknown = client.get("/c/no-such-cohort/")
    assert unknown.status_code == 404
    for method, url in _cohort_requests(app, people):
        response = _send(client, method, url)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
        assert _without_tokens(response.text) == _without_tokens(unknown.text), f"{method} {url} differs from not-found"


def test_every_cohort_route_sends_an_anonymous_visitor_to_sign_in(app, people):
    client = app.test_client()
    for method, url in _cohort_requests(app, people):
        response = _send(client, method, url)
        assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
        assert response.headers["Location"].startswith("/login"), f"{method} {url} went elsewhere"


def test_outsider_never_sees_the_cohort_name(app, people, client):
    with app.app_context():
        name = db.session.get(Cohort, people.cohort_id).name
    client.login(people.outsider)
    response = client.get(f"/c/{people.slug}/members")
    assert name not in response.text


def _gated_requests(app, people):
    """Every cohort route whose view declares a permission a plain member does not hold: read from
    what each view declares (``@requires``), not from a list kept by hand."""
    member = SimpleNamespace(role=Role.MEMBER, charter_accepted_at=utcnow())
    for method, url, endpoint in _cohort_requests(app, people, with_endpoint=True):
        permission = app.view_functions[endpoint].required_permission
        if permission is not None and not policy.has(member, permission):
            yield method, url


def test_member_gets_forbidden_for_every_facilitator_view(app, people, client):
    client.login(people.member)
    gated = list(_gated_requests(app, people))
    assert ("GET", f"/c/{people.slug}/invitations") in gated and ("POST", f"/c/{people.slug}/settings") in gated
    with app.app_context():
        before = {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}
    for method, url in gated:
        response = _send(client, method, url)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
        assert "Not permitted" in response.text
    with app.app_context():
        after = {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}
    assert after == before, "a refused facilitator action changed something"


def test_requires_records_what_a_view_declares():
    """What the walk above reads from each view: the permission, and whether it opens before the charter."""

    def view():
        return "page"

    gated = requires(Permission.MODERATE)(view)
    assert gated is view and gated() == "page"
    assert (gated.required_permission, gated.before_charter) == (Permission.MODERATE, False)
    early = requires(ANY_MEMBER, before_charter=True)(lambda: "charter")
    assert (early.required_permission, early.before_charter) == (None, True)


def test_a_cohort_view_that_declares_nothing_stops_the_app(app):
    unguarded = Flask("unguarded")
    unguarded.add_url_rule("/c/<slug>/secret", "cohort.secret.page", lambda slug: "secret")
    unguarded.add_url_rule("/healthz", "home.healthz", lambda: "ok")  # outside the cohort subtree: no gate needed
    with pytest.raises(RuntimeError) as stopped:
        check_declarations(unguarded)
    assert str(stopped.value) == "cohort view cohort.secret.page must declare @requires(permission or ANY_MEMBER)"
    del unguarded.view_functions["cohort.secret.page"]
    check_declarations(unguarded)
    check_declarations(app)  # every real cohort view declares what it needs


def test_admin_pages_send_anonymous_visitors_to_sign_in(client):
    for method, url in (
        ("GET", "/admin/cohorts"),
        ("POST", "/admin/cohorts"),
        ("POST", "/admin/cohorts/1/facilitators"),
    ):
        response = _send(client, method, url)
        assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
        assert response.headers["Location"].startswith("/login")


def test_admin_pages_are_forbidden_to_non_admins(people, client):
    client.login(people.facilitator)
    assert client.get("/admin/cohorts").status_code == 403


def test_every_cohort_form_refuses_a_forged_token_and_changes_nothing(app, people, client):
    """Forms that give a draft back check their token after the access layer (cohort/drafts.py):
    every cohort form still refuses one it did not issue, whoever sends it."""
    client.login(people.facilitator)
    posts = [(method, url) for method, url in _cohort_requests(app, people) if method == "POST"]
    assert len(posts) >= 20
    with app.app_context():
        before = {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}
    for method, url in posts:
        response = client.open(url, method=method, data={"csrf_token": "forged", "body": "Forged text"})
        assert response.status_code == 400, f"{method} {url} answered {response.status_code}"
        assert "Forged text" not in response.text
    with app.app_context():
        after = {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}
    assert after == before, "a form with a forged token changed something"


def test_a_removed_member_loses_the_cohort_on_their_very_next_request(app, people, client):
    """Access is looked up on every request, not kept in the session: a member signed in before being
    removed reads and writes nothing after."""
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        author = db.session.execute(db.select(User).filter_by(email=people.facilitator)).scalar_one()
        post = factories.make_post(cohort, author, title="Winter pressures plan")
        db.session.commit()
        thread = f"/c/{people.slug}/posts/{post.id}"
    client.login(people.member)
    page = client.get(thread).text
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(f"/c/{people.slug}/members/{people.member_membership}/remove")

    response = client.get(thread)
    assert response.status_code == 404 and "Winter pressures plan" not in response.text
    reply = client.post(
        f"{thread}/replies", data={"csrf_token": CSRF_PATTERN.search(page).group(1), "body": "Still here?"}
    )
    assert reply.status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(Reply).filter_by(post_id=post.id)).first() is None


def test_a_demoted_facilitator_loses_the_facilitator_forms_on_their_very_next_request(app, people, client):
    url = f"/c/{people.slug}/members/{people.member_membership}/role"
    facilitator = app.test_client()
    facilitator.login(people.facilitator)
    facilitator.post_form(url, {"role": "facilitator"})
    client.login(people.member)
    settings = client.get(f"/c/{people.slug}/settings")
    assert settings.status_code == 200
    facilitator.post_form(url, {"role": "member"})

    form = {"csrf_token": CSRF_PATTERN.search(settings.text).group(1), "name": "Taken over", "timezone": "UTC"}
    assert client.post(f"/c/{people.slug}/settings", data=form).status_code == 403
    with app.app_context():
        assert db.session.get(Cohort, people.cohort_id).name != "Taken over"
