"""Form pieces shared by several features."""

import unicodedata

from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import SelectField, validators
from wtforms.validators import StopValidation, ValidationError

from .timezones import canonical_timezone, is_timezone, timezone_choices


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""


class Length(validators.Length):
    """wtforms' ``Length``, except that a text far over its cap is cut before the form is sent back,
    so a pasted megabyte is not echoed to the browser; what is kept is twice the cap, and the message
    says so. Every form in the app uses this one."""

    KEPT = 2

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError as error:
            kept = self.KEPT * self.max
            if self.max < 0 or len(field.data or "") <= kept:
                raise
            field.data = field.data[:kept]
            # Nothing further is checked: a later validator would only work through the excess.
            raise StopValidation(f"{error} Only its first {kept:,} characters are kept in the form.") from None


class Visible(validators.DataRequired):
    """``DataRequired`` for a title: a text of nothing but spaces, tabs, no-break or zero-width spaces
    and other invisible format characters (Unicode Zs and Cf) is blank too, since no one could read it."""

    def __call__(self, form, field):
        text = field.data if isinstance(field.data, str) else ""
        if any(not char.isspace() and unicodedata.category(char) not in ("Zs", "Cf") for char in text):
            return
        field.errors[:] = []
        raise StopValidation(self.message or field.gettext("This field is required."))


class TimezoneField(SelectField):
    """An IANA time zone, chosen from the installed tzdata."""

    def __init__(self, label="Time zone", validators=None, **kwargs):
        # The page's script adds a box above it that finds a zone by city, country or offset.
        kwargs["render_kw"] = {"data-zone-picker": "", **kwargs.get("render_kw", {})}
        super().__init__(label, validators=validators, choices=timezone_choices(), **kwargs)

    # A zone saved or sent under another name ("Asia/Calcutta", from a page opened before the list
    # changed) shows, and is saved, as the zone of the list it stands for.
    def process_data(self, value):
        super().process_data(canonical_timezone(value) or value)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = canonical_timezone(self.data) or self.data

    def pre_validate(self, form):
        if not is_timezone(self.data or ""):
            raise ValidationError("Choose a time zone from the list.")


# The largest id a database INTEGER column holds; larger numbers in URLs or forms are simply not found.
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in URLs, limited to what the database can hold, so a huge number is a 404, not a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int_arg(value: str | None, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """A whole number from a query string or form, or ``default`` if absent, malformed or out of range."""
    value = (value or "").strip()
    # isdigit() alone accepts "²"; and very long digit strings are refused before int() sees them.
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        return default
    number = int(value)
    return number if 0 < number <= maximum else default
