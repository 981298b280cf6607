"""`make bench`: every main page of Cohort under wrk, at scale, against the stack's own ceiling.

    .venv/bin/python bench/run.py [--scale 1] [--seconds 10] [--workers 2] [--connections 16]
                                  [--threads 2] [--smoke]

Generates the dataset (bench/dataset.py) into a fresh SQLite file, or into the empty database
``COHORT_BENCH_DATABASE_URL`` names; starts gunicorn as the README deploys it (``--workers``, bound to
127.0.0.1) with Cohort, and again with a Flask "hello world" (bench/hello.py); signs in as a member
(not a facilitator) through the login form, and as someone in no cohort, whose dashboard is the
cheapest signed-in page; then runs wrk for ``--seconds`` on each page. Each page is first opened
once to check that it is a 200 of the page itself (the write: a 302 to its thread), and once in
process to count its SQL statements.

Prints a table (requests a second, latencies, errors, the ratio to hello world and to the empty
signed-in page, the issue's target beside it, SQL statements, HTML size) and the workers' peak
memory, and writes it with the figures as JSON to bench/results/. It asserts no timing: it exits 1
only when a page answered wrongly. ``--smoke`` is a tiny dataset, one second a page and two connections, for CI.
"""

import argparse
import html
import http.cookiejar
import json
import logging
import os
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
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dataset import LONG_THREAD, SHORT_THREAD, Dataset, describe, generate  # noqa: E402
from cohort import create_app  # noqa: E402
from cohort.extensions import db  # noqa: E402
from cohort.monitoring.requests import LOGGER_NAME as REQUEST_LOGGER  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SECRET = "make bench secret"  # noqa: S105 (the throwaway servers' own)
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# The posts list's link to older posts, whatever its URL looks like (?page=N or a keyset cursor).
OLDER = re.compile(r'<a\b[^>]*\bhref="([^"]+)"[^>]*>\s*Older', re.IGNORECASE)
OLDER_LINKS_FOLLOWED = 20
HELLO, EMPTY = "hello world", "empty signed-in page"
# The targets: throughput as a ratio to hello world in the same run.
RATIO_TARGETS = {
    "dashboard": 0.30,
    "cohort home": 0.30,
    "posts list": 0.30,
    "thread, 20 replies": 0.25,
    "thread, 500 replies": 0.03,
    "session page": 0.30,
    "notifications": 0.30,
    "reply (write)": 0.15,
}
MAX_WORKER_MB = 150
# Baselines further apart than this, before and after the pages, are said to be so.
DRIFT_NOTED = 0.15
MAX_BYTES_PER_REPLY = 1536


