"""User text: Markdown rendered to HTML, then cleaned by an allow-list; mentions of a cohort's members."""

import html
import re
import secrets
import signal
import threading
import time
from contextlib import contextmanager

import markdown as md
import nh3
from flask import current_app, g, has_request_context

from .mentions import MentionExtension, candidates, mentionable
from .models import Membership
from .policy import Refused

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MENTION_CLASS = "mention"
# Rendering cost grows with the input; forms cap user text at this length.
MAX_MARKDOWN_CHARS = 50_000
# magiclink: a bare web or mail address ("see www.nhs.uk") becomes a link, as people expect of a chat.
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "pymdownx.magiclink"]

# Length alone does not bound the work: python-markdown scans ahead from each `[`, `](`, backtick run
# and `<tag` it cannot close, to the end of its paragraph (for `<tag`, of the text), so a few
# thousand of them keep it busy for minutes. Two bounds: the scans a text would cost, counted before
# rendering, and a timer while it renders.
MAX_RENDER_SECONDS = 2.0
# Characters scanned, measured on python-markdown 3.11: 20 million `<tag` characters take it about a
# second, and a bracket or backtick character costs it 8 and 3 times as much. Ordinary Markdown, even
# 50,000 characters of a changelog dense with links and code, costs under a thirtieth of the limit.
MAX_SCAN_COST = 20_000_000
BRACKET_COST, BACKTICK_COST = 8, 3
# Lists and quotes opened on one line nest Python calls (at about 500 it fails); nobody needs 32.
MAX_NESTING = 32

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BRACKET_OR_TICKS = re.compile(r"[\[\]()]|`+")
_TAG_START_OR_END = re.compile(r"<[A-Za-z]|>")
_DEEP_LINE = re.compile(rf"^(?:[ \t]*(?:[-*+>]|\d{{1,9}}[.)])[ \t]+){{{MAX_NESTING + 1}}}", re.MULTILINE)


class TooIntricate(Refused):
    """Text whose structure would keep the renderer busy far longer than any ordinary text."""

    def __init__(self, reason: str):
        super().__init__(f"This text is too intricate to show safely: {reason}. Simplify it and save again.")


def _paragraph_scans(paragraph: str) -> int:
    """The bracket and backtick characters python-markdown scans in one paragraph, weighted."""
    end = len(paragraph)
    squares: list[int] = []
    parens: list[int | None] = []  # a position for `(` that opens a link's address, else None
    tick: int | None = None  # a single backtick not yet closed
    closed_text_at = -1  # the last `]` that closed a `[`: a `(` right after it opens an address
    cost = 0
    for mark in _BRACKET_OR_TICKS.finditer(paragraph):
        found, start = mark.group(), mark.start()
        if found == "[":
            squares.append(start)
        elif found == "]":
            if squares:
                cost += BRACKET_COST * (start - squares.pop())
                closed_text_at = start
        elif found == "(":
            parens.append(start if closed_text_at == start - 1 else None)
        elif found == ")":
            opened = parens.pop() if parens else None
            cost += BRACKET_COST * (start - opened) if opened is not None else 0
        elif len(found) == 1:
            cost += BACKTICK_COST * (start - tick) if tick is not None else 0
            tick = start if tick is None else None
        elif not _opens_fence(paragraph, start):
            # A longer run closes only at a run of its length, and python-markdown may enter it
            # part-way: count it open to the end. (Fence lines are taken out before it looks.)
            cost += BACKTICK_COST * (end - start)
    unclosed = [*squares, *(start for start in parens if start is not None)]
    cost += BRACKET_COST * sum(end - start for start in unclosed)
    return cost + (BACKTICK_COST * (end - tick) if tick is not None else 0)


def _opens_fence(paragraph: str, start: int) -> bool:
    line_start = paragraph.rfind("\n", 0, start) + 1
    return start - line_start <= 3 and not paragraph[line_start:start].strip(" ")


def _tag_scans(text: str) -> int:
    """The characters python's HTML parser scans from each `<tag` to the next `>` (or the end)."""
    cost, waiting, waiting_sum = 0, 0, 0
    for mark in _TAG_START_OR_END.finditer(text):
        if mark.group() == ">":
            cost += waiting * mark.start() - waiting_sum
            waiting, waiting_sum = 0, 0
        else:
            waiting, waiting_sum = waiting + 1, waiting_sum + mark.start()
    return cost + waiting * len(text) - waiting_sum


def _refuse_intricate(text: str) -> None:
    """Refuse, before any work, a text python-markdown would take far too long (or too deep) to render."""
    if _DEEP_LINE.search(text):
        raise TooIntricate(f"it nests lists or quotes more than {MAX_NESTING} deep on one line")
    if sum(map(_paragraph_scans, _PARAGRAPH_BREAK.split(text))) + _tag_scans(text) > MAX_SCAN_COST:
        raise TooIntricate("it has too many brackets, backticks or < signs left open or nested in each other")


