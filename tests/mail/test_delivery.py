"""The outbox delivered over real SMTP (aiosmtpd on 127.0.0.1): once, in full, or not at all."""

import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from cohort.cohorts import ops
from cohort.config import from_environment
from cohort.extensions import db
from cohort.mail.delivery import CLAIM_LEASE, MAX_TRIES, RETRY_MINUTES
from cohort.models import Invitation, MessageStatus, OutboxMessage, utcnow

from .. import factories
from ..live import ROOT
from ..posts.helpers import make_post, make_reply

SECRET = "mail tests secret"


def _invite(app, people, emails: list[str]) -> None:
    with app.app_context():
        facilitator = factories.member_of(ops.find_user(people.facilitator), people.cohort_id)
        ops.invite_by_email(facilitator, emails)
        db.session.commit()


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        return {message.to_address: message.status.value for message in db.session.scalars(select(OutboxMessage))}


def test_a_message_has_a_text_and_an_html_part_and_a_stable_id(app, people, mailbox):
    _invite(app, people, ["kai@fjord.example.org"])
    (message,) = mailbox.messages
    email = message["message"]
    assert message["to"] == "kai@fjord.example.org"
    assert "/invite/" in message["body"] and "/invite/" in message["html"]
    assert email["Message-ID"].startswith("<invitation.") and email["Message-ID"].endswith("@cohort.test>")
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["From"].addresses[0].addr_spec == "cohort@localhost"
    # Sent once: delivering again finds nothing due.
    assert len(mailbox.messages) == 1
    assert _statuses(app) == {"kai@fjord.example.org": "sent"}


def test_without_a_mail_server_mail_waits_and_the_log_names_no_address_or_link(make_app, people, mailbox, caplog):
    app = make_app(COHORT_MAIL_SERVER="")
    caplog.set_level(logging.INFO, logger="cohort")
    _invite(app, people, ["kai@fjord.example.org"])
    assert mailbox.messages == []
    assert _statuses(app) == {"kai@fjord.example.org": "queued"}
    logged = caplog.text
    assert "(invitation) queued" in logged and "1 messages wait in the outbox" in logged
    assert "kai@" not in logged and "/invite/" not in logged


def test_a_server_down_for_a_while_gets_the_message_once_it_returns(app, people, mailbox, smtp_server):
    smtp_server.stop()
    _invite(app, people, ["kai@fjord.example.org"])
    delivered = mailbox.deliver()
    assert (delivered.sent, delivered.retrying) == (0, 1)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == MessageStatus.QUEUED and message.tries == 1
        assert "unavailable" in message.last_error
        retry_at = message.next_attempt_at
    smtp_server.start()
    assert mailbox.deliver().sent == 0  # not due yet: the first retry waits a minute
    assert mailbox.deliver(now=retry_at + timedelta(seconds=1)).sent == 1
    assert mailbox.deliver(now=retry_at + timedelta(hours=1)).sent == 0
    assert [message["to"] for message in smtp_server.messages_to("kai@fjord.example.org")] == ["kai@fjord.example.org"]


def test_retries_wait_longer_each_time_and_then_fail(app, people, mailbox, smtp_server):
    smtp_server.refuse["kai@fjord.example.org"] = "451 Try again later"
    _invite(app, people, ["kai@fjord.example.org"])
    now = utcnow()
    waits = []
    for _ in range(MAX_TRIES):
        mailbox.deliver(now=now)
        with app.app_context():
            message = db.session.scalars(select(OutboxMessage)).one()
            if message.status == MessageStatus.QUEUED:
                waits.append(message.next_attempt_at - now)
                now = message.next_attempt_at
    # Each wait is counted from the failed try (a moment after the run began).
    assert [round(wait.total_seconds() / 60) for wait in waits] == list(RETRY_MINUTES)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.tries) == (MessageStatus.FAILED, MAX_TRIES)
        assert message.last_error.startswith("451")
    assert smtp_server.received == []


def test_a_refused_recipient_fails_alone_and_the_rest_are_sent(app, people, mailbox, smtp_server):
    smtp_server.refuse["nobody@fjord.example.org"] = "550 No such user here"
    _invite(app, people, ["ana@fjord.example.org", "nobody@fjord.example.org", "kai@fjord.example.org"])
    assert sorted(message["to"] for message in mailbox.messages) == ["ana@fjord.example.org", "kai@fjord.example.org"]
    assert _statuses(app) == {
        "ana@fjord.example.org": "sent",
        "nobody@fjord.example.org": "failed",
        "kai@fjord.example.org": "sent",
    }


def test_an_invitation_withdrawn_before_its_mail_left_is_not_sent(app, people, mailbox):
    _invite(app, people, ["kai@fjord.example.org"])
    with app.app_context():
        db.session.scalars(select(Invitation)).one().revoked_at = utcnow()
        db.session.commit()
    assert mailbox.messages == []
    assert _statuses(app) == {"kai@fjord.example.org": "withdrawn"}


