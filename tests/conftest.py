"""Test set-up: one migrated database per run, emptied after every test.

The database is SQLite in a temporary folder unless ``COHORT_DATABASE_URL``
names another (the PostgreSQL pass sets it).
"""

import os
import re
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import event, text

from cohort import create_app
from cohort.extensions import db, limiter
from cohort.mail.delivery import deliver_due

from . import factories
from .mailserver import MailServer

# Property tests try fewer examples in CI, where the whole suite shares two cores; no deadline, since
# a test's first example pays for the app's warm-up.
settings.register_profile("local", max_examples=200, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "local")

CSRF_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TEST_PASSWORD = factories.TEST_PASSWORD


class CohortClient(FlaskClient):
    """A test client that can send forms with a valid CSRF token, as a browser would."""

    def csrf_token(self) -> str:
        page = self.get("/forgot-password")
        return CSRF_PATTERN.search(page.text).group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        return self.post(url, data={**(data or {}), "csrf_token": self.csrf_token()}, **kwargs)

    def login(self, email: str, password: str = TEST_PASSWORD, environ_base: dict | None = None, **fields):
        """Sign in through the login form; ``fields`` adds form fields such as ``remember`` or ``next``."""
        return self.post_form(
            "/login", {"email": email, "password": password, **fields}, environ_base=environ_base or {}
        )

    def logout(self):
        return self.post_form("/logout")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true nothing may skip: a skip there means a part CI should have installed is missing."""
    report = yield
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        _path, _line, reason = report.longrepr
        report.longrepr = f"skipped under CI=true, which must run everything: {reason}"
    return report


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: races only PostgreSQL can have; runs in the PostgreSQL pass only")
    config.addinivalue_line("markers", "sqlite: faults of SQLite's own file and locks; runs in the SQLite pass only")


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip, which CI=true fails) the tests of the other database's pass."""
    other = "sqlite" if os.environ.get("COHORT_DATABASE_URL", "").startswith("postgresql") else "postgresql"
    elsewhere = [item for item in items if item.get_closest_marker(other)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]


_seconds_by_part: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Add up time per part of the suite (browser, servers, posts, …) for the closing summary."""
    path = Path(report.location[0]).parts
    folder = path[1] if len(path) > 2 else "app"  # tests at the top level cover the app as a whole
    _seconds_by_part[folder] = _seconds_by_part.get(folder, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if _seconds_by_part:
        parts = sorted(_seconds_by_part.items(), key=lambda part: -part[1])
        terminalreporter.write_line("time by part: " + ", ".join(f"{name} {seconds:.0f}s" for name, seconds in parts))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("COHORT_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "cohort-test.sqlite")
    return url


@pytest.fixture(scope="session")
def smtp_server():
    """One real SMTP server on 127.0.0.1 for the whole run; ``mailbox`` empties it for each test."""
    server = MailServer()
    server.start()
    yield server
    server.stop()


def _config(database_url: str, instance_path, smtp_port: int, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "cohort.test",
        "COHORT_BASE_URL": "http://cohort.test",
        "COHORT_MAIL_SERVER": "127.0.0.1",
        "COHORT_MAIL_PORT": smtp_port,
        # Each test's uploads in its own folder, never the project's instance/.
        "COHORT_STORAGE_URL": f"file:{Path(instance_path, 'uploads')}",
        **overrides,
    }


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory) -> str:
    """Bring the test database to the newest migration, from empty, once per run."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("instance"), smtp_port=0))
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def make_app(migrated_database, tmp_path, smtp_server):
    """Build an app on the test database, with extra configuration."""
    apps = []

    def build(**overrides):
        app = create_app(_config(migrated_database, tmp_path, smtp_server.port, **overrides))
        app.test_client_class = CohortClient
        apps.append(app)
        return app

    build.apps = apps
    yield build
    for app in apps:
        if app.config["SQLALCHEMY_DATABASE_URI"] != migrated_database:
            continue
        with app.app_context():
            db.session.execute(text("DELETE FROM post_search"))  # the search index lies outside the models
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()
    limiter.reset()


@pytest.fixture
def app(make_app):
    """The app, with no context pushed: each request gets its own, as in production."""
    return make_app()


@pytest.fixture
def client(app) -> CohortClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mailbox(app, make_app, smtp_server):
    """What the test SMTP server received in this test. Reading it first delivers the outbox, as
    ``flask --app cohort send-mail`` would, with the configuration of the app built last."""
    smtp_server.reset()

    class Mailbox:
        def deliver(self, now=None):
            with make_app.apps[-1].app_context():
                return deliver_due(now)

        @property
        def messages(self) -> list[dict]:
            self.deliver()
            return [received.as_dict() for received in smtp_server.received]

        def links(self) -> list[str]:
            return [link for message in self.messages for link in re.findall(r"https?://\S+", message["body"])]

    return Mailbox()


@pytest.fixture
def people(app):
    """A cohort with a facilitator and a member (both past the charter), and an outsider
    who belongs to another cohort."""
    with app.app_context():
        return make_people()


def make_people() -> SimpleNamespace:
    """What the ``people`` fixture makes, for a test that builds its own app (in an app context)."""
    cohort = factories.make_cohort()
    facilitator = factories.make_member(cohort, role=factories.Role.FACILITATOR)
    member = factories.make_member(cohort)
    other = factories.make_cohort()
    outsider = factories.make_member(other, role=factories.Role.FACILITATOR)
    db.session.commit()
    return SimpleNamespace(
        slug=cohort.slug,
        cohort_id=cohort.id,
        facilitator=facilitator.user.email,
        facilitator_membership=facilitator.id,
        member=member.user.email,
        member_membership=member.id,
        outsider=outsider.user.email,
        other_slug=other.slug,
        other_cohort_id=other.id,
    )


@pytest.fixture
def count_queries(app):
    """A context manager that records the SQL statements run inside it."""

    @contextmanager
    def counting():
        with app.app_context():
            engine = db.engine
        statements = []

        def record(_connection, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting
