"""Delivering the outbox over SMTP: each message claimed once, marked sent only once accepted.

A run claims a batch of due messages in one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so two workers never take the same row; on SQLite the claiming UPDATE is a write transaction of
its own, and SQLite lets one writer in at a time). A claim lasts ``CLAIM_LEASE``: a worker killed
midway leaves its claimed messages to be taken again once the lease has run out, so nothing is
lost and at most the message it had in flight is sent twice. A temporary failure (the server
down, a 4xx answer) is tried again after a growing delay, up to ``MAX_TRIES``; a 5xx answer for
one recipient fails that message only.
"""

import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import MessageStatus, OutboxMessage, utcnow
from .compose import compose

# A batch must end well inside its claim: 20 messages at most SMTP_TIMEOUT_SECONDS each is 10 minutes.
CLAIM_LEASE = timedelta(minutes=15)
BATCH_SIZE = 20
# Minutes to wait after each failed try; a message still failing after the last is marked failed.
RETRY_MINUTES = (1, 5, 15, 30, 60, 120, 240, 480)
MAX_TRIES = len(RETRY_MINUTES) + 1
SMTP_TIMEOUT_SECONDS = 30


@dataclass
class Delivered:
    """What one run did, for the command line and the log."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    withdrawn: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to try again, {self.failed} failed, {self.withdrawn} withdrawn"


class _TryAgain(Exception):
    """A failure worth trying again later; ``connection_lost`` when the rest of the batch must wait too."""

    def __init__(self, reason: str, *, connection_lost: bool = False):
        super().__init__(reason)
        self.connection_lost = connection_lost


class _Refused(Exception):
    """The server refused this message for good."""


def mail_server_configured() -> bool:
    return bool(current_app.config["COHORT_MAIL_SERVER"])


def waiting_count() -> int:
    return db.session.scalar(
        select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED)
    )


def newest_messages(limit: int) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)).all()


def claim_due(now: datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due messages for this run and commit the claim: their ids, oldest first."""
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == MessageStatus.QUEUED) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == MessageStatus.SENDING) & (OutboxMessage.claimed_until < now),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status=MessageStatus.SENDING, claimed_until=now + CLAIM_LEASE, tries=OutboxMessage.tries + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def deliver_due(now: datetime | None = None) -> Delivered:
    """Send every message that is due, batch by batch, until none is left; what was done."""
    delivered = Delivered()
    if not mail_server_configured():
        current_app.logger.info("mail: no mail server is set; %d messages wait in the outbox", waiting_count())
        return delivered
    # Each batch is claimed at the time it is claimed, not when the run began, so a long run never
    # takes messages on a lease that has already run out. ``now`` moves the clock (tests, catching up).
    started, base = time.monotonic(), now or utcnow()

    def clock() -> datetime:
        return base + timedelta(seconds=time.monotonic() - started)

    connection = _Connection()
    try:
        while batch := claim_due(clock()):
            if not _deliver_batch(batch, connection, clock, delivered):
                break  # the server is away: what is left waits for its next try
    finally:
        connection.close()
    return delivered


def _deliver_batch(batch: list[int], connection: "_Connection", clock, delivered: Delivered) -> bool:
    """Send a claimed batch, committing each message's fate as it is known; False if the server is away."""
    for position, message_id in enumerate(batch):
        message = db.session.get(OutboxMessage, message_id)
        if message.tries > MAX_TRIES:
            # Claimed again and again by workers that never finished it: it is not sent again.
            message.last_error = "taken by workers that stopped before finishing it"
            _finish(message, MessageStatus.FAILED, delivered)
            db.session.commit()
            continue
        try:
            email = _compose(message)
            if email is None:
                _finish(message, MessageStatus.WITHDRAWN, delivered)
                db.session.commit()
                continue
            connection.send(email)
        except _TryAgain as failure:
            _try_again(message, str(failure), clock(), delivered)
            if failure.connection_lost:
                # The server is away: the rest of the batch waits its turn rather than failing one by one.
                for waiting_id in batch[position + 1 :]:
                    _try_again(db.session.get(OutboxMessage, waiting_id), str(failure), clock(), delivered)
                db.session.commit()
                return False
        except _Refused as refusal:
            message.last_error = str(refusal)[:500]
            _finish(message, MessageStatus.FAILED, delivered)
        else:
            message.sent_at = utcnow()
            message.last_error = ""
            _finish(message, MessageStatus.SENT, delivered)
        db.session.commit()
    return True


