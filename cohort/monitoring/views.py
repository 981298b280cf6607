"""``/metrics`` for a Prometheus scraper: with the configured bearer token or from a configured network.
Anyone else finds nothing there (404), as if it did not exist."""

import hmac
from ipaddress import ip_address

from flask import Blueprint, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import exposition

bp = Blueprint("monitoring", __name__)


def _scraper_allowed() -> bool:
    token = current_app.config["COHORT_METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    networks = current_app.config["COHORT_METRICS_NETWORKS"]
    try:
        address = ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


@bp.get("/metrics")
def metrics():
    """The figures in Prometheus' text format."""
    if not _scraper_allowed():
        abort(404)
    return exposition(), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