def _flask(database_url: str, smtp_port: int, *command: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "COHORT_DATABASE_URL": database_url,
        "COHORT_SECRET_KEY": SECRET,
        "COHORT_BASE_URL": "http://cohort.test",
        "COHORT_MAIL_SERVER": "127.0.0.1",
        "COHORT_MAIL_PORT": str(smtp_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "cohort", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_two_send_mail_runs_at_once_deliver_each_message_exactly_once(app, people, mailbox, smtp_server):
    addresses = [f"member{number}@fjord.example.org" for number in range(120)]
    _invite(app, people, addresses)
    # The server holds each message, for 20 s at most (inside the client's 30-second timeout), until
    # both runs have one in flight. The second starts once the first is sending its first batch,
    # which then takes minutes, so the runs overlap however slowly either starts.
    smtp_server.hold_for = 20
    smtp_server.hold.set()
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    runs = [_flask(database_url, smtp_server.port, "send-mail")]
    try:
        _wait_until(lambda: smtp_server.waiting >= 1, seconds=100)
        runs.append(_flask(database_url, smtp_server.port, "send-mail"))
        second_in_flight = _wait_until(lambda: smtp_server.waiting >= 2, seconds=100)
    finally:
        smtp_server.hold.clear()
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert second_in_flight, ("the second run never reached the mail server", outputs)
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = [int(re.search(r"Mail: (\d+) sent", output).group(1)) for output in outputs]
    # Both took part, and neither sent a message twice.
    assert sum(sent) == len(addresses) and min(sent) > 0, (sent, outputs)
    received = sorted(address for message in smtp_server.received for address in message.rcpt_tos)
    assert received == sorted(addresses)
    assert set(_statuses(app).values()) == {"sent"}


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_worker_killed_mid_run_loses_nothing_and_resends_at_most_the_message_in_flight(
    app, people, mailbox, smtp_server
):
    addresses = [f"member{number}@fjord.example.org" for number in range(10)]
    _invite(app, people, addresses)
    smtp_server.hold.set()
    worker = _flask(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server.port, "worker")
    try:
        assert smtp_server.held.wait(timeout=60), "the worker never reached the mail server"
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate(timeout=10)
    smtp_server.hold.clear()
    time.sleep(0.2)  # the held message, whose sender is gone, reaches the server's list now
    # The killed worker's claim runs out; the next run takes every message it left.
    mailbox.deliver(now=utcnow() + CLAIM_LEASE + timedelta(seconds=1))
    received = [address for message in smtp_server.received for address in message.rcpt_tos]
    assert sorted(set(received)) == sorted(addresses)
    assert len(received) - len(set(received)) <= 1
    assert set(_statuses(app).values()) == {"sent"}


@pytest.mark.parametrize("setting", ["COHORT_MAIL_USE_TLS", "COHORT_MAIL_USE_SSL"])
def test_the_mail_settings_are_read_from_the_environment(monkeypatch, tmp_path, setting):
    monkeypatch.setenv("COHORT_MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv(setting, "1")
    config = from_environment(str(tmp_path))
    assert config["COHORT_MAIL_SERVER"] == "smtp.example.org"
    assert config["COHORT_MAIL_PORT"] == (587 if setting == "COHORT_MAIL_USE_TLS" else 465)
    monkeypatch.setenv("COHORT_MAIL_USE_TLS", "1")
    monkeypatch.setenv("COHORT_MAIL_USE_SSL", "1")
    with pytest.raises(ValueError, match="not both"):
        from_environment(str(tmp_path))


def test_a_message_that_cannot_be_composed_fails_alone(app, people, mailbox):
    _invite(app, people, ["ana@fjord.example.org"])
    with app.app_context():
        # A kind no composer knows (say, from a later version): it fails; the rest still leave.
        db.session.add(OutboxMessage(kind="no_such_kind", to_address="lost@fjord.example.org"))
        db.session.commit()
    _invite(app, people, ["kai@fjord.example.org"])
    assert sorted(message["to"] for message in mailbox.messages) == ["ana@fjord.example.org", "kai@fjord.example.org"]
    with app.app_context():
        failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "no_such_kind")).one()
        assert failed.status == MessageStatus.FAILED and failed.last_error == "could not be composed: KeyError"


def test_a_title_with_line_separators_becomes_a_one_line_subject(app, people, mailbox):
    post_id = make_post(app, people, people.member, title="Theatre\u2028utilisation\x0bBcc: evil@example.org")
    make_reply(app, post_id, people.facilitator, "An idea.")
    (mail,) = [message for message in mailbox.messages if message["to"] == people.member]
    assert "Theatre utilisation Bcc: evil@example.org" in mail["subject"]
    assert mail["message"]["Bcc"] is None


def test_server_answers_never_put_an_address_in_the_outbox(app, people, mailbox, smtp_server):
    smtp_server.refuse["kai@fjord.example.org"] = "550 <kai@fjord.example.org>: no such user"
    _invite(app, people, ["kai@fjord.example.org"])
    mailbox.deliver()
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "550 <address>: no such user"
