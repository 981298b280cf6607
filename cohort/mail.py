"""Outgoing mail.

Until notifications are built, messages are written to the application log,
where a developer or an operator can read them.
"""

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message."""
    message = {"from": current_app.config["COHORT_MAIL_FROM"], "to": to, "subject": subject, "body": body}
    current_app.logger.info(
        "mail from %(from)s to %(to)s\nSubject: %(subject)s\n\n%(body)s", message, extra={"mail": message}
    )
