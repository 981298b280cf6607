"""Reading a cohort's members."""

from datetime import datetime

from sqlalchemy import case, func, or_, select

from .. import policy
from ..extensions import db
from ..handles import MAX_LENGTH as MAX_HANDLE
from ..models import Membership, Role, User
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
