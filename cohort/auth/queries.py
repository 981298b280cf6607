"""Reading accounts: who a cookie or a link names, and where an account is signed in."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from ..extensions import db
from ..models import Invitation, SignIn, SignInAttempt, User, utcnow
from ..models.sign_in import token_hash


def live(now: datetime) -> tuple:
    """What a sign-in meets while its cookies sign their browser in: not ended, used within the idle
    timeout, and begun within the absolute one."""
    config = current_app.config
    return (
        SignIn.ended_at.is_(None),
        SignIn.last_seen_at > now - timedelta(hours=config["COHORT_IDLE_TIMEOUT_HOURS"]),
        SignIn.created_at > now - timedelta(days=config["COHORT_ABSOLUTE_TIMEOUT_DAYS"]),
    )


def signed_in_with(token: str) -> tuple[SignIn, User] | None:
    """The live sign-in a session or remember-me cookie names, with its account, in one query."""
    row = db.session.execute(
        db.select(SignIn, User)
        .join(User, User.id == SignIn.user_id)
        .where(SignIn.token_hash == token_hash(token), *live(utcnow()))
    ).one_or_none()
    return (row[0], row[1]) if row else None


def live_sign_ins(user: User, this_token: str) -> list[tuple[SignIn, bool]]:
    """The browsers signed in to the account, the one used last first, each with whether it is the one
    signed in with ``this_token``."""
    this_hash = token_hash(this_token)
    sign_ins = db.session.execute(
        db.select(SignIn)
        .where(SignIn.user_id == user.id, *live(utcnow()))
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    ).scalars()
    return [(sign_in, sign_in.token_hash == this_hash) for sign_in in sign_ins]


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def invitation_by_id(invitation_id: int) -> Invitation | None:
    return db.session.get(Invitation, invitation_id)


def seconds_to_wait(account: str, address: str, now: datetime, limits: list[tuple[str, int, int]]) -> int | None:
    """How long until another attempt for ``account`` from ``address`` may be made, or None if it may
    be made now. ``limits`` holds (scope, most attempts, minutes) for the scopes "pair", "account" and
    "address"; the attempt being made is counted already (``ops.reserve_attempt``)."""
    scopes = {
        "pair": (SignInAttempt.account == account, SignInAttempt.address == address),
        "account": (SignInAttempt.account == account,),
        "address": (SignInAttempt.address == address,),
    }
    wait = None
    for scope, most, minutes in limits:
        window = timedelta(minutes=minutes)
        count, oldest = db.session.execute(
            db.select(func.count(), func.min(SignInAttempt.at)).where(*scopes[scope], SignInAttempt.at > now - window)
        ).one()
        if count > most:
            seconds = max(1, int((oldest + window - now).total_seconds()) + 1)
            wait = max(wait or 0, seconds)
    return wait
