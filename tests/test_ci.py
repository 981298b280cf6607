"""The suite's own rule: under CI=true a skipped test is a failure, so nothing is silently left out."""

import pytest

SKIPPING_TEST = """
import pytest

def test_needs_a_browser():
    pytest.skip("Chromium not found")
"""


@pytest.fixture
def suite_with_a_skip(pytester):
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport  # noqa: F401")
    pytester.makepyfile(SKIPPING_TEST)
    return pytester


def test_a_skip_fails_under_ci(suite_with_a_skip, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = suite_with_a_skip.runpytest("-p", "no:playwright")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*skipped under CI=true*Chromium not found*"])


def test_a_skip_stays_a_skip_on_a_laptop(suite_with_a_skip, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    suite_with_a_skip.runpytest("-p", "no:playwright").assert_outcomes(skipped=1)
