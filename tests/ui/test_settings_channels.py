"""Settings > Channels, driven as a person would: a real SMTP server on 127.0.0.1, an in-memory keyring.

The password store is a dict-backed keyring backend installed for the test only, so the
real user keyring is never touched; the SMTP server is aiosmtpd with a login, so a wrong
password is refused by a real server, not by a fake.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import keyring.core
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from outagetray.core.channels import Field, Health, registry
from outagetray.core.profile import Channel
from outagetray.core.readiness import CheckResult, Readiness
from outagetray.core.secrets import SERVICE, Secrets
from outagetray.core.settings import Settings, load
from outagetray.ui.channel_checks import check_words
from outagetray.ui.secure_store_notice import SESSION_BUTTON, notice_text, show_store_notice
from outagetray.ui.settings.channel_editor import SAVED_PLACEHOLDER, ChannelEditor
from outagetray.ui.settings.dialog import SettingsDialog

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

USER = "news@shop.test"
PASSWORD = "Sm7p-S3CRET-pass"
WRONG = "not-the-Pa55word"


class MemoryKeyring(KeyringBackend):
    """A secure password store in a dict (viable=False: keyring's own detection never picks it)."""

    priority = 5
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]


@pytest.fixture
def vault(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    return backend


class Inbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


@pytest.fixture(scope="module")
def smtp_port() -> Iterator[int]:
    """A real SMTP server with a login on 127.0.0.1 (no TLS: the email channel allows that on loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(
        Inbox(), hostname="127.0.0.1", port=port, authenticator=_login, auth_require_tls=False
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def make_dialog(qtbot: QtBot, tmp_path: Path, channels: tuple[Channel, ...] = ()) -> SettingsDialog:
    dialog = SettingsDialog(
        Settings(channels=channels),
        tmp_path / "config.toml",
        secrets=Secrets(),
        readiness=lambda: Readiness(tmp_path / "checks.json"),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.channels_tab
    with qtbot.waitSignal(dialog.channel_checks.store_checked, timeout=5000):
        dialog.show_channels_tab()  # shown for the first time: the store is judged off the UI thread
    qtbot.waitUntil(lambda: tab.readiness is not None, timeout=5000)
    return dialog


def fill_email(editor: ChannelEditor, port: int, password: str) -> None:
    editor.name_edit.setText("Newsletter")
    widgets: Any = editor.field_widgets
    widgets["host"].setText("127.0.0.1")
    widgets["security"].setCurrentIndex(widgets["security"].findData("none"))
    widgets["port"].setText(str(port))
    widgets["username"].setText(USER)
    widgets["from"].setText(USER)
    widgets["to"].setPlainText("ann@example.test\nbob@example.test")
    editor.secret_edit.setText(password)


def add_email(dialog: SettingsDialog, port: int, password: str) -> ChannelEditor:
    tab = dialog.channels_tab
    action = next(a for a in tab.add_menu.actions() if a.data() == "email")
    assert action.text() == "Email list"
    action.trigger()
    editor = tab.editor
    assert editor is not None
    fill_email(editor, port, password)
    return editor


def wait_result(qtbot: QtBot, editor: ChannelEditor) -> str:
    qtbot.waitUntil(
        lambda: not editor.testing and editor.result_label.text() not in ("", "Checking…"), timeout=15000
    )
    return editor.result_label.text()


def test_type_words_in_the_add_menu(qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    words = [a.text() for a in dialog.channels_tab.add_menu.actions()]
    assert words == [
        "Email list",
        "WordPress blog",
        "Ghost blog",
        "Mastodon",
        "Bluesky",
        "Matrix room",
        "Telegram channel",
        "Discord (webhook)",
        "Slack (webhook)",
        "Facebook Page",
        "X",
        "Other service (Apprise)",
    ]
    assert not dialog.channels_tab.banner.isVisible()  # a secure store: nothing to warn about


def test_add_email_test_works_and_save_keeps_password_in_keyring_only(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring, smtp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = make_dialog(qtbot, tmp_path)
    editor = add_email(dialog, smtp_port, PASSWORD)
    assert editor.id_edit.text() == "newsletter"  # made from the name
    assert editor.platform_combo.currentData() == "email"
    editor.test_button.click()
    assert editor.test_button.text() == "Testing…"  # the check runs off the UI thread
    text = wait_result(qtbot, editor)
    assert text.startswith("✓ It works"), text
    with qtbot.waitSignal(editor.finished, timeout=5000):
        editor.save_button.click()  # tested just now and it worked: kept at once
    tab = dialog.channels_tab
    row = tab.channel_list.topLevelItem(0)
    assert row is not None
    assert [row.text(i) for i in range(4)] == [
        "Newsletter",
        "Email list",
        "Email",
        "Works · checked just now",
    ]
    assert vault.store == {}  # nothing reaches the store before the window is saved

    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    written = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert "[[channels]]" in written and 'id = "newsletter"' in written and "127.0.0.1" in written
    assert PASSWORD not in written
    assert vault.store == {(SERVICE, "newsletter"): PASSWORD}
    loaded = load(tmp_path / "config.toml")
    (channel,) = loaded.settings.channels
    assert channel.type == "email" and channel.extra["to"] == ["ann@example.test", "bob@example.test"]
    assert channel.extra["port"] == smtp_port and channel.extra["security"] == "none"
    assert "secret" not in channel.extra
    recorded = Readiness(tmp_path / "checks.json").last("newsletter")
    assert recorded is not None and recorded.ok  # the editor's check is the channel's last check
    assert PASSWORD not in (tmp_path / "checks.json").read_text()
    assert PASSWORD not in caplog.text


def test_wrong_password_fails_and_save_asks_save_anyway(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring, smtp_port: int
) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    editor = add_email(dialog, smtp_port, WRONG)
    editor.test_button.click()
    text = wait_result(qtbot, editor)
    assert "did not accept the user name or password" in text and WRONG not in text
    assert not editor.save_anyway_button.isVisible()
    editor.save_button.click()  # just tested, and it failed: asked at once, not checked again
    assert not editor.testing
    text = editor.result_label.text()
    assert "did not accept the user name or password" in text
    assert "Save anyway" in text and WRONG not in text
    assert editor.isVisible() and editor.save_anyway_button.isVisible()  # never kept silently
    assert dialog.channels_tab.channels() == ()
    with qtbot.waitSignal(editor.finished, timeout=5000):
        editor.save_anyway_button.click()  # the user's explicit choice
    (kept,) = dialog.channels_tab.channels()
    assert kept.id == "newsletter"
    row = dialog.channels_tab.channel_list.topLevelItem(0)
    assert row is not None and row.text(3).startswith("Failed: The mail server 127.0.0.1 did not accept")


def test_fixing_the_password_after_a_failure_saves_without_asking(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring, smtp_port: int
) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    editor = add_email(dialog, smtp_port, WRONG)
    editor.save_button.click()
    wait_result(qtbot, editor)
    assert editor.save_anyway_button.isVisible()
    editor.secret_edit.setText(PASSWORD)
    assert not editor.save_anyway_button.isVisible()  # a new password is a new question
    with qtbot.waitSignal(editor.finished, timeout=15000):
        editor.save_button.click()
    assert editor.result() == QDialog.DialogCode.Accepted
    assert dialog.channels_tab.pending.typed == {"newsletter": PASSWORD}


def test_edit_keeps_saved_password_and_remove_deletes_it(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring, smtp_port: int
) -> None:
    table = Channel(
        "newsletter",
        "email",
        "Newsletter",
        "email",
        "",
        {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "username": USER,
            "from": USER,
            "to": ["ann@example.test"],
            "note": "kept as written",
        },
    )
    vault.store[(SERVICE, "newsletter")] = PASSWORD
    Readiness(tmp_path / "checks.json").record(CheckResult("newsletter", True, "", datetime.now(UTC)))
    dialog = make_dialog(qtbot, tmp_path, (table,))
    tab = dialog.channels_tab
    tab.select(0)
    tab.edit_button.click()
    editor = tab.editor
    assert editor is not None and editor.id_edit.isReadOnly()
    qtbot.waitUntil(lambda: editor.secret_edit.placeholderText() == SAVED_PLACEHOLDER, timeout=5000)
    assert editor.secret_edit.text() == ""  # the saved password is never shown
    editor.field_widgets["to"].setPlainText("ann@example.test\ncarl@example.test")  # type: ignore[union-attr]
    with qtbot.waitSignal(editor.finished, timeout=15000):
        editor.save_button.click()  # changed: checked with the saved password, which works
    assert editor.result() == QDialog.DialogCode.Accepted
    (edited,) = tab.channels()
    assert edited.extra["note"] == "kept as written" and edited.extra["to"] == [
        "ann@example.test",
        "carl@example.test",
    ]

    tab.select(0)
    tab.remove_button.click()
    box = tab.remove_box
    assert box is not None
    box.button(QMessageBox.StandardButton.No).click()
    assert len(tab.channels()) == 1  # asked, and the answer was no
    tab.remove_button.click()
    box = tab.remove_box
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    assert tab.channels() == ()
    assert vault.store  # still there until the window is saved
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    assert vault.store == {}
    assert "newsletter" not in (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert Readiness(tmp_path / "checks.json").last("newsletter") is None  # its last check went too


def test_insecure_store_banner_and_session_only(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_port: int
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    dialog = make_dialog(qtbot, tmp_path)
    tab = dialog.channels_tab
    assert tab.banner.isVisible()
    assert "no password store" in tab.banner_label.text()
    assert tab.session_button.text() == SESSION_BUTTON and tab.session_button.isVisible()

    editor = add_email(dialog, smtp_port, PASSWORD)
    with qtbot.waitSignal(editor.finished, timeout=15000):
        editor.save_button.click()
    dialog.save_button.click()  # without a safe store the password cannot be kept: nothing is saved
    qtbot.waitUntil(lambda: bool(dialog.save_error.text()), timeout=10000)
    assert "not saved" in dialog.save_error.text() and "no password store" in dialog.save_error.text()
    assert PASSWORD not in dialog.save_error.text()
    assert not (tmp_path / "config.toml").exists()  # never a silent fall-back to a file

    tab.session_button.click()
    assert dialog.secrets.session_only
    assert "for this session only" in tab.banner_label.text() and not tab.session_button.isVisible()
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_button.click()
    assert dialog.secrets.get("newsletter") == PASSWORD  # in memory, for this session
    assert PASSWORD not in (tmp_path / "config.toml").read_text(encoding="utf-8")


def test_start_notice_offers_session_only(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from outagetray.core.secrets import StoreStatus, check_store

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    status = check_store()
    assert notice_text(status) == status.message and status.message
    assert notice_text(StoreStatus(True, "secure", "x", "")) is None
    secrets = Secrets()
    box = show_store_notice(status, secrets)
    assert box is not None and box.isVisible() and not box.isModal()
    qtbot.addWidget(box)
    session = next(b for b in box.buttons() if b.text() == SESSION_BUTTON)
    session.click()
    assert secrets.session_only
    assert show_store_notice(status, secrets) is None  # chosen already: not asked again


# -- the form is built from any type's fields --------------------------------------------------


class FakeChannel:
    """What a channel module builds; remembers what it was built with (the test reads it)."""

    built: ClassVar[list[tuple[Channel, str]]] = []

    def __init__(self, table: Channel, secret: str) -> None:
        self.table, self.secret = table, secret

    def check(self) -> Health:
        ok = self.secret == "right-token"
        return Health(ok, "Signed in as Bob." if ok else "The token was refused.")


def _fake_from_settings(table: Channel, secret: str, *, client: object = None) -> FakeChannel:
    FakeChannel.built.append((table, secret))
    return FakeChannel(table, secret)


@pytest.fixture
def fake_type(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every kind of field, under the Apprise type's name (its real module is not used)."""
    module = types.ModuleType("outagetray.core.channels.ui_fake")
    module.FIELDS = (  # type: ignore[attr-defined]
        Field("server", "Server", "url", help="Where it lives"),
        Field("url", "Public page", "url", required=False),
        Field("limit", "Limit", "number", required=False, default="500"),
        Field("mode", "Mode", "choice", choices=("loud", "quiet"), default="quiet"),
        Field("rooms", "Rooms", "list"),
    )
    module.SECRET = Field("token", "Token", "secret", help="From your account page")  # type: ignore[attr-defined]
    module.from_settings = _fake_from_settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(registry.MODULES, "apprise", "ui_fake")
    FakeChannel.built.clear()
    return "apprise"


def test_any_types_fields_become_a_form(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring, fake_type: str
) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    tab = dialog.channels_tab
    editor = tab.open_editor(fake_type)
    widgets: Any = editor.field_widgets
    assert editor.windowTitle() == "Add Other service (Apprise)"
    assert widgets["mode"].currentData() == "quiet"
    assert widgets["limit"].text() == "" and widgets["limit"].placeholderText() == "500"  # the usual value
    editor.name_edit.setText("Team chat!")
    assert editor.id_edit.text() == "team-chat"
    assert editor.problem_label.text() == ""  # nothing said on a form nobody has left a field of yet
    editor.name_edit.editingFinished.emit()  # the user moves on to the next field
    assert editor.problem_label.text() == "Fill in server."
    assert not editor.save_button.isEnabled() and not editor.test_button.isEnabled()
    widgets["server"].setText("https://chat.example.test")
    assert editor.problem_label.text() == "Fill in rooms."
    widgets["rooms"].setPlainText("#news\n\n#shop\n")
    widgets["url"].setText("https://chat.example.test/news")
    widgets["limit"].setText("280")
    widgets["mode"].setCurrentIndex(widgets["mode"].findData("loud"))
    assert editor.problem_label.text() == "" and editor.save_button.isEnabled()
    editor.secret_edit.setText("wrong-token")
    editor.test_button.click()
    assert wait_result(qtbot, editor) == "✗ The token was refused."
    editor.secret_edit.setText("right-token")
    with qtbot.waitSignal(editor.finished, timeout=5000):
        editor.save_button.click()
    table, secret = FakeChannel.built[-1]
    assert secret == "right-token"  # checked with the password typed in, before anything was saved
    assert table == Channel(
        "team-chat",
        "apprise",
        "Team chat!",
        "",
        "https://chat.example.test/news",
        {"server": "https://chat.example.test", "limit": 280, "mode": "loud", "rooms": ["#news", "#shop"]},
    )
    assert tab.channels() == (table,)

    tab.select(0)
    tab.edit_button.click()  # unchanged: kept without a check, the typed password still pending
    editor = tab.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.secret_edit.placeholderText() == SAVED_PLACEHOLDER, timeout=5000)
    count = len(FakeChannel.built)
    with qtbot.waitSignal(editor.finished, timeout=5000):
        editor.save_button.click()
    assert len(FakeChannel.built) == count and tab.channels() == (table,)


