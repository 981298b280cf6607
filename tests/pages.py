"""Every page of the site, by endpoint, on a scene that puts something on each of them.

The browser walk screenshots and checks these pages; the query-count test measures them.
A new page must be added here (``unlisted_pages`` finds any that is not).
"""

from dataclasses import dataclass

from flask import Flask, url_for

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Cohort, Flag, PostKind, User
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow
from cohort.tokens import password_reset_token

from . import factories

# Endpoints that answer GET with something other than a page to look at.
NOT_PAGES = {
    "static": "files",
    "home.healthz": "a status for load balancers",
    "calendar.feed": "a calendar feed",
    "cohort.meetings.ics": "a calendar file",
    "auth.confirm_email": "confirms and redirects",
}


@dataclass
class Scene:
    slug: str
    post_id: int
    own_reply_id: int
    meeting_id: int
    invitation_url: str
    reset_url: str


def furnish(cohort: Cohort, facilitator: User, advisor: User, second: User) -> Scene:
    """Something on every page the facilitator (who also runs the site) can open: their own
    challenge with advice, a flag and a result; a coming session with an agenda; an open
    invitation; and a password-reset link for a member. Needs a request context, for links."""
    facilitator.is_admin = True
    post = factories.make_post(
        cohort,
        facilitator,
        kind=PostKind.CHALLENGE,
        title="Fracture clinic backlog",
        body="Waits are **14 days**. What worked for you?",
        tags=["outpatients"],
    )
    leading = factories.member_of(facilitator, cohort)
    advice = post_ops.add_reply(factories.member_of(advisor, cohort), post, "Review referrals virtually.")
    own_reply = post_ops.add_reply(leading, post, "Which referrals first?", advice)
    meeting = factories.make_meeting(cohort)
    meeting_ops.propose_item(leading, meeting, "Fracture clinic backlog", post)
    post_ops.record_outcome(leading, post, "We did it.", [ResultRow("Virtual care plans", "%", 0, 60, "Jan–Jun 2026")])
    db.session.add(Flag(cohort_id=cohort.id, reply_id=advice.id, reporter_id=second.id, reason="Names a patient."))
    (invitation,) = cohort_ops.invite_by_email(leading, ["new.ceo@riverside.example.org"])
    reset_url = url_for("auth.reset_password", token=password_reset_token(second), _external=True)
    db.session.commit()
    return Scene(cohort.slug, post.id, own_reply.id, meeting.id, cohort_ops.invitation_url(invitation), reset_url)


def public_pages(scene: Scene) -> dict[str, str]:
    """Pages seen before signing in."""
    return {
        "auth.login": "/login",
        "auth.forgot_password": "/forgot-password",
        "auth.invitation": scene.invitation_url,
        "auth.reset_password": scene.reset_url,
    }


def member_pages(scene: Scene) -> dict[str, str]:
    """Pages the facilitator sees, by endpoint (or a name of its own where one endpoint shows two)."""
    cohort = f"/c/{scene.slug}"
    post = f"{cohort}/posts/{scene.post_id}"
    session = f"{cohort}/sessions/{scene.meeting_id}"
    return {
        "home.dashboard": "/",
        "auth.account": "/account",
        "admin.cohorts": "/admin/cohorts",
        "cohort.cohorts.home": f"{cohort}/",
        "cohort.cohorts.charter": f"{cohort}/charter",
        "cohort.cohorts.members": f"{cohort}/members",
        "cohort.cohorts.invitations": f"{cohort}/invitations",
        "cohort.cohorts.settings": f"{cohort}/settings",
        "cohort.cohorts.leave": f"{cohort}/leave",
        "cohort.posts.index": f"{cohort}/posts/",
        "search": f"{cohort}/posts/?q=fracture",
        "cohort.posts.new": f"{cohort}/posts/new?kind=story",
        "cohort.posts.thread": post,
        "cohort.posts.edit": f"{post}/edit",
        "cohort.replies.edit": f"{post}/replies/{scene.own_reply_id}/edit",
        "cohort.loop.commitment": f"{post}/try",
        "cohort.loop.outcome": f"{post}/outcome",
        "cohort.moderation.flags": f"{cohort}/flags",
        "cohort.recognition.values": f"{cohort}/values",
        "cohort.meetings.index": f"{cohort}/sessions/",
        "cohort.meetings.new": f"{cohort}/sessions/new",
        "cohort.meetings.detail": session,
        "cohort.meetings.edit": f"{session}/edit",
        "cohort.meetings.cancel": f"{session}/cancel",
        "cohort.participation.notes": f"{session}/notes",
        "auth.logout": "/logout",
        "not-found": "/c/no-such-cohort/",
    }


def expected_status(name: str) -> int:
    return 404 if name == "not-found" else 200


def unlisted_pages(app: Flask) -> set[str]:
    """Endpoints answering GET that are neither listed above nor known not to be pages."""
    placeholder = Scene("slug", 1, 1, 1, "", "")
    listed = set(public_pages(placeholder)) | set(member_pages(placeholder)) | set(NOT_PAGES)
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods} - listed


def misnamed_pages(app: Flask, scene: Scene) -> dict[str, str]:
    """Listed pages whose address leads to another endpoint than the one they are listed under."""
    routes = app.url_map.bind("cohort.test")
    wrong = {}
    for name, url in {**public_pages(scene), **member_pages(scene)}.items():
        path = url.split("cohort.test", 1)[-1].split("?", 1)[0]
        if expected_status(name) == 200 and name in app.view_functions:
            endpoint, _arguments = routes.match(path)
            if endpoint != name:
                wrong[name] = endpoint
    return wrong
