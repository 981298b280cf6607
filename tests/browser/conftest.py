"""Browser journeys: the app served by gunicorn on 127.0.0.1, driven by Debian's Chromium.

The server gets a fresh database of its own: a temporary SQLite file, or, when the suite runs
on PostgreSQL, a second database on the same server. Test data is written through the app's
own code in this process; everything a person does goes through the browser.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cohort import create_app

ROOT = Path(__file__).resolve().parents[2]
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
SECRET = "browser tests secret"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True, scope="session")
def _chromium_is_installed():
    """Browser tests may skip on a laptop without Chromium, never in CI."""
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fresh_database(tmp_path_factory) -> str:
    base = os.environ.get("COHORT_DATABASE_URL")
    if base and base.startswith("postgresql"):
        url = make_url(base)
        name = f"{url.database}_browser"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return url.set(database=name).render_as_string(hide_password=False)
    return "sqlite:///" + str(tmp_path_factory.mktemp("browser-db") / "cohort.sqlite")


class LiveServer:
    def __init__(self, url: str, database_url: str, log_path: Path):
        self.url = url
        self.database_url = database_url
        self.log_path = log_path
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET})

    def mailed_links(self) -> list[str]:
        """Links in the mail the server has written to its log, oldest first."""
        return re.findall(r"(http://127\.0\.0\.1:\d+/\S+)", self.log_path.read_text())


def start_gunicorn(database_url: str, port: int, log_path: Path, extra_env: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "COHORT_DATABASE_URL": database_url,
        "COHORT_SECRET_KEY": SECRET,
        **(extra_env or {}),
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    with open(log_path, "a") as log:  # the server keeps its own copy of the handle
        process = subprocess.Popen(
            [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--error-logfile", "-", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn did not start; see {log_path}:\n{log_path.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def migrate(database_url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "cohort", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "COHORT_DATABASE_URL": database_url, "COHORT_SECRET_KEY": SECRET},
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn serving the app on a random port of 127.0.0.1, on a fresh, migrated database."""
    database_url = _fresh_database(tmp_path_factory)
    migrate(database_url)
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    process = start_gunicorn(database_url, port, log_path)
    yield LiveServer(f"http://127.0.0.1:{port}", database_url, log_path)
    stop(process)


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
