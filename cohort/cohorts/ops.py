"""Every write on cohorts, memberships and invitations.

Each function changes the session and leaves the commit to its caller, so a view, the admin or a
command commits one whole action in one transaction. Those a member or facilitator performs take
the acting membership and ask the policy; ``create_cohort``, ``add_member`` and ``find_*`` are the
operator's own building blocks (the command line, the admin operations, redemption).
"""

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from .. import audit, mail, policy
from ..extensions import db
from ..locks import lock_cohort
from ..markdown import newly_mentioned, render_markdown
from ..models import Cohort, CohortValue, Invitation, Membership, Role, User, normalise_email, utcnow
from ..notifications import events
from ..policy import Refused
from . import letters

DEFAULT_VALUES = ("Candour", "Respect", "Psychological safety")
MAX_SLUG = 64
MAX_NAME = 120
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def create_cohort(slug: str, name: str, *, description: str = "", charter: str = "", timezone: str = "UTC") -> Cohort:
    """A new, empty cohort; the slug must be free and URL-friendly."""
    if len(slug) > MAX_SLUG or not SLUG_PATTERN.fullmatch(slug):
        raise Refused(
            f"'{slug[:80]}' is not a usable address: use up to {MAX_SLUG} lower-case letters, digits and hyphens."
        )
    if not name.strip() or len(name) > MAX_NAME:
        raise Refused(f"Give the cohort a name of at most {MAX_NAME} characters.")
    if db.session.execute(select(exists().where(Cohort.slug == slug))).scalar():
        raise Refused(f"A cohort with the address '{slug}' already exists.")
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
    """Keep the charter and its rendering (a new cohort, not yet saved, has no members to mention)."""
    cohort.charter = charter
    cohort.charter_html = render_markdown(charter, cohort.id)


def forget_memberships(user: User) -> None:
    """Remove every membership of an account, e.g. one taken over by the address's real owner."""
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))


def find_user(email: str) -> User | None:
    """The account using ``email``; a deleted account uses none, even its placeholder address."""
    return db.session.execute(
        select(User).where(User.email == normalise_email(email), User.deleted_at.is_(None))
    ).scalar_one_or_none()


