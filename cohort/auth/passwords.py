"""What makes a password acceptable, and checking one in the same time whether or not the account exists."""

from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User

# Passwords of 12 or more characters that lead the well-known leaked lists, one a line, lower case.
COMMON = frozenset(
    line.strip().lower()
    for line in (Path(__file__).parent / "common-passwords.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
)
COMMON_MESSAGE = "This password is one of the most common, so it is guessed first. Choose one less expected."

# Checked for an address no account uses, so the answer takes as long as for a wrong password.
_DUMMY_HASH = generate_password_hash("no account uses this address")


def is_common(password: str) -> bool:
    """Whether ``password`` is in the shipped list of the most common ones, whatever its letter case."""
    return password.strip().lower() in COMMON


def matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; for no user a hash is checked all the same, and fails."""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return user.check_password(password)
