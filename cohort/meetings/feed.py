"""The private calendar feed: every session of the cohorts a person belongs to now."""

from datetime import timedelta

from flask import Blueprint, Response, abort, url_for
from sqlalchemy import select

from ..extensions import db, limiter
from ..models import Cohort, Meeting, Membership, User, utcnow
from .calendar import build_calendar

bp = Blueprint("calendar", __name__)

# Calendar apps keep a subscription's past events; a season back is plenty.
FEED_HISTORY = timedelta(days=120)


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """Authorised by the secret token alone, as calendar apps cannot sign in."""
    user = db.session.execute(select(User).where(User.calendar_token == token)).scalar_one_or_none()
    if user is None:
        abort(404)
    rows = db.session.execute(
        select(Meeting, Cohort)
        .join(Cohort, Cohort.id == Meeting.cohort_id)
        .join(Membership, (Membership.cohort_id == Cohort.id) & (Membership.user_id == user.id))
        .where(Meeting.ends_at > utcnow() - FEED_HISTORY)
        .order_by(Meeting.starts_at)
    ).all()
    entries = [
        (
            meeting,
            cohort.name,
            url_for("cohort.meetings.detail", slug=cohort.slug, meeting_id=meeting.id, _external=True),
        )
        for meeting, cohort in rows
    ]
    return Response(build_calendar(entries, "Cohort sessions"), mimetype="text/calendar")
