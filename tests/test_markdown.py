"""User Markdown is rendered, then made inert by the sanitiser; text that would hold the renderer is refused."""

import inspect
import re
import signal
import sys
import threading
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohort import markdown
from cohort.extensions import db
from cohort.markdown import ALLOWED_TAGS, MAX_MARKDOWN_CHARS, TooIntricate, render_markdown, render_with_mentions
from cohort.models import Membership
from cohort.policy import Refused


def test_markdown_features_survive():
    html = render_markdown(
        "**Bold** and a [link](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```"
    )
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">link</a>' in html
    assert "<table>" in html and "<code>code" in html


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ('<svg onload="alert(1)"><circle/></svg>', "<svg"),
        ('<p style="position:fixed">x</p>', "style="),
        ("<iframe src='https://evil.example.com'></iframe>", "<iframe"),
        ('<a href="https://x.example" onclick="steal()">x</a>', "onclick"),
    ],
)
def test_dangerous_input_is_made_inert(source, forbidden):
    assert forbidden not in render_markdown(source)


# Each of these took python-markdown from 12 seconds to several minutes (20,000 `[`: past gunicorn's
# 30-second timeout; 50,000 `[`: 249 s), though all are under the length cap.
PATHOLOGICAL = {
    "unclosed brackets": "[" * 20_000,
    "unclosed link addresses": "[a](" * 12_500,
    "unclosed images": "![" * 25_000,
    "unclosed references": "[a][" * 12_500,
    "unclosed angle addresses": "[a](<" * 10_000,
    "brackets nested deep": "[" * 25_000 + "]" * 25_000,
    "brackets before one link": "[" * 49_995 + "a](b)",
    "backtick runs": "``a`" * 12_500,
    "unclosed tags": "<a " * 16_666,
    "unclosed mail addresses": "<a@b " * 10_000,
    "unclosed attributes": '<a href="' * 5_555,
}
DEEP = {
    "lists on one line": "- " * 600 + "a",
    "numbered lists on one line": "1. " * 600 + "a",
    "quotes and lists on one line": "> - " * 600 + "a",
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_text_that_would_hold_the_renderer_is_refused_before_rendering(text):
    with pytest.raises(TooIntricate) as refusal:
        render_markdown(text)
    assert str(refusal.value).startswith("This text is too intricate to show safely:")
    assert "left open or nested" in str(refusal.value)  # counted before rendering, not stopped by the timer
    assert isinstance(refusal.value, Refused)


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_nesting_deeper_than_anyone_writes_is_refused(text):
    with pytest.raises(TooIntricate, match="nests lists or quotes more than 32 deep"):
        render_markdown(text)


def test_a_render_past_its_time_is_stopped_by_the_timer(monkeypatch):
    # 12,500 headings in one paragraph take python-markdown seconds, and no bracket count sees them.
    monkeypatch.setattr(markdown, "MAX_RENDER_SECONDS", 0.01)
    with pytest.raises(TooIntricate, match="it takes too long to render"):
        render_markdown("# a\n" * 12_500)
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert render_markdown("# Agenda") == "<h1>Agenda</h1>"


def test_a_requests_renders_share_its_budget_and_work_outside_a_request_has_none(make_app):
    app = make_app(COHORT_MARKDOWN_SECONDS_PER_REQUEST=0.05)
    text = "[" * 400  # some hundredths of a second: far inside a render's bound
    with app.app_context():  # the command line and the mail worker: each render bounded on its own
        assert [render_markdown(f"{text} {number}").startswith("<p>[") for number in range(3)] == [True] * 3
    with app.test_request_context():
        with pytest.raises(TooIntricate, match="it takes too long to render"):
            for number in range(50):
                render_markdown(f"{text} {number}")
        with pytest.raises(TooIntricate, match="it takes too long to render"):
            render_markdown("# Agenda")  # the budget is spent: refused before rendering
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with app.test_request_context():  # the next request has its own
        assert render_markdown("# Agenda") == "<h1>Agenda</h1>"


def test_another_thread_has_no_timer_but_the_count_still_refuses():
    outcomes = {}

    def render_both():
        outcomes["ordinary"] = render_markdown("Read [the notes](https://example.org/notes).")
        try:
            render_markdown("[" * 20_000)
        except TooIntricate as refusal:
            outcomes["pathological"] = str(refusal)

    worker = threading.Thread(target=render_both)
    worker.start()
    worker.join()
    assert "the notes</a>" in outcomes["ordinary"]
    assert "left open or nested" in outcomes["pathological"]


def test_running_out_of_stack_is_a_refusal_not_an_error():
    # Thirty lists on one line pass the count; a stack this short cannot render them.
    depth = len(inspect.stack())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 50)
    try:
        with pytest.raises(TooIntricate, match="it nests too deeply"):
            render_markdown("- " * 30 + "a")
    finally:
        sys.setrecursionlimit(limit)


