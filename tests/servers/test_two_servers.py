"""Two gunicorn servers on one PostgreSQL and one Redis behave as one site: the servers keep
no state of their own."""

import pytest

from cohort import create_app
from cohort.extensions import db

from .. import factories
from ..live import SECRET, Visitor, free_port, fresh_database, migrate, start_gunicorn, stop


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_url):
    database_url = fresh_database(tmp_path_factory, "servers")
    migrate(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET})
    with app.app_context():
        cohort = factories.make_cohort(slug="two-servers")
        writer = factories.make_member(cohort)
        reader = factories.make_member(cohort)
        post = factories.make_post(cohort, writer.user, title="Shared across servers")
        db.session.commit()
        people = {"writer": writer.user.email, "reader": reader.user.email, "post": post.id}
    with app.app_context():
        db.engine.dispose()
    logs = tmp_path_factory.mktemp("servers")
    environment = {"COHORT_RATELIMIT_STORAGE_URL": redis_url}
    ports = [free_port(), free_port()]
    processes = [start_gunicorn(database_url, port, logs / f"server-{port}.log", environment) for port in ports]
    yield [f"http://127.0.0.1:{port}" for port in ports], people
    for process in processes:
        stop(process)


def _login(visitor: Visitor, server: str, email: str, password: str = factories.TEST_PASSWORD) -> int:
    status, _ = visitor.post(f"{server}/login", f"{server}/login", {"email": email, "password": password})
    return status


def test_a_reply_posted_through_one_server_is_read_through_the_other(two_servers):
    (first, second), people = two_servers
    thread = f"/c/two-servers/posts/{people['post']}"
    writer, reader = Visitor(), Visitor()
    assert _login(writer, first, people["writer"]) == 302
    status, _ = writer.post(f"{first}{thread}/replies", f"{first}{thread}", {"body": "Written on server one."})
    assert status == 302
    assert _login(reader, second, people["reader"]) == 302
    status, page = reader.get(f"{second}{thread}")
    assert status == 200 and "Written on server one." in page


def test_a_login_made_on_one_server_is_valid_on_the_other(two_servers):
    (first, second), people = two_servers
    visitor = Visitor()
    assert _login(visitor, first, people["reader"]) == 302
    status, page = visitor.get(f"{second}/")
    assert status == 200 and "My cohorts" in page


def test_the_login_limit_holds_across_both_servers(two_servers):
    (first, second), people = two_servers
    attacker = Visitor()
    for attempt in range(5):
        server = first if attempt % 2 else second
        assert _login(attacker, server, people["writer"], f"wrong password {attempt}") == 401
    assert _login(attacker, first, people["writer"], "wrong password 11") == 429
    assert _login(attacker, second, people["writer"], "wrong password 12") == 429
