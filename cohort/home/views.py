"""The signed-in person's dashboard, the health check for load balancers, and /favicon.ico."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ..auth import two_factor
from ..errors import RETRY_AFTER_SECONDS
from ..extensions import db
from ..meetings.queries import next_sessions_for
from .queries import my_cohorts

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def dashboard():
    """My cohorts, each with its member count, my next sessions across them, and for a facilitator or
    site admin without two-factor sign-in, a request to turn it on."""
    return render_template(
        "home/dashboard.html",
        rows=my_cohorts(current_user),
        next_sessions=next_sessions_for(current_user),
        two_factor_asked=two_factor.asked(current_user),
    )


@bp.get("/healthz")
def healthz():
    """200 when the database answers a read (and, on SQLite, takes a write), 503 saying why when not."""
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            if connection.dialect.name == "sqlite":
                # A header write, rolled back: BEGIN IMMEDIATE alone succeeds on a read-only file.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                version = int(connection.exec_driver_sql("PRAGMA user_version").scalar())
                connection.exec_driver_sql(f"PRAGMA user_version = {version}")
                connection.exec_driver_sql("ROLLBACK")
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", error))
        status = "read-only" if "readonly" in message else "locked" if "locked" in message else "unavailable"
        return jsonify(status=status), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify(status="ok")


@bp.get("/favicon.ico")
def favicon():
    """The site's icon, for browsers and tools that ask for it without reading a page's icon link."""
    return redirect(url_for("static", filename="favicon.svg"))
