"""The account's own mail: the address confirmation and the password reset.

Links are signed when the message leaves, not when it was queued, so no token waits in the
outbox and each link's lifetime starts when it is sent."""

from flask import current_app

from ..mail import external_url
from ..mail.compose import Letter, composer
from ..models import OutboxMessage
from ..tokens import email_confirmation_token, password_reset_token

CONFIRM_ADDRESS = "confirm_address"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a mail kind, not a password)


def _days(seconds: int) -> str:
    days = max(1, round(seconds / 86400))
    return f"{days} day{'s' if days != 1 else ''}"


@composer(CONFIRM_ADDRESS)
def confirmation_letter(message: OutboxMessage) -> Letter | None:
    user = message.user
    if user.email_confirmed:
        return None
    return Letter(
        to=user.email,
        subject="Confirm your address for Cohort",
        template="confirm_address",
        values={
            "name": user.name,
            "link": external_url("auth.confirm_email", token=email_confirmation_token(user)),
            "lifetime": _days(current_app.config["COHORT_CONFIRMATION_MAX_AGE"]),
        },
    )


@composer(PASSWORD_RESET)
def password_reset_letter(message: OutboxMessage) -> Letter:
    user = message.user
    return Letter(
        to=user.email,
        subject="Reset your Cohort password",
        template="password_reset",
        values={
            "name": user.name,
            "link": external_url("auth.reset_password", token=password_reset_token(user)),
            "minutes": current_app.config["COHORT_PASSWORD_RESET_MAX_AGE"] // 60,
        },
    )
