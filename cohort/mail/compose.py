"""From an outbox row to a mail: each kind of message has a composer, which asks the policy.

A composer takes the outbox row and returns a ``Letter`` (whom, what, which templates), or None
when the message is no longer for its recipient: the row is then withdrawn, not sent. Templates
live in ``templates/mail/``: ``<name>.txt`` for the plain-text part, ``<name>.html`` for the HTML
part; both get the same values.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from flask import current_app, render_template

from ..models import OutboxMessage, utcnow
from . import mail_domain


@dataclass
class Attachment:
    filename: str
    content_type: str  # "text/calendar; method=REQUEST"
    data: bytes


@dataclass
class Letter:
    to: str
    subject: str
    template: str  # under templates/mail/, without the extension
    values: dict = field(default_factory=dict)
    # Mail about one post or session shares this id in In-Reply-To/References, so clients thread it.
    thread: str | None = None
    # The mail that opens the thread (a post shared, a session scheduled) carries its id as its own.
    opens_thread: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    # RFC 8058: a signed link that stops this kind of mail with one POST, without signing in.
    unsubscribe: str | None = None
    # RFC 2919: the cohort the mail comes from, so clients can sort and filter it.
    list_id: str | None = None


Composer = Callable[[OutboxMessage], Letter | None]
_COMPOSERS: dict[str, Composer] = {}


def composer(kind: str) -> Callable[[Composer], Composer]:
    """Register the composer of one kind of message."""

    def register(function: Composer) -> Composer:
        _COMPOSERS[kind] = function
        return function

    return register


def compose(message: OutboxMessage) -> EmailMessage | None:
    """The mail for an outbox row as it stands now, or None if it is no longer to be sent."""
    letter = _COMPOSERS[message.kind](message)
    if letter is None:
        return None
    return build_email(message, letter)


def message_id(message: OutboxMessage) -> str:
    """Stable across tries, so a message resent after a crash is known to the client as the same one."""
    return f"<{message.kind}.{message.id}@{mail_domain()}>"


def thread_id(thread: str) -> str:
    return f"<{thread}@{mail_domain()}>"


def build_email(message: OutboxMessage, letter: Letter) -> EmailMessage:
    values = {"letter": letter, **letter.values}
    email = EmailMessage()
    email["From"] = _sender()
    email["To"] = one_line(letter.to)
    email["Subject"] = one_line(letter.subject)
    email["Date"] = format_datetime(utcnow())
    if letter.thread and letter.opens_thread:
        email["Message-ID"] = thread_id(letter.thread)
    else:
        email["Message-ID"] = message_id(message)
        if letter.thread:
            email["In-Reply-To"] = thread_id(letter.thread)
            email["References"] = thread_id(letter.thread)
    # RFC 3834: an automatic message, so out-of-office replies are not sent back to it.
    email["Auto-Submitted"] = "auto-generated"
    if letter.list_id:
        email["List-Id"] = f"<{letter.list_id}.{mail_domain()}>"
    if letter.unsubscribe:
        email["List-Unsubscribe"] = f"<{letter.unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(render_template(f"mail/{letter.template}.txt", **values))
    email.add_alternative(absolute_links(render_template(f"mail/{letter.template}.html", **values)), subtype="html")
    for attachment in letter.attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *params = (part.strip() for part in rest.split(";"))
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(param.split("=", 1) for param in params),
        )
    return email


# A link in text people wrote that leads to a page of this site (a mention): no host of its own.
_LINK_ON_THIS_SITE = re.compile(r'(\s(?:href|src)=")/(?![/\\])')


def absolute_links(html: str) -> str:
    """Links to this site's pages made absolute from ``COHORT_BASE_URL``: a mail client has no site."""
    base = current_app.config["COHORT_BASE_URL"]
    return _LINK_ON_THIS_SITE.sub(lambda match: f"{match.group(1)}{base}/", html)


def one_line(text: str) -> str:
    """A header value from text people wrote (a title, a name): every run of whitespace, line and
    paragraph separators too, becomes one space, so no header breaks and none is smuggled in."""
    return " ".join(text.split())


def _sender() -> Address:
    [(name, address)] = getaddresses([current_app.config["COHORT_MAIL_FROM"]])
    username, _, domain = address.partition("@")
    return Address(display_name=name, username=username, domain=domain)
