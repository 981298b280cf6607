"""Handles: the short, site-unique name a member is mentioned by (``@sarah-oneill``).

A handle is made from the person's name when the account is made, with a number added on a clash
(``sarah-oneill-2``). The unique index on ``user.handle`` decides between two people who join at
the same moment: each tries its handle inside a savepoint, and the one that loses tries the next
number, on SQLite and PostgreSQL alike.

A handle once held stays with its holder: changing it keeps the old one as a ``FormerHandle``, so
older text that mentions it still means them. They may take it back; no one else may take it, and no
new account is given it."""

import re
import unicodedata
from collections.abc import Iterator

from sqlalchemy import delete, inspect, select, union
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import FormerHandle, User

MIN_LENGTH, MAX_LENGTH = 2, 30
# Starts with a letter and ends with a letter or digit, so "@sarah-oneill-, hello" means sarah-oneill.
HANDLE_PATTERN = re.compile(rf"[a-z](?:[a-z0-9_-]{{0,{MAX_LENGTH - 2}}}[a-z0-9])?")
HANDLE_RULE = (
    f"Use {MIN_LENGTH} to {MAX_LENGTH} letters (a–z), digits, hyphens or underscores, "
    "starting with a letter and ending with a letter or digit."
)
FALLBACK = "member"
# Letters NFKD does not take apart into a base letter and an accent.
_SPELLED_OUT = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)
_BATCH = 20  # numbered handles looked up at once
_ATTEMPTS = 5  # clashes with someone joining at the same moment, before giving up


def normalise_handle(text: str) -> str:
    """A handle as typed (``@Sarah-ONeill``), case folded and without its ``@``."""
    return text.strip().removeprefix("@").lower()


def is_valid_handle(handle: str) -> bool:
    return len(handle) >= MIN_LENGTH and HANDLE_PATTERN.fullmatch(handle) is not None


def handle_from_name(name: str) -> str:
    """The handle a name suggests: "Sarah O'Neill" → ``sarah-oneill``, "Zoë Ødegård" → ``zoe-odegard``;
    ``member`` when nothing usable is left (a name in a script with no Latin letters)."""
    text = unicodedata.normalize("NFKD", name.translate(_SPELLED_OUT))
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"['’ʼ`]", "", text)  # O'Neill is one word
    text = re.sub(r"[^a-z0-9]+", "-", text)
    text = re.sub(r"^[^a-z]+", "", text).rstrip("-")  # starts with a letter
    if len(text) > MAX_LENGTH:  # a long name loses whole words from its end, where it can
        head = text[: MAX_LENGTH + 1]
        cut = head.rsplit("-", 1)[0] if "-" in head else ""
        text = cut if len(cut) > MAX_LENGTH // 2 else text[:MAX_LENGTH].rstrip("-")
    return text if is_valid_handle(text) else FALLBACK


def numbered(base: str, number: int) -> str:
    """``base`` for the first, then ``base-2``, ``base-3``…, shortened to stay within the length."""
    if number == 1:
        return base
    suffix = f"-{number}"
    return base[: MAX_LENGTH - len(suffix)].rstrip("-_") + suffix


def _taken(handles: list[str], by_others_than: int | None = None) -> set[str]:
    current = select(User.handle).where(User.handle.in_(handles))
    former = select(FormerHandle.handle).where(FormerHandle.handle.in_(handles))
    if by_others_than is not None:
        current = current.where(User.id != by_others_than)
        former = former.where(FormerHandle.user_id != by_others_than)
    return set(db.session.execute(union(current, former)).scalars())


def is_taken(handle: str, by_others_than: int | None = None) -> bool:
    """Whether an account (other than the one with id ``by_others_than``) has or had this handle."""
    return bool(_taken([handle], by_others_than))


def _free_handles(base: str, user_id: int | None) -> Iterator[str]:
    """Handles made from ``base`` that nobody but this account had when asked, in order."""
    start = 1
    while True:
        batch = [numbered(base, number) for number in range(start, start + _BATCH)]
        taken = _taken(batch, user_id)
        yield from (handle for handle in batch if handle not in taken)
        start += _BATCH


class _HeldBefore(Exception):
    """Raised inside the savepoint of ``claim`` to undo it: the handle is someone's former handle."""


def claim(user: User, handle: str) -> bool:
    """Give ``user`` the handle and save it, inside a savepoint: False, and nothing changed, if
    someone else has it or had it (or took it a moment ago). One of the user's own former handles is
    theirs again. Any other integrity error is raised.

    Changes to ``user`` made before this call are saved first, outside the savepoint."""
    try:
        with db.session.begin_nested():
            if user.id is not None:
                db.session.execute(
                    delete(FormerHandle).where(FormerHandle.user_id == user.id, FormerHandle.handle == handle)
                )
            user.handle = handle
            db.session.add(user)
            db.session.flush()
            # Looked at only after the write: someone releasing this handle at this moment holds it in
            # user.handle until they commit, with its former row in the same commit, so the write above
            # either clashes or waits for that commit, and this look (each statement sees what is
            # committed) then finds the row. Looked at first, it could miss it.
            if db.session.scalar(select(FormerHandle.id).where(FormerHandle.handle == handle)) is not None:
                raise _HeldBefore
    except _HeldBefore:
        return False
    except IntegrityError:
        if not is_taken(handle, user.id):
            raise  # another column clashed, e.g. the address: the caller's to explain
        return False
    return True


def keep_as_former(user: User, handle: str) -> None:
    """Keep a handle the user has just left as theirs: call it in the transaction of the ``claim``
    that replaced it, so the two are committed together."""
    db.session.add(FormerHandle(handle=handle, user_id=user.id))


def save_with_handle(user: User) -> None:
    """Save a new account (or one taken over under a new name) with a free handle made from its name.

    Other changes to an existing account are saved first, outside the savepoint, so a clash on the
    handle undoes nothing but the handle."""
    if inspect(user).pending:
        db.session.expunge(user)  # added without a handle: it is added again inside the savepoint
    base = handle_from_name(user.name)
    for _attempt in range(_ATTEMPTS):
        # The first handle free when asked; if someone takes it a moment later, ask again.
        if claim(user, next(_free_handles(base, user.id))):
            return
    raise RuntimeError(f"no free handle for {base!r} after {_ATTEMPTS} attempts")
