"""gunicorn as deployed, on a fresh database of the pass's kind (SQLite, or the PostgreSQL pass's
server), for tests that send it many requests at once."""

from types import SimpleNamespace

import pytest

from cohort import create_app
from cohort.extensions import db

from ..live import SECRET, free_port, fresh_database, migrate, start_gunicorn, stop

# The README's deployment runs four workers (about two per core).
GUNICORN_WORKERS = 4


@pytest.fixture(scope="module")
def live(request, tmp_path_factory):
    """gunicorn on a fresh database of its own, and an app on that database for the test to make its
    data and read the rows (``live.app``, ``live.base`` the server's address)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    database_url = fresh_database(tmp_path_factory, name)
    migrate(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET})
    port = free_port()
    log = tmp_path_factory.mktemp(f"{name}-log") / "gunicorn.log"
    process = start_gunicorn(database_url, port, log, workers=GUNICORN_WORKERS)
    yield SimpleNamespace(app=app, base=f"http://127.0.0.1:{port}", log=log)
    stop(process)
    with app.app_context():
        db.engine.dispose()
