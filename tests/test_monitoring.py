"""/metrics for a Prometheus scraper and one log line per request: the figures are right, a stranger
finds nothing, and no line carries what someone wrote, an address or a token."""

import json
import re
import threading
import urllib.request
from ipaddress import ip_network

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.mail.worker import run_once
from cohort.models import Membership, User, utcnow
from cohort.tokens import password_reset_token

from . import factories
from .live import SECRET, free_port, start_gunicorn, stop

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scraped(make_app):
    """An app that answers /metrics to ``TOKEN``, and a function that scrapes it."""
    app = make_app(COHORT_METRICS_TOKEN=TOKEN)
    scraper = app.test_client()

    def scrape() -> dict[tuple[str, tuple], float]:
        response = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return _samples(response.text)

    scrape.app = app
    return scrape


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _request_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "request_id" in line]


def test_strangers_find_nothing_at_metrics(make_app, people):
    app = make_app(COHORT_METRICS_TOKEN=TOKEN)
    client = app.test_client()
    missing = client.get("/no-such-page")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert (response.status_code, response.text) == (404, missing.text)
    admin = app.test_client()
    with app.app_context():
        factories.make_user(email="admin@cohort.example", admin=True)
        db.session.commit()
    admin.login("admin@cohort.example")
    assert admin.get("/metrics").status_code == 404


def test_a_scraper_is_answered_with_the_token_or_from_a_configured_network(make_app):
    networks = [ip_network("10.1.0.0/16"), ip_network("192.0.2.7")]
    client = make_app(COHORT_METRICS_NETWORKS=networks).test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.200.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 404
    with_token = make_app(COHORT_METRICS_TOKEN=TOKEN).test_client()
    response = with_token.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"


def test_requests_are_counted_and_timed_by_endpoint_and_status_with_their_sql_statements(scraped, people):
    app = scraped.app
    client = app.test_client()
    client.login(people.member)
    before = scraped()
    statements = []
    with app.app_context():
        engine = db.engine
    record = lambda *_args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert client.get(f"/c/{people.slug}/posts/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert client.get(f"/c/{people.other_slug}/posts/").status_code == 404
    after = scraped()

    def grew(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    endpoint = "cohort.posts.index"
    assert grew("cohort_http_requests_total", endpoint=endpoint, method="GET", status="200") == 3
    assert grew("cohort_http_requests_total", endpoint=endpoint, method="GET", status="404") == 1
    assert grew("cohort_http_request_duration_seconds_count", endpoint=endpoint, status="200") == 3
    assert grew("cohort_http_request_duration_seconds_count", endpoint=endpoint, status="404") == 1
    assert grew("cohort_http_request_duration_seconds_sum", endpoint=endpoint, status="200") > 0
    assert grew("cohort_sql_statements_per_request_count", endpoint=endpoint) == 4
    found = grew("cohort_sql_statements_per_request_sum", endpoint=endpoint)
    assert found >= len(statements) > 0  # the 404 ran statements too


def test_the_outbox_depth_its_oldest_message_and_the_workers_last_run(scraped, people, mailbox):
    app = scraped.app
    with app.app_context():
        facilitator = db.session.get(Membership, people.facilitator_membership)
        cohort_ops.invite_by_email(facilitator, ["new.one@trust.example", "new.two@trust.example"])
        db.session.commit()
    samples = scraped()
    assert _value(samples, "cohort_outbox_unsent_messages") == 2
    assert 0 <= _value(samples, "cohort_outbox_oldest_unsent_age_seconds") < 60
    assert ("cohort_worker_last_run_timestamp_seconds", (("worker", "mail"),)) not in samples
    ran_at = utcnow()
    with app.app_context():
        run_once()
    samples = scraped()
    assert _value(samples, "cohort_outbox_unsent_messages") == 0
    assert _value(samples, "cohort_outbox_oldest_unsent_age_seconds") == 0
    assert 0 <= _value(samples, "cohort_worker_last_run_timestamp_seconds", worker="mail") - ran_at.timestamp() < 30
    assert len(mailbox.messages) == 2


@pytest.mark.parametrize(
    ("given", "kept"), [("edge-7f3a.1_b", True), ("<script>", False), ("x" * 65, False), ("", False)]
)
def test_the_request_id_is_passed_on_or_made(client, given, kept):
    response = client.get("/login", headers={"X-Request-ID": given} if given else {})
    made = response.headers["X-Request-ID"]
    if kept:
        assert made == given
    else:
        assert made != given and len(made) == 32 and made.isalnum()


def test_one_line_per_request_naming_the_endpoint_and_no_address_text_or_token(app, people, client, capfd):
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=people.member)).scalar_one()
        token = password_reset_token(user)
        user_id = user.id
    capfd.readouterr()
    client.login(people.member)
    client.get(f"/reset-password/{token}")
    client.post_form(
        f"/c/{people.slug}/posts/new",
        {"kind": "story", "title": "Huddles at eight", "body": "Secret", "visibility": "attributed"},
    )
    logged = capfd.readouterr().err
    lines = _request_lines(logged)
    # The sign-in form, its token fetch, the reset link, the post's token fetch and the post.
    assert len(lines) == 5
    assert "endpoint=auth.reset_password" in logged
    assert any("endpoint=cohort.posts.new status=302" in line and f"user={user_id}" in line for line in lines), lines
    for secret in (people.member, token, "Huddles at eight", "Secret", factories.TEST_PASSWORD):
        assert secret not in logged