def test_a_channel_posted_to_by_hand_is_edited_without_a_check(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring
) -> None:
    table = Channel("ig", "instagram", "Bob on Instagram", "instagram")
    dialog = make_dialog(qtbot, tmp_path, (table,))
    tab = dialog.channels_tab
    row = tab.channel_list.topLevelItem(0)
    assert row is not None and [row.text(i) for i in range(4)] == [
        "Bob on Instagram",
        "Instagram",
        "Instagram",
        "Posted by hand (Open composer)",
    ]
    tab.select(0)
    tab.edit_button.click()
    editor = tab.editor
    assert editor is not None and not editor.test_button.isVisible() and not editor.secret_edit.isVisible()
    editor.field_widgets["url"].setText("https://instagram.com/bob")  # type: ignore[union-attr]
    with qtbot.waitSignal(editor.finished, timeout=5000):
        editor.save_button.click()
    assert tab.channels()[0].url == "https://instagram.com/bob"


def test_a_settings_mistake_is_told_in_the_channels_words(
    qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring, smtp_port: int
) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    editor = add_email(dialog, smtp_port, PASSWORD)
    editor.field_widgets["host"].setText("mail.example.test")  # type: ignore[union-attr]
    editor.test_button.click()  # no encryption to another computer: refused before any connection
    text = wait_result(qtbot, editor)
    assert text.startswith("✗ ") and "only allowed to this computer itself" in text, text


