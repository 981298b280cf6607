"""Online backups of the whole database, and restoring one into an empty database.

SQLite copies itself with its backup API in one step: one read transaction, so the copy is one
moment of the database while writers carry on (WAL). PostgreSQL uses ``pg_dump --format=custom``
and ``pg_restore``; the connection details travel in ``PG*`` environment variables, so the
password never appears in a process list. Each backup reports the rows of every table as they
are inside the backup.
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, func, inspect, select, table, text

from .extensions import db, migrate
from .posts.search import SEARCH_TABLE

VERSION_TABLE = "alembic_version"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the person running it."""


@dataclass(frozen=True)
class Backup:
    """A backup file, its size and how many rows each table holds inside it."""

    path: Path
    size: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Restored:
    """What a restore brought back: the rows of each table, and whether the schema is this code's
    own or an earlier one, which ``flask db upgrade`` brings up to date."""

    counts: dict[str, int]
    up_to_date: bool


def table_names() -> list[str]:
    """Every table a backup carries: the models' tables, the search index and the migration version."""
    return [model_table.name for model_table in db.metadata.sorted_tables] + [SEARCH_TABLE, VERSION_TABLE]


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows in each of ``table_names()`` that exists, as ``connection`` sees them."""
    present = set(inspect(connection).get_table_names())
    return {
        name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in table_names()
        if name in present
    }


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def backup_database(path: Path) -> Backup:
    """Write a consistent copy of the app's database to ``path``, which must not exist yet."""
    if path.exists():
        raise BackupError(f"{path} already exists: choose a new file name, so no backup is overwritten.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    if not os.access(path.parent, os.W_OK):
        raise BackupError(f"The folder {path.parent} cannot be written to.")
    # Written beside the target and renamed once complete, so a failed backup leaves no half file.
    partial = path.with_name(path.name + ".partial")
    try:
        _create_private(partial)
        counts = _backup_sqlite(partial) if _is_sqlite() else _backup_postgresql(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(path=path, size=path.stat().st_size, counts=counts)


def _create_private(partial: Path) -> None:
    """Create ``partial`` empty, readable and writable by its owner alone, before anything goes into it:
    a backup holds every member's words and addresses, whatever the process's umask would allow."""
    partial.unlink(missing_ok=True)  # left by a backup killed before it could clean up
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))


