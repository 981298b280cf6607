"""Error pages in the site's own style; never a traceback."""

import logging
import sqlite3

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .extensions import db, login_manager

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("Not permitted", "Your role does not include this action. A facilitator can help."),
    404: ("Page not found", "We could not find this page. It may have moved, or the link may be incomplete."),
    405: ("Not allowed", "That page cannot be used this way."),
    413: (
        "That was too much to send at once",
        "Nothing was saved. Go back to the form (your browser may still hold your text), make the text shorter "
        "or the file smaller, and send it again.",
    ),
    429: ("Please slow down", "Too many attempts in a short time. Wait a few minutes and try again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again shortly."),
    503: ("Cohort is unavailable", "We are working on it. Please try again in a few minutes."),
}


# SQLite's primary result codes that mean "the database cannot take this now", not "this request is wrong".
_SQLITE_UNAVAILABLE = {
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
}
# PostgreSQL SQLSTATE classes/codes: connection exceptions, insufficient resources, operator intervention,
# a read-only transaction (a standby), a lock not available.
_PG_UNAVAILABLE_PREFIXES = ("08", "53", "57P", "25006", "55P03")
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: BaseException) -> bool:
    """True when a database error says the database is locked, read-only, full or unreachable."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        name = getattr(original, "sqlite_errorname", "") or ""
        return any(name == code or name.startswith(code + "_") for code in _SQLITE_UNAVAILABLE)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None:
        # psycopg gives no SQLSTATE when it cannot reach the server at all (refused, or timed out).
        return isinstance(error, OperationalError)
    return sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES)


def _render(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _http_error(error: HTTPException):
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, "Please go back and try again."))
    page, status = _render(code, title, message)
    # What the error itself tells the client (``Allow`` on a 405) stays with the page.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return page, status, headers


def _untrusted_host(_error: SecurityError):
    # No page can be built for a host the site does not serve: its links would point there.
    return "Bad request: this site is not served under that name.", 400, {"Content-Type": "text/plain"}


def _csrf_error(_error: CSRFError):
    return _render(
        400,
        "This form has expired",
        "For your security, the form could not be sent. Go back, reload the page and send it again.",
    )


def _internal_error(_error):
    db.session.rollback()
    title, message = MESSAGES[500]
    return _render(500, title, message)


def _database_error(error: DBAPIError):
    if not database_unavailable(error):
        raise error
    db.session.rollback()
    # The page's header would load the signed-in user from the database that just failed.
    g._login_user = login_manager.anonymous_user()
    logging.getLogger(__name__).warning("Database unavailable: %s", error.orig)
    title, message = MESSAGES[503]
    page, status = _render(503, title, message)
    return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _internal_error)
