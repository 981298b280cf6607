"""Demo data: an international cohort of hospital chief executives."""

from sqlalchemy import select

from .cohorts import ops
from .extensions import db
from .models import Cohort, Role, User, utcnow

DEMO_PASSWORD = "cohort-demo-2026"
DEMO_SLUG = "international-ceo-cohort"

CHARTER = """\
We are chief executives who meet to get better at leading improvement. We agree to:

1. **Keep what is said here, here.** Stories and challenges stay inside the cohort.
   Outside it, we share what we learned, never who said it.
2. **Speak with candour.** Bring the real problem, including the parts that did not work.
3. **Respect one another.** Listen fully, disagree with ideas rather than people,
   and assume good intent.
4. **Protect psychological safety.** Anyone may say "I don't know" or "I got this wrong".
5. **Start small and measure.** Share the numbers behind a story, before and after.
6. **Make time for what matters.** Come prepared, and follow up on what we said we would try.
"""

DESCRIPTION = (
    "A monthly circle for chief executives of hospital trusts and health systems in four countries: "
    "stories of small improvements that worked, challenges we want help with, and advice from peers."
)

FACILITATOR = {
    "email": "miriam.okafor@improvement-institute.example.org",
    "name": "Dr Miriam Okafor",
    "organisation": "Improvement Institute",
    "job_title": "Director of Leadership Programmes",
    "timezone": "Europe/London",
    "bio": "Has run peer cohorts for NHS chief executives since 2019.",
}

CEOS = [
    {
        "email": "sarah.whitfield@northbridge-nhs.example.org",
        "name": "Sarah Whitfield",
        "organisation": "Northbridge University Hospitals NHS Trust",
        "job_title": "Chief Executive",
        "timezone": "Europe/London",
        "bio": "Former emergency physician. Working on outpatient backlogs and fracture-clinic virtual care.",
    },
    {
        "email": "daniel.reyes@hudsonvalleyhealth.example.org",
        "name": "Daniel Reyes",
        "organisation": "Hudson Valley Health System",
        "job_title": "President and Chief Executive Officer",
        "timezone": "America/New_York",
        "bio": "Leads a five-hospital system; focused on staff retention and daily management.",
    },
    {
        "email": "priya.raman@harbourside-health.example.org",
        "name": "Priya Raman",
        "organisation": "Harbourside Local Health District",
        "job_title": "Chief Executive",
        "timezone": "Australia/Sydney",
        "bio": "Nurse by training. Building a quality management system across three campuses.",
    },
    {
        "email": "tom.lindqvist@cascade-medical.example.org",
        "name": "Tom Lindqvist",
        "organisation": "Cascade Regional Medical Center",
        "job_title": "Chief Executive Officer",
        "timezone": "America/Los_Angeles",
        "bio": "Seattle. Interested in leader standard work and psychological safety on night shifts.",
    },
]

ADMIN = {
    "email": "admin@cohort.example.org",
    "name": "Site Administrator",
    "organisation": "Cohort",
    "job_title": "Administrator",
    "timezone": "Europe/London",
    "bio": "",
}


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, email, password) for every demo account."""
    return [("site admin", ADMIN["email"], DEMO_PASSWORD), ("facilitator", FACILITATOR["email"], DEMO_PASSWORD)] + [
        ("member", person["email"], DEMO_PASSWORD) for person in CEOS
    ]


def _user(details: dict, *, admin: bool = False) -> User:
    user = User(**details, is_admin=admin)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


def seed_demo() -> bool:
    """Create the demo cohort and its people; False if they are already there."""
    if db.session.execute(select(Cohort.id).where(Cohort.slug == DEMO_SLUG)).first() is not None:
        return False
    _user(ADMIN, admin=True)
    cohort = ops.create_cohort(
        DEMO_SLUG,
        "International CEO Cohort",
        description=DESCRIPTION,
        charter=CHARTER,
        timezone="Europe/London",
    )
    facilitator = ops.add_member(cohort, _user(FACILITATOR), Role.FACILITATOR)
    facilitator.charter_accepted_at = utcnow()
    for person in CEOS:
        membership = ops.add_member(cohort, _user(person))
        membership.charter_accepted_at = utcnow()
    db.session.commit()
    return True
