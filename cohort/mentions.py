"""``@handle`` in cohort text: which members a text names, and the Markdown extension that links them.

A mention links to the member's profile in the cohort, and only when the handle belongs
to a current member of that very cohort; any other ``@word`` stays as typed, so a text tells nobody
whether a handle exists elsewhere. A handle someone has since changed still means them, so older text
keeps naming whom it named. All the handles of a text are resolved in one query."""

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString
from sqlalchemy import select, union_all

from . import policy
from .extensions import db
from .models import Cohort, FormerHandle, Membership, User

# Not inside a word, an address (a@b.org), a path or a URL (example.org/@x); the handle ends where a
# handle could not go on, so "@sarah-oneill," and "@sarah-oneill's" both mean sarah-oneill.
MENTION_PATTERN = r"(?<![\w@./+\\-])@([A-Za-z](?:[A-Za-z0-9_-]{0,28}[A-Za-z0-9])?)(?![A-Za-z0-9]|[_-][A-Za-z0-9])"
_MENTION = re.compile(MENTION_PATTERN)
# A text links (and notifies) at most this many different people.
MAX_MENTIONS = 50


@dataclass(frozen=True)
class Mentionable:
    """A member a text in their cohort may mention, and where the mention links to."""

    handle: str
    membership: Membership
    url: str


def candidates(text: str) -> list[str]:
    """The different handles ``text`` seems to mention (code included), lower-cased, at most MAX_MENTIONS."""
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        found.setdefault(match.group(1).lower())
        if len(found) == MAX_MENTIONS:
            break
    return list(found)


def mentionable(cohort_id: int | None, handles: list[str]) -> dict[str, Mentionable]:
    """The current members of the cohort among ``handles``, by handle, current or former (a handle is
    never both, nor anyone's but its holder's: cohort/handles.py): one query, whatever their number."""
    if cohort_id is None or not handles:
        return {}
    held = union_all(
        select(User.handle.label("handle"), User.id.label("user_id")).where(User.handle.in_(handles)),
        select(FormerHandle.handle, FormerHandle.user_id).where(FormerHandle.handle.in_(handles)),
    ).subquery()
    rows = db.session.execute(
        select(held.c.handle, Membership, Cohort.slug)
        .select_from(held)
        .join(Membership, Membership.user_id == held.c.user_id)
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .where(policy.mentionable_members_condition(cohort_id))
    ).all()
    return {
        handle: Mentionable(handle, membership, member_url(slug, membership.user_id))
        for handle, membership, slug in rows
    }


def member_url(slug: str, user_id: int) -> str:
    """The member's profile in the cohort, as a path on this site (no request needed: text is
    rendered when saved, also from the command line)."""
    base = urlsplit(current_app.config["COHORT_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/")
    return adapter.build("cohort.cohorts.profile", {"slug": slug, "user_id": user_id})


class MentionPattern(InlineProcessor):
    """Links ``@handle`` for the members given; never inside a link's text, and code spans and blocks
    are never looked into by inline patterns at all."""

    ANCESTOR_EXCLUDES = ("a",)

    def __init__(self, pattern: str, members: dict[str, Mentionable], link_class: str, linked: dict):
        super().__init__(pattern)
        self.members = members
        self.link_class = link_class
        self.linked = linked

    def handleMatch(self, m, data):
        member = self.members.get(m.group(1).lower())
        if member is None:
            return None, None, None
        link = etree.Element("a", {"href": member.url, "class": self.link_class})
        link.text = AtomicString(m.group(0))
        self.linked[member.handle] = member
        return link, m.start(0), m.end(0)


class MentionExtension(Extension):
    """Adds mentions to a Markdown instance: ``members`` are the ones to link; ``linked`` collects those
    the text did link, by handle. ``\\@handle`` writes the text without a link."""

    def __init__(self, members: dict[str, Mentionable], link_class: str, linked: dict):
        super().__init__()
        self.members = members
        self.link_class = link_class
        self.linked = linked

    def extendMarkdown(self, md: Markdown) -> None:
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "@"]
        # After links and inline HTML (so neither is cut into), before entities and emphasis.
        pattern = MentionPattern(MENTION_PATTERN, self.members, self.link_class, self.linked)
        md.inlinePatterns.register(pattern, "mention", 85)
