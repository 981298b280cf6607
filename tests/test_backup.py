"""``flask --app cohort backup`` while members write, and ``restore`` into an empty database."""

import os
import re
import sqlite3
import stat
import subprocess
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from cohort.backup import row_counts
from cohort.extensions import db
from cohort.models import Membership, Post, PostKind, Reply, Visibility
from cohort.posts import ops as post_ops

COUNT_LINE = re.compile(r"^  (\w+) +(\d+)$", re.MULTILINE)


@pytest.fixture
def empty_app(database_url, tmp_path, make_app):
    """An app on a new database with nothing in it, on the same server as the test database."""
    if database_url.startswith("sqlite"):
        yield make_app(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "restored.sqlite"))
        return
    name = f"cohort_restore_{uuid.uuid4().hex[:12]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name)
    app = make_app(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    yield app
    with app.app_context():
        db.engine.dispose()
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


class Writer(threading.Thread):
    """Shares a post with one reply in each transaction, over and over, as members would."""

    def __init__(self, app, people):
        super().__init__(daemon=True)
        self.app, self.people = app, people
        self.written = 0
        self.error: BaseException | None = None
        self.halt = threading.Event()

    def run(self):
        try:
            with self.app.app_context():
                author = db.session.get(Membership, self.people.member_membership)
                replier = db.session.get(Membership, self.people.facilitator_membership)
                while not self.halt.is_set():
                    shared = post_ops.create_post(
                        author,
                        kind=PostKind.STORY,
                        title=f"Story {self.written}",
                        body="We moved follow-ups to virtual care plans.",
                        tags=["virtual-care"],
                        visibility=Visibility.ATTRIBUTED,
                    )
                    post_ops.add_reply(replier, shared.post, f"Thank you for story {self.written}.")
                    db.session.commit()
                    self.written += 1
                    self.halt.wait(0.005)
        except BaseException as error:  # reported by the test, not lost with the thread
            self.error = error

    def wait_for(self, count: int, timeout: float = 30) -> None:
        for _ in range(int(timeout / 0.01)):
            if self.written >= count or self.error or not self.is_alive():
                break
            time.sleep(0.01)
        assert self.error is None, self.error
        assert self.written >= count, f"the writer wrote only {self.written} posts"


def _counts(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return row_counts(connection)


def _printed_counts(output: str) -> dict[str, int]:
    return {name: int(count) for name, count in COUNT_LINE.findall(output)}


def test_backup_under_writes_restores_whole_and_consistent(app, people, tmp_path, empty_app):
    path = tmp_path / "cohort.backup"
    writer = Writer(app, people)
    writer.start()
    try:
        writer.wait_for(5)
        before = _counts(app)
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
        during = writer.written
        writer.wait_for(during + 5)  # the writes went on around the backup
    finally:
        writer.halt.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert f"Wrote {path} ({path.stat().st_size:,} bytes)" in result.output
    in_backup = _printed_counts(result.output)
    after = _counts(app)
    assert before["post"] <= in_backup["post"] < after["post"]

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with sqlite3.connect(path) as backup:  # the file itself holds what the command printed
            for name, count in in_backup.items():
                assert backup.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == count

    restored = empty_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert restored.exit_code == 0, restored.output
    assert f"Restored {path}, with these rows:" in restored.output
    assert "db upgrade" not in restored.output  # made by this very version
    with empty_app.app_context():
        with db.engine.connect() as connection:
            counts = row_counts(connection)
            if connection.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
                assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        assert {name: count for name, count in counts.items() if count} == in_backup
        assert set(counts) == set(before)  # every table came back, the empty ones too
        assert counts["alembic_version"] == 1
        # Each write was a post with its reply and its search row: a torn copy would split them.
        posts = db.session.execute(select(func.count()).select_from(Post)).scalar_one()
        replies = db.session.execute(select(func.count()).select_from(Reply)).scalar_one()
        assert posts == replies == counts["post_search"] == in_backup["post"]
        assert all(counts[name] >= count for name, count in before.items())

    client = empty_app.test_client()
    assert client.login(people.member).status_code == 302
    found = client.get(f"/c/{people.slug}/posts/", query_string={"q": "virtual care"})
    assert found.status_code == 200 and "Story 0" in found.text


@pytest.fixture
def permissive_umask():
    """The usual umask, which leaves a new file readable by everyone (0644)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_backup_file_is_readable_by_its_owner_alone(app, people, runner, tmp_path, permissive_umask):
    path = tmp_path / "cohort.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_size > 0
    assert [entry.name for entry in tmp_path.iterdir()] == ["cohort.backup"]  # no partial left beside it


def test_restore_into_a_migrated_database_without_rows(app, people, runner, tmp_path):
    """The operator's path: ``flask db upgrade`` on a new server, then restore."""
    path = tmp_path / "cohort.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    before = _counts(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM post_search"))
        for model_table in reversed(db.metadata.sorted_tables):
            db.session.execute(model_table.delete())
        db.session.commit()
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert _counts(app) == before
    assert app.test_client().login(people.member).status_code == 302


