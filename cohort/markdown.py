"""User text: Markdown rendered to HTML, then cleaned by an allow-list."""

import html

import markdown as md
import nh3

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
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Rendering cost grows with the input; forms cap user text at this length.
MAX_MARKDOWN_CHARS = 50_000


def render_markdown(text: str) -> str:
    """Render user-written Markdown to HTML that is safe to show as it is."""
    html = md.markdown(
        text[:MAX_MARKDOWN_CHARS],
        extensions=["fenced_code", "tables", "sane_lists"],
        output_format="html",
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def plain_text(rendered_html: str) -> str:
    """The text of rendered HTML, without any markup: for search and calendar descriptions."""
    return html.unescape(nh3.clean(rendered_html, tags=set()))
