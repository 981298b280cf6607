"""Tenancy: a member or facilitator of cohort A reaches nothing of cohort B through any route that takes an
id. Every such route, with A's slug (or, outside the cohort subtree, as its own owner) and B's ids, answers
exactly what it answers for an id that does not exist, shows none of B's words, and changes nothing.

The walk reads the routes from ``app.url_map``: a route added later with an id argument is walked too, or
fails the walk until it gets a sample value here (or is listed in ``NOT_TENANT_DATA`` with a reason)."""

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask

from cohort import policy
from cohort.auth import ops as account_ops
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import (
    Cohort,
    CohortValue,
    Flag,
    Notification,
    PostKind,
    Role,
    SignIn,
    User,
    utcnow,
)
from cohort.posts import ops as post_ops

from . import factories
from .conftest import CSRF_PATTERN

# Every word of cohort B carries this mark, so one search of a page finds any of them.
MARK = "bravo"
# The id kinds of the app's routes, by URL argument.
COHORT_IDS = (
    "post_id",
    "reply_id",
    "meeting_id",
    "item_id",
    "membership_id",
    "user_id",
    "invitation_id",
    "flag_id",
    "value_id",
)
OWN_IDS = ("notification_id", "sign_in_id")  # outside the cohort subtree: the signed-in person's own
NOT_IDS = {
    "slug": "the cohort, walked as A's and as B's",
    "action": "a fixed word (any of the route's four)",
    "filename": "a static file",
    "token": "a signed token or a photo's random name, no id (calendar feeds below; photos: the walk's own)",
    "size": "a photo's size, a fixed word",
}
NOT_TENANT_DATA = {
    "admin.add_facilitator": "a site admin's action on any cohort; others get 403 (test_admin_routes_…)",
    "admin.suspend": "a site admin's action on any account; others get 403 (test_admin_routes_…)",
    "admin.reinstate": "a site admin's action on any account; others get 403 (test_admin_routes_…)",
    "admin.end_sign_ins": "a site admin's action on any account; others get 403 (test_admin_routes_…)",
}
# What a form might carry, so a view that acted before loading its object would act here.
FORM = {
    "body": "Probe text",
    "title": "Probe title",
    "kind": "challenge",
    "visibility": "attributed",
    "version": "1",
    "response": "yes",
    "reason": "Probe reason",
    "role": "facilitator",
    "status": "resolved",
    "text": "Probe commitment",
    "rating": "5",
    "comment": "Probe comment",
    "general": "Probe note",
    "value_id": "1",
    "scope": "this",
    "confirm": "y",
    "set": "1",
    "following": "1",
    "notes": "Probe notes",
}
NONCE = re.compile(r'nonce="[^"]*"')


@dataclass
class Side:
    slug: str
    facilitator: str
    member: str
    ids: dict[str, int] = field(default_factory=dict)


def _furnish(cohort: Cohort, facilitator: User, member: User, words: str) -> dict[str, int | str]:
    """One of each object kind in ``cohort``, every text holding ``words``: a post with a reply
    (which notifies its author), a session with an agenda item and a note, a flag, a value, an
    invitation, the member's photo; and the ids of each."""
    leading, taking_part = factories.member_of(facilitator, cohort), factories.member_of(member, cohort)
    post = factories.make_post(
        cohort, member, kind=PostKind.CHALLENGE, title=f"{words} post title", body=f"{words} body", tags=[words]
    )
    reply = post_ops.add_reply(leading, post, f"{words} reply text")
    meeting = factories.make_meeting(cohort, title=f"{words} session title", agenda=f"{words} agenda")
    item = meeting_ops.propose_item(taking_part, meeting, f"{words} agenda item")
    meeting_ops.save_notes(leading, meeting, f"{words} general note", {item.id: f"{words} item note"})
    flag = Flag(cohort_id=cohort.id, post_id=post.id, reporter_id=facilitator.id, reason=f"{words} flag reason")
    value = CohortValue(cohort_id=cohort.id, name=f"{words} value", position=99)
    db.session.add_all([flag, value])
    invitation = cohort_ops.create_invitation_link(leading, expires_at=utcnow() + timedelta(days=1), max_uses=5)
    account_ops.set_photo(member, factories.make_photo())
    db.session.flush()
    notification = db.session.execute(
        db.select(Notification.id).filter_by(user_id=member.id, reply_id=reply.id)
    ).scalar_one()
    return {
        "post_id": post.id,
        "reply_id": reply.id,
        "meeting_id": meeting.id,
        "item_id": item.id,
        "membership_id": taking_part.id,
        "user_id": member.id,
        "invitation_id": invitation.id,
        "flag_id": flag.id,
        "value_id": value.id,
        "notification_id": notification,
        "token": member.photo_token,
        "size": "large",
    }


