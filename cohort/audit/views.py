"""A cohort's audit log, for its facilitators."""

from flask import Blueprint, g, render_template, request

from ..access import requires
from ..policy import Permission
from .queries import entries_page, older_than

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@requires(Permission.MANAGE)
def index():
    """What the cohort's facilitators and the site's admins did in this cohort, newest first."""
    before = request.args.get("before", type=int)
    rows = entries_page(g.cohort.id, before)
    return render_template("audit/index.html", rows=rows, older=older_than(rows), newest=before is None, site=False)
