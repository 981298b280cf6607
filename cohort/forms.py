"""Form pieces shared by several features."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from .timezones import is_timezone, timezone_choices


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""


class TimezoneField(SelectField):
    """An IANA time zone, chosen from the installed tzdata."""

    def __init__(self, label="Time zone", validators=None, **kwargs):
        super().__init__(label, validators=validators, choices=timezone_choices(), **kwargs)

    def pre_validate(self, form):
        if not is_timezone(self.data or ""):
            raise ValidationError("Choose a time zone from the list.")
