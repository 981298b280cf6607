"""Browser journeys: the app served by gunicorn on 127.0.0.1, driven by Debian's Chromium.

The server gets a fresh database of its own: a temporary SQLite file, or, when the suite runs
on PostgreSQL, a second database on the same server. Test data is written through the app's
own code in this process; everything a person does goes through the browser.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cohort import create_app
from cohort.extensions import db
from cohort.mail.delivery import deliver_due

from ..live import ROOT, SECRET, free_port, fresh_database, migrate, start_gunicorn, stop
from ..mailserver import MailServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# A busy CI machine can be slower than a laptop; waiting longer costs nothing when all is well.
expect.set_options(timeout=15_000)


@pytest.fixture(autouse=True, scope="session")
def _chromium_is_installed():
    """Browser tests may skip on a laptop without Chromium; under CI=true the skip fails the run."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


class LiveServer:
    def __init__(self, url: str, database_url: str, log_path: Path, smtp_server: MailServer):
        self.url = url
        self.database_url = database_url
        self.log_path = log_path
        self.smtp_server = smtp_server
        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": SECRET,
                "COHORT_BASE_URL": url,
                "COHORT_MAIL_SERVER": "127.0.0.1",
                "COHORT_MAIL_PORT": smtp_server.port,
            }
        )

    def mailed_links(self) -> list[str]:
        """Links in the mail the server's outbox holds, delivered to the test SMTP server, oldest first."""
        with self.app.app_context():
            deliver_due()
        bodies = [received.as_dict()["body"] for received in self.smtp_server.received]
        return [link for body in bodies for link in re.findall(r"(http://127\.0\.0\.1:\d+/\S+)", body)]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server):
    """gunicorn serving the app on a random port of 127.0.0.1, on a fresh, migrated database."""
    database_url = fresh_database(tmp_path_factory, "browser")
    migrate(database_url)
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    url = f"http://127.0.0.1:{port}"
    process = start_gunicorn(database_url, port, log_path, {"COHORT_BASE_URL": url})
    server = LiveServer(url, database_url, log_path, smtp_server)
    yield server
    stop(process)
    with server.app.app_context():
        db.engine.dispose()


@pytest.fixture
def new_context(browser):
    """Open a fresh browser context (a separate person), closed after the test."""
    contexts = []

    def opened(**options):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)
        return context

    yield opened
    for context in contexts:
        context.close()


def sign_in(page, server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))