def test_restore_refuses_a_database_with_rows(app, people, runner, tmp_path):
    path = tmp_path / "cohort.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    before = _counts(app)
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "Error: The database is not empty (" in result.output
    assert "restore only into a new, empty database." in result.output
    assert _counts(app) == before


def test_backup_and_restore_paths_fail_clearly(app, runner, tmp_path):
    missing_folder = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "cohort.backup")])
    assert missing_folder.exit_code == 1
    assert f"Error: The folder {tmp_path / 'nowhere'} does not exist." in missing_folder.output

    taken = tmp_path / "taken.backup"
    taken.write_text("an earlier backup")
    overwrite = runner.invoke(args=["backup", str(taken)])
    assert overwrite.exit_code == 1 and "already exists: choose a new file name" in overwrite.output
    assert taken.read_text() == "an earlier backup"

    absent = runner.invoke(args=["restore", str(tmp_path / "absent.backup")])
    assert absent.exit_code == 1
    assert f"Error: There is no backup file at {tmp_path / 'absent.backup'}." in absent.output

    junk = runner.invoke(args=["restore", str(taken)])
    assert junk.exit_code == 1
    assert re.search(r"Error: .*taken\.backup is not a (SQLite|pg_dump) backup", junk.output), junk.output
    for result in (missing_folder, overwrite, absent, junk):
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


@pytest.mark.postgresql
def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line(
    database_url, make_app, tmp_path, monkeypatch
):
    # The test server trusts local connections, so any password is accepted: what matters is where it travels.
    url = make_url(database_url).set(password="not-in-ps-output")
    app = make_app(SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    calls = []
    run = subprocess.run

    def recording_run(command, **kwargs):
        calls.append((command, kwargs.get("env") or {}))
        return run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "cohort.backup")])
    assert result.exit_code == 0, result.output
    dumps = [(command, env) for command, env in calls if command[0].endswith("pg_dump")]
    assert len(dumps) == 1
    command, env = dumps[0]
    assert "not-in-ps-output" not in " ".join(command)
    assert env["PGPASSWORD"] == "not-in-ps-output"
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def set_version(app):
    """Set the test database's migration version for a moment; it is put back after the test."""
    with app.app_context():
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()

    def setting(version: str) -> None:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
            db.session.commit()

    yield setting
    setting(head)


def test_a_backup_from_a_later_version_is_refused_before_anything_changes(
    app, people, tmp_path, empty_app, set_version
):
    path = tmp_path / "cohort.backup"
    set_version("9999_from_a_later_version")
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    result = empty_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1, result.output
    assert "at migration 9999_from_a_later_version, which this version of Cohort does not know" in result.output
    assert "Traceback" not in result.output
    assert not any(count for name, count in _counts(empty_app).items() if name != "alembic_version")


def test_a_backup_from_an_earlier_version_is_restored_with_a_word_to_upgrade(
    app, people, tmp_path, empty_app, set_version
):
    path = tmp_path / "cohort.backup"
    set_version("021338a499ec")  # the first migration
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    result = empty_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "made by an earlier version of Cohort: run `flask --app cohort db upgrade` now" in result.output
