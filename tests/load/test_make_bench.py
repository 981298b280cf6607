"""`make bench` keeps working: its smoke run (a tiny dataset, one second a page under wrk) answers
every page as the page itself and prints the table, on SQLite and, given a fresh database on the
pass's server, on PostgreSQL. It asserts no timing: the figures are for people to read."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from ..live import ROOT, fresh_database

PAGES = (
    "hello world",
    "empty signed-in page",
    "dashboard",
    "cohort home",
    "posts list",
    "posts list, deep page",
    "thread, 20 replies",
    "thread, 500 replies",
    "sessions list",
    "session page",
    "calendar feed (.ics)",
    "search, common word",
    "search, rare word",
    "notifications",
    "reply (write)",
)
# | page | req/s | p50 | p95 | p99 | errors | × hello | × empty | target | SQL | HTML KB |
ROW = re.compile(
    r"^\| (?P<page>[^|]+?) \| (?P<rate>[\d.]+) \|(?: [\d.]+ \|){3} (?P<errors>\d+) \| (?P<ratio>[\d.]+) \|"
)


def run_smoke(extra_env: dict) -> str:
    # Under CI=true this skip is a failure (tests/conftest.py): CI installs wrk in .ci/run.
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    finished = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke"],
        cwd=ROOT,
        env={**os.environ, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = finished.stdout
    assert finished.returncode == 0, output + finished.stderr[-3000:]
    return output


def assert_every_page_answered(output: str) -> None:
    rows = {match["page"]: match for match in map(ROW.match, output.splitlines()) if match}
    assert list(rows) == list(PAGES), output
    # A page may complete no request in its one second (a long thread on a busy machine): it was
    # still checked to answer as itself before, and any wrong answer would be an error here.
    assert all(row["errors"] == "0" for row in rows.values()), output
    assert float(rows["hello world"]["rate"]) > 0 and float(rows["empty signed-in page"]["ratio"]) > 0, output
    assert re.search(r"^- workers' peak memory: \d+ MB, \d+ MB", output, re.MULTILINE), output
    assert re.search(r"^results: bench/results/bench-\S+\.md and \.json$", output, re.MULTILINE), output


@pytest.mark.sqlite
def test_the_smoke_run_answers_every_page_and_prints_the_table():
    output = run_smoke({"COHORT_BENCH_DATABASE_URL": ""})
    assert re.search(r"^dataset: generated in [\d.]+ s: .*reply 2,000", output, re.MULTILINE), output
    assert "scale 0.01, sqlite" in output
    assert_every_page_answered(output)


@pytest.mark.postgresql
def test_the_smoke_run_on_postgresql_answers_every_page(tmp_path_factory):
    url = fresh_database(tmp_path_factory, "bench")
    output = run_smoke({"COHORT_BENCH_DATABASE_URL": url})
    assert "scale 0.01, postgresql" in output
    assert_every_page_answered(output)


@pytest.mark.sqlite
def test_make_bench_runs_the_script_with_the_arguments_given():
    planned = subprocess.run(
        ["make", "-n", "bench", "BENCH_ARGS=--smoke --workers 3"], cwd=ROOT, capture_output=True, text=True
    )
    assert planned.returncode == 0, planned.stderr
    assert re.search(r"^\S*python bench/run\.py --smoke --workers 3$", planned.stdout, re.MULTILINE), planned.stdout
