"""The database locked, read-only, full or gone: 503 with Retry-After and the site's page, nothing
half written, and the app recovers by itself once the database is back. Reading a page never fails
for its bookkeeping (a read mark, a notification marked seen)."""

import json
import os
import shutil
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text

from cohort import config, create_app
from cohort.config import CONNECT_TIMEOUT_SECONDS
from cohort.extensions import db
from cohort.models import (
    Cohort,
    Membership,
    Notification,
    NotificationKind,
    OutboxMessage,
    Post,
    PostKind,
    Reply,
    Visibility,
)
from cohort.posts import ops as post_ops

from . import factories
from .live import (
    CSRF,
    SECRET,
    PostgresCluster,
    Visitor,
    free_port,
    migrate,
    postgres_bindir,
    reload_workers,
    start_gunicorn,
    stop,
    workers,
)

QUICK_LOCK_TIMEOUT = {"pool_pre_ping": True, "connect_args": {"timeout": 0.2}}


def _story(title: str, token: str | None = None) -> dict:
    form = {"kind": PostKind.STORY.value, "title": title, "body": "Words", "visibility": list(Visibility)[0].value}
    return {**form, "csrf_token": token} if token else form


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _copy_database(source_url: str, path: Path) -> str:
    """A compact copy of the migrated test database (no free pages), for a test that spoils its file."""
    source = sqlite3.connect(source_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.execute("VACUUM")
    target.close()
    return f"sqlite:///{path}"


def _lock(database_url: str) -> sqlite3.Connection:
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


@pytest.mark.sqlite
def test_locked_database_answers_503_thread_still_reads_and_the_write_lands_once_after(make_app, migrated_database):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=QUICK_LOCK_TIMEOUT)
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, factories.make_member(cohort).user)
        db.session.commit()
        slug, email, post_id = cohort.slug, member.user.email, post.id
    client = app.test_client()
    client.login(email)
    form = _story("Locked out", client.csrf_token())
    holder = _lock(migrated_database)
    try:
        assert client.get("/healthz").json == {"status": "locked"}
        response = client.post(f"/c/{slug}/posts/new", data=form)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "Cohort is unavailable" in response.text
        # Never opened: the read mark is due, fails on the lock, and the page reads all the same.
        thread = client.get(f"/c/{slug}/posts/{post_id}")
        assert thread.status_code == 200
        assert "fracture-clinic" in thread.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with app.app_context():
        assert _count(Post, Post.title == "Locked out") == 0
    assert client.get("/healthz").status_code == 200
    # The person sends the same form again: it lands, once.
    assert client.post(f"/c/{slug}/posts/new", data=form).status_code == 302
    with app.app_context():
        assert _count(Post, Post.title == "Locked out") == 1


@pytest.mark.sqlite
def test_a_page_that_marks_notifications_seen_still_reads_under_a_lock(make_app, migrated_database):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS=QUICK_LOCK_TIMEOUT)
    with app.app_context():
        cohort = factories.make_cohort()
        facilitator = factories.make_member(cohort, role=factories.Role.FACILITATOR)
        newcomer = factories.make_member(cohort)
        db.session.add(
            Notification(
                user_id=facilitator.user_id,
                cohort_id=cohort.id,
                kind=NotificationKind.MEMBER_JOINED,
                actor_id=newcomer.user_id,
            )
        )
        db.session.commit()
        slug, email, user_id, name = cohort.slug, facilitator.user.email, facilitator.user_id, newcomer.user.name
    client = app.test_client()
    client.login(email)

    def unread() -> int:
        with app.app_context():
            return _count(Notification, Notification.user_id == user_id, Notification.read_at.is_(None))

    holder = _lock(migrated_database)
    try:
        page = client.get(f"/c/{slug}/members")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert page.status_code == 200
    assert name in page.text
    assert unread() == 1
    assert client.get(f"/c/{slug}/members").status_code == 200
    assert unread() == 0


def _another_writer_gets_in(database_url: str) -> bool:
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


@pytest.mark.sqlite
def test_reading_a_row_to_change_it_makes_sqlite_writers_wait_from_that_read(app, migrated_database):
    """What PostgreSQL locks with SELECT … FOR UPDATE, SQLite guards with an immediate transaction
    begun at that read: no other writer commits between what an operation read and what it writes."""
    with app.app_context():
        cohort = factories.make_cohort()
        post = factories.make_post(cohort, factories.make_member(cohort).user)
        db.session.commit()
        db.session.scalar(select(Post.title).where(Post.id == post.id))
        assert _another_writer_gets_in(migrated_database)  # a plain read leaves writers be
        db.session.scalar(select(Post.title).where(Post.id == post.id).with_for_update())
        assert not _another_writer_gets_in(migrated_database)
        db.session.rollback()
        assert _another_writer_gets_in(migrated_database)