def add_member(cohort: Cohort, user: User, role: Role = Role.MEMBER) -> Membership:
    """Add ``user`` to ``cohort``; an existing member keeps their place and gains the role if higher."""
    membership = db.session.execute(
        select(Membership).where(Membership.cohort_id == cohort.id, Membership.user_id == user.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(cohort=cohort, user=user, role=role)
        db.session.add(membership)
    elif policy.raises(role, membership.role):
        membership.role = role
    db.session.flush()
    return membership


def accept_charter(actor: Membership) -> None:
    if actor.charter_accepted_at is None:
        actor.charter_accepted_at = utcnow()
        db.session.flush()
        events.member_joined(actor)


def save_settings(actor: Membership, *, name: str, description: str, timezone: str, charter: str) -> None:
    """The cohort's name, description, time zone and charter, kept by its facilitators."""
    policy.require_permission(policy.can_manage(actor), "Only a facilitator keeps the cohort's settings.")
    if not name.strip() or len(name) > MAX_NAME:
        raise Refused(f"Give the cohort a name of at most {MAX_NAME} characters.")
    cohort = actor.cohort
    name = name.strip()
    new = {"name": name, "description": description, "time zone": timezone, "charter": charter}
    old = {
        "name": cohort.name,
        "description": cohort.description,
        "time zone": cohort.timezone,
        "charter": cohort.charter,
    }
    changed = [field for field in new if new[field] != old[field]]
    cohort.name = name
    cohort.description = description
    cohort.timezone = timezone
    mentioned = newly_mentioned(cohort.charter, charter, cohort.id)
    set_charter(cohort, charter)
    events.mentioned_in_charter(cohort.id, mentioned, actor.user_id)
    if changed:
        audit.record(actor, "settings_changed", cohort, cohort.id, f"Changed the cohort's {', '.join(changed)}")


# --- invitations -------------------------------------------------------------------------------


def invite_by_email(actor: Membership, emails: list[str], role: Role = Role.MEMBER) -> list[Invitation]:
    """A facilitator invites people by email: one single-use invitation per address, each mailed."""
    policy.require_permission(policy.can_manage(actor), "Only a facilitator invites people.")
    policy.require(bool(emails), "Give at least one email address.")
    invitations = _invite(actor.cohort, emails, actor.user, role)
    for invitation in invitations:
        _record_invitation(actor, invitation)
    return invitations


def _record_invitation(actor: Membership | User, invitation: Invitation) -> None:
    detail = f"Invited by email, as {invitation.role.value}"
    audit.record(actor, "invitation_sent", invitation, invitation.cohort_id, detail, about=invitation.email)


def _invite(cohort: Cohort, emails: list[str], invited_by: User | None, role: Role) -> list[Invitation]:
    days = current_app.config["COHORT_INVITATION_DAYS"]
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
        mail.queue(
            letters.INVITATION,
            to_address=invitation.email,
            cohort=cohort,
            context={"invitation_id": invitation.id, "sender": sender},
        )
    return invitations


def create_invitation_link(actor: Membership, *, expires_at: datetime, max_uses: int) -> Invitation:
    """A shareable link for several people, until it expires or is used up."""
    policy.require_permission(policy.can_manage(actor), "Only a facilitator invites people.")
    policy.require(max_uses > 0, "A link needs at least one use.")
    invitation = Invitation(
        cohort_id=actor.cohort_id,
        email=None,
        role=Role.MEMBER,
        max_uses=max_uses,
        expires_at=expires_at,
        created_by_id=actor.user_id,
    )
    db.session.add(invitation)
    db.session.flush()
    uses = "one use" if max_uses == 1 else f"{max_uses} uses"
    detail = f"Created an invitation link for {uses}"
    audit.record(actor, "invitation_link_created", invitation, actor.cohort_id, detail)
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


def revoke_invitation(actor: Membership, invitation: Invitation) -> None:
    policy.require_visible(policy.can_manage(actor) and invitation.cohort_id == actor.cohort_id)
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        detail = "Revoked an invitation" if invitation.email else "Revoked an invitation link"
        audit.record(actor, "invitation_revoked", invitation, invitation.cohort_id, detail, about=invitation.email)


def redeem_invitation(invitation: Invitation, user: User) -> Membership:
    """Make ``user`` a member through ``invitation``, using one of its uses.

    The use is claimed with one conditional UPDATE, so two people racing for the
    last use of a link cannot both get in. A person who is already a member
    spends no use, unless the invitation's role grants more than theirs (a member invited to facilitate).
    """
    current = db.session.execute(
        select(Membership).where(Membership.cohort_id == invitation.cohort_id, Membership.user_id == user.id)
    ).scalar_one_or_none()
    if current is not None and not policy.raises(invitation.role, current.role):
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
        raise Refused(invitation.problem() or "This invitation can no longer be used.")
    return add_member(invitation.cohort, user, invitation.role)


# --- roles and leaving -------------------------------------------------------------------------


def _cohort_kept_without(membership_id: int, cohort_id: int):
    """SQL: the cohort still has someone who can keep it (``policy.keeps_the_cohort``) once this
    membership cannot: either this one never could, or another can."""
    other = aliased(Membership)
    another = exists().where(
        and_(other.cohort_id == cohort_id, other.id != membership_id, policy.keepers_condition(other))
    )
    return or_(~policy.keepers_condition(), another)


LAST_FACILITATOR = "A cohort always needs a facilitator: name another facilitator first."


def change_role(actor: Membership, membership: Membership, role: Role) -> None:
    """Set a member's role; the last who can keep the cohort cannot step down."""
    policy.require_permission(policy.can_change_membership(actor, membership), "Only a facilitator changes roles.")
    if role == membership.role:
        return
    lock_cohort(membership.cohort_id)
    statement = update(Membership).where(Membership.id == membership.id).values(role=role)
    if not policy.keeps_the_cohort(role):
        statement = statement.where(_cohort_kept_without(membership.id, membership.cohort_id))
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        raise Refused(LAST_FACILITATOR)
    db.session.refresh(membership)
    detail = f"Changed a role to {role.value}"
    audit.record(actor, "role_changed", membership, membership.cohort_id, detail, about=membership.user)


def remove_membership(actor: Membership, membership: Membership) -> None:
    """Take someone out of a cohort (a facilitator's removal, or leaving); never the last who can keep it."""
    leaving = actor.id == membership.id
    policy.require_permission(
        (leaving and policy.can_leave(actor)) or policy.can_change_membership(actor, membership),
        "Only a facilitator removes members.",
    )
    lock_cohort(membership.cohort_id)
    removed = membership.user
    # Checked in SQL, not on the loaded row: the role may have changed since it was read.
    statement = delete(Membership).where(
        Membership.id == membership.id, _cohort_kept_without(membership.id, membership.cohort_id)
    )
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        raise Refused(LAST_FACILITATOR)
    if not leaving:
        audit.record(actor, "member_removed", membership, membership.cohort_id, "Removed a member", about=removed)
    db.session.expunge(membership)


def find_cohort(slug: str) -> Cohort | None:
    return db.session.execute(select(Cohort).where(Cohort.slug == slug)).scalar_one_or_none()


# --- the site admin ------------------------------------------------------------------------------


def name_facilitator(admin: User, cohort: Cohort, email: str) -> str:
    """Make someone a facilitator at once if their account is proven, else invite them; say which."""
    policy.require_permission(policy.is_site_admin(admin), "Only a site admin names facilitators.")
    user = find_user(email)
    if user is None or not user.email_confirmed:
        # An account whose address is unproven gets nothing by address: its owner is invited.
        (invitation,) = _invite(cohort, [email], admin, Role.FACILITATOR)
        _record_invitation(admin, invitation)
        return f"Invited {email} to facilitate {cohort.name}."
    membership = add_member(cohort, user, Role.FACILITATOR)
    audit.record(admin, "facilitator_named", membership, cohort.id, "Named a facilitator", about=user)
    return f"{user.name} facilitates {cohort.name}."


def admin_create_cohort(
    admin: User, slug: str, name: str, *, facilitator_email: str, description: str, charter: str, timezone: str
) -> tuple[Cohort, str]:
    """A site admin creates a cohort and names its first facilitator; returns it and what was done."""
    policy.require_permission(policy.is_site_admin(admin), "Only a site admin creates cohorts.")
    cohort = create_cohort(slug, name, description=description, charter=charter, timezone=timezone)
    audit.record(admin, "cohort_created", cohort, cohort.id, f"Created the cohort {cohort.name}")
    return cohort, name_facilitator(admin, cohort, facilitator_email)
