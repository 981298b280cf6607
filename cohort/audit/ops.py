"""Every write of the audit log: an entry added by the operation it records, and forgetting a
deleted account. Nothing here edits or removes an entry otherwise."""

from flask import has_request_context, request
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import FORMER_MEMBER, AuditEntry, Membership, User

MAX_DESCRIPTION = 300


def _address() -> str | None:
    # The address belongs to the request that carried the action, not to the action's rule, so it
    # is read here rather than passed through every operation: the operations (and the policy they
    # ask) stay free of the request, and the command line or a job, with no request, records None.
    return request.remote_addr if has_request_context() else None


def record(
    actor: Membership | User,
    action: str,
    obj: db.Model | None,
    cohort_id: int | None,
    detail: str,
    *,
    about: User | str | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction: who (as named now), ``action`` (a short name),
    ``detail`` (a sentence without the person it is about, who goes in ``about``), the object's kind
    and id, the cohort (None for a site-wide action) and the request's address."""
    user = actor.user if isinstance(actor, Membership) else actor
    entry = AuditEntry(
        cohort_id=cohort_id,
        actor_id=user.id,
        actor_name=user.name,
        action=action,
        description=detail[:MAX_DESCRIPTION],
        object_kind=obj.__tablename__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        subject_id=about.id if isinstance(about, User) else None,
        subject_name=about.name if isinstance(about, User) else about,
        address=_address(),
    )
    db.session.add(entry)
    return entry


def forget_user(user_id: int) -> None:
    """For a deleted account: its entries stay, the person becomes "a former member" and the
    addresses of their requests are dropped; where they were the subject, so are their name and the
    address they were invited at. Call it while the account still exists, in the deletion's transaction."""
    email = db.session.execute(select(User.email).where(User.id == user_id)).scalar_one_or_none()
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_id == user_id)
        .values(actor_id=None, actor_name=FORMER_MEMBER, address=None)
        .execution_options(synchronize_session=False)
    )
    invited = AuditEntry.subject_name == email if email else None
    about = AuditEntry.subject_id == user_id
    db.session.execute(
        update(AuditEntry)
        .where(or_(about, invited) if invited is not None else about)
        .values(subject_id=None, subject_name=FORMER_MEMBER)
        .execution_options(synchronize_session=False)
    )