def _sides(app: Flask) -> tuple[Side, Side]:
    with app.app_context():
        sides = []
        for words in ("Alpha", "Bravo"):
            cohort = factories.make_cohort(name=f"{words} cohort", slug=f"{words.lower()}-cohort")
            facilitator = factories.make_member(
                cohort, factories.make_user(name=f"{words} Facilitator"), role=Role.FACILITATOR
            )
            member = factories.make_member(cohort, factories.make_user(name=f"{words} Member"))
            ids = _furnish(cohort, facilitator.user, member.user, words)
            sides.append(Side(cohort.slug, facilitator.user.email, member.user.email, ids))
        db.session.commit()
    alpha, bravo = sides
    for side in sides:  # each signs in once, so that each has a device of its own
        signing_in = app.test_client()
        signing_in.login(side.member)
        with app.app_context():
            user = db.session.execute(db.select(User).filter_by(email=side.member)).scalar_one()
            side.ids["sign_in_id"] = db.session.execute(
                db.select(SignIn.id).filter_by(user_id=user.id).order_by(SignIn.id.desc())
            ).scalar()
    return alpha, bravo


def _missing_ids(app: Flask) -> dict[str, int]:
    """An id of each kind that no row has."""
    tables = {
        "post_id": "post",
        "reply_id": "reply",
        "meeting_id": "meeting",
        "item_id": "agenda_item",
        "membership_id": "membership",
        "user_id": "user",
        "invitation_id": "invitation",
        "flag_id": "flag",
        "value_id": "cohort_value",
        "notification_id": "notification",
        "sign_in_id": "sign_in",
    }
    with app.app_context():
        highest = {
            name: db.session.execute(db.func.max(db.metadata.tables[table].c.id).select()).scalar()
            for name, table in tables.items()
        }
    return {name: (value or 0) + 1000 for name, value in highest.items()}


def _id_arguments(rule) -> set[str]:
    return {name for name in rule.arguments if name not in NOT_IDS}


def _walked_rules(app: Flask):
    """The rules that take an object id, each checked to have a sample value of each kind it takes."""
    known = set(COHORT_IDS) | set(OWN_IDS)
    for rule in app.url_map.iter_rules():
        ids = _id_arguments(rule)
        if not ids or rule.endpoint in NOT_TENANT_DATA:
            continue
        assert ids <= known, f"{rule.rule} takes {ids - known}: give the tenancy walk a sample of it, or a reason"
        yield rule


def _url(rule, values: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^>:]+(?:\([^)]*\))?:)?{name}>", str(values[name]), url)
    return url


def _actions(rule) -> list[str]:
    return ["accept", "decline", "up", "down"] if "action" in rule.arguments else [""]


def _cases(app: Flask, slug: str, alpha: Side, bravo: Side, missing: dict[str, int]):
    """For each walked rule: every mix of A's and B's ids with at least one of B's, each beside the
    same URL with B's ids replaced by ids that do not exist."""
    for rule in _walked_rules(app):
        ids = sorted(_id_arguments(rule))
        for owners in itertools.product((alpha, bravo), repeat=len(ids)):
            if bravo not in owners:
                continue
            for action in _actions(rule):
                # A photo's name and size are B's: beside A's member they name no photo of A's either.
                probe = {"slug": slug, "action": action, "token": bravo.ids["token"], "size": bravo.ids["size"]}
                absent = dict(probe)
                for name, owner in zip(ids, owners, strict=True):
                    probe[name] = owner.ids[name]
                    absent[name] = missing[name] if owner is bravo else owner.ids[name]
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield method, _url(rule, probe), _url(rule, absent), rule.endpoint


def _snapshot(app: Flask) -> dict:
    with app.app_context():
        return {table.name: db.session.execute(table.select()).all() for table in db.metadata.sorted_tables}


def _comparable(html: str) -> str:
    """A page without what differs from one answer to the next: its CSRF tokens and script nonces."""
    return NONCE.sub("", CSRF_PATTERN.sub("", html))


class Visitor:
    """A signed-in browser sending each request three ways: GET, or POST with a valid token and a
    full form, or POST with a lapsed token (which a form that keeps drafts answers with its page)."""

    def __init__(self, app: Flask, email: str):
        self.client = app.test_client()
        self.client.login(email)
        self.token = self.client.csrf_token()

    def send(self, method: str, url: str, *, lapsed: bool = False):
        if method == "GET":
            return self.client.get(url)
        return self.client.post(url, data={**FORM, "csrf_token": "lapsed" if lapsed else self.token})


def _expected_status(app: Flask, endpoint: str, role: Role) -> int:
    """404, as for any id that does not exist; or 403 where the role may not use the view at all, which
    is answered before any id is looked up and so is the same for every id."""
    permission = getattr(app.view_functions[endpoint], "required_permission", None)
    held = permission is None or policy.has(SimpleNamespace(role=role), permission)
    return 404 if held else 403


