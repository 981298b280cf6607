"""The demo data, explored as its people would: every link from the dashboard leads somewhere."""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

LINK = re.compile(r'href="([^"]+)"')
MOST_PAGES = 400


def _crawl(client, start: str = "/") -> dict[str, int]:
    """Follow every link on this site from ``start``; the status of each address reached."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < MOST_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        with client.get(url) as response:  # closed, so files sent from disk are released
            seen[url] = response.status_code
            page = response.text if response.status_code == 200 and response.mimetype == "text/html" else ""
            if response.status_code == 302:
                # A link that leads on (a notification to its place) is followed, never to the sign-in page.
                target = urlsplit(response.headers["Location"])
                seen[url] = 200 if target.path != "/login" else 302
                page = f'href="{target.path}"'

        for href in LINK.findall(page):
            address = urldefrag(href.replace("&amp;", "&")).url
            if address.startswith("/") and not urlsplit(address).netloc and address not in seen:
                queue.append(address)
    return seen


@pytest.mark.parametrize("role", ["facilitator", "member"])
def test_every_link_in_the_demo_leads_somewhere(app, runner, client, role):
    output = runner.invoke(args=["seed-demo"]).output
    line = next(line for line in output.splitlines() if line.strip().startswith(role))
    email, password = line.split()[1:3]
    client.login(email, password)
    statuses = _crawl(client)
    assert len(statuses) > 40  # the crawl really went through the cohort
    assert {url: status for url, status in statuses.items() if status != 200} == {}
