"""The signed-in person's dashboard, the health check for load balancers, and /favicon.ico."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..meetings.queries import next_sessions_for
from .queries import my_cohorts

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def dashboard():
    """My cohorts, each with its member count, and my next sessions across them."""
    return render_template(
        "home/dashboard.html", rows=my_cohorts(current_user), next_sessions=next_sessions_for(current_user)
    )


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.get("/favicon.ico")
def favicon():
    """The site's icon, for browsers and tools that ask for it without reading a page's icon link."""
    return redirect(url_for("static", filename="favicon.svg"))
