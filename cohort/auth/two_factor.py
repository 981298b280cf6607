"""Two-factor sign-in: turning it on, the code asked at sign-in, recovery codes and turning it off; and
who is asked, or required, to use it.

Each write is one operation, as in ``ops``: it acts on the signed-in person's own account, passed in
(never an id from a form), leaves the commit to its caller and raises ``Refused`` with a message fit
to show. A code is spent by a conditional update, so two requests bringing the same code at the same
moment cannot both be let in, on SQLite or PostgreSQL."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from .. import policy
from ..extensions import db
from ..models import Membership, RecoveryCode, TwoFactor, User, utcnow
from ..policy import Refused
from ..upsert import upsert
from . import codes, ops, passwords

_NO_SYNC = {"synchronize_session": False}

WRONG_CODE = "That code is not right. Type the code your app shows now, or one of your recovery codes."
USED_CODE = "That code has been used already. Wait for your app to show the next one, then type it."
USED_RECOVERY_CODE = "That recovery code has been used already: each one works once. Use another."
WRONG_FIRST_CODE = (
    "That code is not right. Check that your app shows Cohort and your address, then type the code it shows now."
)
ALREADY_ON = "Two-factor sign-in is already on for your account."
NOT_ON = "Two-factor sign-in is not on for your account."
NOT_STARTED = "Start setting up two-factor sign-in first: the page gives you a new QR code."


class WrongCode(Refused):
    """A code that does not let the person in: the form shows it beside the code field."""


@dataclass(frozen=True)
class Standing:
    """Where one account stands with two-factor sign-in, for the pages that show it."""

    on: bool
    since: datetime | None  # when it was turned on
    pending_secret: str | None  # a secret being set up, not yet confirmed
    recovery_codes_left: int
    groups: frozenset[str]  # of policy.TWO_FACTOR_GROUPS: asked to turn it on

    @property
    def asked(self) -> bool:
        return bool(self.groups) and not self.on


def required_groups(value) -> frozenset[str]:
    """The groups a ``COHORT_REQUIRE_2FA_FOR`` setting names: a comma list, or a collection of names
    (from the instance config or a test); a name that is not a group stops the app at start."""
    names = value.split(",") if isinstance(value, str) else list(value or ())
    groups = frozenset(name.strip().lower() for name in names if name.strip())
    unknown = groups - set(policy.TWO_FACTOR_GROUPS)
    if unknown:
        known = ", ".join(policy.TWO_FACTOR_GROUPS)
        raise ValueError(f"COHORT_REQUIRE_2FA_FOR names {', '.join(sorted(unknown))}: use a comma list of {known}")
    return groups


# --- reads ---------------------------------------------------------------------------------------


def _factor(user: User) -> TwoFactor | None:
    return db.session.execute(select(TwoFactor).where(TwoFactor.user_id == user.id)).scalar_one_or_none()


def is_on(user: User) -> bool:
    """Whether signing in to ``user`` asks for a code after the password."""
    return (
        db.session.execute(
            select(TwoFactor.id).where(TwoFactor.user_id == user.id, TwoFactor.enabled_at.is_not(None))
        ).first()
        is not None
    )


def groups_of(user: User, roles: Iterable[str] | None = None) -> frozenset[str]:
    """The groups ``user`` is in that are asked to turn two-factor sign-in on (``policy.two_factor_groups``),
    from the roles of all their memberships: read here unless the caller has them."""
    if roles is None:
        roles = db.session.scalars(select(Membership.role).where(Membership.user_id == user.id).distinct())
    return policy.two_factor_groups(user, roles)


def asked(user: User, roles: Iterable[str] | None = None) -> frozenset[str]:
    """The groups ``user`` is asked to turn two-factor sign-in on for; none once it is on."""
    groups = groups_of(user, roles)
    return groups if groups and not is_on(user) else frozenset()


def standing(user: User) -> Standing:
    """Whether two-factor sign-in is on, being set up, how many recovery codes are left, and whether
    the person is asked to turn it on."""
    factor = _factor(user)
    on = factor is not None and factor.enabled_at is not None
    left = (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        if on
        else 0
    )
    return Standing(
        on=on,
        since=factor.enabled_at if on else None,
        pending_secret=factor.secret if factor is not None and not on else None,
        recovery_codes_left=left,
        groups=groups_of(user),
    )


def required_of(user: User, required_for: frozenset[str]) -> bool:
    """Whether ``user`` must turn two-factor sign-in on before anything else, under a setting that
    requires it of ``required_for`` (groups of ``policy.TWO_FACTOR_GROUPS``), and has not."""
    return policy.two_factor_required(groups_of(user), required_for) and not is_on(user)


# --- writes --------------------------------------------------------------------------------------


def begin(user: User) -> str:
    """Start setting up two-factor sign-in with a new secret (replacing one being set up, whose QR code
    may have been seen); it asks nothing at sign-in until ``confirm``. Returns the secret."""
    secret = codes.new_secret()
    now = utcnow()
    made = upsert(
        TwoFactor,
        {"user_id": user.id, "secret": secret, "created_at": now},
        ["user_id"],
        {"secret": secret, "created_at": now, "last_step": None},
        where=TwoFactor.enabled_at.is_(None),
    )
    if not made:  # on already: its secret is never replaced here, even by a second tab
        raise Refused(ALREADY_ON)
    return secret


def confirm(user: User, password: str, code: str, keep: str) -> list[str]:
    """Turn two-factor sign-in on with the password and the first right code from the app, and return
    ten new recovery codes (shown once: only their hashes are kept). The password is asked again so
    that someone who found the account signed in cannot tie it to their own phone and lock its owner
    out. Every other device is signed out, as a session begun with the password alone may not be the
    person's own; the one holding ``keep`` stays. Raises ``ops.WrongPassword`` or ``WrongCode``."""
    factor = _factor(user)
    if factor is None:
        raise Refused(NOT_STARTED)
    if factor.enabled_at is not None:
        raise Refused(ALREADY_ON)
    if not passwords.matches(user, password):
        raise ops.WrongPassword(ops.WRONG_PASSWORD)
    step = codes.matching_step(factor.secret, code, utcnow())
    if step is None:
        raise WrongCode(WRONG_FIRST_CODE)
    factor.enabled_at = utcnow()
    factor.last_step = step
    ops.end_other_sign_ins(user, keep)
    return _new_recovery_codes(user)


