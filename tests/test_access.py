"""The access layer holds for every route under /c/<slug>/, including ones added later."""

import re
from datetime import timedelta

import pytest

from cohort.cohorts import ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, CohortValue, Flag, PostKind, User, utcnow
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
            "invitation_id": invitation.id,
            "post_id": post.id,
            "reply_id": reply.id,
            "flag_id": flag.id,
            "value_id": value_id,
            "meeting_id": meeting.id,
            "item_id": item.id,
            "action": "accept",
        }


def _cohort_requests(app, people):
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
            yield method, url


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


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/invitations"),
        ("POST", "/invitations/email"),
        ("POST", "/invitations/link"),
        ("GET", "/settings"),
        ("POST", "/settings"),
        ("POST", "/members/{member_membership}/role"),
        ("POST", "/members/{facilitator_membership}/remove"),
    ],
)
def test_member_gets_forbidden_for_facilitator_actions(app, people, client, method, path):
    client.login(people.member)
    url = f"/c/{people.slug}" + path.format(**vars(people))
    response = _send(client, method, url)
    assert response.status_code == 403
    assert "Not permitted" in response.text


def test_admin_pages_are_forbidden_to_non_admins(people, client):
    client.login(people.facilitator)
    assert client.get("/admin/cohorts").status_code == 403