def _walk(app: Flask, visitor: Visitor, cases, role: Role) -> int:
    walked = 0
    for method, url, absent_url, endpoint in cases:
        for lapsed in (False, True) if method == "POST" else (False,):
            how = f"{method}{' (lapsed token)' if lapsed else ''} {url}"
            absent = visitor.send(method, absent_url, lapsed=lapsed)
            response = visitor.send(method, url, lapsed=lapsed)
            assert response.status_code == absent.status_code, (
                f"{how} answered {response.status_code}, a missing id {absent.status_code}"
            )
            if not lapsed:
                expected = _expected_status(app, endpoint, role)
                assert response.status_code == expected, f"{how} answered {response.status_code}"
            assert _comparable(response.text) == _comparable(absent.text), f"{how} differs from a missing id"
            assert MARK not in response.text.lower(), f"{how} shows cohort B's words"
            assert "Location" not in response.headers, f"{how} redirects"
            walked += 1
    return walked


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_every_id_of_cohort_b_is_not_found_under_cohort_a(app, role):
    alpha, bravo = _sides(app)
    missing = _missing_ids(app)
    visitor = Visitor(app, getattr(alpha, role))
    before = _snapshot(app)
    walked = _walk(app, visitor, _cases(app, alpha.slug, alpha, bravo, missing), Role(role))
    assert walked > 100
    assert _snapshot(app) == before, "a request with cohort B's ids changed something"


def test_the_walk_covers_every_object_kind_and_reply_and_edit_and_delete(app):
    alpha, bravo = _sides(app)
    urls = {url for _method, url, _absent, _endpoint in _cases(app, alpha.slug, alpha, bravo, _missing_ids(app))}
    b = bravo.ids
    for expected in (
        f"/c/{alpha.slug}/posts/{b['post_id']}",
        f"/c/{alpha.slug}/posts/{b['post_id']}/edit",
        f"/c/{alpha.slug}/posts/{b['post_id']}/delete",
        f"/c/{alpha.slug}/posts/{b['post_id']}/replies",
        f"/c/{alpha.slug}/posts/{alpha.ids['post_id']}/replies/{b['reply_id']}/edit",
        f"/c/{alpha.slug}/posts/{b['post_id']}/replies/{b['reply_id']}/delete",
        f"/c/{alpha.slug}/sessions/{b['meeting_id']}.ics",
        f"/c/{alpha.slug}/sessions/{b['meeting_id']}/notes",
        f"/c/{alpha.slug}/sessions/{alpha.ids['meeting_id']}/agenda/{b['item_id']}/accept",
        f"/c/{alpha.slug}/members/{b['membership_id']}/remove",
        f"/c/{alpha.slug}/invitations/{b['invitation_id']}/revoke",
        f"/c/{alpha.slug}/flags/{b['flag_id']}/dismiss",
        f"/c/{alpha.slug}/values/{b['value_id']}/delete",
        f"/notifications/{b['notification_id']}/open",
        f"/account/devices/{b['sign_in_id']}/sign-out",
    ):
        assert expected in urls, expected


def test_a_route_with_an_id_the_walk_does_not_know_fails_it(app):
    app.add_url_rule("/c/<slug>/widgets/<int:widget_id>", "cohort.widgets.page", lambda **_: "widget")
    with pytest.raises(AssertionError, match="widget_id"):
        list(_walked_rules(app))


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_cohort_b_with_its_own_ids_is_not_found_for_a_member_of_a(app, role):
    alpha, bravo = _sides(app)
    visitor = Visitor(app, getattr(alpha, role))
    unknown = visitor.send("GET", "/c/no-such-cohort/")
    assert unknown.status_code == 404
    before = _snapshot(app)
    walked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/c/<slug>"):
            continue
        for action in _actions(rule):
            url = _url(rule, {**bravo.ids, "slug": bravo.slug, "action": action})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = visitor.send(method, url)
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
                assert _comparable(response.text) == _comparable(unknown.text), f"{method} {url} differs"
                assert MARK not in response.text.lower(), f"{method} {url} shows cohort B's words"
                walked += 1
    assert walked > 60
    assert _snapshot(app) == before


def test_admin_routes_with_ids_are_forbidden_to_a_facilitator_and_change_nothing(app):
    alpha, bravo = _sides(app)
    visitor = Visitor(app, alpha.facilitator)
    with app.app_context():
        cohort_id = db.session.execute(db.select(Cohort.id).filter_by(slug=bravo.slug)).scalar_one()
        user_id = db.session.execute(db.select(User.id).filter_by(email=bravo.member)).scalar_one()
    before = _snapshot(app)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_TENANT_DATA:
            url = _url(rule, {"cohort_id": cohort_id, "user_id": user_id})
            response = visitor.send("POST", url)
            assert response.status_code == 403, f"POST {url} answered {response.status_code}"
            assert MARK not in response.text.lower()
    assert _snapshot(app) == before