@pytest.mark.sqlite
def test_read_only_database_answers_503_reads_on_and_recovers_without_a_restart(migrated_database, tmp_path):
    """The file and its folder become read-only under a real gunicorn worker (as root, run without the
    power to override file modes). A chmod reaches the connections opened after it, so the worker is
    replaced, as a reload does, and opens its connection read-only; then the file is writable again,
    and the same worker, not restarted, takes writes."""
    folder = tmp_path / "data"
    folder.mkdir()
    file = folder / "cohort.sqlite"
    url = _copy_database(migrated_database, file)
    setup = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with setup.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, factories.make_member(cohort).user)
        db.session.commit()
        slug, email, post_id = cohort.slug, member.user.email, post.id
        db.engine.dispose()
    run_with: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:  # under CI=true the skip fails the run
            pytest.skip("setpriv not found (util-linux), needed to run gunicorn as root without overriding file modes")
        run_with = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    server = start_gunicorn(url, port := free_port(), tmp_path / "gunicorn.log", run_with=run_with, workers=1)
    site = f"http://127.0.0.1:{port}"
    new_post = f"{site}/c/{slug}/posts/new"
    visitor = Visitor()
    try:
        status, _ = visitor.post(
            f"{site}/login", f"{site}/login", {"email": email, "password": factories.TEST_PASSWORD}
        )
        assert status == 302
        file.chmod(0o444)
        folder.chmod(0o555)
        reload_workers(server, count=1)
        status, body = visitor.get(f"{site}/healthz")
        assert (status, json.loads(body)) == (503, {"status": "read-only"})
        assert visitor.headers["Retry-After"]
        status, page = visitor.post(new_post, new_post, _story("Read-only"))
        assert status == 503
        assert visitor.headers["Retry-After"]
        assert "Cohort is unavailable" in page
        # Never opened, so its read mark is due: the write fails, the page reads.
        status, page = visitor.get(f"{site}/c/{slug}/posts/{post_id}")
        assert status == 200
        assert "fracture-clinic" in page
        worker = workers(server)
        folder.chmod(0o755)
        file.chmod(0o644)
        # The worker's connection was opened read-only: its first write fails and drops it.
        statuses = [visitor.post(new_post, new_post, _story("Writable again"))[0]]
        if statuses[0] == 503:
            statuses.append(visitor.post(new_post, new_post, _story("Writable again"))[0])
        assert statuses[-1] == 302, statuses
        assert visitor.get(f"{site}/healthz") == (200, '{"status":"ok"}\n')
        assert workers(server) == worker
    finally:
        stop(server)
        folder.chmod(0o755)
        file.chmod(0o644)
    with setup.app_context():
        assert _count(Post, Post.title == "Read-only") == 0
        assert _count(Post, Post.title == "Writable again") == 1
        db.engine.dispose()


@pytest.mark.sqlite
def test_full_database_answers_503_healthz_says_full_and_the_write_lands_once_there_is_room(
    make_app, migrated_database, tmp_path
):
    app = make_app(SQLALCHEMY_DATABASE_URI=_copy_database(migrated_database, tmp_path / "full.sqlite"))
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        author = factories.make_member(cohort)
        post = factories.make_post(cohort, author.user)
        db.session.commit()
        slug, email, post_id, activity = cohort.slug, member.user.email, post.id, post.last_activity_at
        engine = db.engine
    client = app.test_client()
    client.login(email)
    assert client.get(f"/c/{slug}/posts/{post_id}").status_code == 200
    token = client.csrf_token()
    # The file may not grow by a page: ``max_page_count`` holds for each connection, so every
    # connection the app has, or opens, gets it.
    connections: list[sqlite3.Connection] = []
    limit = {"pages": 0}

    def cap(dbapi_connection, _record):
        connections.append(dbapi_connection)
        if limit["pages"]:
            dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

    event.listen(engine, "connect", cap)
    with app.app_context():
        limit["pages"] = db.session.connection().exec_driver_sql("PRAGMA page_count").scalar()
        db.session.rollback()
        db.engine.dispose()

    def counts():
        with app.app_context():
            return (
                _count(Reply, Reply.post_id == post_id),
                _count(Notification),
                _count(OutboxMessage),
                db.session.get(Post, post_id).last_activity_at,
            )

    before = counts()
    assert before[0] == 0 and before[3] == activity
    # Distinct words, so the reply and its search index need new pages.
    reply = {"body": " ".join(f"word{number}" for number in range(1500)), "csrf_token": token}
    response = client.post(f"/c/{slug}/posts/{post_id}/replies", data=reply)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Cohort is unavailable" in response.text
    assert counts() == before
    health = client.get("/healthz")
    assert (health.status_code, health.json) == (503, {"status": "full"})
    assert health.headers["Retry-After"]
    for connection in connections:
        connection.execute("PRAGMA max_page_count = 1073741823")
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.post(f"/c/{slug}/posts/{post_id}/replies", data=reply).status_code == 302
    after = counts()
    assert after[0] == 1 and after[1] == before[1] + 1 and after[3] > activity
    event.remove(engine, "connect", cap)


