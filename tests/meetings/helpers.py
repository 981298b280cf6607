"""Shortcuts for session tests."""

import calendar
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import count

from dateutil.relativedelta import SU, TU, relativedelta

from cohort.extensions import db
from cohort.models import Cohort, Meeting, Membership

from .. import factories

# Next year, so the sessions these tests schedule always lie ahead, whenever the suite runs.
YEAR = datetime.now(UTC).year + 1
LEAP_YEAR = next(year for year in count(YEAR) if calendar.isleap(year))


def nth_tuesday(month: int, n: int = 2) -> date:
    return date(YEAR, month, 1) + relativedelta(weekday=TU(n))


def fifth_tuesday() -> date:
    """A 5th Tuesday of some month of YEAR (every year has at least four)."""
    return next(day for month in range(1, 13) if (day := nth_tuesday(month, 5)).month == month)


def clocks_go_forward() -> date:
    """The last Sunday of March, when 01:00–02:00 does not exist in London."""
    return date(YEAR, 3, 31) + relativedelta(weekday=SU(-1))


FIRST = nth_tuesday(1)  # where SERIES starts: the 2nd Tuesday of January

SERIES = {
    "title": "Monthly session",
    "start_date": FIRST.isoformat(),
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
    """A session that took place, which the cohort's present members were already in the cohort for."""
    with app.app_context():
        start = datetime.now(UTC) - timedelta(hours=hours_ago)
        meeting = factories.make_meeting(db.session.get(Cohort, cohort_id), start=start)
        for membership in db.session.execute(db.select(Membership).filter_by(cohort_id=cohort_id)).scalars():
            membership.joined_at = min(membership.joined_at, start - timedelta(days=30))
        db.session.commit()
        return meeting.id


def upcoming_meeting(app, cohort_id: int) -> int:
    with app.app_context():
        meeting = factories.make_meeting(db.session.get(Cohort, cohort_id))
        db.session.commit()
        return meeting.id


class _AgendaOutline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.blocks, self.depth, self.in_agenda, self.text = [], 0, False, None

    def handle_starttag(self, tag, attrs):
        if ("id", "agenda") in attrs:
            self.in_agenda = True
        if not self.in_agenda:
            return
        if tag == "section":
            self.depth += 1
        elif tag in ("ol", "ul"):
            self.blocks.append((tag, []))
        elif tag in ("h3", "li"):
            self.text = []

    def handle_endtag(self, tag):
        if not self.in_agenda:
            return
        if tag == "section":
            self.depth -= 1
            self.in_agenda = self.depth > 0
        elif tag == "h3":
            self.blocks.append(("heading", " ".join(self.text)))
        elif tag == "li":
            self.blocks[-1][1].append(" ".join(" ".join(self.text).split()))

    def handle_data(self, data):
        if self.text is not None and data.strip():
            self.text.append(data.strip())


def agenda_outline(page: str) -> list[tuple[str, object]]:
    """The session page's agenda as a reader meets it: ("heading", text), ("ol", items) for a
    numbered list, ("ul", items) for an unnumbered one."""
    outline = _AgendaOutline()
    outline.feed(page)
    return outline.blocks
