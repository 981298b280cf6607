"""Shortcuts for session tests."""

from datetime import UTC, datetime, timedelta

from cohort.extensions import db
from cohort.models import Cohort, Meeting

from .. import factories

SERIES = {
    "title": "Monthly session",
    "start_date": "2027-01-12",
    "start_time": "15:00",
    "timezone": "Europe/London",
    "duration_minutes": "90",
    "repeat": "monthly",
    "monthly_on": "weekday",
    "occurrences": "12",
    "location": "Board room",
    "video_url": "https://video.example.org/cohort",
    "agenda": "1. Check-in\n2. **Challenges**",
}


def schedule_series(client, slug, **changes) -> list[int]:
    """Schedule through the form, as a facilitator would; returns the new sessions' ids, in order."""
    response = client.post_form(f"/c/{slug}/sessions/new", {**SERIES, "action": "schedule", **changes})
    assert response.status_code == 302, response.text
    first = int(response.headers["Location"].rsplit("/", 1)[1])
    with client.application.app_context():
        meeting = db.session.get(Meeting, first)
        if meeting.series_id is None:
            return [first]
        return list(
            db.session.execute(
                db.select(Meeting.id).filter_by(series_id=meeting.series_id).order_by(Meeting.starts_at)
            ).scalars()
        )


def past_meeting(app, cohort_id: int, hours_ago: int = 48) -> int:
    with app.app_context():
        meeting = factories.make_meeting(
            db.session.get(Cohort, cohort_id), start=datetime.now(UTC) - timedelta(hours=hours_ago)
        )
        db.session.commit()
        return meeting.id


def upcoming_meeting(app, cohort_id: int) -> int:
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, cohort_id))
        db.session.commit()
        return meeting.id
