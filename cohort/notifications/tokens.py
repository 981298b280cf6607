"""Signed unsubscribe links: they work without signing in, for one person and one kind of mail."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..models import NotificationKind


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cohort.unsubscribe")


def unsubscribe_token(user_id: int, kind: NotificationKind) -> str:
    return _serializer().dumps([user_id, kind.value])


def read_unsubscribe_token(token: str) -> tuple[int, NotificationKind] | None:
    """The person and kind a link stands for, or None if it was altered or made up."""
    try:
        user_id, kind = _serializer().loads(token)
        return int(user_id), NotificationKind(kind)
    except (BadSignature, ValueError, TypeError):
        return None
