"""A real SMTP server on loopback (aiosmtpd) for tests and benches that send an email list.

Plain SMTP with AUTH on 127.0.0.1 (the email channel allows ``security = "none"`` only to
this computer), so a child process can send to it without a certificate. Every message
that arrived is kept, with its envelope, in arrival order.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpPeer:
    """``with SmtpPeer("news@shop.test", "pw") as smtp:`` then ``smtp.port``, ``smtp.messages``."""

    def __init__(self, user: str, password: str, *, delay: float = 0.0) -> None:
        self.user, self.password = user, password
        #: Seconds between keeping a message and saying so (the gap a slow network leaves).
        self.delay = delay
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[tuple[str, list[str], bytes]] = []
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            auth_require_tls=False,
            authenticator=self._authenticate,
        )

    @property
    def messages(self) -> list[tuple[str, list[str], bytes]]:
        with self._lock:
            return list(self._messages)

    def table(self, **extra: Any) -> dict[str, Any]:
        """The keys of an email ``[[channels]]`` table that sends here."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "username": self.user,
            "from": self.user,
            **extra,
        }

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self._messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        good = (
            isinstance(data, LoginPassword)
            and data.login == self.user.encode()
            and data.password == self.password.encode()
        )
        return AuthResult(success=good, handled=False)

    def __enter__(self) -> SmtpPeer:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
