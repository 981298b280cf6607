"""Forms for scheduling and taking part in sessions."""

from dateutil.relativedelta import relativedelta
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, NumberRange, Optional, ValidationError

from ..forms import Length, TimezoneField, Visible
from ..markdown import MAX_MARKDOWN_CHARS
from ..models import RsvpResponse, utcnow
from .schedule import MAX_OCCURRENCES

MAX_YEARS_AHEAD = 5


class SessionFields(FlaskForm):
    title = StringField(
        "Title", default="Monthly session", validators=[Visible("Give the session a title."), Length(max=200)]
    )
    start_date = DateField("Date", validators=[DataRequired("Choose a date (YYYY-MM-DD).")])
    start_time = TimeField("Start time", format="%H:%M", validators=[DataRequired("Choose a start time (HH:MM).")])
    timezone = TimezoneField("Time zone", description="The time zone the session is planned in.")
    duration_minutes = IntegerField(
        "Length (minutes)",
        default=90,
        validators=[DataRequired("Say how long it lasts."), NumberRange(15, 480, "Between 15 and 480 minutes.")],
    )
    location = StringField("Place", validators=[Length(max=200)], description="Optional, e.g. a meeting room.")
    video_url = StringField(
        "Video link",
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message="Enter a full link, starting https://"),
        ],
    )
    agenda = TextAreaField(
        "Agenda",
        validators=[Length(max=MAX_MARKDOWN_CHARS)],
        description="Markdown works. Members can also propose items once the session is scheduled.",
    )

    def validate_start_date(self, field):
        # The UTC date, whatever the server's zone; relativedelta takes 29 February a year on to 28 February.
        today = utcnow().date()
        if not today - relativedelta(years=1) <= field.data <= today + relativedelta(years=MAX_YEARS_AHEAD):
            raise ValidationError(f"Choose a date between last year and {MAX_YEARS_AHEAD} years from now.")

    def validate_video_url(self, field):
        if not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError("Enter a full link, starting https://")


class ScheduleForm(SessionFields):
    repeat = RadioField(
        "Repeat",
        choices=[SelectChoice("none", "Just once"), SelectChoice("monthly", "Every month")],
        default="monthly",
    )
    monthly_on = RadioField(
        "Each month on",
        choices=[
            SelectChoice("weekday", "The same weekday, e.g. the 2nd Tuesday"),
            SelectChoice("last_weekday", "The last such weekday, e.g. the last Thursday"),
            SelectChoice("day", "The same date, e.g. the 15th"),
        ],
        default="weekday",
    )
    occurrences = IntegerField(
        "Number of sessions",
        default=12,
        validators=[Optional(), NumberRange(1, MAX_OCCURRENCES, f"Between 1 and {MAX_OCCURRENCES}.")],
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        if self.repeat.data != "monthly":
            # A single session has no monthly options: what those fields hold is ignored, not judged.
            self.monthly_on.errors, self.occurrences.errors = [], []
            self.monthly_on.data, self.occurrences.data = "weekday", None
        return not any(field.errors for field in self) and not self.form_errors


def _scope(label: str) -> RadioField:
    """One session, or it and the rest of its series."""
    return RadioField(
        label,
        choices=[
            SelectChoice("this", "This session only"),
            SelectChoice("following", "This and all following sessions"),
        ],
        default="this",
    )


class EditSessionForm(SessionFields):
    scope = _scope("Change")


class CancelForm(FlaskForm):
    scope = _scope("Cancel")


class RsvpForm(FlaskForm):
    response = RadioField("Will you come?", choices=[SelectChoice(r.value, r.label) for r in RsvpResponse])


class AgendaItemForm(FlaskForm):
    title = StringField(
        "I’d like to bring", validators=[DataRequired("Say what you would like to bring."), Length(max=200)]
    )
    post_id = SelectField("Link one of the open challenges (optional)", coerce=int, validators=[Optional()])


class FeedbackForm(FlaskForm):
    rating = RadioField(
        "How useful was this session?",
        choices=[
            SelectChoice(str(n), label)
            for n, label in enumerate(["1 – not useful", "2", "3", "4", "5 – very useful"], 1)
        ],
        validators=[DataRequired("Choose a rating from 1 to 5.")],
    )
    comment = TextAreaField("Anything to tell the facilitator? (optional)", validators=[Length(max=5000)])
