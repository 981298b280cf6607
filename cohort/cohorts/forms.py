"""Forms for cohort pages: charter, members, invitations, settings."""

import re

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, ValidationError

from ..forms import Length, TimezoneField
from ..markdown import MAX_MARKDOWN_CHARS
from ..models import Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]
MAX_EMAILS_AT_ONCE = 50


class InviteByEmailForm(FlaskForm):
    emails = TextAreaField(
        "Email addresses",
        validators=[DataRequired("Enter at least one email address."), Length(max=10_000)],
        description="One or more addresses, separated by commas or new lines.",
    )
    role = SelectField("Invite as", choices=ROLE_CHOICES, default=Role.MEMBER.value)

    def validate_emails(self, field):
        addresses = [part for part in re.split(r"[\s,;]+", field.data or "") if part]
        if not addresses:
            raise ValidationError("Enter at least one email address.")
        if len(addresses) > MAX_EMAILS_AT_ONCE:
            raise ValidationError(f"Invite at most {MAX_EMAILS_AT_ONCE} people at once.")
        invalid = []
        for address in addresses:
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError:
                invalid.append(address)
        if invalid:
            raise ValidationError("These do not look like email addresses: " + ", ".join(invalid))
        # Keep order, drop repeats.
        self.addresses = list(dict.fromkeys(address.lower() for address in addresses))


class InvitationLinkForm(FlaskForm):
    expires_in_days = IntegerField(
        "Link works for (days)",
        default=14,
        validators=[DataRequired("Enter a number of days."), NumberRange(1, 90, "Choose between 1 and 90 days.")],
    )
    max_uses = IntegerField(
        "Maximum number of people",
        default=10,
        validators=[DataRequired("Enter a number of people."), NumberRange(1, 500, "Choose between 1 and 500.")],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class CohortSettingsForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the cohort a name."), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    charter = TextAreaField(
        "Charter",
        validators=[Length(max=MAX_MARKDOWN_CHARS)],
        description="The values and behaviours members agree to. Markdown is welcome.",
    )
    timezone = TimezoneField("Default time zone")
