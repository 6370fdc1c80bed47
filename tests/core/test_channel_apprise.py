"""The Apprise channel: real sends through Apprise's json:// notifier to a loopback web hook."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError
from outagetray.core.channels.apprise import NOT_INSTALLED, AppriseChannel, from_settings, url_fragments
from outagetray.core.channels.web import NoAnswer
from outagetray.core.outbox import CANNOT_TELL, Health, Receipt, SendRejected
from outagetray.core.profile import Channel as ChannelTable
from tests.support.api_peers import JsonHookPeer

pytest.importorskip("apprise", reason="Apprise is not installed: pip install -e '.[test]'")

KEY = "0123456789abcdef0123456789abcdef"
USER = "hookuser"
PASSWORD = "hook-Pass-Secret-4711"


@pytest.fixture
def peer() -> Iterator[JsonHookPeer]:
    with JsonHookPeer(user=USER, password=PASSWORD) as hook:
        yield hook


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="apprise")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    return caplog


def url(peer: JsonHookPeer, password: str = PASSWORD, extra: str = "") -> str:
    port = peer.base_url.rsplit(":", 1)[1]
    return f"json://{USER}:{password}@127.0.0.1:{port}{peer.path}?rto=1.0&cto=1.0{extra}"


def channel(peer: JsonHookPeer, password: str = PASSWORD, **kwargs: Any) -> AppriseChannel:
    return AppriseChannel(url(peer, password), name="Team hook", **kwargs)


def nothing_secret(*texts: object) -> None:
    for text in texts:
        assert PASSWORD not in str(text) and PASSWORD not in repr(text)


def test_send_delivers_title_and_body(peer: JsonHookPeer, logs: pytest.LogCaptureFixture) -> None:
    receipt = channel(peer).send("Title: We are back\n\nThe shop is open again.", KEY)
    assert receipt == Receipt(url="", id="")  # Apprise has no receipts
    assert peer.posts == [{"title": "We are back", "message": "The shop is open again.", "type": "info"}]
    nothing_secret(logs.text)


def test_send_without_a_title_sends_the_text_as_it_is(peer: JsonHookPeer) -> None:
    channel(peer).send("Back online.\nThanks for waiting.", KEY)
    assert peer.posts[0]["title"] == "" and peer.posts[0]["message"] == "Back online.\nThanks for waiting."


def test_no_dedupe(peer: JsonHookPeer) -> None:
    chan = channel(peer)
    chan.send("Same words", KEY)
    chan.send("Same words", KEY)
    assert len(peer.posts) == 2
    assert chan.resend_is_harmless is False
    assert chan.lookup(KEY) is CANNOT_TELL


def test_bad_credentials_are_unknown_with_apprises_words(
    peer: JsonHookPeer, logs: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-Pass-Secret-0815"
    with pytest.raises(NoAnswer) as info:
        channel(peer, password=wrong).send("hello", KEY)
    assert not isinstance(info.value, SendRejected)  # Apprise cannot tell a refusal from a lost answer
    assert "Apprise said" in str(info.value) and "401" in str(info.value)
    assert "may or may not" in str(info.value)
    assert wrong not in str(info.value) and wrong not in logs.text
    assert peer.posts == []


@pytest.mark.parametrize("fault", ["429", "503"])
def test_refusals_and_server_errors_are_unknown(peer: JsonHookPeer, fault: str) -> None:
    peer.fault = fault
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("hello", KEY)
    assert fault in str(info.value)
    nothing_secret(info.value)


def test_timeout_after_sending_is_unknown(peer: JsonHookPeer, logs: pytest.LogCaptureFixture) -> None:
    peer.fault = "hold"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("hello", KEY)
    assert peer.posted.is_set() and len(peer.posts) == 1  # it arrived: that is why it is unknown
    nothing_secret(info.value, logs.text)


def test_nobody_listening_is_unknown_too(logs: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = AppriseChannel(f"json://{USER}:{PASSWORD}@127.0.0.1:{port}/hook?cto=1", name="Team hook")
    with pytest.raises(NoAnswer) as info:
        chan.send("hello", KEY)
    assert "Connection error" in str(info.value)
    nothing_secret(info.value, logs.text)


def test_html_page_with_200_counts_as_delivered(peer: JsonHookPeer) -> None:
    peer.fault = "html"  # Apprise trusts the status code; it reads no body
    assert channel(peer).send("hello", KEY) == Receipt(url="", id="")


def test_address_apprise_does_not_understand_is_refused(logs: pytest.LogCaptureFixture) -> None:
    chan = AppriseChannel(f"nosuchservice://user:{PASSWORD}@host/path", name="Team hook")
    with pytest.raises(SendRejected) as info:
        chan.send("hello", KEY)
    assert info.value.retryable is False and "does not understand" in info.value.reason
    health = chan.check()
    assert health.ok is False and "does not understand" in health.message
    nothing_secret(info.value, health, logs.text)
    assert "S...t" not in logs.text and "nosuchservice://" not in logs.text  # Apprise's own half-masking


def test_check_says_it_cannot_prove_the_credentials(peer: JsonHookPeer) -> None:
    health = channel(peer).check()
    assert health.ok is True
    assert "JSON" in health.message and "cannot test" in health.message
    assert peer.seen == []  # nothing was sent
    nothing_secret(health)


def test_missing_url() -> None:
    chan = AppriseChannel("", name="Team hook")
    with pytest.raises(SendRejected) as info:
        chan.send("hello", KEY)
    assert info.value.reason == "No Apprise URL is saved for Team hook. Add it in OutageTray's settings."
    assert chan.check() == Health(False, info.value.reason)


def test_not_installed(monkeypatch: pytest.MonkeyPatch, peer: JsonHookPeer) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # makes ``import apprise`` fail
    chan = channel(peer)
    with pytest.raises(SendRejected) as info:
        chan.send("hello", KEY)
    assert info.value.reason == NOT_INSTALLED and info.value.retryable is False
    assert chan.check() == Health(False, NOT_INSTALLED)
    assert peer.seen == []


def test_importing_the_module_does_not_import_apprise() -> None:
    code = (
        "import sys\n"
        "import outagetray.core.channels.apprise as a\n"
        "from outagetray.core.channels import registry\n"
        "registry.fields('apprise')\n"
        "from outagetray.core.profile import Channel\n"
        "a.from_settings(Channel(id='a', type='apprise'), 'json://u:p@127.0.0.1/x')\n"
        "print('apprise' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_apprise_log_lines_never_carry_the_url_pieces(logs: pytest.LogCaptureFixture) -> None:
    token = "123456789:AAHsecretBotToken_xyz"
    chan = AppriseChannel(f"tgram://{token}/@shopnews", name="Telegram via Apprise")
    assert chan.check().ok is True
    logging.getLogger("apprise").debug(
        "Telegram POST URL: https://api.telegram.org/bot%s/sendMessage (cert_verify=True)", token
    )
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s',
        "https",
        "api.telegram.org",
        443,
        "POST",
        f"/bot{token}/send",
        "HTTP/1.1",
        200,
    )
    assert "AAHsecretBotToken_xyz" not in logs.text and "123456789" not in logs.text
    assert "Telegram POST URL" in logs.text
    nothing_secret(chan)


def test_url_fragments_cover_every_piece() -> None:
    pieces = url_fragments("mailto://user:p%40ssword@smtp.example.com:587/?to=boss@example.com&pass=Sec")
    assert "p@ssword" in pieces and "p%40ssword" in pieces and "boss@example.com" in pieces
    assert "smtp.example.com" in pieces
    assert "Sec" not in pieces  # too short to mask on its own; the whole URL still is


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="hook", type="apprise", name="Team hook", extra=extra)


def test_from_settings(peer: JsonHookPeer) -> None:
    chan = from_settings(table(), url(peer))
    assert chan.name == "Team hook"
    chan.send("From the settings", KEY)
    assert peer.posts[0]["message"] == "From the settings"
    nothing_secret(chan)


@pytest.mark.parametrize(
    "where",
    [
        {"extra": {"url": f"json://u:{PASSWORD}@host/x"}},
        {"url": f"ntfy://u:{PASSWORD}@ntfy.example/topic"},
        {"url": f"https://u:{PASSWORD}@ntfy.example/topic"},
    ],
)
def test_from_settings_refuses_a_url_in_the_file(where: dict[str, Any]) -> None:
    settings = ChannelTable(id="hook", type="apprise", name="Team hook", **where)
    with pytest.raises(ChannelConfigError) as info:
        from_settings(settings, "")
    assert "keyring" in str(info.value)
    nothing_secret(info.value)


def test_from_settings_keeps_a_page_address() -> None:
    settings = ChannelTable(id="hook", type="apprise", name="Team hook", url="https://ntfy.example/topic")
    assert from_settings(settings, "ntfy://topic").name == "Team hook"
