"""A local SMTP server for the tests and the bench (aiosmtpd), so that Django's real SMTP
backend is exercised: it records what it accepts, and can refuse given addresses for now
(451) or for good (550), be slow, or stop and start again on the same port. And, for the
tests on the in-memory backend, `refusing`."""

import asyncio
import email
import email.policy
import logging
import smtplib
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from unittest import mock

from aiosmtpd.controller import Controller
from django.core.mail.backends import locmem

LOCMEM = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def refusing(code: int, *addresses: str):
    """The in-memory mail backend answers `code` (550: for good, 451: for now) to these
    addresses, as an SMTP server would, and accepts the others."""
    real_send = locmem.EmailBackend.send_messages

    def send(backend, messages):
        for message in messages:
            if message.to[0] in addresses:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (code, b"5.1.1 no such user")})
        return real_send(backend, messages)

    return mock.patch(LOCMEM, autospec=True, side_effect=send)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Accepted:
    to: str
    subject: str
    message_id: str


@dataclass
class MailServer:
    port: int = field(default_factory=free_port)
    delay: float = 0.0  # seconds before the server answers the end of each message
    refused_for_good: set[str] = field(default_factory=set)
    refused_for_now: Counter = field(default_factory=Counter)  # address -> refusals left
    accepted: list[Accepted] = field(default_factory=list)
    recipients_tried: Counter = field(default_factory=Counter)  # RCPT TO, accepted or not
    messages_started: int = 0  # DATA commands received, answered or not
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- The SMTP handler (aiosmtpd calls these in its own thread) ---

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        with self._lock:
            self.recipients_tried[address] += 1
            if address in self.refused_for_good:
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            if self.refused_for_now[address] > 0:
                self.refused_for_now[address] -= 1
                return f"451 4.7.1 <{address}>: Recipient address rejected: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.messages_started += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if server.transport is None or server.transport.is_closing():
            return "451 4.3.0 Client gone"  # the client died before the answer: not accepted
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            for to in envelope.rcpt_tos:
                self.accepted.append(Accepted(to, str(message["Subject"]), str(message["Message-ID"])))
        return "250 2.0.0 Ok: queued"

    # --- Control ---

    def start(self) -> "MailServer":
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def counts(self) -> Counter:
        """How many emails each address received."""
        with self._lock:
            return Counter(accepted.to for accepted in self.accepted)

    def wait_for(self, condition, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self):
                return True
            time.sleep(0.05)
        return False

    def settings(self) -> dict:
        """The environment of a process that sends through this server."""
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_BACKEND": "smtp",
        }

    def mailers(self, timeout: int = 5) -> dict:
        """The MAILERS setting of this process, to send through this server."""
        options = {"host": "127.0.0.1", "port": self.port, "use_tls": False, "timeout": timeout}
        return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}