def test_reopening_a_thread_with_nothing_new_writes_nothing(app, people, count_queries):
    with app.app_context():
        cohort = db.session.get(Cohort, people.cohort_id)
        author = factories.make_member(cohort)
        post = factories.make_post(cohort, author.user)
        db.session.commit()
        post_id, author_id = post.id, author.id
    client = app.test_client()
    client.login(people.member)
    thread = f"/c/{people.slug}/posts/{post_id}"

    def writes() -> list[str]:
        with count_queries() as statements:
            assert client.get(thread).status_code == 200
        return [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    assert writes()  # the first visit sets the read mark
    assert writes() == []
    with app.app_context():
        post_ops.add_reply(db.session.get(Membership, author_id), db.session.get(Post, post_id), "News")
        db.session.commit()
    assert writes()  # newer activity: the mark moves on
    assert writes() == []


@pytest.mark.postgresql
def test_postgresql_connections_ended_by_the_server_answer_503_or_work_never_500(make_app, migrated_database):
    app = make_app()
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, factories.make_member(cohort).user)
        db.session.commit()
        slug, email, post_id = cohort.slug, member.user.email, post.id
        engine = db.engine
    client = app.test_client()
    client.login(email)
    form = _story("Cut off", client.csrf_token())
    admin = create_engine(migrated_database, isolation_level="AUTOCOMMIT")

    def end_backend(pid: int) -> None:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    # Mid-request: the server ends the connection just before the new post is inserted.
    ended = []

    def end_own_backend(connection, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO post ") and not ended:
            ended.append(connection.connection.dbapi_connection.info.backend_pid)
            end_backend(ended[0])

    event.listen(engine, "before_cursor_execute", end_own_backend)
    try:
        response = client.post(f"/c/{slug}/posts/new", data=form)
    finally:
        event.remove(engine, "before_cursor_execute", end_own_backend)
    assert ended
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Cohort is unavailable" in response.text
    with app.app_context():
        assert _count(Post, Post.title == "Cut off") == 0
    assert client.post(f"/c/{slug}/posts/new", data=form).status_code == 302
    with app.app_context():
        assert _count(Post, Post.title == "Cut off") == 1
    # Between requests: the server ends every connection the app holds; the next page checks and reconnects.
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    assert ended >= 1
    assert client.get(f"/c/{slug}/posts/{post_id}").status_code == 200
    assert client.get("/healthz").json == {"status": "ok"}
    admin.dispose()


# What another transaction holds while a member sends a form: the whole table (a migration's lock),
# or the thread's row (a writer that has not committed), which a new reply must wait for.
HELD = {
    "the post table": ("LOCK TABLE post IN ACCESS EXCLUSIVE MODE", "new post"),
    "the thread's row": ("SELECT id FROM post WHERE id = :post_id FOR UPDATE", "reply"),
}


@pytest.mark.postgresql
@pytest.mark.parametrize("held", HELD.values(), ids=HELD.keys())
def test_a_postgresql_write_waiting_on_a_lock_gives_up_with_503_and_lands_once_after(make_app, migrated_database, held):
    statement, sent = held
    app = make_app(COHORT_DB_LOCK_TIMEOUT_SECONDS=1)
    with app.app_context():
        cohort = factories.make_cohort()
        member = factories.make_member(cohort)
        post = factories.make_post(cohort, factories.make_member(cohort).user)
        db.session.commit()
        slug, email, post_id = cohort.slug, member.user.email, post.id
    client = app.test_client()
    client.login(email)
    token = client.csrf_token()
    if sent == "reply":
        url, form = f"/c/{slug}/posts/{post_id}/replies", {"body": "Held up", "csrf_token": token}
    else:
        url, form = f"/c/{slug}/posts/new", _story("Held up", token)

    def written() -> int:
        with app.app_context():
            return _count(Reply, Reply.body == "Held up") + _count(Post, Post.title == "Held up")

    holder_engine = create_engine(migrated_database)
    with holder_engine.connect() as holder:
        # Without the app's lock timeout the form would wait for this: the server ends the holder
        # after 8 s idle, so the test fails (the form lands late) rather than hangs.
        holder.execute(text("SET idle_in_transaction_session_timeout = '8s'"))
        holder.execute(text(statement), {"post_id": post_id})
        response = client.post(url, data=form)
        holder.rollback()
    holder_engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Cohort is unavailable" in response.text
    assert written() == 0
    # The person sends the same form again once the lock is gone: it lands, once.
    assert client.post(url, data=form).status_code == 302
    assert written() == 1


def test_postgresql_connections_get_a_lock_timeout_unless_one_is_set(monkeypatch):
    monkeypatch.delenv("PGOPTIONS", raising=False)

    def sent(url: str, **settings) -> dict:
        settings = {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}, **settings}
        config.bound_connection_attempts(settings)
        return settings["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {})

    server = "postgresql+psycopg://cohort@db.internal/cohort"
    assert sent(server) == {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": "-c lock_timeout=10000"}
    assert sent(server, COHORT_DB_LOCK_TIMEOUT_SECONDS=3)["options"] == "-c lock_timeout=3000"
    assert "options" not in sent(server, COHORT_DB_LOCK_TIMEOUT_SECONDS=0)
    # The URL's own options are kept (the engine's would replace them), and its lock timeout wins.
    assert sent(f"{server}?options=-csearch_path%3Dcohort")["options"] == "-csearch_path=cohort -c lock_timeout=10000"
    assert "options" not in sent(f"{server}?options=-c%20lock_timeout%3D2s&connect_timeout=9")
    assert sent(server, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c lock_timeout=1s"}}) == {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "options": "-c lock_timeout=1s",
    }
    assert sent("sqlite:///cohort.sqlite") == {}
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=4s")
    assert "options" not in sent(server)


@pytest.mark.postgresql
def test_postgresql_stopped_and_started_again_answers_503_and_the_site_recovers_by_itself(tmp_path):
    """A server of its own, so stopping it leaves the rest of the pass alone; gunicorn is not restarted."""
    bindir = postgres_bindir()
    if bindir is None:  # under CI=true the skip fails the run
        pytest.skip("PostgreSQL's server programs are not installed")
    cluster = PostgresCluster(bindir)
    server = None
    try:
        cluster.start()
        migrate(cluster.url)
        setup = create_app({"SQLALCHEMY_DATABASE_URI": cluster.url, "SECRET_KEY": SECRET})
        with setup.app_context():
            cohort = factories.make_cohort()
            member = factories.make_member(cohort)
            post = factories.make_post(cohort, factories.make_member(cohort).user)
            db.session.commit()
            slug, email, post_id = cohort.slug, member.user.email, post.id
            # Reading after the commit opened a new transaction: end it, or dispose leaves its connection open.
            db.session.remove()
            db.engine.dispose()
        server = start_gunicorn(cluster.url, port := free_port(), tmp_path / "gunicorn.log")
        site = f"http://127.0.0.1:{port}"
        new_post = f"{site}/c/{slug}/posts/new"
        visitor = Visitor()
        status, _ = visitor.post(
            f"{site}/login", f"{site}/login", {"email": email, "password": factories.TEST_PASSWORD}
        )
        assert status == 302
        status, page = visitor.get(new_post)
        form = _story("While the database was away", CSRF.search(page).group(1))

        cluster.stop()
        status, page = visitor.send(new_post, form)
        assert status == 503
        assert visitor.headers["Retry-After"]
        assert "Cohort is unavailable" in page
        status, page = visitor.get(f"{site}/c/{slug}/posts/{post_id}")
        assert (status, "Cohort is unavailable" in page) == (503, True)
        status, body = visitor.get(f"{site}/healthz")
        assert (status, json.loads(body)) == (503, {"status": "unavailable"})

        cluster.start()
        # Each worker finds its dead connections on its next checkout (pre-ping) and opens new ones.
        deadline = time.monotonic() + 10
        while visitor.get(f"{site}/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [visitor.get(f"{site}/c/{slug}/posts/{post_id}")[0] for _ in range(4)] == [200] * 4
        assert visitor.send(new_post, form)[0] == 302
        with setup.app_context():
            assert _count(Post, Post.title == "While the database was away") == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        if server is not None:
            stop(server)
        cluster.remove()


@pytest.mark.postgresql
def test_a_postgresql_server_that_never_answers_gives_503_within_the_connect_timeout(tmp_path):
    """A listener that accepts connections and says nothing, as a server behind a dead network path does."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/cohort"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})
        client = app.test_client()
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started
        with app.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}
    assert waited < CONNECT_TIMEOUT_SECONDS + 2
