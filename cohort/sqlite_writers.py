"""SQLite's writers take their turn before they read, and wait for it promptly, in every process.

A write transaction is immediate (``BEGIN IMMEDIATE``): it holds SQLite's write lock from its first
statement, so what it reads it reads as the writer, and it never has to upgrade a read snapshot that
another writer has made stale (an error no busy timeout waits out). The driver begins it before the
first write statement; reads before that run in autocommit, as the driver leaves them. A read that
PostgreSQL would lock (``SELECT … FOR UPDATE``, which SQLite has no words for) begins it instead:
an operation that reads a row to change it, counting from what it read, then reads what the writer
before it left, on SQLite as on PostgreSQL.

SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps longer after
each try, up to 100 ms between tries, so under a steady stream of writes (several gunicorn workers
replying at once) a writer that has waited a while keeps losing the lock to newcomers that try every
millisecond, until its busy timeout runs out and the page answers 503, while the lock sits idle
between tries. Here a write transaction first takes an exclusive ``flock`` on a file beside the
database (``cohort.sqlite.writers``), trying every millisecond, and holds it until its commit or
rollback: waiting writers are let in as soon as the lock is free, whoever has waited longest
included. SQLite's own lock still decides; this only makes the queue short and fair.

A writer that has not had its turn within the connection's busy timeout goes on to SQLite's own
lock, and its busy timeout, as before. Where the lock file cannot be made (a read-only folder), the
connection writes without it.
"""

import fcntl
import os
import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool

LOCK_SUFFIX = ".writers"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_TRY_EVERY_SECONDS = 0.001
_KEY = "cohort_write_turn"


class _Turn:
    """One connection's handle on the lock file, and whether it holds the lock now."""

    def __init__(self, descriptor: int, timeout_seconds: float):
        self.descriptor = descriptor
        self.timeout_seconds = timeout_seconds
        self.held = False

    def take(self) -> None:
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            try:
                fcntl.flock(self.descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's own lock and busy timeout decide from here
                time.sleep(_TRY_EVERY_SECONDS)
            else:
                self.held = True
                return

    def give_back(self) -> None:
        if self.held:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
            self.held = False


def attach(dbapi_connection: sqlite3.Connection, record) -> None:
    """Make a new SQLite connection's write transactions immediate, and give it its handle on the lock
    file beside its database file."""
    dbapi_connection.isolation_level = "IMMEDIATE"  # what the driver begins before a write statement
    cursor = dbapi_connection.cursor()
    try:
        files = {name: path for _, name, path in cursor.execute("PRAGMA database_list")}
        (timeout_ms,) = cursor.execute("PRAGMA busy_timeout").fetchone()
    finally:
        cursor.close()
    path = files.get("main")
    if not path:  # an in-memory database has one connection and no file to put a lock beside
        return
    try:
        descriptor = os.open(path + LOCK_SUFFIX, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return
    _close(None, record)  # a record reconnecting after an invalidation lets go of its old handle
    record.info[_KEY] = _Turn(descriptor, timeout_ms / 1000)


def _locks_rows(context) -> bool:
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


@event.listens_for(Engine, "before_cursor_execute")
def _take_turn_before_writing(connection: Connection, cursor, statement: str, _parameters, context, _many) -> None:
    if connection.dialect.name != "sqlite":
        return
    locking_read = _locks_rows(context)
    if not (locking_read or statement.lstrip()[:7].upper().startswith(_WRITES)):
        return
    turn = connection.info.get(_KEY)
    if turn is not None and not turn.held:
        turn.take()
    if locking_read and not connection.connection.driver_connection.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")  # the driver begins one itself only before a write


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _give_turn_back(connection: Connection) -> None:
    # Fired just before the commit or rollback itself: the next writer's first try may find SQLite's
    # lock still held for that moment, and SQLite's busy handler covers it. An invalidated connection
    # has no info to ask (asking would reconnect): closing it closes its handle, and the lock with it.
    if connection.invalidated:
        return
    turn = connection.info.get(_KEY)
    if turn is not None:
        turn.give_back()


@event.listens_for(Pool, "checkin")
def _give_back_on_return(_dbapi_connection, record) -> None:
    # A connection returned to the pool is rolled back without a rollback event.
    turn = record.info.get(_KEY) if record is not None else None
    if turn is not None:
        turn.give_back()


@event.listens_for(Pool, "close")
def _close(_dbapi_connection, record) -> None:
    turn = record.info.pop(_KEY, None)
    if turn is not None:
        os.close(turn.descriptor)  # and with it the lock, if held
