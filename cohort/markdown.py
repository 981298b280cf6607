"""User text: Markdown rendered to HTML, then cleaned by an allow-list; mentions of a cohort's members."""

import html
import secrets

import markdown as md
import nh3

from .mentions import MentionExtension, candidates, mentionable
from .models import Membership

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
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def _render(text: str, cohort_id: int | None) -> tuple[str, list[Membership]]:
    text = text[:MAX_MARKDOWN_CHARS]
    members = mentionable(cohort_id, candidates(text)) if "@" in text else {}
    # Only the links this render makes carry the mention class: the writer's own HTML cannot guess it.
    link_class = f"{MENTION_CLASS}-{secrets.token_hex(8)}"
    linked = {}
    converter = md.Markdown(
        extensions=[*EXTENSIONS, MentionExtension(members, link_class, linked)], output_format="html"
    )
    rendered = converter.convert(text)

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
    links to their entry on its members page; other ``@words`` stay as typed."""
    return _render(text, cohort_id)[0]


def render_with_mentions(text: str, cohort_id: int) -> tuple[str, set[int]]:
    """``render_markdown`` for text written in a cohort, with the user ids of the current members it
    mentions, as its rendering links them (not in code, not in addresses), at most
    ``mentions.MAX_MENTIONS``: for telling them, once the text is saved, if they may read it."""
    html, members = _render(text, cohort_id)
    return html, {membership.user_id for membership in members}


def newly_mentioned(before: str, after: str, cohort_id: int) -> set[int]:
    """Who a changed text mentions that its earlier version did not: only they are told of it."""
    if "@" not in after:
        return set()
    earlier = render_with_mentions(before, cohort_id)[1] if "@" in before else set()
    return render_with_mentions(after, cohort_id)[1] - earlier


def plain_text(rendered_html: str) -> str:
    """The text of rendered HTML, without any markup: for search and calendar descriptions."""
    return html.unescape(nh3.clean(rendered_html, tags=set()))