class Browser:
    """One person's cookie jar, following no redirects: a page must answer as itself."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.location = ""

    def open(self, path: str, form: dict | None = None) -> tuple[int, bytes]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=120) as response:
                self.location = response.headers.get("Location", "")
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            self.location = error.headers.get("Location", "")
            return error.code, error.read()

    def sign_in(self, email: str, password: str) -> None:
        _, page = self.open("/login")
        token = CSRF.search(page.decode()).group(1)
        status, _ = self.open("/login", {"email": email, "password": password, "csrf_token": token})
        if status != 302 or "/login" in self.location:
            sys.exit(f"Could not sign in as {email} (status {status}); see the server's log.")

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(app: str, workers: int, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn as the README runs it, from the checkout (so it reads gunicorn.conf.py); its address."""
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    with open(log, "a") as output:  # the server keeps its own copy of the handle
        process = subprocess.Popen(
            [gunicorn, "--workers", str(workers), "--bind", f"127.0.0.1:{port}", app],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return process, base
        except urllib.error.HTTPError:
            return process, base  # it answers: a redirect to the login page is an answer
        except OSError:
            time.sleep(0.2)
    stop(process)
    sys.exit(f"gunicorn ({app}) did not start; its log:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_peaks_mb(process: subprocess.Popen) -> list[float]:
    """Each gunicorn worker's peak resident memory so far (VmHWM), in MB."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024)
    return peaks


def run_wrk(url: str, arguments, cookie: str | None, *script_args: str) -> dict:
    command = [
        "wrk",
        f"-t{arguments.threads}",
        f"-c{arguments.connections}",
        f"-d{arguments.seconds}s",
        # A long thread under 16 connections may take seconds to come back: that is a figure, not an error.
        "--timeout",
        "60s",
        "-s",
        str(ROOT / "bench" / "wrk.lua"),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    finished = subprocess.run([*command, url, "--", *script_args], capture_output=True, text=True, check=False)
    found = re.search(r"^BENCH (\{.*\})$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or not found:
        sys.exit(f"wrk failed on {url}:\n{finished.stdout}\n{finished.stderr}")
    figures = json.loads(found.group(1))
    figures["requests_per_second"] = figures["requests"] / figures["seconds"]
    figures["errors"] = figures["wrong_answers"] + figures["socket_errors"]
    return figures


def combined(runs: list[dict]) -> dict:
    """One figure from several runs of the same page: their requests over their time, the mean of
    their latencies, all their errors, and each run's rate (``runs``)."""
    total = {key: sum(run[key] for run in runs) for key in ("requests", "seconds", "wrong_answers", "socket_errors")}
    latencies = {key: sum(run[key] for run in runs) / len(runs) for key in ("p50_ms", "p95_ms", "p99_ms")}
    return {
        **total,
        **latencies,
        "max_ms": max(run["max_ms"] for run in runs),
        "requests_per_second": total["requests"] / total["seconds"],
        "errors": total["wrong_answers"] + total["socket_errors"],
        "runs": [run["requests_per_second"] for run in runs],
    }


def drain(base: str, workers: int) -> None:
    """Wait until the server has answered what wrk left queued when it stopped (a slow page leaves
    seconds of it), so that the next page's figures are its own."""
    for _ in range(workers * 2):
        # The login page reads nothing from the database, so it answers as soon as its turn comes.
        try:
            with urllib.request.urlopen(base + "/login", timeout=300) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # any answer says the queue ahead of it is gone


def deep_page(browser: Browser, first: str) -> tuple[str, int]:
    """The posts list page reached by following its own "Older" link up to 20 times."""
    path, followed = first, 0
    while followed < OLDER_LINKS_FOLLOWED:
        status, page = browser.open(path)
        found = OLDER.search(page.decode()) if status == 200 else None
        if not found:
            break
        path = urllib.parse.urljoin(path, html.unescape(found.group(1)))
        followed += 1
    return path, followed


def check_pages(member: Browser, empty: Browser, pages: dict, write: tuple[str, str]) -> tuple[dict, str, list]:
    """Open each page once: its HTML size, the write's form body for wrk (with the thread's CSRF
    token, "{n}" for the request's number), and what answered other than as itself."""
    sizes, wrong = {}, []
    for name, path in pages.items():
        browser = empty if name == EMPTY else member
        status, page = browser.open(path)
        sizes[name] = len(page)
        if status != 200:
            wrong.append(f"{name}: {path} answered {status} {browser.location}".strip())
    thread, form_url = write
    _, page = member.open(thread)
    form = {"body": "Reply {n} from the benchmark: we tried this in the fracture clinic.", "parent_id": ""}
    form["csrf_token"] = CSRF.search(page.decode()).group(1)
    status, _ = member.open(form_url, form)
    if status != 302 or f"{thread}#reply-" not in member.location:
        wrong.append(f"reply (write): answered {status} {member.location}")
    return sizes, urllib.parse.urlencode(form).replace("%7Bn%7D", "{n}"), wrong


def count_statements(url: str, dataset: Dataset, pages: dict, write: tuple[str, str]) -> dict[str, int]:
    """Each page's SQL statements, counted in process with the test client on its second visit
    (the first may mark things read), as tests/conftest.py's count_queries counts them."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    # Its request log would bury the table; the servers' logs are kept in their own file.
    logging.getLogger(REQUEST_LOGGER).disabled = True
    counts = {}
    with app.app_context():
        engine = db.engine
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    for who, email in (("member", dataset.member_email), ("empty", dataset.empty_email)):
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": email, "password": dataset.password, "csrf_token": token})
        event.listen(engine, "before_cursor_execute", record)
        try:
            for name, path in pages.items():
                if (name == EMPTY) != (who == "empty"):
                    continue
                client.get(path)
                statements.clear()
                client.get(path)
                counts[name] = len(statements)
            if who == "member":
                thread, form_url = write
                token = CSRF.search(client.get(thread).get_data(as_text=True)).group(1)
                statements.clear()
                client.post(form_url, data={"body": "Counting statements.", "parent_id": "", "csrf_token": token})
                counts["reply (write)"] = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    with app.app_context():
        db.engine.dispose()
    return counts


def verdict(name: str, row: dict, rows: dict) -> str:
    """The issue's target for this page, and whether this run met it."""
    if name in RATIO_TARGETS:
        target = RATIO_TARGETS[name]
        return f"≥ {target:.2f} {'met' if row['ratio_hello'] >= target else 'missed'}"
    if name == "posts list, deep page" and "posts list" in rows:
        ok = row["requests_per_second"] * 1.5 >= rows["posts list"]["requests_per_second"]
        return f"≤ 1.5 × page 1's time {'met' if ok else 'missed'}"
    if name.startswith("search") and "posts list" in rows:
        ok = row["p95_ms"] <= 3 * rows["posts list"]["p95_ms"]
        return f"p95 ≤ 3 × list's {'met' if ok else 'missed'}"
    return ""


def summarise(figures: dict, sizes: dict, sql: dict) -> dict:
    """Each page's figures with its ratios, its target's verdict, its SQL count and HTML size."""
    rows = {}
    for name, row in figures.items():
        row["ratio_hello"] = row["requests_per_second"] / figures[HELLO]["requests_per_second"]
        row["ratio_empty"] = row["requests_per_second"] / figures[EMPTY]["requests_per_second"]
        row["sql"] = sql.get(name)
        row["html_bytes"] = sizes.get(name)
        rows[name] = row
    for name, row in rows.items():
        row["target"] = verdict(name, row, rows)
    return rows


def bytes_per_reply(sizes: dict) -> float:
    """What each reply adds to a thread's HTML: the 500-reply thread against the 20-reply one."""
    return (sizes["thread, 500 replies"] - sizes["thread, 20 replies"]) / (LONG_THREAD - SHORT_THREAD)


def report(rows: dict, sizes: dict, arguments, dataset: Dataset, dialect: str, peaks: list[float]) -> str:
    """The table and the figures that are not per page, in Markdown."""
    per_reply = bytes_per_reply(sizes)
    rates = {name: " and ".join(f"{rate:.0f}" for rate in rows[name]["runs"]) for name in (HELLO, EMPTY)}
    drift = max(max(rows[name]["runs"]) / min(rows[name]["runs"]) for name in (HELLO, EMPTY)) - 1
    busy = f" ({drift:.0%} apart: the machine's load changed during the run, so the ratios are rough)"
    notes = [
        f"scale {arguments.scale:g}, {dialect}, gunicorn {arguments.workers} workers, "
        f"wrk -t{arguments.threads} -c{arguments.connections} -d{arguments.seconds}s",
        f"thread HTML per reply: {per_reply / 1024:.2f} KB "
        f"(target ≤ {MAX_BYTES_PER_REPLY / 1024:.1f} KB: {'met' if per_reply <= MAX_BYTES_PER_REPLY else 'missed'})",
        "workers' peak memory: "
        + ", ".join(f"{peak:.0f} MB" for peak in peaks)
        + f" (target ≤ {MAX_WORKER_MB} MB each: {'met' if max(peaks) <= MAX_WORKER_MB else 'missed'})",
        f"baselines, before and after the pages: {HELLO} {rates[HELLO]} req/s, {EMPTY} {rates[EMPTY]} req/s"
        + (busy if drift > DRIFT_NOTED else ""),
        f"dataset generated in {dataset.seconds:.1f} s",
    ]
    return table(rows) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def save(rows: dict, markdown: str, arguments, dataset: Dataset, dialect: str, peaks: list[float], sizes) -> str:
    """Write the Markdown and the figures as JSON to bench/results/; the files' shared name."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"bench-{stamp}-{dialect}-scale{arguments.scale:g}"
    (RESULTS / f"{name}.md").write_text(markdown)
    figures = {
        "settings": dict(vars(arguments)),
        "dataset": {"seconds": dataset.seconds, "rows": dataset.counts},
        "pages": rows,
        "worker_peak_mb": peaks,
        "thread_bytes_per_reply": bytes_per_reply(sizes),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return name


def table(rows: dict) -> str:
    lines = [
        "| page | req/s | p50 ms | p95 ms | p99 ms | errors | × hello | × empty | target | SQL | HTML KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for name, row in rows.items():
        sql = row.get("sql")
        size = row.get("html_bytes")
        lines.append(
            f"| {name} | {row['requests_per_second']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['errors']} | {row['ratio_hello']:.3f} | {row['ratio_empty']:.3f} | "
            f"{row.get('target', '')} | {'' if sql is None else sql} | {'' if size is None else f'{size / 1024:.1f}'} |"
        )
    return "\n".join(lines)


def database_url(folder: str) -> str:
    given = os.environ.get("COHORT_BENCH_DATABASE_URL")
    if not given:
        return f"sqlite:///{folder}/bench.sqlite"
    engine = create_engine(given)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        sys.exit(f"COHORT_BENCH_DATABASE_URL must name an empty database; it has {len(tables)} tables.")
    return given


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, help="multiplies the dataset (default 1; 0.01 with --smoke)")
    parser.add_argument("--seconds", type=int, help="wrk's time on each page (default 10; 1 with --smoke)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--connections", type=int, help="wrk's open connections (default 16; 2 with --smoke)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="a tiny dataset, one second a page, two connections")
    arguments = parser.parse_args()
    arguments.scale = arguments.scale or (0.01 if arguments.smoke else 1.0)
    arguments.seconds = arguments.seconds or (1 if arguments.smoke else 10)
    # One connection a worker in the smoke run: a long thread then comes back within its second.
    arguments.connections = arguments.connections or (2 if arguments.smoke else 16)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (Debian) or brew install wrk.")

    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        url = database_url(folder)
        dataset = generate(url, arguments.scale)
        print(describe(dataset), flush=True)
        cohort = f"/c/{dataset.slug}"
        pages = {
            "dashboard": "/",
            "cohort home": f"{cohort}/",
            "posts list": f"{cohort}/posts/",
            "posts list, deep page": None,  # found by following the list's own links
            "thread, 20 replies": f"{cohort}/posts/{dataset.short_thread}",
            "thread, 500 replies": f"{cohort}/posts/{dataset.long_thread}",
            "sessions list": f"{cohort}/sessions/",
            "session page": f"{cohort}/sessions/{dataset.session_id}",
            "calendar feed (.ics)": f"/calendar/{dataset.calendar_token}.ics",
            "search, common word": f"{cohort}/posts/?q={dataset.common_word}",
            "search, rare word": f"{cohort}/posts/?q={dataset.rare_word}",
            "notifications": "/notifications",
            EMPTY: "/",
        }
        write_thread = f"{cohort}/posts/{dataset.write_thread}"
        write = (write_thread, f"{write_thread}/replies")

        env = {"COHORT_DATABASE_URL": url, "COHORT_SECRET_KEY": SECRET}
        log = Path(folder) / "gunicorn.log"
        hello, hello_base = start_gunicorn("bench.hello:app", arguments.workers, {}, log)
        server = None
        try:
            server, base = start_gunicorn("bench.served:app", arguments.workers, env, log)
            member, empty = Browser(base), Browser(base)
            member.sign_in(dataset.member_email, dataset.password)
            empty.sign_in(dataset.empty_email, dataset.password)
            pages["posts list, deep page"], followed = deep_page(member, pages["posts list"])
            print(f"deep page: {pages['posts list, deep page']} ({followed} “Older” links from page 1)", flush=True)
            sizes, body, wrong = check_pages(member, empty, pages, write)
            if wrong:
                print("pages that answered wrongly:\n  " + "\n  ".join(wrong), file=sys.stderr)
                sys.exit(1)

            # The baselines before and after the pages: a machine that got busier in between shows.
            baselines = {HELLO: [], EMPTY: []}

            def measure_baselines():
                print("wrk: hello world, empty signed-in page", flush=True)
                baselines[HELLO].append(run_wrk(hello_base + "/", arguments, None, "200"))
                baselines[EMPTY].append(run_wrk(base + pages[EMPTY], arguments, empty.cookie_header(), "200"))
                drain(base, arguments.workers)

            measure_baselines()
            figures = {}
            for name, path in pages.items():
                if name != EMPTY:
                    print(f"wrk: {name}", flush=True)
                    figures[name] = run_wrk(base + path, arguments, member.cookie_header(), "200")
                    drain(base, arguments.workers)
            print("wrk: reply (write)", flush=True)
            figures["reply (write)"] = run_wrk(
                base + write[1], arguments, member.cookie_header(), "302", f"{write[0]}#reply-", body
            )
            drain(base, arguments.workers)
            measure_baselines()
            figures = {name: combined(runs) for name, runs in baselines.items()} | figures
            peaks = worker_peaks_mb(server)
        finally:
            stop(hello)
            if server is not None:
                stop(server)

        sql = count_statements(url, dataset, pages, write)

    rows = summarise(figures, sizes, sql)
    dialect = make_url(url).get_backend_name()
    markdown = report(rows, sizes, arguments, dataset, dialect, peaks)
    print()
    print(markdown)
    name = save(rows, markdown, arguments, dataset, dialect, peaks, sizes)
    print(f"results: bench/results/{name}.md and .json")
    errors = sum(row["errors"] for row in rows.values())
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