def use_code(user: User, code: str) -> None:
    """Spend ``code``, a code from the app (six digits) or an unused recovery code, to let ``user`` in.

    Raises ``WrongCode`` for a wrong code, an app code of a time step already used (so no code is
    taken twice) and a recovery code already used."""
    factor = _factor(user)
    if factor is None or factor.enabled_at is None:
        raise WrongCode(WRONG_CODE)
    now = utcnow()
    if not codes.looks_like_one_time_code(code):
        _spend_recovery_code(user, code)
        return
    step = codes.matching_step(factor.secret, code, now)
    if step is None:
        raise WrongCode(WRONG_CODE)
    advanced = db.session.execute(
        update(TwoFactor)
        .where(TwoFactor.id == factor.id, or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
        .values(last_step=step),
        execution_options=_NO_SYNC,
    )
    if advanced.rowcount != 1:
        raise WrongCode(USED_CODE)


def _spend_recovery_code(user: User, code: str) -> None:
    kept = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    match = next((row.id for row in kept if codes.recovery_matches(user.id, row.code_hash, code)), None)
    if match is None:
        raise WrongCode(WRONG_CODE)
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == match, RecoveryCode.used_at.is_(None)).values(used_at=utcnow()),
        execution_options=_NO_SYNC,
    )
    if spent.rowcount != 1:
        raise WrongCode(USED_RECOVERY_CODE)


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones (used or not), given a right code; shown once."""
    use_code(user, code)
    return _new_recovery_codes(user)


def turn_off(user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off, given the password and a code (from the app, or a recovery code):
    the secret and every recovery code are deleted. Raises ``ops.WrongPassword`` or ``WrongCode``."""
    if not is_on(user):
        raise Refused(NOT_ON)
    if not passwords.matches(user, password):
        raise ops.WrongPassword(ops.WRONG_PASSWORD)
    use_code(user, code)
    remove(user)


def remove(user: User) -> None:
    """Delete the account's secret and recovery codes: turning it off. Without a code only from the
    command line, for someone who lost both the app and their recovery codes, once the operator knows
    who is asking. (Deleting the account forgets the same rows with everything else.)"""
    for model in (RecoveryCode, TwoFactor):
        db.session.execute(delete(model).where(model.user_id == user.id), execution_options=_NO_SYNC)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id), execution_options=_NO_SYNC)
    fresh = codes.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=codes.recovery_hash(code)) for code in fresh)
    return fresh