def test_check_words() -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    done = CheckResult("news", True, "Logged in", now - timedelta(minutes=5))
    assert check_words(done, now) == ("Works · checked 5 min ago", True)
    assert check_words(CheckResult("news", True, "", now - timedelta(seconds=20)), now)[0] == (
        "Works · checked just now"
    )
    failed = CheckResult("news", False, "The token\nwas refused.", now)
    assert check_words(failed, now) == ("Failed: The token was refused.", False)
    assert check_words(None, now) == ("Not checked yet", None)


def test_checks_that_break_still_answer_each_channel(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the core's check ever raise, every channel still gets an answer in plain words."""
    from outagetray.core import readiness
    from outagetray.ui.channel_checks import ChannelChecks

    def broken_all(*_args: object, **_kwargs: object) -> list[CheckResult]:
        raise RuntimeError("boom")

    def broken_one(table: Channel, _secrets: object, **_kwargs: object) -> CheckResult:
        if table.id == "a":
            raise ValueError("The server address is missing.")
        raise RuntimeError(f"secret {PASSWORD}")

    monkeypatch.setattr(readiness, "check_all", broken_all)
    monkeypatch.setattr(readiness, "check_one", broken_one)
    checks = ChannelChecks()
    tables = [Channel("a", "email", "A"), Channel("b", "email", "B")]
    with qtbot.waitSignal(checks.finished, timeout=5000) as done:
        checks.test(tables, {"a": PASSWORD}, record=False)  # type: ignore[arg-type]
    results = done.args[1]
    assert [(r.channel, r.ok) for r in results] == [("a", False), ("b", False)]
    assert results[0].message == "The server address is missing."
    assert "unexpected" in results[1].message and PASSWORD not in results[1].message
    checks.shutdown()


def test_every_sending_type_has_its_form(qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring) -> None:
    dialog = make_dialog(qtbot, tmp_path)
    tab = dialog.channels_tab
    for action in tab.add_menu.actions():
        kind = action.data()
        fields, secret = registry.fields(kind)
        action.trigger()
        editor = tab.editor
        assert editor is not None and editor.channel_type == kind
        assert list(editor.field_widgets) == [f.key for f in fields if f.kind != "secret"], kind
        assert editor.secret_edit.isVisibleTo(editor) == (secret is not None), kind
        assert editor.secret_edit.echoMode() == QLineEdit.EchoMode.Password
        editor.reject()
        qtbot.waitUntil(lambda: tab.editor is None, timeout=2000)


def test_add_mastodon_against_its_peer(qtbot: QtBot, tmp_path: Path, vault: MemoryKeyring) -> None:
    from tests.support.mastodon_peer import MastodonPeer

    token = "tok-Very-Secret-0123456789"
    with MastodonPeer(token=token) as peer:
        base = peer.base_url
        dialog = make_dialog(qtbot, tmp_path)
        editor = dialog.channels_tab.open_editor("mastodon")
        editor.name_edit.setText("Bakery on Mastodon")
        editor.field_widgets["base_url"].setText(base)  # type: ignore[union-attr]
        editor.secret_edit.setText("wrong-Token-1234567890")
        editor.test_button.click()
        refused = wait_result(qtbot, editor)
        assert refused.startswith("✗ ") and "access token was refused" in refused
        assert "wrong-Token" not in refused
        editor.secret_edit.setText(token)
        editor.test_button.click()
        assert wait_result(qtbot, editor).startswith("✓ It works")
        with qtbot.waitSignal(editor.finished, timeout=5000):
            editor.save_button.click()
        with qtbot.waitSignal(dialog.saved, timeout=10000):
            dialog.save_button.click()
    assert vault.store == {(SERVICE, "bakery-on-mastodon"): token}
    written = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert base in written and token not in written
