"""What every page view shares when it acts: run one operation, then commit it or say why not."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash
from sqlalchemy.exc import DBAPIError

from .errors import database_unavailable
from .extensions import db
from .policy import Refused


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    message: str = ""
    refusal: Refused | None = None  # what was refused, for a caller that tells one refusal from another


def commit_or_explain(action: Callable[[], Any], success: str | None = None, *, flash_refusal: bool = True) -> Outcome:
    """Run ``action`` (one operation) and commit it, flashing ``success``; or roll back and say why not
    (flashed, or left in ``Outcome.message`` for a form to show beside its field).

    A refusal about something this member may not know of answers 404, as if it were not there;
    one their role does not allow answers 403."""
    try:
        value = action()
    except Refused as refusal:
        db.session.rollback()
        if refusal.not_found:
            abort(404)
        if refusal.forbidden:
            abort(403)
        if flash_refusal:
            flash(str(refusal), "error")
        return Outcome(False, message=str(refusal), refusal=refusal)
    db.session.commit()
    if success:
        flash(success, "success")
    return Outcome(True, value)


def bookkeeping(action: Callable[[], Any]) -> None:
    """Run a bookkeeping write (a read mark) in a savepoint; when the database is locked, read-only or
    full it is logged and skipped, so reading a page never fails for it."""
    try:
        with db.session.begin_nested():
            action()
    except DBAPIError as error:
        if not database_unavailable(error):
            raise
        current_app.logger.warning("Bookkeeping write skipped: %s", error.orig)
        # A connection dropped as read-only takes the page's transaction with it: the page reads on
        # in a new one (what it had loaded is read again).
        if error.connection_invalidated or not db.session.is_active:
            db.session.rollback()
