"""What every page view shares when it acts: run one operation, then commit it or say why not."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash

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
