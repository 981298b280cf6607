"""Demo data: an international cohort of hospital chief executives."""

from datetime import date, time, timedelta

from sqlalchemy import select

from . import handles
from .cohorts import ops
from .extensions import db
from .meetings import ops as meeting_ops
from .meetings.schedule import plan_sessions
from .models import (
    AgendaItem,
    AgendaStatus,
    Cohort,
    CohortValue,
    Membership,
    PostKind,
    Role,
    RsvpResponse,
    Thanks,
    User,
    Visibility,
    utcnow,
)
from .posts import ops as post_ops
from .posts.ops import ResultRow

DEMO_PASSWORD = "cohort-demo-2026"  # noqa: S105 (the demo logins are printed for everyone)
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
    "country": "GB",
    "bio": "Has run peer cohorts for NHS chief executives since 2019.",
}

CEOS = [
    {
        "email": "sarah.whitfield@northbridge-nhs.example.org",
        "name": "Sarah Whitfield",
        "organisation": "Northbridge University Hospitals NHS Trust",
        "country": "GB",
        "job_title": "Chief Executive",
        "timezone": "Europe/London",
        "bio": "Former emergency physician. Working on outpatient backlogs and fracture-clinic virtual care.",
    },
    {
        "email": "daniel.reyes@hudsonvalleyhealth.example.org",
        "name": "Daniel Reyes",
        "organisation": "Hudson Valley Health System",
        "country": "US",
        "job_title": "President and Chief Executive Officer",
        "timezone": "America/New_York",
        "bio": "Leads a five-hospital system; focused on staff retention and daily management.",
    },
    {
        "email": "priya.raman@harbourside-health.example.org",
        "name": "Priya Raman",
        "organisation": "Harbourside Local Health District",
        "country": "AU",
        "job_title": "Chief Executive",
        "timezone": "Australia/Sydney",
        "bio": "Nurse by training. Building a quality management system across three campuses.",
    },
    {
        "email": "tom.lindqvist@cascade-medical.example.org",
        "name": "Tom Lindqvist",
        "organisation": "Cascade Regional Medical Center",
        "country": "US",
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


JOINED_DAYS_AGO = 120


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, email, password) for every demo account."""
    return [("site admin", ADMIN["email"], DEMO_PASSWORD), ("facilitator", FACILITATOR["email"], DEMO_PASSWORD)] + [
        ("member", person["email"], DEMO_PASSWORD) for person in CEOS
    ]


def _user(details: dict, *, admin: bool = False) -> User:
    user = User(**details, is_admin=admin, email_confirmed_at=utcnow())
    user.set_password(DEMO_PASSWORD)
    handles.save_with_handle(user)
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
    ceos = [ops.add_member(cohort, _user(person)) for person in CEOS]
    for membership in (facilitator, *ceos):
        # Members since before the series began, as in a cohort that has met for months.
        membership.joined_at = utcnow() - timedelta(days=JOINED_DAYS_AGO)
        membership.charter_accepted_at = membership.joined_at
    posts = _seed_posts(cohort, facilitator, *ceos)
    _seed_announcement(facilitator, ceos)
    _seed_sessions(facilitator, ceos, posts)
    db.session.commit()
    return True


def _at(post_or_reply, days_ago: float) -> None:
    """Date demo content in the past, so the cohort reads as one that has met for months."""
    moment = utcnow() - timedelta(days=days_ago)
    post_or_reply.created_at = moment
    if hasattr(post_or_reply, "last_activity_at"):
        post_or_reply.last_activity_at = moment


def _seed_posts(
    cohort: Cohort, miriam: Membership, sarah: Membership, daniel: Membership, priya: Membership, tom: Membership
) -> dict:
    """Stories and challenges with advice, as the cohort's members would have written them."""
    values = {
        value.name: value
        for value in db.session.execute(select(CohortValue).where(CohortValue.cohort_id == cohort.id)).scalars()
    }

    fracture = post_ops.create_post(
        sarah,
        kind=PostKind.STORY,
        title="Virtual fracture clinic: 60% of ED referrals now managed as virtual care plans",
        body=(
            "Our fracture clinic had the longest outpatient backlog in the trust. We asked the team what "
            "they would change, and they proposed reviewing emergency department referrals virtually.\n\n"
            "- A consultant and a physiotherapist review each referral within 72 hours\n"
            "- Patients with stable injuries get a **virtual care plan**: a call, written advice and a "
            "helpline number\n"
            "- Only those who need it come in for a face-to-face appointment\n\n"
            "Patients were satisfied, waits went down and quality held. Happy to share the protocol."
        ),
        tags=["outpatients", "virtual care", "backlogs"],
        visibility=Visibility.ATTRIBUTED,
        results=[
            ResultRow("ED fracture referrals managed as virtual care plans", "%", 0, 60, "Jan–Jun 2026"),
            ResultRow("Median wait for first fracture-clinic review", "days", 14, 4, "Jan–Jun 2026"),
        ],
    ).post
    _at(fracture, 40)
    post_ops.set_adoption(priya, fracture, True)
    post_ops.set_adoption(tom, fracture, True)
    db.session.add(Thanks(post_id=fracture.id, user_id=daniel.user_id, value_id=values["Candour"].id))
    question = post_ops.add_reply(
        tom, fracture, "How did you get the consultants to give up clinic slots for virtual review?"
    )
    _at(question, 38)
    answer = post_ops.add_reply(
        sarah,
        fracture,
        "We didn't take slots away: the virtual reviews replaced the follow-ups that were not needed. "
        "The consultants saw their Monday clinics shrink within a month.",
        question,
    )
    _at(answer, 37)

    burnout = post_ops.create_post(
        daniel,
        kind=PostKind.CHALLENGE,
        title="Night-shift burnout among our ICU nurses",
        body=(
            "Vacancy rates on nights are at 18% and sickness is rising. Exit interviews say nurses feel "
            "unheard at night: managers are not there, and concerns raised at 3 a.m. are lost by 9.\n\n"
            "How have you made night staff feel safe to speak up, and heard when they do?"
        ),
        tags=["psychological safety", "workforce", "nursing"],
        visibility=Visibility.ATTRIBUTED,
    ).post
    _at(burnout, 21)
    huddle = post_ops.add_reply(
        priya,
        burnout,
        "We started a 10-minute **2 a.m. huddle** led by the nurse in charge, with one question: "
        "*what will get in the way of safe care before morning?* The answers go on a board the day team "
        "must close by noon. Closing the loop mattered more than the huddle.",
    )
    _at(huddle, 20)
    post_ops.set_helpful(daniel, huddle, True)
    db.session.add(Thanks(reply_id=huddle.id, user_id=daniel.user_id, value_id=values["Psychological safety"].id))
    follow_up = post_ops.add_reply(
        tom,
        burnout,
        "Seconding this. We added executives on night walk-rounds once a month; the first few were awkward, "
        "then the staff started saving questions for us.",
        huddle,
    )
    _at(follow_up, 19)
    thanks = post_ops.add_reply(
        daniel,
        burnout,
        "Thank you both, @priya-raman and @tom-lindqvist. Who closes the board when the day team is short?",
        follow_up,
    )
    _at(thanks, 18)

    gemba = post_ops.create_post(
        priya,
        kind=PostKind.CHALLENGE,
        title="How do I find time for gemba walks when my diary is full?",
        body=(
            "I believe leaders should see the work where it happens, but my diary is back-to-back board, "
            "system and regulator meetings. What have you stopped doing to make the time?"
        ),
        tags=["leadership routines", "leader standard work"],
        visibility=Visibility.ATTRIBUTED,
    ).post
    _at(gemba, 90)
    advice = post_ops.add_reply(
        sarah,
        gemba,
        "I asked my PA to audit a month of meetings: a third were ones where I added no value. "
        "I delegated those and put two protected 90-minute ward slots in every week.",
    )
    _at(advice, 88)
    post_ops.set_helpful(priya, advice, True)
    db.session.add(Thanks(reply_id=advice.id, user_id=priya.user_id, value_id=values["Candour"].id))
    other = post_ops.add_reply(
        miriam, gemba, "Consider making the walk standard work: same day, same route, same three questions."
    )
    _at(other, 87)
    post_ops.set_helpful(priya, other, True)
    post_ops.record_commitment(
        priya,
        gemba,
        "Audit my diary for four weeks, hand over the meetings where I add nothing, and block two ward "
        "visits a week for three months.",
    )
    post_ops.record_outcome(
        priya,
        gemba,
        "Nine recurring meetings went to my deputies. The ward visits have held for three months, and "
        "staff now bring problems to me on the ward rather than by email.",
        [ResultRow("Hours per week I spend where the work happens", "hours", 1, 6, "Feb–May 2026")],
    )

    post_ops.create_post(
        tom,
        kind=PostKind.CHALLENGE,
        title="A senior leader keeps undermining our safety huddles",
        body=(
            "One of my senior leaders skips the daily safety huddle and tells their teams it is a waste of "
            "time. I don't want to make it a disciplinary matter. How would you handle it?"
        ),
        tags=["psychological safety", "leadership routines"],
        visibility=Visibility.CHATHAM_HOUSE,
    )

    posts = {"burnout": burnout, "gemba": gemba}
    private = post_ops.create_post(
        sarah,
        kind=PostKind.CHALLENGE,
        title="Tension with my chair over the improvement budget",
        body="I would value a private word before the next session about how to frame this with my board.",
        tags=["board"],
        visibility=Visibility.FACILITATORS,
    ).post
    _at(private, 3)
    return posts


def _seed_announcement(miriam: Membership, ceos: list[Membership]) -> None:
    """The facilitator's note on the next session's theme, pinned on the cohort home, with a question."""
    _sarah, daniel, _priya, _tom = ceos
    announcement = post_ops.create_post(
        miriam,
        kind=PostKind.ANNOUNCEMENT,
        title="Next session: making room to lead differently",
        body=(
            "At our next circle we will take one theme: **making room to lead differently**. Most of us "
            "say we are too busy to take on anything new, and much of that busyness is in work where we "
            "add little.\n\n"
            "Before we meet, please:\n\n"
            "1. Look over one week of your diary and mark one recurring meeting or task you could hand "
            "over or stop.\n"
            "2. Bring one small improvement your teams made this month, however modest: we will start "
            "with those.\n"
            "3. Think of one conversation where one of our values was upheld, or was missing.\n\n"
            "Priya's diary audit shows where this can lead. Questions before then? Reply here."
        ),
        tags=["leadership routines"],
        visibility=Visibility.ATTRIBUTED,
    ).post
    _at(announcement, 2)
    question = post_ops.add_reply(
        daniel, announcement, "Should the improvement come with figures, or is the story enough to start?"
    )
    _at(question, 1.5)
    answer = post_ops.add_reply(
        miriam, announcement, "The story is enough to start. Bring a before and after if you have one.", question
    )
    _at(answer, 1)


def _second_tuesday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


def _seed_sessions(miriam: Membership, ceos: list[Membership], posts: dict) -> None:
    """A monthly series that began two months ago: a past session with notes, the next with RSVPs."""
    sarah, daniel, priya, tom = ceos
    today = utcnow().date()
    month, year = today.month - 2, today.year
    if month < 1:
        month, year = month + 12, year - 1
    plan = plan_sessions(
        _second_tuesday(year, month),
        time(15, 0),
        "Europe/London",
        repeat="monthly",
        monthly_on="weekday",
        occurrences=12,
    )
    details = meeting_ops.SessionDetails(
        title="Monthly CEO circle",
        duration_minutes=90,
        location="Online",
        video_url="https://video.example.org/international-ceo-cohort",
        agenda="1. Check-in: one word each\n2. A story of the month\n3. Challenges brought by members\n4. Commitments",
    )
    meetings = meeting_ops.schedule(miriam, plan, "Europe/London", details)
    now = utcnow()
    past = [meeting for meeting in meetings if meeting.ends_at <= now]
    upcoming = [meeting for meeting in meetings if meeting.ends_at > now]
    if past:
        last = past[-1]
        # Priya brought this before the session took place; the agenda it was on is history now.
        item = AgendaItem(
            meeting_id=last.id,
            title="Finding time for gemba walks",
            post=posts["gemba"],
            proposed_by_id=priya.user_id,
            status=AgendaStatus.ACCEPTED,
            position=1,
        )
        db.session.add(item)
        db.session.flush()
        came = {member.user_id for member in (miriam, sarah, daniel, priya)}
        meeting_ops.record_attendance(miriam, last, came)
        meeting_ops.save_notes(
            miriam,
            last,
            "Warm check-in; Tom sent apologies.\n\n**Commitments**: Priya will audit her diary for four weeks; "
            "Daniel will try a 2 a.m. huddle on two ICU wards.",
            {item.id: "Sarah and Miriam suggested making ward visits *standard work*: same day, same route."},
        )
        for member, rating, comment in ((sarah, 5, "The diary audit idea was worth the hour."), (daniel, 4, "")):
            meeting_ops.give_feedback(member, last, rating, comment)
    if upcoming:
        following_session = upcoming[0]
        burnout = meeting_ops.propose_item(
            daniel, following_session, "Night-shift burnout: what worked for you?", posts["burnout"]
        )
        meeting_ops.decide_item(miriam, burnout, accept=True)
        meeting_ops.propose_item(priya, following_session, "Virtual wards: where to start")
        for member, response in ((sarah, RsvpResponse.YES), (daniel, RsvpResponse.YES), (priya, RsvpResponse.MAYBE)):
            meeting_ops.answer(member, following_session, response)
