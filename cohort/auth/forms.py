"""Forms for signing in, passwords, joining and the account page."""

from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, ValidationError

from .. import countries
from ..forms import Length, TimezoneField
from . import passwords


def _not_common(_form, field) -> None:
    if field.data and passwords.is_common(field.data):
        raise ValidationError(passwords.COMMON_MESSAGE)


def _not_contextual(form, field) -> None:
    """The person's name and address: the form's own fields where it has them (joining), else the
    account the form is for (``form.account``, a reset link's), else the one signed in."""
    account = getattr(form, "account", None) or (current_user if current_user.is_authenticated else None)
    name = form.name.data if "name" in form else getattr(account, "name", None)
    email = form.email.data if "email" in form else getattr(account, "email", None)
    if field.data and passwords.is_contextual(field.data, name, email):
        raise ValidationError(passwords.CONTEXT_MESSAGE)


# No rule on which kinds of character: length and not being a common or a contextual one are what
# make it hard to guess.
PASSWORD_RULES = [
    DataRequired("Choose a password."),
    Length(min=12, max=128, message="Use between 12 and 128 characters."),
    _not_common,
    _not_contextual,
]


def _email_field(label="Email"):
    return EmailField(
        label,
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the password."), EqualTo("password", "The two passwords differ.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])


class ProfileFields(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter your name."), Length(max=120)])
    organisation = StringField("Organisation", validators=[Length(max=160)])
    job_title = StringField("Job title", validators=[Length(max=160)])
    timezone = TimezoneField("Your time zone")


class ProfileForm(ProfileFields):
    country = SelectField(
        "Country you work in",
        choices=[SelectChoice("", "Not given"), *(SelectChoice(code, name) for code, name in countries.choices())],
    )
    bio = TextAreaField("Short bio", validators=[Length(max=1000)])


class PhotoForm(FlaskForm):
    # What the file is, and whether it will do, is decided from its content (cohort/uploads/photos.py).
    photo = FileField("Your photo", validators=[FileRequired("Choose a photo to upload.")])


class HandleForm(FlaskForm):
    # The form of a handle is the operation's rule (it says what is wrong); this only bounds the input.
    handle = StringField("Your handle", validators=[DataRequired("Enter a handle."), Length(max=40)])


class JoinForm(ProfileFields, NewPasswordForm):
    """A new person's account, created from an invitation."""

    email = _email_field()


class DeleteAccountForm(FlaskForm):
    """Deleting one's account: what becomes of one's words, the password, and the word typed out."""

    words = RadioField(
        "Your posts and replies",
        choices=[
            SelectChoice("keep", "Keep them, shown as written by “a former member”"),
            SelectChoice("remove", "Remove them (replies others wrote under your posts stay)"),
        ],
        validators=[InputRequired("Choose what becomes of your posts and replies.")],
    )
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
    confirm = StringField(
        "Type delete to confirm", validators=[DataRequired("Type delete to confirm."), Length(max=20)]
    )

    def validate_confirm(self, field):
        if field.data.strip().lower() != "delete":
            raise ValidationError("Type the word delete to confirm.")


def _code_field(label: str, message: str) -> StringField:
    # Wide enough for a recovery code typed with spaces; the operation says whether it is right.
    return StringField(label, validators=[DataRequired(message), Length(max=40)])


class SignInCodeForm(FlaskForm):
    code = _code_field(
        "Code from your authenticator app, or a recovery code",
        "Enter the 6-digit code your app shows, or one of your recovery codes.",
    )


class FirstCodeForm(FlaskForm):
    """Confirming the app is set up: the password and the first code the app shows turn it on."""

    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
    code = _code_field("The 6-digit code your app shows", "Enter the 6-digit code your app shows.")


class RecoveryCodesForm(FlaskForm):
    code = _code_field(
        "A code from your app, or a recovery code",
        "Enter the 6-digit code your app shows, or one of your recovery codes.",
    )


class TurnOffTwoFactorForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
    code = _code_field(
        "A code from your app, or a recovery code",
        "Enter the 6-digit code your app shows, or one of your recovery codes.",
    )
