"""Outgoing mail, sent only once the transaction that caused it has committed.

``send_mail`` queues a message on the database session; it leaves when that session commits and
is dropped if it rolls back, so nobody is told of an invitation or a reset that was never saved.
Until notifications are built, messages are written to the application log, where a developer or
an operator can read them. Links in mail come from ``COHORT_BASE_URL``, never from a request's
Host header, so a forged header cannot send anyone elsewhere and a job can build them too.
"""

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

_QUEUE = "cohort.outgoing_mail"


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue one plain-text message, to be sent when the current transaction commits."""
    message = {"from": current_app.config["COHORT_MAIL_FROM"], "to": to, "subject": subject, "body": body}
    db.session.info.setdefault(_QUEUE, []).append((current_app._get_current_object(), message))


def _deliver(app, message: dict) -> None:
    app.logger.info("mail from %(from)s to %(to)s\nSubject: %(subject)s\n\n%(body)s", message, extra={"mail": message})


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    for app, message in session.info.pop(_QUEUE, []):
        _deliver(app, message)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_QUEUE, None)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail and calendars, built from ``COHORT_BASE_URL`` (no request needed)."""
    base = urlsplit(current_app.config["COHORT_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
