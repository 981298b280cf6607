"""Writes on cohorts that span tables or are shared by views, the admin and the CLI.

Each function changes the session and leaves the commit to its caller, so a
view or command commits one whole action in one transaction.
"""

import re
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..mail import send_mail
from ..markdown import render_markdown
from ..models import Cohort, CohortValue, Invitation, Membership, Role, User, normalise_email, utcnow
from ..tokens import invitation_token

DEFAULT_VALUES = ("Candour", "Respect", "Psychological safety")
MAX_SLUG = 64
MAX_NAME = 120
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CohortError(Exception):
    """An action that cannot be done, with a message fit to show the person who tried."""


def create_cohort(slug: str, name: str, *, description: str = "", charter: str = "", timezone: str = "UTC") -> Cohort:
    """A new, empty cohort; the slug must be free and URL-friendly."""
    if len(slug) > MAX_SLUG or not SLUG_PATTERN.fullmatch(slug):
        raise CohortError(
            f"'{slug[:80]}' is not a usable address: use up to {MAX_SLUG} lower-case letters, digits and hyphens."
        )
    if not name.strip() or len(name) > MAX_NAME:
        raise CohortError(f"Give the cohort a name of at most {MAX_NAME} characters.")
    if db.session.execute(select(exists().where(Cohort.slug == slug))).scalar():
        raise CohortError(f"A cohort with the address '{slug}' already exists.")
    cohort = Cohort(slug=slug, name=name, description=description, timezone=timezone)
    set_charter(cohort, charter)
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all(
        CohortValue(cohort_id=cohort.id, name=value, position=position)
        for position, value in enumerate(DEFAULT_VALUES, start=1)
    )
    return cohort


def set_charter(cohort: Cohort, charter: str) -> None:
    cohort.charter = charter
    cohort.charter_html = render_markdown(charter)


def forget_memberships(user: User) -> None:
    """Remove every membership of an account, e.g. one taken over by the address's real owner."""
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()


def add_member(cohort: Cohort, user: User, role: Role = Role.MEMBER) -> Membership:
    """Add ``user`` to ``cohort``; an existing member keeps their place and gains the role if higher."""
    membership = db.session.execute(
        select(Membership).where(Membership.cohort_id == cohort.id, Membership.user_id == user.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(cohort=cohort, user=user, role=role)
        db.session.add(membership)
    elif role == Role.FACILITATOR:
        membership.role = Role.FACILITATOR
    db.session.flush()
    return membership


def accept_charter(membership: Membership) -> None:
    if membership.charter_accepted_at is None:
        membership.charter_accepted_at = utcnow()


# --- invitations -------------------------------------------------------------------------------


def invitation_url(invitation: Invitation) -> str:
    return url_for("auth.invitation", token=invitation_token(invitation.id, invitation.key), _external=True)


def invite_by_email(
    cohort: Cohort, emails: list[str], invited_by: User | None, role: Role = Role.MEMBER, days: int = 14
) -> list[Invitation]:
    """One single-use invitation per address, each mailed with its link."""
    invitations = []
    for email in emails:
        invitation = Invitation(
            cohort=cohort,
            email=normalise_email(email),
            role=role,
            max_uses=1,
            expires_at=utcnow() + timedelta(days=days),
            created_by=invited_by,
        )
        db.session.add(invitation)
        invitations.append(invitation)
    db.session.flush()
    sender = invited_by.name if invited_by else "The Cohort team"
    for invitation in invitations:
        send_mail(
            invitation.email,
            f"Invitation to join {cohort.name}",
            f"{sender} invites you to join {cohort.name} on Cohort"
            f"{' as a facilitator' if role == Role.FACILITATOR else ''}.\n\n"
            f"Open this link to join (it works once, until "
            f"{invitation.expires_at:%-d %B %Y}):\n{invitation_url(invitation)}\n",
        )
    return invitations


def create_invitation_link(cohort: Cohort, invited_by: User, *, expires_at: datetime, max_uses: int) -> Invitation:
    invitation = Invitation(
        cohort=cohort, email=None, role=Role.MEMBER, max_uses=max_uses, expires_at=expires_at, created_by=invited_by
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def pending_invitations(cohort: Cohort) -> list[Invitation]:
    """Invitations that can still be used, newest first."""
    now = utcnow()
    return list(
        db.session.execute(
            select(Invitation)
            .where(
                Invitation.cohort_id == cohort.id,
                Invitation.revoked_at.is_(None),
                Invitation.use_count < Invitation.max_uses,
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        ).scalars()
    )


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()


def redeem_invitation(invitation: Invitation, user: User) -> Membership:
    """Make ``user`` a member through ``invitation``, using one of its uses.

    The use is claimed with one conditional UPDATE, so two people racing for the
    last use of a link cannot both get in. A person who is already a member
    spends no use, unless the invitation raises them to facilitator.
    """
    current = db.session.execute(
        select(Membership).where(Membership.cohort_id == invitation.cohort_id, Membership.user_id == user.id)
    ).scalar_one_or_none()
    if current is not None and (invitation.role == Role.MEMBER or current.is_facilitator):
        return current
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.revoked_at.is_(None),
            Invitation.use_count < Invitation.max_uses,
            Invitation.expires_at > utcnow(),
        )
        .values(use_count=Invitation.use_count + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(invitation)
        raise CohortError(invitation.problem() or "This invitation can no longer be used.")
    return add_member(invitation.cohort, user, invitation.role)


# --- roles and leaving -------------------------------------------------------------------------


def _lock_cohort(cohort_id: int) -> None:
    """Serialise changes to one cohort's facilitators on PostgreSQL (SQLite writes are serial already)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort_id).with_for_update())


def _another_facilitator(membership_id: int, cohort_id: int):
    other = aliased(Membership)
    return exists().where(and_(other.cohort_id == cohort_id, other.role == Role.FACILITATOR, other.id != membership_id))


LAST_FACILITATOR = "A cohort always needs a facilitator: name another facilitator first."


def change_role(membership: Membership, role: Role) -> None:
    """Set a member's role; the last facilitator cannot step down."""
    if role == membership.role:
        return
    _lock_cohort(membership.cohort_id)
    statement = update(Membership).where(Membership.id == membership.id).values(role=role)
    if role != Role.FACILITATOR:
        statement = statement.where(_another_facilitator(membership.id, membership.cohort_id))
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        raise CohortError(LAST_FACILITATOR)
    db.session.refresh(membership)


def remove_membership(membership: Membership) -> None:
    """Take someone out of a cohort (removal or leaving); never its last facilitator."""
    _lock_cohort(membership.cohort_id)
    # Checked in SQL, not on the loaded row: the role may have changed since it was read.
    statement = delete(Membership).where(
        Membership.id == membership.id,
        or_(Membership.role != Role.FACILITATOR, _another_facilitator(membership.id, membership.cohort_id)),
    )
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        raise CohortError(LAST_FACILITATOR)
    db.session.expunge(membership)


def find_cohort(slug: str) -> Cohort | None:
    return db.session.execute(select(Cohort).where(Cohort.slug == slug)).scalar_one_or_none()
