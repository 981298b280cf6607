"""Every write of recognition: thanks, and the cohort's list of values. Each takes the acting
membership, asks the policy, and leaves the commit to its caller."""

from sqlalchemy import delete, func, select

from .. import audit, policy
from ..extensions import db
from ..locks import lock_cohort
from ..models import CohortValue, Membership, Post, Reply, Thanks
from ..notifications import events
from ..upsert import insert_or_ignore, upsert

MAX_VALUE_NAME = 60


def _post_of(target: Post | Reply) -> Post:
    return target if isinstance(target, Post) else target.post


def thank(actor: Membership, target: Post | Reply, value_id: int | None = None) -> None:
    """Thank someone for a post or reply, optionally naming one of the cohort's values."""
    post = _post_of(target)
    policy.require_visible(policy.can_see_post(actor, post))
    policy.require(target.author_id != actor.user_id, "You cannot thank yourself.")
    policy.require(policy.can_thank(actor, target, post), "This cannot be thanked while it is hidden.")
    if value_id is not None:
        value = db.session.get(CohortValue, value_id)
        policy.require_visible(value is not None and value.cohort_id == actor.cohort_id)
    column = "reply_id" if isinstance(target, Reply) else "post_id"
    thanked_before = db.session.scalar(
        select(Thanks.id).where(Thanks.user_id == actor.user_id, getattr(Thanks, column) == target.id)
    )
    if thanked_before is None:
        events.thanked(actor, target, post, value.name if value_id is not None else None)
    upsert(
        Thanks,
        {"user_id": actor.user_id, column: target.id, "value_id": value_id},
        ["user_id", column],
        {"value_id": value_id},
    )


def take_back_thanks(actor: Membership, target: Post | Reply) -> None:
    policy.require_visible(policy.can_open_post(actor, _post_of(target)))
    column = Thanks.reply_id if isinstance(target, Reply) else Thanks.post_id
    db.session.execute(delete(Thanks).where(Thanks.user_id == actor.user_id, column == target.id))


def add_value(actor: Membership, name: str) -> CohortValue:
    """Add a value to the cohort's list; a name already there (in any case) is refused."""
    policy.require_permission(policy.can_manage(actor), "Only a facilitator keeps the cohort's values.")
    name = " ".join(name.split())[:MAX_VALUE_NAME]
    policy.require(bool(name), "Name the value.")
    # Two facilitators adding at once take turns, so they cannot both pass the check below.
    lock_cohort(actor.cohort_id)
    taken = db.session.execute(
        select(CohortValue.id).where(
            CohortValue.cohort_id == actor.cohort_id, func.lower(CohortValue.name) == name.lower()
        )
    ).first()
    policy.require(taken is None, "The cohort already has this value.")
    position = db.session.execute(
        select(func.coalesce(func.max(CohortValue.position), 0)).where(CohortValue.cohort_id == actor.cohort_id)
    ).scalar_one()
    values = {"cohort_id": actor.cohort_id, "name": name, "position": position + 1}
    # Two requests adding the same name at once: the unique constraint lets one in, the other is told.
    policy.require(insert_or_ignore(CohortValue, values, ["cohort_id", "name"]), "The cohort already has this value.")
    value = db.session.execute(
        select(CohortValue).where(CohortValue.cohort_id == actor.cohort_id, CohortValue.name == name)
    ).scalar_one()
    audit.record(actor, "value_added", value, actor.cohort_id, f"Added the value “{name}”")
    return value


def remove_value(actor: Membership, value: CohortValue) -> None:
    """Remove a value; thanks that named it are kept, without the value."""
    policy.require_permission(policy.can_manage(actor), "Only a facilitator keeps the cohort's values.")
    policy.require_visible(value.cohort_id == actor.cohort_id)
    audit.record(actor, "value_removed", value, actor.cohort_id, f"Removed the value “{value.name}”")
    db.session.delete(value)