def test_ordinary_markdown_renders_exactly_as_before():
    # The HTML the renderer gave this text before it was bounded.
    text = (
        '# Plan\n\nSee [the notes](https://example.org/notes "Notes") and ![chart](https://example.org/c.png), '
        "*emphasis*, __strong__, `a[i]` and <https://example.org>.\n\n"
        "- one\n    - nested [link](https://example.org/(a))\n- two\n\n1. first\n2. second\n\n"
        "> quoted\n> > twice\n\n| a | b |\n|:--|--:|\n| [x] | `y` |\n\n```python\nitems[0] = f(x)[1]\n```\n\n"
        "Unclosed [ bracket, a < b, and a lone ` tick."
    )
    assert render_markdown(text) == (
        "<h1>Plan</h1>\n<p>See "
        '<a href="https://example.org/notes" title="Notes" rel="nofollow noopener noreferrer">the notes</a> '
        "and , <em>emphasis</em>, <strong>strong</strong>, <code>a[i]</code> and "
        '<a href="https://example.org" rel="nofollow noopener noreferrer">https://example.org</a>.</p>\n'
        "<ul>\n<li>one<ul>\n<li>nested "
        '<a href="https://example.org/(a)" rel="nofollow noopener noreferrer">link</a></li>\n</ul>\n</li>\n'
        "<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        "<blockquote>\n<p>quoted</p>\n<blockquote>\n<p>twice</p>\n</blockquote>\n</blockquote>\n"
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>[x]</td>\n<td><code>y</code></td>\n</tr>\n</tbody>\n"
        "</table>\n"
        '<pre><code class="language-python">items[0] = f(x)[1]\n</code></pre>\n'
        "<p>Unclosed [ bracket, a &lt; b, and a lone ` tick.</p>"
    )


def test_a_long_text_full_of_links_and_code_is_not_refused():
    entry = "- [Fix](https://example.org/pull/1) the `parse()` of [#12](https://example.org/issues/12)\n"
    text = (entry * (MAX_MARKDOWN_CHARS // len(entry)))[:MAX_MARKDOWN_CHARS]
    assert render_markdown(text).count("<li>") == MAX_MARKDOWN_CHARS // len(entry)


class _Markup(HTMLParser):
    """The tags and attributes of an HTML fragment, as a browser's parser reads them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


FRAGMENTS = [
    "<script>", "</script>", "<<script>", "<ScRiPt src=//x>", "javascript:", "JaVaScRiPt:", "&#106;avascript:",
    "java\tscript:", "java&#x09;script:", "data:text/html,", "vbscript:", "<a href=", "<img src=x onerror=",
    " onload=", " onclick=", "<svg", "<math", "<iframe", "<form", "<style>", "<!--", "-->", "[x](", "](", ")",
    "![", "<", ">", '"', "'", "`", "*", "_", "&", ":", "\n", "\n\n", "    ", "- ", "> ", "| a |\n|---|\n",
    "```\n", "@member",
]  # fmt: skip
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map("".join)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_no_text_stores_html_that_runs_script(app, people, text):
    with app.app_context():
        handle = db.session.get(Membership, people.member_membership).user.handle
        try:
            html, _ = render_with_mentions(text.replace("@member", f"@{handle}"), people.cohort_id)
        except TooIntricate:
            return  # refused: nothing is stored
    assert "<script" not in html.lower()
    markup = _Markup()
    markup.feed(html)
    markup.close()
    for tag, attributes in markup.tags:
        assert tag in ALLOWED_TAGS
        for name, value in attributes:
            assert not name.startswith("on")
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            assert not url.startswith(("javascript:", "data:", "vbscript:"))
            if name == "href" and re.match(r"[a-z][a-z0-9+.-]*:", url):
                assert url.split(":", 1)[0] in {"http", "https", "mailto"}


@pytest.mark.parametrize(
    ("text", "link"),
    [
        (
            "Our protocol is at https://example.org/virtual-fracture-clinic?v=2.",
            "https://example.org/virtual-fracture-clinic?v=2",
        ),
        ("See www.nhs.uk for the guidance", "http://www.nhs.uk"),
    ],
)
def test_a_bare_web_address_becomes_a_link(text, link):
    rendered = render_markdown(text)
    assert f'<a href="{link}" rel="nofollow noopener noreferrer">' in rendered


@pytest.mark.parametrize(
    "text",
    [
        "`https://example.org/in-code`",
        "    https://example.org/indented-code",
        "javascript:alert(1)",
        "data:text/html,x",
    ],
)
def test_an_address_in_code_or_of_a_script_stays_text(text):
    assert "<a " not in render_markdown(text)
