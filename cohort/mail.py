"""Outgoing mail.

Until notifications are built, messages are written to the application log,
where a developer or an operator can read them.
"""

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message."""
    current_app.logger.info(
        "mail from %s to %s\nSubject: %s\n\n%s",
        current_app.config["COHORT_MAIL_FROM"],
        to,
        subject,
        body,
    )
