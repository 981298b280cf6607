"""Reading what waits for the facilitators."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import policy
from ..extensions import db
from ..models import Flag, Membership, Reply


def open_flags(viewer: Membership) -> list[Flag]:
    """Flags waiting for review, oldest first, with what was flagged; the policy leaves out those
    on deleted content, as the count in the navigation does."""
    return list(
        db.session.execute(
            select(Flag)
            .where(policy.open_flags_condition(viewer))
            .options(
                selectinload(Flag.post),
                selectinload(Flag.reply).joinedload(Reply.post),
                selectinload(Flag.reporter),
            )
            .order_by(Flag.created_at, Flag.id)
        ).scalars()
    )