def _compose(message: OutboxMessage):
    """The mail for a message; one that cannot be built (a bug, a value no header can carry) fails
    alone instead of stopping every message behind it."""
    try:
        return compose(message)
    except Exception as error:  # noqa: BLE001 (any failure here is this message's, not the run's)
        db.session.rollback()
        current_app.logger.exception("mail %s (%s) could not be composed", message.id, message.kind)
        raise _Refused(f"could not be composed: {error.__class__.__name__}") from error


def _finish(message: OutboxMessage, status: MessageStatus, delivered: Delivered) -> None:
    message.status = status
    message.claimed_until = None
    setattr(delivered, status.value, getattr(delivered, status.value) + 1)
    current_app.logger.info("mail %s (%s) %s", message.id, message.kind, status.value)


def _try_again(message: OutboxMessage, reason: str, now: datetime, delivered: Delivered) -> None:
    message.last_error = reason[:500]
    if message.tries >= MAX_TRIES:
        _finish(message, MessageStatus.FAILED, delivered)
        return
    message.status = MessageStatus.QUEUED
    message.claimed_until = None
    message.next_attempt_at = now + timedelta(minutes=RETRY_MINUTES[message.tries - 1])
    delivered.retrying += 1
    current_app.logger.info(
        "mail %s (%s) try %d failed; next try at %s",
        message.id,
        message.kind,
        message.tries,
        f"{message.next_attempt_at:%Y-%m-%d %H:%M} UTC",
    )


class _Connection:
    """One SMTP connection for a run, opened at the first message and reopened after a loss."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None

    def send(self, email) -> None:
        try:
            smtp = self._smtp or self._open()
        except (smtplib.SMTPException, OSError) as error:
            # Whatever the answer, a server that cannot be reached or signed in to is not this message's fault.
            self.close()
            raise _TryAgain(f"mail server unavailable: {_describe(error)}", connection_lost=True) from error
        try:
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            self._raise_for_answers(error.recipients)
        except smtplib.SMTPSenderRefused as error:
            # The sender refused is the site's configuration, not this message: everything waits.
            self.close()
            raise _TryAgain(f"sender refused: {_describe(error)}", connection_lost=True) from error
        except smtplib.SMTPNotSupportedError as error:
            raise _Refused(f"the server cannot carry this address: {_describe(error)}") from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                raise _Refused(_describe(error)) from error
            # 421 means the server is closing the connection: the rest of the batch waits too.
            lost = error.smtp_code == 421
            if lost:
                self.close()
            raise _TryAgain(_describe(error), connection_lost=lost) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise _TryAgain(f"mail server unavailable: {_describe(error)}", connection_lost=True) from error
        else:
            self._raise_for_answers(refused)

    @staticmethod
    def _raise_for_answers(refused: dict) -> None:
        # One recipient per message, so any refusal is this message's.
        for code, text in refused.values():
            answer = ADDRESS.sub("<address>", f"{code} {_text(text)}")
            if code >= 500:
                raise _Refused(answer)
            raise _TryAgain(answer)

    def _open(self) -> smtplib.SMTP:
        config = current_app.config
        host, port = config["COHORT_MAIL_SERVER"], config["COHORT_MAIL_PORT"]
        if config["COHORT_MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS, local_hostname=socket.getfqdn())
            if config["COHORT_MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if config["COHORT_MAIL_USERNAME"]:
            smtp.login(config["COHORT_MAIL_USERNAME"], config["COHORT_MAIL_PASSWORD"])
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _text(answer) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


def _describe(error: Exception) -> str:
    """The server's answer (code and text, addresses taken out), or the kind of network failure:
    never the message itself, nor whom it was for."""
    if isinstance(error, smtplib.SMTPResponseException):
        return ADDRESS.sub("<address>", f"{error.smtp_code} {_text(error.smtp_error)}")
    return error.__class__.__name__
