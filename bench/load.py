"""Mixed traffic: how many requests a second gunicorn serves to signed-in members, and how fast.

    .venv/bin/python bench/load.py [--seconds 60] [--users 50] [--workers 4] [--database-url URL]

Builds the demo data on a fresh SQLite database (or the empty database given) and adds members until
``--users`` people can sign in, starts gunicorn on 127.0.0.1 with the README's four workers, and signs
everyone in. Then each person, a thread each, sends one request after another for ``--seconds``: nine in
ten read one of the main pages (dashboard, cohort home, posts list, a thread, sessions, notifications),
one in ten replies in a thread. Prints requests a second, p50/p95/p99 latencies and the answers by
status. A 429 is counted apart, as a limit meant; any other answer but a page's 200 or a reply's 302
is an error, and the script then exits with status 1. The load comes from this machine too, so the
figures are for server and clients sharing its cores.
"""

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cohort import create_app  # noqa: E402
from cohort.cohorts import ops as cohort_ops  # noqa: E402
from cohort.demo import CEOS as DEMO_MEMBERS  # noqa: E402
from cohort.demo import DEMO_PASSWORD, DEMO_SLUG, FACILITATOR, seed_demo  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.models import Post, Visibility  # noqa: E402
from cohort.posts.ops import add_reply  # noqa: E402
from tests import factories  # noqa: E402
from tests.live import SECRET, free_port, start_gunicorn, stop  # noqa: E402
from tests.load.traffic import Member  # noqa: E402

WRITE_SHARE = 0.1
READ_PAGES = ("dashboard", "cohort home", "posts list", "a thread", "sessions", "notifications")


def build_data(url: str, users: int) -> tuple[list[tuple[str, str]], list[int]]:
    """The demo cohort with members added up to ``users`` people: their logins, and the cohort's posts."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
        logins = [(person["email"], DEMO_PASSWORD) for person in (FACILITATOR, *DEMO_MEMBERS)][:users]
        cohort = cohort_ops.find_cohort(DEMO_SLUG)
        while len(logins) < users:
            logins.append((factories.make_member(cohort).user.email, factories.TEST_PASSWORD))
        db.session.commit()
        # The threads every member may read and reply to.
        readable = select(Post.id).where(
            Post.cohort_id == cohort.id,
            Post.visibility != Visibility.FACILITATORS,
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
        posts = list(db.session.scalars(readable))
        # A thread as long as a lively one, for the thread page to show.
        first = db.session.get(Post, posts[0])
        members = [factories.member_of(cohort_ops.find_user(email), cohort) for email, _ in logins[:10]]
        for number in range(60):
            add_reply(members[number % len(members)], first, f"Reply {number}: we tried this in March.")
        db.session.commit()
        db.engine.dispose()
    return logins, posts


def paths(post_ids: list[int]) -> dict:
    cohort = f"/c/{DEMO_SLUG}"
    return {
        "dashboard": lambda: "/",
        "cohort home": lambda: f"{cohort}/",
        "posts list": lambda: f"{cohort}/posts/",
        "a thread": lambda: f"{cohort}/posts/{random.choice(post_ids)}",  # noqa: S311 (not for secrets)
        "sessions": lambda: f"{cohort}/sessions/",
        "notifications": lambda: "/notifications",
    }


def run_traffic(members: list[Member], post_ids: list[int], seconds: float) -> list[tuple[str, int, float]]:
    """Each member sends requests one after another until the time is up: (what, status, seconds) each."""
    pages = paths(post_ids)
    deadline = time.monotonic() + seconds
    records: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def browse(member: Member, chooser: random.Random) -> None:
        mine = []
        number = 0
        while time.monotonic() < deadline:
            number += 1
            started = time.perf_counter()
            if chooser.random() < WRITE_SHARE:
                what = "reply"
                status, _ = member.reply(DEMO_SLUG, chooser.choice(post_ids), f"Reply {number}: worth a try.")
            else:
                what = chooser.choice(READ_PAGES)
                status = member.open(pages[what]())
            mine.append((what, status, time.perf_counter() - started))
        with lock:
            records.extend(mine)

    threads = [
        threading.Thread(target=browse, args=(member, random.Random(number)))  # noqa: S311 (not for secrets)
        for number, member in enumerate(members)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile of values sorted in ascending order."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def describe(records: list[tuple[str, int, float]], label: str) -> str:
    times = sorted(seconds * 1000 for _, _, seconds in records)
    figures = ", ".join(f"p{int(share * 100)} {percentile(times, share):.0f}" for share in (0.5, 0.95, 0.99))
    return f"  {label:<14} {len(records):>6} requests, ms: {figures}"


def report(records: list[tuple[str, int, float]], seconds: float) -> int:
    """Print the figures; return the number of errors."""
    expected = {"reply": 302}
    statuses = Counter(status for _, status, _ in records)
    limited = statuses.pop(429, 0)
    errors = Counter(status for what, status, _ in records if status not in (expected.get(what, 200), 429))
    print(f"throughput: {len(records) / seconds:.1f} requests/s ({len(records)} in {seconds:.0f} s)")
    print("latency:")
    print(describe(records, "all"))
    print(describe([record for record in records if record[0] != "reply"], "reads"))
    print(describe([record for record in records if record[0] == "reply"], "writes"))
    for what in READ_PAGES:
        print(describe([record for record in records if record[0] == what], what))
    print("answers: " + ", ".join(f"{status} × {count}" for status, count in sorted(statuses.items())))
    print(f"limited (429, as intended): {limited}")
    total_errors = sum(errors.values())
    shown = ", ".join(f"{status or 'no answer'} × {count}" for status, count in sorted(errors.items()))
    print(f"errors: {total_errors}" + (f" ({shown})" if shown else ""))
    return total_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", help="an empty database (PostgreSQL: postgresql+psycopg://…)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/bench.sqlite"
        started = time.perf_counter()
        logins, post_ids = build_data(url, arguments.users)
        took = time.perf_counter() - started
        print(f"data: the demo cohort, {len(logins)} members, {len(post_ids)} posts ({took:.1f} s)")
        port = free_port()
        server = start_gunicorn(url, port, Path(folder) / "gunicorn.log", workers=arguments.workers)
        try:
            members = [Member(f"http://127.0.0.1:{port}") for _ in logins]
            signed_in = sum(
                member.sign_in(email, password) == 302
                for member, (email, password) in zip(members, logins, strict=True)
            )
            print(f"server: gunicorn, {arguments.workers} workers, {url.split(':', 1)[0]}; {signed_in} signed in")
            if signed_in != len(logins):
                sys.exit("Not everyone could sign in; see the server's log.")
            started = time.monotonic()
            records = run_traffic(members, post_ids, arguments.seconds)
            errors = report(records, time.monotonic() - started)
        finally:
            stop(server)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