def test_a_password_given_shows_in_its_line_how_it_went_for_which_account_and_from_where(app, people, capfd):
    """Guessing shows in the log: each attempt's outcome, the account as a keyed hash (the same for one
    account, another for another), and the client's address; never the email address or the password."""
    client = app.test_client()
    capfd.readouterr()
    client.login(people.member, password="wrong password, a guess")
    client.login("nobody@example.org", password="wrong password, a guess")
    client.login(people.member)
    lines = [line for line in _request_lines(capfd.readouterr().err) if "method=POST" in line]
    assert len(lines) == 3, lines
    outcomes = [re.search(r"attempt=(\w+)", line).group(1) for line in lines]
    accounts = [re.search(r"account=(\w+)", line).group(1) for line in lines]
    assert outcomes == ["failed", "failed", "succeeded"]
    assert accounts[0] == accounts[2] != accounts[1]
    assert all("client=127.0.0.1" in line for line in lines)
    for secret in (people.member, "nobody@example.org", "wrong password, a guess", factories.TEST_PASSWORD):
        assert not [line for line in lines if secret in line]
    for _ in range(12):
        if client.login(people.member, password="another wrong guess").status_code == 429:
            break
    assert "attempt=limited" in capfd.readouterr().err
    # A page that takes no password says nothing of attempts.
    client.get("/login")
    assert "attempt=" not in capfd.readouterr().err


def test_lines_are_json_when_asked(make_app, people, capfd):
    client = make_app(COHORT_LOG_FORMAT="json").test_client()
    capfd.readouterr()
    response = client.get("/login", headers={"X-Request-ID": "abc-123"})
    (line,) = _request_lines(capfd.readouterr().err)
    fields = json.loads(line)
    assert fields["endpoint"] == "auth.login"
    assert (fields["method"], fields["status"], fields["request_id"], fields["user"]) == ("GET", 200, "abc-123", None)
    assert fields["sql"] >= 0 and fields["ms"] >= 0 and fields["time"]
    assert response.headers["X-Request-ID"] == "abc-123"


@pytest.mark.sqlite
def test_several_gunicorn_workers_report_every_request_whichever_answers_the_scrape(migrated_database, tmp_path):
    """Run in one database pass: the workers share their figures through files, whatever the database."""
    log = tmp_path / "gunicorn.log"
    env = {"COHORT_METRICS_TOKEN": TOKEN, "COHORT_LOG_FORMAT": "json"}
    server = start_gunicorn(migrated_database, port := free_port(), log, extra_env=env, workers=2)
    site = f"http://127.0.0.1:{port}"
    try:

        def visit(times: int) -> None:
            for _ in range(times):
                with urllib.request.urlopen(f"{site}/login", timeout=10) as response:
                    assert response.status == 200

        visitors = [threading.Thread(target=visit, args=(10,)) for _ in range(4)]
        for visitor in visitors:
            visitor.start()
        for visitor in visitors:
            visitor.join()
        counted = []
        for _ in range(6):
            request = urllib.request.Request(f"{site}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                samples = _samples(response.read().decode())
            counted.append(
                _value(samples, "cohort_http_requests_total", endpoint="auth.login", method="GET", status="200")
            )
    finally:
        stop(server)
    assert counted == [40] * 6
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert sum(1 for line in lines if line["endpoint"] == "auth.login") == 40
    assert SECRET not in log.read_text()
