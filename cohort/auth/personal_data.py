"""The account page's own data: downloading all of it, and deleting the account."""

import json

from flask import Response
from flask_login import current_user, login_required

from ..models import utcnow
from .export import personal_data
from .views import bp


@bp.get("/account/my-data.json")
@login_required
def download_data():
    """Everything stored about the signed-in person, and everything they wrote, as a JSON file."""
    now = utcnow()
    body = json.dumps(personal_data(current_user, now), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="cohort-my-data-{now:%Y-%m-%d}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
