"""Real servers for tests: gunicorn processes on free ports of 127.0.0.1, each on a fresh database, a
browser to visit them with, and a throwaway PostgreSQL server to stop and start."""

import glob
import http.cookiejar
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SECRET = "live server tests secret"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database(tmp_path_factory, suffix: str) -> str:
    base = os.environ.get("COHORT_DATABASE_URL")
    if base and base.startswith("postgresql"):
        url = make_url(base)
        name = f"{url.database}_{suffix}"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return url.set(database=name).render_as_string(hide_password=False)
    return "sqlite:///" + str(tmp_path_factory.mktemp(f"{suffix}-db") / "cohort.sqlite")


def start_gunicorn(
    database_url: str,
    port: int,
    log_path: Path,
    extra_env: dict | None = None,
    run_with: tuple[str, ...] = (),
    workers: int = 2,
) -> subprocess.Popen:
    """Start gunicorn and wait until it answers; ``run_with`` is a command that runs it (as
    ``setpriv …`` does)."""
    env = {
        **os.environ,
        "COHORT_DATABASE_URL": database_url,
        "COHORT_SECRET_KEY": SECRET,
        **(extra_env or {}),
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    with open(log_path, "a") as log:  # the server keeps its own copy of the handle
        process = subprocess.Popen(
            [
                *run_with,
                gunicorn,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--error-logfile",
                "-",
                "wsgi:app",
            ],
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


def workers(process: subprocess.Popen) -> set[int]:
    """The process ids of a gunicorn master's workers."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return {int(child) for child in children}


def reload_workers(process: subprocess.Popen, count: int = 2) -> None:
    """Replace every worker, as ``kill -HUP`` on a reload does, and wait until the new ones serve."""
    old = workers(process)
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = workers(process)
        if len(current) == count and not current & old:
            return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not replace its workers")


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


class Visitor:
    """One person's browser, reduced to a cookie jar: cookies go to 127.0.0.1 whatever the port.
    ``headers`` holds the last answer's headers."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.headers = {}

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, form_page: str, data: dict) -> tuple[int, str]:
        status, page = self.get(form_page)
        token = CSRF.search(page).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def send(self, url: str, data: dict) -> tuple[int, str]:
        """POST a form as it stands (its token already in it), without fetching the form page first."""
        return self._open(urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST"))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                self.headers = dict(response.headers)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self.headers = dict(error.headers)
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def postgres_bindir() -> str | None:
    """Where PostgreSQL's server programs are installed, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    config = shutil.which("pg_config")
    if config:
        candidates.append(subprocess.run([config, "--bindir"], capture_output=True, text=True).stdout.strip())
    found = [candidate for candidate in candidates if os.access(os.path.join(candidate, "initdb"), os.X_OK)]
    return found[-1] if found else None


class PostgresCluster:
    """A throwaway PostgreSQL server on a free port of 127.0.0.1, for a test to stop and start again.
    As root it runs as the ``postgres`` system user, since PostgreSQL refuses to run as root."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.workdir = Path(tempfile.mkdtemp(prefix="cohort-postgres-"))
        self.port = free_port()
        self.as_db_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.workdir, account.pw_uid, account.pw_gid)
            self.as_db_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.workdir / "server.log"), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_db_user, os.path.join(self.bindir, "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_db_user, os.path.join(self.bindir, program), *args], check=True, capture_output=True)
