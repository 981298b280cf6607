"""The worker: every minute, queue the mail that is due by time, then deliver what is due.

Work due by time (digests, reminders, nudges) registers here with ``@due_work``; each such
function queues idempotently from the data (a unique key per recipient, kind and subject), so
running it twice, or on two workers at once, queues nothing twice.
"""

import signal
import threading
from collections.abc import Callable
from datetime import datetime

from flask import current_app

from ..extensions import db
from ..models import WorkerHeartbeat, utcnow
from ..upsert import upsert
from .delivery import Delivered, deliver_due

WORKER_INTERVAL_SECONDS = 60

DueWork = Callable[[datetime], int]
_DUE_WORK: list[DueWork] = []


def due_work(function: DueWork) -> DueWork:
    """Register a function that queues what is due at a time and says how many messages it queued."""
    _DUE_WORK.append(function)
    return function


def queue_due(now: datetime | None = None) -> int:
    """Queue everything due by ``now``, each kind of work in its own transaction; how many were queued."""
    now = now or utcnow()
    queued = 0
    for work in _DUE_WORK:
        queued += work(now)
        db.session.commit()
    return queued


def run_once(now: datetime | None = None) -> Delivered:
    """One run of the worker: queue what is due, deliver it, and note that the worker is alive."""
    now = now or utcnow()
    queue_due(now)
    delivered = deliver_due(now)
    upsert(WorkerHeartbeat, {"name": "mail", "beat_at": now}, ["name"], {"beat_at": now})
    db.session.commit()
    return delivered


def run_worker(interval: float = WORKER_INTERVAL_SECONDS, stop: threading.Event | None = None) -> None:
    """Queue and deliver every ``interval`` seconds until SIGTERM, SIGINT or ``stop`` is set."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    current_app.logger.info("mail worker started")
    while not stop.is_set():
        try:
            delivered = run_once()
        except Exception:
            # A failing run (the database away for a moment) must not end the worker: it tries again.
            db.session.rollback()
            current_app.logger.exception("mail worker: this run failed; trying again in %s s", interval)
        else:
            if delivered.sent or delivered.retrying or delivered.failed or delivered.withdrawn:
                current_app.logger.info("mail worker: %s", delivered)
        finally:
            db.session.remove()
        stop.wait(interval)
    current_app.logger.info("mail worker stopped")
