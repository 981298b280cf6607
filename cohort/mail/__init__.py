"""Outgoing mail, through an outbox that loses nothing.

``queue`` writes one message to the outbox table in the caller's transaction: a change that is
rolled back queues nothing, and a change that is saved has always queued its mail. The message is
composed (``compose.py``) only when it leaves (``delivery.py``, run by ``flask --app cohort
send-mail`` or the worker), so the policy is asked again then: a post hidden or a member gone in
between, and the message is withdrawn. Links in mail come from ``COHORT_BASE_URL``, never from a
request's Host header, so a forged header cannot send anyone elsewhere and a job can build them too.
"""

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Cohort, OutboxMessage, User

_QUEUED = "cohort.queued_mail"


def queue(
    kind: str,
    *,
    user: User | None = None,
    to_address: str | None = None,
    cohort: Cohort | None = None,
    context: dict | None = None,
) -> OutboxMessage:
    """Write one message to the outbox, to leave once the current transaction has committed."""
    if (user is None) == (to_address is None):
        raise ValueError("a message goes either to an account or to an address")
    message = OutboxMessage(
        kind=kind,
        user=user,
        to_address=to_address,
        cohort=cohort,
        context=context or {},
    )
    db.session.add(message)
    return message


def note_queued(message_ids, kind: str) -> None:
    """Log messages written by a bulk INSERT once their transaction commits, as ``queue`` does."""
    db.session.info.setdefault(_QUEUED, []).extend((message_id, kind) for message_id in message_ids)


@event.listens_for(Session, "after_flush")
def _note_queued(session: Session, _flush_context) -> None:
    queued = [(obj.id, obj.kind) for obj in session.new if isinstance(obj, OutboxMessage)]
    if queued:
        session.info.setdefault(_QUEUED, []).extend(queued)


@event.listens_for(Session, "after_commit")
def _log_queued(session: Session) -> None:
    # Ids and kinds only: a message's text, address and links (which carry tokens) stay out of the log.
    for message_id, kind in session.info.pop(_QUEUED, []):
        current_app.logger.info("mail %s (%s) queued", message_id, kind)


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_QUEUED, None)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail and calendars, built from ``COHORT_BASE_URL`` (no request needed)."""
    base = urlsplit(current_app.config["COHORT_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def mail_domain() -> str:
    """The domain of the site's own Message-IDs: the host of ``COHORT_BASE_URL``."""
    return urlsplit(current_app.config["COHORT_BASE_URL"]).hostname or "localhost"
