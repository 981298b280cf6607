"""Signed tokens for links sent to people: invitations and password resets."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from .models import User


class TokenExpired(Exception):
    """The link was genuine but is too old."""


class TokenInvalid(Exception):
    """The link was altered, made up, or has been used."""


def _invitation_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cohort.invitation")


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cohort.password-reset")


def invitation_token(invitation_id: int, key: str) -> str:
    return _invitation_serializer().dumps([invitation_id, key])


def read_invitation_token(token: str) -> tuple[int, str]:
    """The invitation id and key signed into ``token``; raises TokenInvalid if tampered with."""
    try:
        invitation_id, key = _invitation_serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise TokenInvalid from error
    if not isinstance(invitation_id, int) or not isinstance(key, str):
        raise TokenInvalid
    return invitation_id, key


def _password_fingerprint(user: User) -> str:
    # Tied to the current hash, so the link stops working once the password changes: single use.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps([user.id, _password_fingerprint(user)])


def _read_user_token(serializer, token: str, max_age: int, load_user, still_valid) -> User:
    """The user a timed link names, if it is genuine, fresh, and ``still_valid(user, payload)``."""
    try:
        user_id, check = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except (BadSignature, ValueError, TypeError) as error:
        raise TokenInvalid from error
    user = load_user(user_id) if isinstance(user_id, int) else None
    if user is None or not still_valid(user, check):
        raise TokenInvalid
    return user


def read_password_reset_token(token: str, load_user) -> User:
    """The user a reset link belongs to; raises TokenExpired or TokenInvalid."""
    max_age = current_app.config["COHORT_PASSWORD_RESET_MAX_AGE"]
    return _read_user_token(
        _reset_serializer(),
        token,
        max_age,
        load_user,
        lambda user, fingerprint: fingerprint == _password_fingerprint(user),
    )


def _confirmation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cohort.confirm-email")


def email_confirmation_token(user: User) -> str:
    return _confirmation_serializer().dumps([user.id, user.email])


def read_email_confirmation_token(token: str, load_user) -> User:
    """The user whose address a confirmation link proves, until it is proven; raises TokenExpired or
    TokenInvalid."""
    max_age = current_app.config["COHORT_CONFIRMATION_MAX_AGE"]
    return _read_user_token(
        _confirmation_serializer(),
        token,
        max_age,
        load_user,
        # Works once: after the address is proven the link no longer signs anyone in without a password.
        lambda user, email: user.email == email and not user.email_confirmed,
    )
