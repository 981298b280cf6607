"""bench/load.py runs: a few seconds of its mixed traffic against gunicorn on SQLite answer every
request as meant. One pass is enough to keep the script working; the figures are for people to read."""

import re
import subprocess
import sys

import pytest

from ..live import ROOT


@pytest.mark.sqlite
def test_a_few_seconds_of_mixed_traffic_answer_every_request_as_meant():
    finished = subprocess.run(
        [sys.executable, "bench/load.py", "--seconds", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = finished.stdout
    assert finished.returncode == 0, output + finished.stderr[-3000:]
    assert "50 signed in" in output
    assert re.search(r"^errors: 0$", output, re.MULTILINE), output
    served = re.search(r"^throughput: [\d.]+ requests/s \((\d+) in", output, re.MULTILINE)
    assert served and int(served.group(1)) > 50, output
    # Both kinds of request were sent, and every page was read.
    for label in ("reads", "writes", "dashboard", "cohort home", "posts list", "a thread", "sessions", "notifications"):
        assert re.search(rf"^  {label} +[1-9]\d* requests", output, re.MULTILINE), label
