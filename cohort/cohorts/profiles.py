"""Reading one member's profile in a cohort: who they are, and what they have shared there.

What is listed is what the policy lets the viewer see, under the author's name as the viewer may
know it: a Chatham House post, or its author's replies on it, never appears on that author's
profile for members. The page runs a fixed number of queries whatever its owner has written.
"""

from dataclasses import dataclass, field
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from .. import policy
from ..countries import country_name
from ..extensions import db
from ..models import Membership, Post, PostKind, Reply, User
from ..timezones import local_time

# How many of each kind of thing a profile shows; the posts list, filtered by author, has the rest.
SHOWN_OF_EACH = 5


@dataclass
class Shared:
    """Some of one kind of thing a member shared, the newest first, and how many there are in all."""

    items: list = field(default_factory=list)
    total: int = 0


@dataclass
class Profile:
    membership: Membership
    user: User
    country: str
    local_now: datetime
    # How long they have been in the cohort, in words: "2 years, 3 months".
    member_for: str
    stories: Shared
    challenges: Shared
    helpful_advice: Shared

    @property
    def outcomes(self) -> int:
        """How many of the challenges listed have an outcome recorded (with their figures)."""
        return sum(1 for post in self.challenges.items if post.outcome_at is not None)


def find_member(viewer: Membership, user_id: int) -> tuple[Membership, User] | None:
    """The membership and account of ``user_id`` in the viewer's cohort, if the viewer may see its profile."""
    row = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.user_id == user_id, policy.visible_members_condition(viewer))
    ).first()
    if row is None or not policy.can_see_profile(viewer, row[0]):
        return None
    return row[0], row[1]


def duration_in_words(start: datetime, now: datetime) -> str:
    """How long from ``start`` to ``now``, in the largest two units: "1 year, 2 months", "3 weeks"."""
    gap = relativedelta(now, start)
    weeks = gap.days // 7
    parts = [
        (gap.years, "year"),
        (gap.months, "month"),
        (weeks if not gap.years else 0, "week"),
        (gap.days if not (gap.years or gap.months or weeks) else 0, "day"),
    ]
    words = [f"{number} {unit}{'' if number == 1 else 's'}" for number, unit in parts if number > 0]
    return ", ".join(words[:2]) or "today"


def _shared_posts(viewer: Membership, author_id: int) -> dict[PostKind, Shared]:
    """The newest stories and challenges by the author that the viewer may see and attribute to them,
    with how many there are of each, in one statement (a window per kind)."""
    newest_first = (Post.created_at.desc(), Post.id.desc())
    ranked = (
        select(
            Post.id,
            func.row_number().over(partition_by=Post.kind, order_by=newest_first).label("n"),
            func.count().over(partition_by=Post.kind).label("total"),
        )
        .where(
            policy.visible_posts_condition(viewer),
            policy.authored_by_condition(viewer, author_id),
            Post.kind.in_([PostKind.STORY, PostKind.CHALLENGE]),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(Post, ranked.c.total)
        .join(ranked, ranked.c.id == Post.id)
        .where(ranked.c.n <= SHOWN_OF_EACH)
        .options(selectinload(Post.results))
        .order_by(*newest_first)
    ).all()
    shared = {PostKind.STORY: Shared(), PostKind.CHALLENGE: Shared()}
    for post, total in rows:
        shared[post.kind].items.append(post)
        shared[post.kind].total = total
    return shared


def _helpful_advice(viewer: Membership, author_id: int) -> Shared:
    """The author's newest advice marked helpful, on posts the viewer may read, with how many in all."""
    rows = db.session.execute(
        select(Reply, func.count().over().label("total"))
        .join(Post, Post.id == Reply.post_id)
        .options(contains_eager(Reply.post))
        .where(
            Reply.helpful_at.is_not(None),
            policy.visible_posts_condition(viewer),
            policy.visible_replies_condition(viewer),
            policy.replies_by_condition(viewer, author_id),
        )
        .order_by(Reply.helpful_at.desc(), Reply.id.desc())
        .limit(SHOWN_OF_EACH)
    ).all()
    return Shared([reply for reply, _total in rows], rows[0].total if rows else 0)


def load_profile(viewer: Membership, user_id: int, now: datetime) -> Profile | None:
    """The profile of ``user_id`` in the viewer's cohort, or None when there is none for this viewer."""
    found = find_member(viewer, user_id)
    if found is None:
        return None
    membership, user = found
    posts = _shared_posts(viewer, user.id)
    return Profile(
        membership=membership,
        user=user,
        country=country_name(user.country),
        local_now=local_time(now, user.timezone),
        member_for=duration_in_words(membership.joined_at, now),
        stories=posts[PostKind.STORY],
        challenges=posts[PostKind.CHALLENGE],
        helpful_advice=_helpful_advice(viewer, user.id),
    )
