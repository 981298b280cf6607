"""The private calendar feed: the sessions of the cohorts a person belongs to now."""

from flask import Blueprint, Response, abort

from ..extensions import limiter
from ..mail import external_url
from .calendar import build_calendar
from .queries import calendar_owner, feed_sessions

bp = Blueprint("calendar", __name__)


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """Authorised by the secret token alone, as calendar apps cannot sign in."""
    user = calendar_owner(token)
    if user is None:
        abort(404)
    entries = [
        (
            meeting,
            cohort.name,
            external_url("cohort.meetings.detail", slug=cohort.slug, meeting_id=meeting.id),
            titles,
        )
        for meeting, cohort, titles in feed_sessions(user)
    ]
    return Response(build_calendar(entries, "Cohort sessions"), mimetype="text/calendar")
