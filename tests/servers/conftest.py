"""Several app servers on one PostgreSQL (and Redis): run in the PostgreSQL pass only."""

import os
import shutil
import subprocess
import time

import pytest
import redis

from ..live import free_port


def _on_postgresql() -> bool:
    return os.environ.get("COHORT_DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) these tests in the SQLite pass: the PostgreSQL pass runs them."""
    if _on_postgresql():
        return
    mine = [item for item in items if "tests/servers" in str(item.fspath)]
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway Redis server on a free port of 127.0.0.1."""
    server = shutil.which("redis-server")
    if server is None:  # under CI=true the skip fails the run
        pytest.skip("redis-server not found (apt-get install redis-server)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            with redis.Redis.from_url(url) as client:
                client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
