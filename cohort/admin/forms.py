"""Forms for site admins."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Regexp

from ..cohorts.ops import SLUG_PATTERN
from ..forms import Length, TimezoneField
from ..markdown import MAX_MARKDOWN_CHARS


class NewCohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the cohort a name."), Length(max=120)])
    slug = StringField(
        "Web address",
        validators=[
            DataRequired("Choose a web address."),
            Length(max=64),
            Regexp(SLUG_PATTERN, message="Use lower-case letters, digits and single hyphens, e.g. ceo-circle-2027."),
        ],
        description="Appears in links: /c/<address>/",
    )
    description = TextAreaField("Description", validators=[Length(max=2000)])
    charter = TextAreaField("Charter", validators=[Length(max=MAX_MARKDOWN_CHARS)])
    timezone = TimezoneField("Default time zone", default="Europe/London")
    facilitator_email = EmailField(
        "Facilitator's email",
        validators=[DataRequired("Name a facilitator."), Email("Enter a valid email address."), Length(max=254)],
        description="Someone with an account becomes facilitator at once; anyone else is invited by email.",
    )


class AddFacilitatorForm(FlaskForm):
    email = EmailField(
        "Facilitator's email",
        validators=[DataRequired("Enter an email address."), Email("Enter a valid email address."), Length(max=254)],
    )
