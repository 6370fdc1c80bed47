"""The email channel against a real SMTP server (aiosmtpd) on 127.0.0.1, with real TLS."""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from outagetray.core.channels import Health, SendRejected
from outagetray.core.channels.email import (
    EmailChannel,
    EmailConfig,
    EmailConfigError,
    SendUnknown,
    html_from_text,
    message_id,
    read_recipients,
    split_subject,
)

USER = "news@shop.test"
PASSWORD = "s3cret-Pa55word"
SENDER = "news@shop.test"
PEOPLE = [f"person{i}@example.test" for i in range(5)]
EHLO_NAME = "outagetray.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Capture:
    """Keeps each envelope; can refuse one recipient or drop the link during a chosen DATA."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.drop_on_data: int | None = None
        self.refuse: dict[str, str] = {}
        self.datas = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.datas += 1
        if self.drop_on_data == self.datas:
            server.transport.close()
            return "250 OK"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def starttls_server(server_context: ssl.SSLContext) -> Iterator[tuple[Capture, int]]:
    handler = Capture()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def config(port: int, security: str = "starttls", to: Any = None, username: str = USER) -> EmailConfig:
    return EmailConfig.from_table(
        {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "username": username,
            "from": SENDER,
            "to": PEOPLE if to is None else to,
        }
    )


def channel(
    cfg: EmailConfig, context: ssl.SSLContext | None, password: str | None = PASSWORD, **kw: Any
) -> EmailChannel:
    return EmailChannel(cfg, password, timeout=5.0, ssl_context=context, local_hostname=EHLO_NAME, **kw)


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_starttls_batches_recipients_only_in_the_envelope(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    mail = channel(config(port), client_context, batch=2)
    receipt = mail.send(
        "Subject: Checkout is down\n\nWe know.\nWe are on it.\n\n<b>Sorry</b> & thanks", "k-17.abc"
    )
    assert [len(rcpts) for _, rcpts, _ in handler.envelopes] == [2, 2, 1]
    assert sorted(r for _, rcpts, _ in handler.envelopes for r in rcpts) == sorted(PEOPLE)
    assert {sender for sender, _, _ in handler.envelopes} == {SENDER}
    ids = []
    for _, _, raw in handler.envelopes:
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        assert not any(person in head for person in PEOPLE)
        msg = parsed(raw)
        assert msg["Bcc"] is None and msg["Cc"] is None
        assert msg["To"] == SENDER
        assert msg["Subject"] == "Checkout is down"
        ids.append(msg["Message-ID"])
        assert "k-17.abc" in msg["Message-ID"]
        parts = {part.get_content_type(): part for part in msg.walk()}
        assert msg.get_content_type() == "multipart/alternative"
        text = _decoded(parts["text/plain"]).replace("\r\n", "\n")
        page = _decoded(parts["text/html"])
        assert text.startswith("We know.\nWe are on it.")
        assert "<b>Sorry" not in page and "&lt;b&gt;Sorry&lt;/b&gt; &amp; thanks" in page
        assert "We know.<br>" in page and "<p>" in page
    assert len(set(ids)) == 3
    assert receipt.id == ids[0]


def test_check_proves_the_login(starttls_server: tuple[Capture, int], client_context: ssl.SSLContext) -> None:
    handler, port = starttls_server
    health = channel(config(port), client_context).check()
    assert health == Health(True, f"Connected to 127.0.0.1 as {USER}. 5 recipients.")
    assert handler.envelopes == []


def test_wrong_password_is_a_plain_refusal(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    wrong = "not-the-Password-99"
    mail = channel(config(port), client_context, password=wrong)
    with pytest.raises(SendRejected) as refused:
        mail.send("Subject: x\n\nbody", "k1")
    assert refused.value.retryable is False
    assert "password" in refused.value.reason and wrong not in refused.value.reason
    health = mail.check()
    assert health.ok is False
    assert "did not accept the user name or password" in health.message
    assert wrong not in health.message and wrong not in repr(mail)
    assert handler.envelopes == []


def test_missing_password_is_refused_before_connecting(client_context: ssl.SSLContext) -> None:
    mail = channel(config(free_port()), client_context, password=None)
    with pytest.raises(SendRejected) as refused:
        mail.send("Subject: x\n\nbody", "k1")
    assert refused.value.retryable is False and "No password" in refused.value.reason


def test_drop_after_data_is_unknown_not_rejected(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    handler.drop_on_data = 1
    with pytest.raises(Exception) as raised:
        channel(config(port), client_context).send("Subject: x\n\nbody", "k1")
    assert not isinstance(raised.value, SendRejected)
    assert isinstance(raised.value, SendUnknown)


def test_drop_in_a_later_batch_says_how_many_may_have_it(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    handler.drop_on_data = 2
    with pytest.raises(SendUnknown, match="up to 4 of 5"):
        channel(config(port), client_context, batch=2).send("Subject: x\n\nbody", "k1")
    assert len(handler.envelopes) == 1


def test_temporary_refusal_first_batch_is_retryable_later_batch_is_unknown(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    handler.refuse = {PEOPLE[0]: "450 try later"}
    with pytest.raises(SendRejected) as refused:
        channel(config(port, to=PEOPLE[:1]), client_context).send("Subject: x\n\nbody", "k1")
    assert refused.value.retryable is True
    handler.refuse = {PEOPLE[2]: "450 try later", PEOPLE[3]: "450 try later"}
    with pytest.raises(SendUnknown, match="2 of 5"):
        channel(config(port), client_context, batch=2).send("Subject: x\n\nbody", "k2")
    handler.refuse = {PEOPLE[0]: "550 no such user"}
    with pytest.raises(SendRejected) as refused:
        channel(config(port, to=PEOPLE[:1]), client_context).send("Subject: x\n\nbody", "k3")
    assert refused.value.retryable is False


def test_one_refused_recipient_does_not_stop_the_others(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    handler.refuse = {PEOPLE[1]: "550 no such user"}
    channel(config(port), client_context, batch=2).send("Subject: x\n\nbody", "k1")
    assert sorted(r for _, rcpts, _ in handler.envelopes for r in rcpts) == sorted(set(PEOPLE) - {PEOPLE[1]})


def test_untrusted_certificate(starttls_server: tuple[Capture, int]) -> None:
    _, port = starttls_server
    mail = channel(config(port), ssl.create_default_context())
    health = mail.check()
    assert health.ok is False and "certificate is not trusted" in health.message
    with pytest.raises(SendRejected) as refused:
        mail.send("Subject: x\n\nbody", "k1")
    assert refused.value.retryable is False


def test_unreachable_server_is_retryable(client_context: ssl.SSLContext) -> None:
    mail = channel(config(free_port()), client_context)
    health = mail.check()
    assert health.ok is False and "could not be reached" in health.message
    with pytest.raises(SendRejected) as refused:
        mail.send("Subject: x\n\nbody", "k1")
    assert refused.value.retryable is True


def test_implicit_tls(server_context: ssl.SSLContext, client_context: ssl.SSLContext) -> None:
    handler = Capture()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context,
        auth_require_tls=False,
        authenticator=authenticator,
    )
    controller.start()
    try:
        mail = channel(config(port, security="tls"), client_context)
        assert mail.check().ok
        mail.send("Subject: Over TLS\n\nhello", "k-tls")
    finally:
        controller.stop()
    assert len(handler.envelopes) == 1 and parsed(handler.envelopes[0][2])["Subject"] == "Over TLS"


def test_plain_loopback_without_login() -> None:
    handler = Capture()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail = channel(config(port, security="none", username=""), None, password=None)
        assert mail.check().message == "Connected to 127.0.0.1. 5 recipients."
        mail.send("No subject line here\nsecond line", "k")
    finally:
        controller.stop()
    assert parsed(handler.envelopes[0][2])["Subject"] == "No subject line here"


def test_csv_list_with_header_and_bad_lines(
    tmp_path: Path, starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    path = tmp_path / "list.csv"
    path.write_text(
        "Name,E-mail,Phone\nAda,ada@example.test,1\nBob,not an address,2\n\nCy,cy@example.test,3\n"
        "Dup,ADA@example.test,4\nShort\n",
        encoding="utf-8",
    )
    listed = read_recipients(path)
    assert listed.addresses == ("ada@example.test", "cy@example.test")
    assert listed.skipped == 2
    plain = tmp_path / "plain.csv"
    plain.write_text("x@example.test\ny@example.test\n", encoding="utf-8")
    assert read_recipients(plain).addresses == ("x@example.test", "y@example.test")
    mail = channel(config(port, to=str(path)), client_context)
    assert (
        mail.check().message
        == f"Connected to 127.0.0.1 as {USER}. 2 recipients (2 lines in the list skipped)."
    )
    mail.send("Subject: x\n\nbody", "k")
    assert handler.envelopes[0][1] == ["ada@example.test", "cy@example.test"]
    missing = channel(config(port, to=str(tmp_path / "gone.csv")), client_context)
    assert missing.check().ok is False
    with pytest.raises(SendRejected, match="does not exist"):
        missing.send("Subject: x\n\nbody", "k")


def test_config_rules() -> None:
    base = {"host": "mail.example.test", "from": SENDER, "to": PEOPLE}
    with pytest.raises(EmailConfigError, match="only allowed to this computer"):
        EmailConfig.from_table({**base, "security": "none"})
    assert EmailConfig.from_table(base).port == 587
    assert EmailConfig.from_table({**base, "security": "tls"}).port == 465
    for host in ("127.0.0.1", "::1", "localhost"):
        assert EmailConfig.from_table({**base, "host": host, "security": "none"}).port == 25
    with pytest.raises(EmailConfigError):
        EmailConfig.from_table({**base, "security": "ssl"})
    with pytest.raises(EmailConfigError):
        EmailConfig.from_table({**base, "port": 0})
    with pytest.raises(EmailConfigError):
        EmailConfig.from_table({**base, "from": "nobody"})
    with pytest.raises(EmailConfigError, match="not valid"):
        EmailConfig.from_table({**base, "to": ["a@example.test", "oops"]})
    with pytest.raises(EmailConfigError):
        EmailConfig.from_table({**base, "to": []})
    with pytest.raises(EmailConfigError):
        EmailConfig.from_table({"from": SENDER, "to": PEOPLE})


def test_text_helpers_and_proof() -> None:
    assert split_subject("Subject:  Hi \n\nBody") == ("Hi", "Body")
    assert split_subject("Hi\nBody") == ("Hi", "Hi\nBody")
    assert html_from_text("a\nb\n\nc").count("<p>") == 2
    mail = EmailChannel(config(25), PASSWORD)
    assert mail.lookup("k").state == "unknown" and mail.resend_is_harmless is False
    assert PASSWORD not in repr(mail)


def test_through_the_outbox_confirmed_then_unknown(
    starttls_server: tuple[Capture, int], client_context: ssl.SSLContext
) -> None:
    from datetime import UTC, datetime

    from outagetray.core.incidents import IncidentLog
    from outagetray.core.outbox import JobState, Outbox, run_job

    handler, port = starttls_server
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with IncidentLog.empty() as log:
        log.connection.execute(
            "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
            " VALUES (1, 'Meta', 'major', ?, ?)",
            (now.isoformat(), now.isoformat()),
        )
        box = Outbox(log)
        mail = channel(config(port), client_context, batch=2)
        first = box.create(1, "notice", "newsletter", "Subject: Down\n\nWe know.", now)
        done = run_job(box, first, mail, lambda: now)
        assert done.state is JobState.CONFIRMED and done.receipt_id == message_id(first.key, 0)
        handler.drop_on_data = handler.datas + 2
        second = box.create(1, "update", "newsletter", "Subject: Update\n\nFixed.", now)
        lost = run_job(box, second, mail, lambda: now)
        assert lost.state is JobState.UNKNOWN and "up to 4 of 5" in lost.reason
        assert PASSWORD not in lost.reason