def test_lists_searches_and_suggestions_of_cohort_a_show_nothing_of_b(app):
    alpha, bravo = _sides(app)
    with app.app_context():
        bravo_author = db.session.execute(db.select(User.id).filter_by(email=bravo.member)).scalar_one()
    for role in ("member", "facilitator"):
        client = Visitor(app, getattr(alpha, role)).client
        cohort = f"/c/{alpha.slug}"
        for url, query in (
            (f"{cohort}/posts/", {"author": bravo_author}),
            (f"{cohort}/posts/", {"tag": "bravo"}),
            (f"{cohort}/members/mentions", {"q": "bra"}),
            (f"{cohort}/posts/", {"q": "brav"}),
            (f"{cohort}/posts/", {}),
            (f"{cohort}/sessions/", {}),
            (f"{cohort}/members", {}),
            (f"{cohort}/flags", {}),
            (f"{cohort}/values", {}),
            (f"{cohort}/invitations", {}),
            (f"{cohort}/audit", {}),
            ("/", {}),
            ("/notifications", {}),
        ):
            response = client.get(url, query_string=query)
            assert response.status_code in (200, 400, 403), (role, url, query, response.status_code)
            # Only the mark's first letters are typed, so a query echoed back cannot hold it.
            assert MARK not in response.text.lower(), (role, url, query)
        assert client.get(f"{cohort}/members/mentions", query_string={"q": "bravo"}).json == []


def test_a_calendar_feed_of_a_member_of_a_holds_none_of_b_and_a_made_up_token_opens_nothing(app):
    alpha, bravo = _sides(app)
    with app.app_context():
        token = db.session.execute(db.select(User.calendar_token).filter_by(email=alpha.member)).scalar_one()
    client = app.test_client()
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and "Alpha session title" in feed.text
    assert MARK not in feed.text.lower()
    for made_up in (token[:-1] + ("A" if token[-1] != "A" else "B"), "0", "x" * 64):
        response = client.get(f"/calendar/{made_up}.ics")
        assert response.status_code == 404 and MARK not in response.text.lower()


def test_ids_of_cohort_b_sent_in_a_form_body_reach_nothing(app):
    """Ids also travel in forms: a value to thank with, notifications to mark read, a challenge to bring
    to a session, a handle to mention. Cohort B's are refused or ignored, and nothing of B changes."""
    alpha, bravo = _sides(app)
    a, b = alpha.ids, bravo.ids
    facilitator, member = Visitor(app, alpha.facilitator), Visitor(app, alpha.member)
    with app.app_context():
        bravo_handle = db.session.execute(db.select(User.handle).filter_by(email=bravo.member)).scalar_one()
        alpha_handle = db.session.execute(db.select(User.handle).filter_by(email=alpha.facilitator)).scalar_one()
    before = _snapshot(app)
    cohort = f"/c/{alpha.slug}"
    thanked = facilitator.client.post(
        f"{cohort}/posts/{a['post_id']}/thanks",
        data={"csrf_token": facilitator.token, "set": "1", "value_id": b["value_id"]},
    )
    assert thanked.status_code == 404 and MARK not in thanked.text.lower()
    member.client.post("/notifications/read", data={"csrf_token": member.token, "id": [b["notification_id"]]})
    proposed = member.client.post(
        f"{cohort}/sessions/{a['meeting_id']}/agenda",
        data={"csrf_token": member.token, "title": "Bring theirs", "post_id": b["post_id"]},
    )
    assert proposed.status_code in (404, 422) and MARK not in proposed.text.lower()
    assert _snapshot(app) == before, "an id of cohort B in a form changed something"

    shared = member.client.post(
        f"{cohort}/posts/new",
        data={
            "csrf_token": member.token,
            "kind": "story",
            "title": "Asking across",
            "body": f"What would @{bravo_handle} or @{alpha_handle} do?",
            "visibility": "attributed",
        },
    )
    assert shared.status_code == 302
    thread = member.client.get(shared.headers["Location"]).text
    assert f">@{alpha_handle}</a>" in thread  # a member of A is linked …
    assert f"@{bravo_handle}" in thread and f">@{bravo_handle}</a>" not in thread  # … one of B stays as typed
    with app.app_context():
        bravo_ids = set(
            db.session.execute(db.select(User.id).where(User.email.in_([bravo.member, bravo.facilitator]))).scalars()
        )
        table = db.metadata.tables["notification"]
        after = db.session.execute(table.select()).all()
    told = [row for row in after if row.user_id in bravo_ids]
    assert told == [row for row in before["notification"] if row.user_id in bravo_ids], "B was told of A's post"
