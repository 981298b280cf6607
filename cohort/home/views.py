"""The signed-in person's dashboard, the health check for load balancers, and /favicon.ico."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ..auth import two_factor
from ..errors import RETRY_AFTER_SECONDS
from ..extensions import db
from ..meetings.queries import next_sessions_for
from ..posts import queries as post_queries
from .queries import my_cohorts

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def dashboard():
    """My cohorts, each with its member count and what is new there for me, my next sessions across them,
    and for a facilitator or
    site admin without two-factor sign-in, a request to turn it on."""
    rows = my_cohorts(current_user)
    return render_template(
        "home/dashboard.html",
        rows=rows,
        news=post_queries.news([membership for _cohort, membership, _count in rows]),
        # Sessions come only from cohorts: without one, there is nothing to look for.
        next_sessions=next_sessions_for(current_user) if rows else [],
        two_factor_asked=two_factor.asked(current_user, roles=[membership.role for _c, membership, _n in rows]),
    )


# SQLite's write probe: a scratch table filled with 64 KiB (a long reply, its HTML and its search entry)
# in a transaction that is always rolled back. It needs new pages, so it fails when the file may not
# grow (``PRAGMA max_page_count``), as a header write would not; rolled back, it never reaches the disk.
_PROBE = (
    "CREATE TABLE cohort_healthz_probe (filler BLOB)",
    "INSERT INTO cohort_healthz_probe VALUES (zeroblob(65536))",
)
_SQLITE_STATES = {
    "SQLITE_READONLY": "read-only",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_FULL": "full",
}


@bp.get("/healthz")
def healthz():
    """200 when the database answers a read (and, on SQLite, takes a write that needs room to grow),
    503 saying why when not: ``locked``, ``read-only``, ``full`` or ``unavailable``."""
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            if connection.dialect.name == "sqlite":
                # BEGIN IMMEDIATE alone succeeds on a read-only file. On an error, the connection's
                # return to the pool rolls back.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                for statement in _PROBE:
                    connection.exec_driver_sql(statement)
                connection.exec_driver_sql("ROLLBACK")
    except SQLAlchemyError as error:
        return jsonify(status=_state(error)), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify(status="ok")


def _state(error: SQLAlchemyError) -> str:
    # SQLite's extended codes (SQLITE_READONLY_DBMOVED, SQLITE_BUSY_SNAPSHOT) name their primary code first.
    name = getattr(getattr(error, "orig", None), "sqlite_errorname", None) or ""
    return _SQLITE_STATES.get("_".join(name.split("_")[:2]), "unavailable")


@bp.get("/favicon.ico")
def favicon():
    """The site's icon, for browsers and tools that ask for it without reading a page's icon link."""
    return redirect(url_for("static", filename="favicon.svg"))
