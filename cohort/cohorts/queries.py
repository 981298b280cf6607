"""Reading a cohort's members, and what needs its facilitators."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select

from .. import policy
from ..extensions import db
from ..handles import MAX_LENGTH as MAX_HANDLE
from ..models import (
    AgendaItem,
    AgendaStatus,
    ChallengeStatus,
    Flag,
    Meeting,
    Membership,
    Post,
    PostKind,
    Role,
    User,
)
from ..policy import Permission
from ..timezones import local_time


def directory(viewer: Membership, now: datetime) -> list[dict]:
    """The members this viewer may see, facilitators first, each with their local time now."""
    rows = db.session.execute(
        select(Membership, User)
        .join(User, Membership.user_id == User.id)
        .where(policy.visible_members_condition(viewer))
        .order_by(case((Membership.role == Role.FACILITATOR, 0), else_=1), User.name)
    ).all()
    return [
        {"membership": membership, "user": user, "local_now": local_time(now, user.timezone)}
        for membership, user in rows
    ]


MAX_SUGGESTIONS = 8


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mention_suggestions(viewer: Membership, typed: str) -> list[dict]:
    """Up to MAX_SUGGESTIONS members this viewer may see (not the viewer) whose name or handle
    contains what was typed after ``@``: those it starts first, then by name."""
    wanted = typed.strip().removeprefix("@").lower()[:MAX_HANDLE]
    if not wanted:
        return []
    pattern = _like_escaped(wanted)
    name, handle = func.lower(User.name), User.handle
    starts = or_(name.like(f"{pattern}%", escape="\\"), handle.like(f"{pattern}%", escape="\\"))
    rows = db.session.execute(
        select(User.handle, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            policy.visible_members_condition(viewer),
            Membership.id != viewer.id,
            or_(name.like(f"%{pattern}%", escape="\\"), handle.like(f"%{pattern}%", escape="\\")),
        )
        .order_by(case((starts, 0), else_=1), User.name, User.handle)
        .limit(MAX_SUGGESTIONS)
    ).all()
    return [{"handle": handle, "name": name} for handle, name in rows]


# When a challenge has waited long enough to need a facilitator's nudge, and a trial to need a word.
ADVICE_AWAITED = timedelta(days=3)
OUTCOME_AWAITED = timedelta(days=30)


@dataclass(frozen=True)
class Attention:
    """What needs a facilitator in their cohort now, counted: none of it names anyone."""

    open_flags: int
    proposals: int  # agenda items proposed for coming sessions, neither accepted nor declined
    waiting_challenges: int  # open challenges with no advice, ADVICE_AWAITED after they were brought
    quiet_trials: int  # challenges "trying" with no outcome, OUTCOME_AWAITED after the commitment

    @property
    def total(self) -> int:
        return self.open_flags + self.proposals + self.waiting_challenges + self.quiet_trials


def needs_attention(viewer: Membership, now: datetime) -> Attention | None:
    """The "Needs attention" panel of the cohort home, for those who moderate it (None for others), in
    one statement whatever the cohort's size."""
    if not policy.has(viewer, Permission.MODERATE):
        return None
    challenges = and_(
        policy.visible_posts_condition(viewer),
        Post.kind == PostKind.CHALLENGE,
        Post.hidden_at.is_(None),  # under review: not a post to ask the cohort to answer
    )

    def counted(model, *conditions):
        return select(func.count()).select_from(model).where(*conditions).scalar_subquery()

    proposals = (
        select(func.count())
        .select_from(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.cohort_id == viewer.cohort_id,
            Meeting.cancelled_at.is_(None),
            Meeting.ends_at > now,
            AgendaItem.status == AgendaStatus.PROPOSED,
        )
        .scalar_subquery()
        if policy.has(viewer, Permission.RUN_SESSIONS)
        else literal(0)
    )
    row = db.session.execute(
        select(
            counted(Flag, policy.open_flags_condition(viewer)),
            proposals,
            counted(
                Post,
                challenges,
                Post.status == ChallengeStatus.OPEN,
                policy.unanswered_condition(viewer),
                Post.created_at <= now - ADVICE_AWAITED,
            ),
            counted(
                Post, challenges, Post.status == ChallengeStatus.TRYING, Post.committed_at <= now - OUTCOME_AWAITED
            ),
        )
    ).one()
    return Attention(*row)
