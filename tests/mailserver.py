"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1), recording every message it accepts."""

import asyncio
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import parseaddr

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def as_dict(self) -> dict:
        """The parts a test reads, by name: ``to`` is the bare address."""
        message = self.message
        html = message.get_body(("html",))
        return {
            "to": parseaddr(message["To"])[1],
            "from": message["From"],
            "subject": message["Subject"],
            "body": message.get_body(("plain",)).get_content(),
            "html": html.get_content() if html is not None else "",
            "message": message,
        }


class MailServer:
    """aiosmtpd in a thread of the test process. ``refuse`` maps an address to the answer its RCPT
    gets (e.g. "550 No such user"); ``hold`` makes every DATA wait until it is cleared, or for at most
    ``hold_for`` seconds each when that is set (kept under the client's own timeout)."""

    @property
    def waiting(self) -> int:
        """How many connections have had a message held: each sending run holds its own."""
        return len(self.held_peers)

    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.hold = threading.Event()
        self.hold_for: float | None = None
        self.held_peers: set = set()  # the connections that have had a DATA held so far
        self.held = threading.Event()  # set once a DATA is waiting on ``hold``
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def reset(self) -> None:
        self.received.clear()
        self.refuse.clear()
        self.hold.clear()
        self.hold_for = None
        self.held.clear()
        self.held_peers.clear()
        if not self.running:
            self.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        answer = self.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.hold.is_set():
            self.held_peers.add(session.peer)
            since = time.monotonic()
            while self.hold.is_set() and (self.hold_for is None or time.monotonic() - since < self.hold_for):
                self.held.set()
                await asyncio.sleep(0.05)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def messages_to(self, address: str) -> list[dict]:
        return [received.as_dict() for received in self.received if address in received.rcpt_tos]
