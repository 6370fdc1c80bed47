"""The cockpit's Channels tab: Test all against a real SMTP server on 127.0.0.1, one good channel, one not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from outagetray.core.checklist import load_checklist
from outagetray.core.drafts import DraftLibrary
from outagetray.core.profile import Channel
from outagetray.core.readiness import CheckResult, Readiness
from outagetray.ui.cockpit.readiness_view import BY_HAND, ReadinessView
from outagetray.ui.when import since_text
from outagetray.ui.window import TABS, StatusWindow
from tests.core.test_playbook import BERLIN, NOW, settings
from tests.ui.test_settings_channels import PASSWORD, USER, WRONG, smtp_port

__all__ = ["smtp_port"]  # the module-scoped SMTP server fixture, shared with the Settings tests


class Vault:
    """Passwords by channel id, as core/secrets.py's Secrets gives them."""

    def __init__(self, **secrets: str) -> None:
        self.secrets = secrets

    def get(self, channel_id: str) -> str | None:
        return self.secrets.get(channel_id)


def email(cid: str, name: str, port: int) -> Channel:
    return Channel(
        cid,
        "email",
        name,
        "email",
        "",
        {"host": "127.0.0.1", "port": port, "security": "none", "username": USER, "from": USER, "to": [USER]},
    )


def readiness_window(qtbot: QtBot, tmp_path: Path, port: int) -> tuple[StatusWindow, ReadinessView]:
    window = StatusWindow(now=lambda: NOW, tz=BERLIN)
    qtbot.addWidget(window)
    window.show()
    channels = (
        email("news", "Newsletter", port),
        email("shop", "Shop list", port),
        Channel("ig", "instagram", "Bob on Instagram", "instagram"),
    )
    opened: list[bool] = []
    window.cockpit.set_channel_sources(
        Vault(news=PASSWORD, shop=WRONG),
        lambda: Readiness(tmp_path / "checks.json"),
        lambda: opened.append(True),
    )
    window.set_playbook(
        replace(settings(), channels=channels), DraftLibrary(tmp_path / "d.toml"), load_checklist()
    )
    assert window.cockpit.readiness_view is None  # built only when first shown
    window.tabs.setCurrentIndex(TABS.index("Channels"))
    view = window.cockpit.readiness_view
    assert view is not None
    qtbot.waitUntil(lambda: view.readiness is not None, timeout=5000)  # the record, read off the UI thread
    assert view.setup_button.isVisible()
    view.setup_button.click()
    assert opened == [True]  # Settings opens where channels are set up
    return window, view


def rows(view: ReadinessView) -> list[list[str]]:
    items = [view.channel_list.topLevelItem(i) for i in range(view.channel_list.topLevelItemCount())]
    return [[item.text(c) for c in range(3)] for item in items if isinstance(item, QTreeWidgetItem)]


def test_test_all_shows_and_records_each_result(qtbot: QtBot, tmp_path: Path, smtp_port: int) -> None:
    _window, view = readiness_window(qtbot, tmp_path, smtp_port)
    assert rows(view) == [
        ["Newsletter", "Not checked yet", "Never"],
        ["Shop list", "Not checked yet", "Never"],
        ["Bob on Instagram", BY_HAND, ""],
    ]
    assert view.test_all_button.isEnabled()
    arrived: list[list[str]] = []

    def one_arrived(_ticket: int, result: CheckResult) -> None:
        # Each result shows as it arrives, before the others have ended.
        row = ["news", "shop"].index(result.channel)
        arrived.append(rows(view)[row])

    view.checks.checked.connect(one_arrived)
    with qtbot.waitSignal(view.checks.finished, timeout=20000):
        view.test_all_button.click()
        assert view.testing and view.test_all_button.text() == "Testing…"  # the UI thread is free
        assert rows(view)[0][1] == "Checking…"
    assert len(arrived) == 2 and all(row[1] != "Checking…" for row in arrived), arrived
    assert not view.testing and view.test_all_button.text() == "Test all"
    record = Readiness(tmp_path / "checks.json")
    news, shop = record.last("news"), record.last("shop")
    assert news is not None and news.ok and news.last_ok is not None
    assert shop is not None and not shop.ok and shop.last_ok is None
    assert record.last("ig") is None  # nothing to check where the user posts by hand
    shown = rows(view)
    assert shown[0] == ["Newsletter", "Works · checked just now", since_text(news.last_ok, NOW, BERLIN)]
    assert shown[1][0] == "Shop list" and shown[1][2] == "Never"
    assert shown[1][1].startswith(
        "Failed: The mail server 127.0.0.1 did not accept the user name or password"
    )
    assert WRONG not in shown[1][1] and PASSWORD not in (tmp_path / "checks.json").read_text()
    assert "1 of 2 channels did not work" in view.summary.text()


def test_last_success_survives_a_failure_and_shows_in_local_time(
    qtbot: QtBot, tmp_path: Path, smtp_port: int
) -> None:
    earlier = NOW.replace(hour=9, minute=5)  # 10:05 in Berlin
    record = Readiness(tmp_path / "checks.json")
    record.record(CheckResult("shop", True, "Logged in", earlier))
    _window, view = readiness_window(qtbot, tmp_path, smtp_port)
    assert rows(view)[1][2] == "10:05"
    with qtbot.waitSignal(view.checks.finished, timeout=20000):
        view.test_all()
    assert rows(view)[1][1].startswith("Failed:")
    assert rows(view)[1][2] == "10:05"  # the last time it worked is kept over the failure
    last = Readiness(tmp_path / "checks.json").last("shop")
    assert last is not None and last.last_ok == earlier and not last.ok