def restore_database(path: Path) -> Restored:
    """Bring the backup at ``path`` into the app's database, which must hold no rows. A backup made by
    a later version of Cohort (a migration this code does not know) is refused before anything changes."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    if _is_sqlite():
        up_to_date = _restore_sqlite(path)
    else:
        up_to_date = _restore_postgresql(path)
    db.engine.dispose()  # pooled connections may hold the schema as it was before
    with db.engine.connect() as connection:
        return Restored(row_counts(connection), up_to_date)


def _known_revision(revision: str | None) -> bool:
    """Whether the backup's migration ``revision`` is this code's latest (True) or an earlier one (False);
    raises ``BackupError`` for one this code does not know."""
    scripts = ScriptDirectory.from_config(migrate.get_config())
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"The backup's database is at migration {revision or '(none)'}, which this version of Cohort does "
            "not know: it was made by a later version. Restore it with that version or a newer one."
        )
    return revision == scripts.get_current_head()


def _require_empty() -> None:
    with db.engine.connect() as connection:
        filled = {name: count for name, count in row_counts(connection).items() if count and name != VERSION_TABLE}
    if filled:
        named = ", ".join(f"{name}: {count}" for name, count in list(filled.items())[:3])
        more = f" and {len(filled) - 3} more tables" if len(filled) > 3 else ""
        raise BackupError(f"The database is not empty ({named}{more}): restore only into a new, empty database.")


def _backup_sqlite(partial: Path) -> dict[str, int]:
    source = db.engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(target)  # every page in one step: one moment of the database
            # The copy is a single file of its own, not a WAL database waiting for its log.
            target.execute("PRAGMA journal_mode=DELETE")
            return _sqlite_counts(target)
        finally:
            target.close()
    finally:
        source.close()


def _sqlite_counts(backup: sqlite3.Connection) -> dict[str, int]:
    # Plain sqlite3 rather than an engine, whose connect hook would turn the copy back to WAL.
    present = {name for (name,) in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        # The names are the models' own tables, found in the file: nothing typed by anyone.
        name: backup.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in table_names()
        if name in present
    }


def _open_sqlite_backup(path: Path) -> sqlite3.Connection:
    """The backup at ``path``, read-only, once it proves to be a sound SQLite copy of a Cohort database."""
    backup = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        ok = backup.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        versioned = backup.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
        ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        backup.close()
        raise BackupError(f"{path} is not a SQLite backup ({error}).") from error
    if not (ok and versioned):
        backup.close()
        raise BackupError(f"{path} is not a sound backup of a Cohort database.")
    return backup


def _restore_sqlite(path: Path) -> bool:
    backup = _open_sqlite_backup(path)
    try:
        up_to_date = _known_revision(backup.execute("SELECT version_num FROM alembic_version").fetchone()[0])
        _require_empty()
        db.engine.dispose()  # no other connection of ours may write while the pages are replaced
        target = db.engine.raw_connection()
        try:
            backup.backup(target.driver_connection)
        finally:
            target.close()
    finally:
        backup.close()
    return up_to_date


def _pg_program(name: str) -> str:
    """Where ``pg_dump`` or ``pg_restore`` lives: on PATH, or beside ``pg_config --bindir``."""
    found = shutil.which(name)
    if found:
        return found
    pg_config = shutil.which("pg_config")
    if pg_config:
        found_in = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)  # noqa: S603
        bindir = found_in.stdout.strip()
        candidate = Path(bindir) / name
        if bindir and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} is not installed: install the PostgreSQL client programs, or put {name} on PATH.")


def _pg_environment() -> dict[str, str]:
    url = db.engine.url
    details = {
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    return {**os.environ, **{key: str(value) for key, value in details.items() if value}}


def _run(command: list[str], what: str) -> None:
    # The PostgreSQL programs found above, with the operator's own path as an argument; no shell.
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or f'exit status {result.returncode}'}")


@contextmanager
def _exported_snapshot() -> Iterator[tuple[str, Connection]]:
    """A snapshot of the database held open, its id for ``pg_dump --snapshot``, and a connection in it."""
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            yield snapshot, connection


def _backup_postgresql(partial: Path) -> dict[str, int]:
    pg_dump = _pg_program("pg_dump")
    # pg_dump reads the very snapshot the counts come from, so they are the counts inside the file.
    with _exported_snapshot() as (snapshot, connection):
        counts = row_counts(connection)
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"], "pg_dump")
    return counts


def _dumped_revision(pg_restore: str, path: Path) -> str | None:
    """The migration version inside a pg_dump file: the one row of its version table's data."""
    shown = subprocess.run(  # noqa: S603
        [pg_restore, "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = shown.stdout.splitlines()
    starts = [number for number, line in enumerate(lines) if line.startswith("COPY ") and VERSION_TABLE in line]
    if shown.returncode != 0 or not starts or lines[starts[0] + 1] == "\\.":
        return None
    return lines[starts[0] + 1].strip()


def _restore_postgresql(path: Path) -> bool:
    pg_restore = _pg_program("pg_restore")
    listed = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True, check=False)  # noqa: S603
    if listed.returncode != 0:
        raise BackupError(f"{path} is not a pg_dump backup ({listed.stderr.strip()}).")
    up_to_date = _known_revision(_dumped_revision(pg_restore, path))
    _require_empty()
    db.engine.dispose()
    # One transaction: a restore that fails leaves the database as empty as it was. --clean drops the
    # empty tables a migrated database already has; the owners and grants are the target server's.
    _run(
        [
            pg_restore,
            f"--dbname={db.engine.url.database}",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            str(path),
        ],
        "pg_restore",
    )
    return up_to_date
