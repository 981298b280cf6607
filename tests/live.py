"""Real app servers for tests: gunicorn processes on free ports of 127.0.0.1, each on a fresh database."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SECRET = "live server tests secret"


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
