"""Text typed into a form that could not be sent, given back to whoever typed it; never acted on.

A form can fail for reasons that have nothing to do with what was typed. The browser may have lost
its session cookie while the remember-me cookie still signs its owner in, so the form's CSRF token
matches nothing; or the sign-in itself lapsed. Either way nothing is written, and the text comes
back, untrusted, in the same form with a fresh token, for its author to read and send again:

- signed in, the page is shown again at once with the text in its form (400);
- signed out, the text travels in the signed session cookie (app servers keep no state) through
  the sign-in page and back to the form, where it is shown once and forgotten. Text too long for
  a cookie is shown on a page of its own, to copy.

A form that keeps its draft carries a signed mark of the account it was shown to (``draft_for``).
A draft comes back only to that account: never to someone else who signs in on the same browser,
and never from a form another site made up.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from .extensions import csrf, login_manager

MARK_FIELD = "draft_for"
SESSION_KEY = "draft"
# Browsers drop a cookie over 4 KB (4,093 bytes with its name and attributes). The session with the
# draft is kept under this, leaving room for the message to sign in and for signing in itself.
COOKIE_BUDGET = 3_300
SIGNED_OUT = "You were signed out, so what you wrote was not sent. Sign in, and it will be back in the form."


@dataclass(frozen=True)
class Keeper:
    """How a view gives a draft back: the page that shows its form, and the form's text fields."""

    page: str  # endpoint, built with the view's own URL values
    text: dict[str, str]  # field name → label, for the page that shows a draft too long to keep
    anchor: Callable[[MultiDict], str | None]


def keeps_draft(
    page: str, again: Callable, *, text: dict[str, str], anchor: Callable[[MultiDict], str | None] | None = None
):
    """Give back what a view's form held when its token or sign-in has lapsed, instead of acting on it.

    ``again(draft, **view_args)`` shows the form's page again, the draft in the form, to a signed-in
    author; ``page`` (an endpoint) is where a signed-out one finds it after signing in, and that
    page's view calls ``take()``. The CSRF check runs here, after the access layer has loaded the
    member, so that it can answer with their page: the token is checked exactly as everywhere else."""

    def decorator(view):
        @wraps(view)
        def checked(**view_args):
            try:
                if current_app.config["WTF_CSRF_ENABLED"]:
                    csrf.protect()
            except CSRFError:
                owner, draft = _typed()
                if owner is None or owner != current_user.id:
                    raise  # not a form this account was shown: nothing of it is given back
                return again(draft, **view_args)
            return view(**view_args)

        checked.draft_keeper = Keeper(page, text, anchor or (lambda draft: None))
        return csrf.exempt(checked)

    return decorator


def owner_mark() -> str:
    """The value of a form's hidden ``draft_for`` field: which account the form was shown to."""
    return _marks().dumps(current_user.id) if current_user.is_authenticated else ""


def sign_in_again(view):
    """For a form sent after its author was signed out: keep what it held, and send them to sign in.

    None when the view keeps no draft or the form carries no genuine mark: the caller then asks
    for a sign-in as for any page."""
    keeper = getattr(view, "draft_keeper", None)
    if keeper is None or request.method != "POST":
        return None
    owner, draft = _typed()
    if owner is None:
        return None
    page = url_for(keeper.page, slug=g.cohort_slug, **request.view_args)
    anchor = keeper.anchor(draft)
    next_url = url_for(login_manager.login_view, next=f"{page}#{anchor}" if anchor else page)
    kept = {"for": owner, "page": page, "fields": list(draft.items(multi=True))}
    if not _fits_in_cookie(kept):
        shown = [(label, name, draft.get(name, "")) for name, label in keeper.text.items() if draft.get(name)]
        return render_template("drafts/signed_out.html", fields=shown, sign_in=next_url), 401
    session[SESSION_KEY] = kept
    flash(SIGNED_OUT, "info")
    return redirect(next_url)


def take() -> MultiDict | None:
    """The draft kept for this page while its author signed in again, to show in its form: once,
    and only to that author (anyone else signing in on the browser makes it go unseen)."""
    kept = session.get(SESSION_KEY)
    if request.method != "GET" or not kept:
        return None
    mine = kept.get("for") == getattr(current_user, "id", None)
    if kept.get("page") != request.path and mine:
        return None
    session.pop(SESSION_KEY)
    return MultiDict(kept["fields"]) if mine else None


def forget() -> None:
    """Drop a kept draft, as its author signs out."""
    session.pop(SESSION_KEY, None)


def _marks() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cohort.draft-for")


def _typed() -> tuple[int | None, MultiDict]:
    """The account whose page sent this form (None without a genuine mark), and what the form held
    besides its token and mark."""
    try:
        owner = _marks().loads(request.form.get(MARK_FIELD, ""))
    except BadSignature:
        owner = None
    leave_out = {current_app.config["WTF_CSRF_FIELD_NAME"], MARK_FIELD}
    draft = MultiDict([(name, value) for name, value in request.form.items(multi=True) if name not in leave_out])
    return (owner if isinstance(owner, int) else None), draft


def _fits_in_cookie(kept: dict) -> bool:
    signed = current_app.session_interface.get_signing_serializer(current_app).dumps({**session, SESSION_KEY: kept})
    return len(signed) <= COOKIE_BUDGET
