"""Build test data with unique values: no hard-coded ids."""

import io
import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from PIL import Image

from cohort import handles
from cohort.cohorts import ops
from cohort.extensions import db
from cohort.meetings import ops as meeting_ops
from cohort.meetings.schedule import plan_sessions
from cohort.models import Cohort, Membership, Post, PostKind, Role, User, Visibility, utcnow
from cohort.posts import ops as post_ops

__all__ = [
    "PostKind",
    "Role",
    "TEST_PASSWORD",
    "Visibility",
    "make_cohort",
    "make_meeting",
    "make_member",
    "make_photo",
    "make_post",
    "make_user",
    "member_of",
]

TEST_PASSWORD = "correct horse battery staple"
# A cheap Argon2id hash keeps the suite fast (the hash carries its own costs); the app itself always
# hashes with the strong setting, and would replace a hash of another algorithm at sign-in.
_FAST_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(TEST_PASSWORD)
_sequence = itertools.count(1)


# The smallest file a PDF reader would recognise: what matters is its signature.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_png(colour: str = "teal", size: tuple[int, int] = (60, 40)) -> bytes:
    """A small PNG of one colour, as attached to a post or reply."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def make_photo(colour: str = "teal", size: tuple[int, int] = (200, 150)) -> bytes:
    """A small JPEG of one colour, as a member would upload for their photo."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def make_user(
    *, email: str | None = None, name: str | None = None, timezone: str = "Europe/London", admin: bool = False, **fields
) -> User:
    number = next(_sequence)
    user = User(
        email=email or f"person{number}@trust{number}.example.org",
        name=name or f"Person {number}",
        organisation=fields.pop("organisation", f"Trust {number}"),
        job_title=fields.pop("job_title", "Chief Executive"),
        timezone=timezone,
        is_admin=admin,
        password_hash=_FAST_HASH,
        email_confirmed_at=fields.pop("email_confirmed_at", utcnow()),
        **fields,
    )
    if user.handle is None:
        handles.save_with_handle(user)
    else:  # a handle chosen by the test
        db.session.add(user)
        db.session.flush()
    return user


def make_cohort(
    *, slug: str | None = None, name: str | None = None, charter: str = "Be **kind**.", timezone: str = "Europe/London"
) -> Cohort:
    number = next(_sequence)
    cohort = ops.create_cohort(
        slug or f"cohort-{number}", name or f"Cohort {number}", charter=charter, timezone=timezone
    )
    return cohort


def make_member(
    cohort: Cohort, user: User | None = None, *, role: Role = Role.MEMBER, accepted: bool = True
) -> Membership:
    membership = Membership(cohort=cohort, user=user or make_user(), role=role)
    if accepted:
        membership.charter_accepted_at = utcnow()
    db.session.add(membership)
    db.session.flush()
    return membership


def member_of(user: User, cohort: Cohort | int) -> Membership:
    """``user``'s membership of ``cohort``: the acting membership every operation takes."""
    cohort_id = cohort if isinstance(cohort, int) else cohort.id
    return db.session.execute(db.select(Membership).filter_by(user_id=user.id, cohort_id=cohort_id)).scalar_one()


def _facilitator_of(cohort: Cohort) -> Membership:
    """A facilitator to schedule as: the cohort's own, or, for a cohort without one, a stand-in
    that is never saved (the operator acting as its facilitator)."""
    found = db.session.execute(
        db.select(Membership).filter_by(cohort_id=cohort.id, role=Role.FACILITATOR).limit(1)
    ).scalar_one_or_none()
    return found or Membership(cohort_id=cohort.id, user_id=0, role=Role.FACILITATOR, charter_accepted_at=utcnow())


def make_post(
    cohort: Cohort,
    author: User,
    *,
    kind: PostKind = PostKind.STORY,
    title: str | None = None,
    body: str = "We moved fracture-clinic follow-ups to virtual care plans.",
    visibility: Visibility = Visibility.ATTRIBUTED,
    tags: list[str] = (),
) -> Post:
    return post_ops.create_post(
        member_of(author, cohort),
        kind=kind,
        title=title or f"Post {next(_sequence)}",
        body=body,
        tags=list(tags),
        visibility=visibility,
    ).post


def make_meeting(
    cohort: Cohort,
    *,
    start: datetime | None = None,
    timezone: str = "Europe/London",
    title: str = "Monthly session",
    agenda: str = "1. Check-in\n2. Challenges",
    duration_minutes: int = 90,
):
    """A one-off session, by default a week from now at 15:00 in ``timezone``."""
    start = start or (datetime.now(ZoneInfo(timezone)) + timedelta(days=7)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    local = start.astimezone(ZoneInfo(timezone))
    plan = plan_sessions(local.date(), local.time(), timezone)
    details = meeting_ops.SessionDetails(title, duration_minutes, "Board room", "https://video.example.org/x", agenda)
    return meeting_ops.schedule(_facilitator_of(cohort), plan, timezone, details)[0]
