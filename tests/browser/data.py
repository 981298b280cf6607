"""People and cohorts for the journeys, written through the app's own code."""

import itertools
from dataclasses import dataclass

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.posts import ops as post_ops
from cohort.posts.ops import ResultRow

from .. import factories

_run = itertools.count(1)


@dataclass
class Cast:
    slug: str
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
        return Cast(cohort.slug, facilitator.user.email, advisor.user.email, second.user.email, outsider.user.email)


@dataclass
class Content:
    post_id: int
    meeting_id: int


def content(server, people: Cast) -> Content:
    """A challenge with advice and a result, and a coming session, in the cast's cohort."""
    with server.app.app_context():
        cohort = cohort_ops.find_cohort(people.slug)
        author = cohort_ops.find_user(people.advisor)
        post = factories.make_post(
            cohort,
            author,
            kind=factories.PostKind.CHALLENGE,
            title="Fracture clinic backlog",
            body="Waits are **14 days**. What worked for you?",
            tags=["outpatients"],
        )
        advice = post_ops.add_reply(post, cohort_ops.find_user(people.facilitator), "Review referrals virtually.", None)
        post_ops.add_reply(post, cohort_ops.find_user(people.second_advisor), "Which referrals first?", advice)
        post_ops.record_outcome(post, "We did it.", [ResultRow("Virtual care plans", "%", 0, 60, "Jan–Jun 2026")])
        meeting = factories.make_meeting(cohort)
        db.session.commit()
        return Content(post.id, meeting.id)
