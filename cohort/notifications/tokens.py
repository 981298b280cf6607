"""Signed unsubscribe links: they work without signing in, for one person and one kind of mail
(a kind of notification, or a digest: ``Delivery.DAILY`` or ``Delivery.WEEKLY``)."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..models import Delivery, NotificationKind

DIGESTS = (Delivery.DAILY, Delivery.WEEKLY)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cohort.unsubscribe")


def unsubscribe_token(user_id: int, topic: NotificationKind | Delivery) -> str:
    prefix = "digest:" if isinstance(topic, Delivery) else ""
    return _serializer().dumps([user_id, prefix + topic.value])


def read_unsubscribe_token(token: str) -> tuple[int, NotificationKind | Delivery] | None:
    """The person and the mail a link stands for, or None if it was altered or made up."""
    try:
        user_id, topic = _serializer().loads(token)
        if topic.startswith("digest:"):
            digest = Delivery(topic.removeprefix("digest:"))
            return (int(user_id), digest) if digest in DIGESTS else None
        return int(user_id), NotificationKind(topic)
    except (BadSignature, ValueError, TypeError, AttributeError):
        return None


def topic_label(topic: NotificationKind | Delivery) -> str:
    return f"The {topic.label.lower()}" if isinstance(topic, Delivery) else topic.label
