"""People and cohorts for the journeys, written through the app's own code."""

import itertools
from dataclasses import dataclass

from flask import url_for

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.models import Flag
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow
from cohort.tokens import password_reset_token

from .. import factories

_run = itertools.count(1)


@dataclass
class Cast:
    slug: str
    cohort_name: str
    facilitator: str
    advisor: str
    second_advisor: str
    outsider: str
    password: str = factories.TEST_PASSWORD


def cast(server) -> Cast:
    """A cohort with a facilitator and two members, and someone from another cohort."""
    number = next(_run)
    with server.app.app_context():
        cohort = factories.make_cohort(
            slug=f"journey-{number}", name=f"Journey Cohort {number}", charter="We keep **confidences**."
        )
        facilitator = factories.make_member(
            cohort, factories.make_user(name="Miriam Okafor", timezone="Europe/London"), role=factories.Role.FACILITATOR
        )
        advisor = factories.make_member(cohort, factories.make_user(name="Priya Raman", timezone="Australia/Sydney"))
        second = factories.make_member(
            cohort, factories.make_user(name="Tom Lindqvist", timezone="America/Los_Angeles")
        )
        other = factories.make_cohort()
        outsider = factories.make_member(other, factories.make_user(name="Olu Outside"))
        db.session.commit()
        return Cast(
            cohort.slug, cohort.name, facilitator.user.email, advisor.user.email, second.user.email, outsider.user.email
        )


@dataclass
class Content:
    post_id: int
    own_reply_id: int
    meeting_id: int
    invitation_url: str
    reset_url: str


def content(server, people: Cast) -> Content:
    """Something on every page the facilitator (who also runs the site) can open: their own
    challenge with advice, a flag and a result; a coming session with an agenda; an open
    invitation; and a password-reset link for a member."""
    with server.app.test_request_context(base_url=server.url):
        cohort = cohort_ops.find_cohort(people.slug)
        facilitator = cohort_ops.find_user(people.facilitator)
        facilitator.is_admin = True
        post = factories.make_post(
            cohort,
            facilitator,
            kind=factories.PostKind.CHALLENGE,
            title="Fracture clinic backlog",
            body="Waits are **14 days**. What worked for you?",
            tags=["outpatients"],
        )
        advice = post_ops.add_reply(post, cohort_ops.find_user(people.advisor), "Review referrals virtually.", None)
        own_reply = post_ops.add_reply(post, facilitator, "Which referrals first?", advice)
        post_ops.record_outcome(post, "We did it.", [ResultRow("Virtual care plans", "%", 0, 60, "Jan–Jun 2026")])
        db.session.add(
            Flag(cohort_id=cohort.id, reply_id=advice.id, reporter_id=own_reply.author_id, reason="Names a patient.")
        )
        meeting = factories.make_meeting(cohort)
        meeting_ops.propose_item(meeting, facilitator, "Fracture clinic backlog", post, accepted=True)
        (invitation,) = cohort_ops.invite_by_email(cohort, ["new.ceo@riverside.example.org"], facilitator)
        reset_url = url_for(
            "auth.reset_password",
            token=password_reset_token(cohort_ops.find_user(people.second_advisor)),
            _external=True,
        )
        db.session.commit()
        return Content(post.id, own_reply.id, meeting.id, cohort_ops.invitation_url(invitation), reset_url)
