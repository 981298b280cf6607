"""People and cohorts for the journeys, written through the app's own code."""

import itertools
from dataclasses import dataclass

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db

from .. import factories
from ..pages import Scene, furnish

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


def content(server, people: Cast) -> Scene:
    """Something on every page, in the cast's cohort (see ``tests/pages.py``)."""
    with server.app.test_request_context(base_url=server.url):
        return furnish(
            cohort_ops.find_cohort(people.slug),
            cohort_ops.find_user(people.facilitator),
            cohort_ops.find_user(people.advisor),
            cohort_ops.find_user(people.second_advisor),
        )
