"""The browser's side of sign-ins: which one its cookies name, checked on every request, and how a
sign-in starts in a fresh session.

The session cookie and, with "Keep me signed in", the remember-me cookie carry the token of the
browser's sign-in record (``User.get_id``), never the account's id. Every request looks the record
up: once it has ended (signing out, a new password, "sign out everywhere else"), been idle past
``COHORT_IDLE_TIMEOUT_HOURS`` or begun more than ``COHORT_ABSOLUTE_TIMEOUT_DAYS`` ago, the cookies
sign no one in, on any app server, and are dropped.

An account with two-factor sign-in is signed in only once a code follows the right password: in
between, the browser's signed session holds who it is signing in as, for five minutes (``hold``),
with no Flask-Login user, so no page that needs signing in opens."""

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, g, request, session
from flask_login import login_user
from sqlalchemy.exc import SQLAlchemyError

from .. import drafts
from ..extensions import login_manager
from ..models import User, utcnow
from . import ops, queries

# A sign-in's last use is written at most this often: reading a page writes nothing else.
NOTE_ACTIVITY_EVERY = timedelta(minutes=5)
_SEEN = "sign_in_seen"
_HALFWAY = "two_factor_halfway"
HALFWAY_FOR = timedelta(minutes=5)

# The first mark found names the browser (Edge and Opera also say Chrome; Chrome also says Safari).
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The account a cookie's token signs in, if its sign-in is live; otherwise the cookies are dropped."""
    found = queries.signed_in_with(token)
    if found is None:
        session.pop("_user_id", None)
        session["_remember"] = "clear"
        return None
    sign_in, user = found
    user.sign_in_token = token
    if utcnow() - sign_in.last_seen_at >= NOTE_ACTIVITY_EVERY:
        g.setdefault(_SEEN, sign_in.id)
    return user


def begin(user: User, token: str, *, remember: bool) -> None:
    """Sign this browser in under ``token`` (from ``ops.start_sign_in``) in a new session.

    Nothing of the session before signing in carries over but a kept draft and the messages still to
    show: the CSRF token, kept in the session, is new, so a form made before signing in is refused."""
    kept = {key: session[key] for key in (drafts.SESSION_KEY, "_flashes") if key in session}
    session.clear()
    session.update(kept)
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)  # Flask-WTF's copy of the old token
    user.sign_in_token = token
    login_user(user, remember=remember)
    if not remember and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "clear"  # an earlier sign-in's remember-me cookie goes too


@dataclass(frozen=True)
class Halfway:
    """A sign-in waiting for its code: the account, and what the sign-in will be once the code is right."""

    user_id: int
    remember: bool
    next_url: str


def hold(user: User, *, remember: bool, next_url: str | None) -> None:
    """The password was right and a code is due: keep, for ``HALFWAY_FOR``, who is signing in."""
    session[_HALFWAY] = {
        "user": user.id,
        "at": utcnow().timestamp(),
        "remember": bool(remember),
        "next": next_url or "",
    }


def halfway() -> tuple[Halfway | None, bool]:
    """The sign-in this browser holds waiting for a code, and whether one was held but is too old
    (then it is dropped: the password is asked again)."""
    held = session.get(_HALFWAY)
    if not isinstance(held, dict):
        return None, False
    age = utcnow().timestamp() - float(held.get("at", 0))
    if not 0 <= age <= HALFWAY_FOR.total_seconds():
        session.pop(_HALFWAY, None)
        return None, True
    return Halfway(int(held["user"]), bool(held.get("remember")), str(held.get("next", ""))), False


def this_device() -> ops.Device:
    """The browser of this request, as the list of signed-in devices names it."""
    return ops.Device(describe(request.user_agent.string), request.remote_addr)


def describe(user_agent: str) -> str:
    """A short name for a browser ("Firefox on Windows"), or its own words when they are not understood."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return user_agent.strip()[:200] or "An unnamed browser"


def _note_activity(response):
    """Write the sign-in's last use when it is due; a failure is logged, never shown."""
    sign_in_id = g.pop(_SEEN, None)
    if sign_in_id is not None:
        try:
            ops.note_activity(sign_in_id, utcnow())
        except SQLAlchemyError:
            current_app.logger.warning("Could not note the use of sign-in %s", sign_in_id, exc_info=True)
    return response


def init_app(app: Flask) -> None:
    # No cookie outlives the sign-in it names: Flask refuses a session signed longer ago than this.
    lifetime = timedelta(days=app.config["COHORT_ABSOLUTE_TIMEOUT_DAYS"])
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    app.config["REMEMBER_COOKIE_DURATION"] = lifetime
    app.after_request(_note_activity)