def _out_of_time(signum, frame):
    raise TooIntricate("it takes too long to render")


def _seconds_for_this_render() -> float:
    """A render's own bound, or what is left of its request's: the renders of one request share
    ``COHORT_MARKDOWN_SECONDS_PER_REQUEST`` from the first, so many texts each just under the bound
    (a note for every agenda item) cannot together hold the worker past gunicorn's timeout."""
    if not has_request_context():
        return MAX_RENDER_SECONDS
    if "markdown_deadline" not in g:
        g.markdown_deadline = time.monotonic() + current_app.config["COHORT_MARKDOWN_SECONDS_PER_REQUEST"]
    left = g.markdown_deadline - time.monotonic()
    if left <= 0:
        raise TooIntricate("it takes too long to render")
    return min(MAX_RENDER_SECONDS, left)


@contextmanager
def _time_limit(seconds: float):
    """Interrupt the render after ``seconds`` with a timer signal: a pair of system calls, nothing more.

    Python runs signal handlers in the main thread only, which is where a gunicorn sync worker and
    the command line render. Elsewhere (a threaded development server), or if something else already
    uses SIGALRM, the scan count of ``_refuse_intricate`` is the only bound."""
    usable = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, _out_of_time)
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield
        return
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        # Disarm first: a signal arriving once SIGALRM is back to its default would end the process.
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _render(text: str, cohort_id: int | None) -> tuple[str, list[Membership]]:
    text = text[:MAX_MARKDOWN_CHARS]
    seconds = _seconds_for_this_render()
    _refuse_intricate(text)
    members = mentionable(cohort_id, candidates(text)) if "@" in text else {}
    # Only the links this render makes carry the mention class: the writer's own HTML cannot guess it.
    link_class = f"{MENTION_CLASS}-{secrets.token_hex(8)}"
    linked = {}
    converter = md.Markdown(
        extensions=[*EXTENSIONS, MentionExtension(members, link_class, linked)], output_format="html"
    )
    try:
        with _time_limit(seconds):
            rendered = converter.convert(text)
    except RecursionError as error:
        raise TooIntricate("it nests too deeply") from error

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "class":
            return MENTION_CLASS if value == link_class else None
        return value

    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return clean, [member.membership for member in linked.values()]


def render_markdown(text: str, cohort_id: int | None = None) -> str:
    """Render user-written Markdown to HTML that is safe to show as it is.

    With ``cohort_id`` (text written in a cohort), ``@handle`` of a current member of that cohort
    links to their entry on its members page; other ``@words`` stay as typed. Raises ``TooIntricate``
    (a ``Refused``) for text that would keep the renderer busy far too long."""
    return _render(text, cohort_id)[0]


def render_with_mentions(text: str, cohort_id: int) -> tuple[str, set[int]]:
    """``render_markdown`` for text written in a cohort, with the user ids of the current members it
    mentions, as its rendering links them (not in code, not in addresses), at most
    ``mentions.MAX_MENTIONS``: for telling them, once the text is saved, if they may read it."""
    html, members = _render(text, cohort_id)
    return html, {membership.user_id for membership in members}


class Renderings:
    """The texts of one operation in a cohort, each rendered once however often the operation needs
    it: a series' sessions sharing one agenda, a note and who it newly mentions."""

    def __init__(self, cohort_id: int):
        self.cohort_id = cohort_id
        self._done: dict[str, tuple[str, set[int]]] = {}

    def with_mentions(self, text: str) -> tuple[str, set[int]]:
        """``render_with_mentions(text, cohort_id)``, rendered the first time it is asked for."""
        if text not in self._done:
            self._done[text] = render_with_mentions(text, self.cohort_id)
        return self._done[text]

    def html(self, text: str) -> str:
        """``render_markdown(text, cohort_id)``, rendered the first time it is asked for."""
        return self.with_mentions(text)[0]

    def newly_mentioned(self, before: str, after: str) -> set[int]:
        """Who ``after`` mentions that ``before`` did not: only they are told of it."""
        if "@" not in after:
            return set()
        return self.with_mentions(after)[1] - self._mentioned_before(before)

    def _mentioned_before(self, text: str) -> set[int]:
        if "@" not in text:
            return set()
        try:
            return self.with_mentions(text)[1]
        except TooIntricate:
            # Saved before renders were bounded: every member it names counts, so no one is told
            # twice, and its author can still replace it.
            return {member.membership.user_id for member in mentionable(self.cohort_id, candidates(text)).values()}


def newly_mentioned(before: str, after: str, cohort_id: int) -> set[int]:
    """Who a changed text mentions that its earlier version did not: only they are told of it."""
    return Renderings(cohort_id).newly_mentioned(before, after)


def plain_text(rendered_html: str) -> str:
    """The text of rendered HTML, without any markup: for search and calendar descriptions."""
    return html.unescape(nh3.clean(rendered_html, tags=set()))
