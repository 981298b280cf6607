"""Reading a cohort's members."""

from datetime import datetime

from sqlalchemy import case, select

from .. import policy
from ..extensions import db
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
