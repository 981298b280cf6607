"""Outbox throughput: how many messages a second one delivery run hands to a local SMTP server.

    .venv/bin/python bench/outbox.py [--messages 2000] [--database-url URL]

Builds a fresh SQLite database (or uses the empty database given), queues reply notifications to
that many members of one cohort, starts aiosmtpd on 127.0.0.1 in a process of its own (accepting
and discarding) and times ``deliver_due`` until the outbox is empty. Prints the figures; asserts
nothing.
"""

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cohort import create_app  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.mail.delivery import deliver_due  # noqa: E402
from cohort.models import Delivery, NotificationKind  # noqa: E402
from cohort.notifications import ops as notification_ops  # noqa: E402
from cohort.posts import ops as post_ops  # noqa: E402
from tests import factories  # noqa: E402
from tests.mailserver import free_port  # noqa: E402


def start_smtp_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the SMTP server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url")
    arguments = parser.parse_args()
    port = free_port()
    server = start_smtp_server(port)
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/bench.sqlite"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "COHORT_BASE_URL": "http://cohort.bench",
                "COHORT_MAIL_SERVER": "127.0.0.1",
                "COHORT_MAIL_PORT": port,
            }
        )
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            cohort = factories.make_cohort()
            author = factories.make_member(cohort)
            post = factories.make_post(cohort, author.user, title="Theatre utilisation")
            members = [factories.make_member(cohort) for _ in range(arguments.messages)]
            for membership in members:
                notification_ops.set_delivery(membership.user, {NotificationKind.THREAD_NEWS: Delivery.IMMEDIATELY})
                notification_ops.follow_by_default(membership.user_id, post)
            db.session.commit()
            post_ops.add_reply(factories.make_member(cohort), post, "Start the list at 08:00 on Mondays.")
            db.session.commit()
            print(f"set-up: {arguments.messages} followers and one reply in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            delivered = deliver_due()
            seconds = time.perf_counter() - started
    server.terminate()
    server.wait()
    print(f"delivered: {delivered}")
    print(f"throughput: {delivered.sent / seconds:.0f} messages/s ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
