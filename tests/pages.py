"""Every page of the site, by endpoint, on a scene that puts something on each of them.

The browser walk screenshots and checks these pages; the query-count test measures them and
the HTML test validates them. A new page must be added here (``unlisted_pages`` finds any that
is not).
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pyotp
from flask import Flask, url_for
from flask.testing import FlaskClient

from cohort.auth import two_factor
from cohort.cohorts import letters as cohort_letters
from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import (
    Attendance,
    Cohort,
    CohortValue,
    Flag,
    Meeting,
    NotificationKind,
    Post,
    PostKind,
    RsvpResponse,
    Thanks,
    User,
)
from cohort.moderation import ops as moderation_ops
from cohort.notifications.tokens import unsubscribe_token
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow
from cohort.recognition import ops as recognition_ops
from cohort.tokens import email_confirmation_token, password_reset_token
from cohort.uploads.attachments import Upload

from . import factories

# Endpoints that answer GET with something other than a page to look at.
NOT_PAGES = {
    "static": "files",
    "home.healthz": "a status for load balancers",
    "home.favicon": "a redirect to the site's icon",
    "monitoring.metrics": "figures for a Prometheus scraper (tests/test_monitoring.py)",
    "calendar.feed": "a calendar feed",
    "cohort.meetings.ics": "a calendar file",
    "auth.download_data": "a JSON file of the person's own data (tests/auth/test_personal_data.py)",
    "notifications.open_notification": "marks a notification read and redirects to its place",
    # JSON for the suggestions under a text box; tests/cohorts/test_mentions.py measures it.
    "cohort.cohorts.mention_suggestions": "members to mention, as JSON",
    "auth.own_photo": "an image (tests/auth/test_photos.py)",
    "cohort.cohorts.member_photo": "an image (tests/auth/test_photos.py)",
    "cohort.posts.attachment": "a file attached to a post (tests/posts/test_attachments.py)",
    "cohort.meetings.attachment": "a file published with notes (tests/meetings/test_note_files.py)",
}
_serial = itertools.count()


@dataclass
class Scene:
    slug: str
    post_id: int
    own_reply_id: int
    meeting_id: int
    invitation_url: str
    reset_url: str
    open_challenge_id: int = 1
    unsubscribe_url: str = "/unsubscribe/none"
    announcement_id: int = 1
    confirm_url: str = "/confirm-email/none"
    two_factor_email: str = ""
    story_id: int = 1
    past_meeting_id: int = 1
    advice_id: int = 1
    advisor_id: int = 1


def furnish(cohort: Cohort, facilitator: User, advisor: User, second: User) -> Scene:
    """Something on every page the facilitator (who also runs the site) can open: their own
    challenge with advice, a flag and a result; a pinned announcement with a question; a coming
    session with an agenda; an open invitation; a password-reset link for a member; two-factor
    sign-in being set up (its QR code on the page); and an account with it on, for the code page.
    Needs a request context, for links."""
    facilitator.is_admin = True
    two_factor.begin(facilitator)
    guarded = factories.make_user()
    secret = two_factor.begin(guarded)
    two_factor.confirm(guarded, factories.TEST_PASSWORD, pyotp.TOTP(secret).now(), keep="")
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
    own_reply = post_ops.add_reply(
        leading, post, "Which referrals first?", advice, files=[Upload("referrals.pdf", factories.PDF)]
    )
    post_ops.set_helpful(leading, advice, True)
    post_ops.record_commitment(leading, post, "Virtual review of **stable** injuries for six weeks.")
    meeting = factories.make_meeting(cohort)
    meeting_ops.propose_item(leading, meeting, "Fracture clinic backlog", post)
    post_ops.record_outcome(leading, post, "We did it.", [ResultRow("Virtual care plans", "%", 0, 60, "Jan–Jun 2026")])
    db.session.add(Flag(cohort_id=cohort.id, reply_id=advice.id, reporter_id=second.id, reason="Names a patient."))
    (invitation,) = cohort_ops.invite_by_email(leading, ["new.ceo@riverside.example.org"])
    reset_url = url_for("auth.reset_password", token=password_reset_token(second), _external=True)
    newcomer = factories.make_user(email_confirmed_at=None)
    confirm_url = url_for("auth.confirm_email", token=email_confirmation_token(newcomer), _external=True)
    waiting = factories.make_post(cohort, advisor, kind=PostKind.CHALLENGE, title="Winter bed pressures")
    announcement = factories.make_post(
        cohort,
        facilitator,
        kind=PostKind.ANNOUNCEMENT,
        title="Next session: making room to lead differently",
        body="Bring **one task** you could hand over or stop.\n\n- a recurring meeting\n- a report no one reads",
    )
    post_ops.add_reply(factories.member_of(advisor, cohort), announcement, "Can I bring my deputy?")
    story = factories.make_post(cohort, advisor, title="Virtual care plans", body="Referrals by **phone**.")
    held = [ResultRow("Waits", "days", 9, 3, "")]
    post_ops.record_outcome(factories.member_of(advisor, cohort), story, "It held.", held)
    reader = factories.member_of(second, cohort)
    post_ops.set_adoption(reader, story, True)
    recognition_ops.thank(reader, story)
    hidden = post_ops.add_reply(reader, post, "A reply a facilitator hid.")
    moderation_ops.hide(leading, hidden)
    moderation_ops.hide(leading, factories.make_post(cohort, second, title="A post a facilitator hid"))
    past = factories.make_meeting(cohort, start=datetime.now(ZoneInfo("Europe/London")) - timedelta(days=20))
    # Written as rows: the attendance form lists only those who were members then, and these joined now.
    db.session.add_all([Attendance(meeting_id=past.id, user_id=user.id) for user in (advisor, second)])
    db.session.flush()
    meeting_ops.give_feedback(factories.member_of(advisor, cohort), past, 5, "Useful, thank you.")
    meeting_ops.save_notes(leading, past, "We agreed to try it.", {}, [Upload("slides.pdf", factories.PDF)])
    meeting_ops.save_notes(leading, meeting, "", {}, [Upload("pre-read.pdf", factories.PDF)])  # on its notes page
    db.session.commit()
    return Scene(
        cohort.slug,
        post.id,
        own_reply.id,
        meeting.id,
        cohort_letters.invitation_url(invitation),
        reset_url,
        waiting.id,
        url_for("notifications.unsubscribe", token=unsubscribe_token(second.id, NotificationKind.THANKS)),
        announcement.id,
        confirm_url,
        guarded.email,
        story.id,
        past.id,
        advice_id=advice.id,
        advisor_id=advisor.id,
    )


def grow(scene: Scene, people: SimpleNamespace, times: int) -> None:
    """Add ``times`` of everything a page lists to the cohort of the ``people`` fixture: members,
    posts, replies, thanks, flags, tags, results, sessions, answers, agenda items, invitations,
    values and other cohorts. Needs a request context, for links."""
    cohort = db.session.get(Cohort, people.cohort_id)
    facilitator = cohort_ops.find_user(people.facilitator)
    post = db.session.get(Post, scene.post_id)
    meeting = db.session.get(Meeting, scene.meeting_id)
    start = datetime.now(ZoneInfo("Europe/London")) + timedelta(days=10)
    for _ in range(times):
        number = next(_serial)
        membership = factories.make_member(cohort)
        member = membership.user
        acting = factories.member_of(facilitator, cohort)
        value = CohortValue(cohort_id=cohort.id, name=f"Value {number}", position=number + 10)
        db.session.add(value)
        story = factories.make_post(cohort, member, tags=[f"tag-{number}"], body="A fracture clinic story.")
        post_ops.record_outcome(membership, story, "It worked.", [ResultRow("Waits", "days", 14, 4, "")])
        challenge = factories.make_post(cohort, member, kind=PostKind.CHALLENGE, title=f"Fracture question {number}")
        announcement = factories.make_post(cohort, facilitator, kind=PostKind.ANNOUNCEMENT, title=f"News {number}")
        post_ops.add_reply(membership, announcement, f"Question {number}")
        advice = post_ops.add_reply(
            membership,
            post,
            f"Advice {number}",
            files=[Upload(f"protocol-{number}.pdf", factories.PDF), Upload("chart.png", factories.make_png())],
        )
        post_ops.set_helpful(acting, advice, True)
        post_ops.add_reply(acting, post, f"Answer {number}", advice)
        post_ops.add_reply(acting, challenge, "A thought")
        # Each thanks, adoption and reply by someone new, so that a page loading people one by one
        # would show here (one person for all of them would be loaded once).
        reader = factories.make_member(cohort)
        db.session.flush()
        db.session.add(Thanks(reply_id=advice.id, user_id=reader.user_id, value_id=value.id))
        db.session.add(Flag(cohort_id=cohort.id, reply_id=advice.id, reporter_id=member.id, reason="Please look."))
        post_ops.set_adoption(reader, story, True)
        story_shown = db.session.get(Post, scene.story_id)
        post_ops.set_adoption(membership, story_shown, True)
        recognition_ops.thank(membership, story_shown)
        told = post_ops.add_reply(reader, story_shown, f"Adopting it {number}")
        recognition_ops.thank(membership, told, value.id)
        moderation_ops.hide(acting, post_ops.add_reply(reader, post, f"Hidden {number}"))
        past = db.session.get(Meeting, scene.past_meeting_id)
        db.session.add(Attendance(meeting_id=past.id, user_id=member.id))
        db.session.flush()
        meeting_ops.give_feedback(membership, past, 1 + number % 5, f"Feedback {number}")
        meeting_ops.save_notes(acting, past, f"Notes {number}", {}, [Upload(f"slides-{number}.pdf", factories.PDF)])
        meeting_ops.answer(membership, meeting, RsvpResponse.YES if number % 2 else RsvpResponse.MAYBE)
        meeting_ops.propose_item(acting if number % 2 == 0 else membership, meeting, f"Item {number}", challenge)
        post_ops.record_outcome(membership, challenge, "It moved.", [ResultRow("Waits", "days", 30, 12, "")])
        factories.make_meeting(cohort, start=start + timedelta(days=number), title=f"Extra session {number}")
        cohort_ops.invite_by_email(acting, [f"guest{number}@trust.example.org"])
        elsewhere = factories.make_cohort()
        factories.make_member(elsewhere, facilitator)
        factories.make_meeting(elsewhere, start=start + timedelta(days=number, hours=1))
    db.session.commit()


def set_scene(app: Flask, people: SimpleNamespace) -> Scene:
    """The scene in the cohort of the ``people`` fixture, its facilitator signing in, grown once."""
    with app.test_request_context(base_url="http://cohort.test"):
        cohort = db.session.get(Cohort, people.cohort_id)
        advisor = factories.make_member(cohort).user
        facilitator = cohort_ops.find_user(people.facilitator)
        scene = furnish(cohort, facilitator, advisor, cohort_ops.find_user(people.member))
        grow(scene, people, 1)
    return scene


def visits(app: Flask, scene: Scene, email: str) -> Iterator[tuple[str, str, FlaskClient]]:
    """Each page's name and address with the client that opens it: anonymous for the public
    pages, halfway through signing in to the account with two-factor sign-in for the code page,
    then signed in as ``email``."""
    anonymous = app.test_client()
    for name, url in public_pages(scene).items():
        yield name, url, anonymous
    halfway = app.test_client()
    halfway.login(scene.two_factor_email)
    for name, url in halfway_pages(scene).items():
        yield name, url, halfway
    reader = app.test_client()
    reader.login(email)
    for name, path in member_pages(scene).items():
        yield name, path, reader


def public_pages(scene: Scene) -> dict[str, str]:
    """Pages seen before signing in."""
    return {
        "auth.login": "/login",
        "auth.forgot_password": "/forgot-password",
        "auth.invitation": scene.invitation_url,
        "auth.reset_password": scene.reset_url,
        "auth.confirm_email": scene.confirm_url,
        "notifications.unsubscribe": scene.unsubscribe_url,
    }


def halfway_pages(scene: Scene) -> dict[str, str]:
    """Pages seen after the right password of ``scene.two_factor_email``, before its code."""
    return {"auth.two_factor_code": "/login/code"}


def member_pages(scene: Scene) -> dict[str, str]:
    """Pages the facilitator sees, by endpoint (or a name of its own where one endpoint shows two)."""
    cohort = f"/c/{scene.slug}"
    post = f"{cohort}/posts/{scene.post_id}"
    session = f"{cohort}/sessions/{scene.meeting_id}"
    return {
        "home.dashboard": "/",
        "auth.account": "/account",
        "auth.delete_account": "/account/delete",
        "auth.two_factor": "/account/two-factor",
        "notifications.index": "/notifications",
        "admin.cohorts": "/admin/cohorts",
        "admin.outbox": "/admin/outbox",
        "admin.audit": "/admin/audit",
        "admin.people": "/admin/people",
        "cohort.cohorts.home": f"{cohort}/",
        "cohort.cohorts.charter": f"{cohort}/charter",
        "cohort.cohorts.members": f"{cohort}/members",
        "cohort.cohorts.profile": f"{cohort}/members/{scene.advisor_id}",
        "cohort.cohorts.invitations": f"{cohort}/invitations",
        "cohort.cohorts.settings": f"{cohort}/settings",
        "cohort.audit.index": f"{cohort}/audit",
        "cohort.cohorts.leave": f"{cohort}/leave",
        "cohort.posts.index": f"{cohort}/posts/",
        "search": f"{cohort}/posts/?q=fracture",
        "cohort.posts.new": f"{cohort}/posts/new?kind=story",
        "cohort.posts.thread": post,
        "announcement": f"{cohort}/posts/{scene.announcement_id}",
        "story": f"{cohort}/posts/{scene.story_id}",
        "cohort.posts.edit": f"{post}/edit",
        "cohort.replies.edit": f"{post}/replies/{scene.own_reply_id}/edit",
        "cohort.loop.commitment": f"{post}/try",
        "cohort.loop.outcome": f"{post}/outcome",
        "cohort.loop.propose": f"{cohort}/posts/{scene.open_challenge_id}/propose",
        "cohort.moderation.flags": f"{cohort}/flags",
        "cohort.recognition.values": f"{cohort}/values",
        "cohort.meetings.index": f"{cohort}/sessions/",
        "cohort.meetings.new": f"{cohort}/sessions/new",
        "cohort.meetings.detail": session,
        "past session": f"{cohort}/sessions/{scene.past_meeting_id}",
        "cohort.meetings.pre_read": f"{session}/pre-read",
        "cohort.meetings.edit": f"{session}/edit",
        "cohort.meetings.cancel": f"{session}/cancel",
        "cohort.participation.notes": f"{session}/notes",
        "auth.logout": "/logout",
        "not-found": "/c/no-such-cohort/",
        "cohort.replies.answer": f"{post}/replies/{scene.advice_id}/reply",
        "cohort.recognition.thank_reply_page": f"{post}/replies/{scene.advice_id}/thank",
        "cohort.moderation.flag_reply_page": f"{post}/replies/{scene.advice_id}/report",
    }


def expected_status(name: str) -> int:
    return 404 if name == "not-found" else 200


def unlisted_pages(app: Flask) -> set[str]:
    """Endpoints answering GET that are neither listed above nor known not to be pages."""
    placeholder = Scene("slug", 1, 1, 1, "", "")
    listed = set(public_pages(placeholder)) | set(halfway_pages(placeholder)) | set(member_pages(placeholder))
    listed |= set(NOT_PAGES)
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods} - listed


def misnamed_pages(app: Flask, scene: Scene) -> dict[str, str]:
    """Listed pages whose address leads to another endpoint than the one they are listed under."""
    routes = app.url_map.bind("cohort.test")
    wrong = {}
    for name, url in {**public_pages(scene), **halfway_pages(scene), **member_pages(scene)}.items():
        path = url.split("cohort.test", 1)[-1].split("?", 1)[0]
        if expected_status(name) == 200 and name in app.view_functions:
            endpoint, _arguments = routes.match(path)
            if endpoint != name:
                wrong[name] = endpoint
    return wrong
