"""The Settings window, driven as a person would drive it (offscreen Qt, loopback peers only)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTime, QTimer
from PySide6.QtWidgets import QDialog, QLabel
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Request, Response

from outagetray.core.catalog import DEFAULT_WATCH
from outagetray.core.settings import MAX_INTERVAL, MIN_INTERVAL, Notifications, Settings, load
from outagetray.ui.settings.dialog import SettingsDialog
from outagetray.ui.settings.fields import ERROR_STYLE
from outagetray.ui.settings.platform_editor import PlatformEditor, suggest_id
from outagetray.ui.settings.source_row import TESTING, SourceRow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SUMMARY = (FIXTURES / "statuspage" / "reddit_summary_operational.json").read_bytes()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "OutageTray" / "config.toml"


def make_dialog(qtbot: QtBot, path: Path, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), path)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def save_and_reload(qtbot: QtBot, dialog: SettingsDialog, path: Path) -> Settings:
    """Press Save, wait for the file to be written, and read it back the way the app does."""
    with qtbot.waitSignal(dialog.saved, timeout=5000) as blocker:
        dialog.save_button.click()
    result = load(path)
    assert result.ok, result.problems
    assert blocker.args == [result.settings]  # what was announced is what is on disk
    assert dialog.result() == QDialog.DialogCode.Accepted
    return result.settings


def shown(widget: object) -> bool:
    """Whether the user sees it. Error labels stay in the layout when empty, so they count only with text."""
    if isinstance(widget, QLabel) and widget.styleSheet() == ERROR_STYLE:
        return not widget.isHidden() and bool(widget.text())
    return not widget.isHidden()  # type: ignore[attr-defined]


def add_statuspage_platform(dialog: SettingsDialog, url: str) -> tuple[PlatformEditor, SourceRow]:
    editor = dialog.open_editor()
    editor.id_edit.setText("acme")
    editor.id_edit.editingFinished.emit()  # the user moves on to the next field
    editor.name_edit.setText("Acme Shop")
    editor.owner_edit.setText("Acme Inc.")
    row = editor.rows[0]
    row.type_combo.setCurrentIndex(row.type_combo.findData("statuspage"))
    row.target_edit.setText(url)
    row.target_edit.editingFinished.emit()
    return editor, row


# -- Platforms --------------------------------------------------------------------------------


def test_search_filters_by_name_id_and_owner_ignoring_case(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    everything = dialog.visible_platform_ids()
    assert everything[:4] == ["facebook", "instagram", "whatsapp", "messenger"]  # catalog order
    qtbot.keyClicks(dialog.search_edit, "META")
    assert dialog.visible_platform_ids() == ["facebook", "instagram", "whatsapp", "messenger", "threads"]
    dialog.search_edit.setText("google")
    assert dialog.visible_platform_ids() == ["youtube", "gmail"]
    dialog.search_edit.setText("wordpress-com")
    assert dialog.visible_platform_ids() == ["wordpress-com"]
    dialog.search_edit.setText("tik")
    assert dialog.visible_platform_ids() == ["tiktok"]
    dialog.search_edit.setText("no such thing")
    assert dialog.visible_platform_ids() == []
    assert shown(dialog.no_match_label)
    dialog.search_edit.clear()
    assert dialog.visible_platform_ids() == everything
    assert not shown(dialog.no_match_label)


def test_a_hidden_platform_keeps_its_tick_while_searching(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    dialog.search_edit.setText("reddit")
    dialog.set_watched("reddit", True)
    dialog.search_edit.setText("discord")
    dialog.set_watched("discord", True)
    dialog.search_edit.clear()
    assert save_and_reload(qtbot, dialog, config).watch == (*DEFAULT_WATCH, "reddit", "discord")


def test_toggling_platforms_and_saving_writes_the_file_in_the_users_order(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config, Settings(watch=("x", "facebook", "slack")))
    dialog.set_watched("reddit", True)
    dialog.set_watched("facebook", False)
    assert dialog.watched_label.text() == "3 platforms watched."
    saved = save_and_reload(qtbot, dialog, config)
    assert saved.watch == ("x", "slack", "reddit")
    assert saved.interval_seconds == 60  # what was not touched is kept


def test_cancel_writes_nothing(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    dialog.set_watched("reddit", True)
    with qtbot.assertNotEmitted(dialog.saved):
        dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not config.exists()


# -- Monitoring -------------------------------------------------------------------------------


def test_an_interval_out_of_range_is_refused_next_to_the_field(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    assert dialog.interval_unit.currentText() == "minutes" and dialog.interval_value.value() == 1
    dialog.set_interval(5, "seconds")
    assert shown(dialog.interval_error)
    assert f"from {MIN_INTERVAL} seconds" in dialog.interval_error.text()
    assert "too short" in dialog.interval_error.text()
    assert not dialog.save_button.isEnabled()
    assert shown(dialog.problem_label)
    dialog.save()  # even if called directly, nothing is written
    assert not dialog.saving and not config.exists()

    dialog.set_interval(MAX_INTERVAL // 60 + 1, "minutes")
    assert "too long" in dialog.interval_error.text()
    assert not dialog.save_button.isEnabled()

    dialog.set_interval(5, "minutes")
    assert not shown(dialog.interval_error)
    assert dialog.save_button.isEnabled()
    assert save_and_reload(qtbot, dialog, config).interval_seconds == 300


def test_an_interval_in_seconds_is_shown_in_seconds(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config, Settings(interval_seconds=45))
    assert dialog.interval_unit.currentText() == "seconds" and dialog.interval_value.value() == 45
    dialog.interval_value.setValue(90)
    assert save_and_reload(qtbot, dialog, config).interval_seconds == 90


def test_start_at_login_is_persisted(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    assert not dialog.start_at_login.isChecked()
    dialog.start_at_login.setChecked(True)
    assert save_and_reload(qtbot, dialog, config).start_at_login is True

    again = make_dialog(qtbot, config, load(config).settings)
    assert again.start_at_login.isChecked()
    again.start_at_login.setChecked(False)
    assert save_and_reload(qtbot, again, config).start_at_login is False


# -- Notifications ----------------------------------------------------------------------------


def test_quiet_hours_are_saved_and_equal_times_refused(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    dialog.quiet_check.setChecked(True)
    dialog.quiet_start.setTime(QTime(7, 0))
    dialog.quiet_end.setTime(QTime(7, 0))
    assert shown(dialog.quiet_error)
    assert not dialog.save_button.isEnabled()
    dialog.quiet_start.setTime(QTime(21, 30))
    dialog.quiet_end.setTime(QTime(6, 45))
    assert not shown(dialog.quiet_error)
    saved = save_and_reload(qtbot, dialog, config)
    assert (saved.notifications.quiet_start, saved.notifications.quiet_end) == ("21:30", "06:45")


def test_quiet_hours_can_be_turned_off(qtbot: QtBot, config: Path) -> None:
    settings = Settings(notifications=Notifications(quiet_start="22:00", quiet_end="07:00"))
    dialog = make_dialog(qtbot, config, settings)
    assert dialog.quiet_check.isChecked()
    assert dialog.quiet_start.time() == QTime(22, 0)
    dialog.quiet_check.setChecked(False)
    saved = save_and_reload(qtbot, dialog, config)
    assert saved.notifications.quiet_start is None and saved.notifications.quiet_end is None


def test_per_platform_mute_is_saved_and_lists_only_watched_platforms(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    listed = [dialog.mute_list.item(i).text() for i in range(dialog.mute_list.count())]
    assert listed == ["Facebook", "Instagram", "WhatsApp", "X (Twitter)"]
    dialog.set_watched("reddit", True)
    assert dialog.mute_list.item(dialog.mute_list.count() - 1).text() == "Reddit"
    dialog.set_muted("instagram", True)
    dialog.set_muted("reddit", True)
    dialog.set_muted("reddit", False)
    with pytest.raises(KeyError):
        dialog.set_muted("tiktok", True)  # not watched, so not listed
    saved = save_and_reload(qtbot, dialog, config)
    assert saved.notifications.muted == ("instagram",)


def test_other_notification_choices_are_saved(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    assert not dialog.sound_check.isChecked()  # sound is off by default
    assert dialog.cooldown.value() == 30
    dialog.sound_check.setChecked(True)
    dialog.cooldown.setValue(90)
    dialog.notify_enabled.setChecked(False)
    assert not dialog.mute_list.isEnabled()  # greyed out, not cleared
    saved = save_and_reload(qtbot, dialog, config)
    assert saved.notifications == Notifications(enabled=False, sound=True, cooldown_minutes=90)


# -- Your own platforms -----------------------------------------------------------------------


def test_a_custom_statuspage_is_tested_off_the_ui_thread_and_then_saved(
    qtbot: QtBot, config: Path, web: HTTPServer
) -> None:
    def slow_summary(_request: Request) -> Response:
        time.sleep(0.5)
        return Response(SUMMARY, content_type="application/json")

    web.expect_request("/api/v2/summary.json").respond_with_handler(slow_summary)
    dialog = make_dialog(qtbot, config)
    editor, row = add_statuspage_platform(dialog, web.url_for("/api/v2/summary.json"))
    assert not shown(row.error_label) and row.test_button.isEnabled()

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    qtbot.mouseClick(row.test_button, Qt.MouseButton.LeftButton)
    click_took = time.monotonic() - started
    assert click_took < 0.3  # the click returned at once: the poll runs elsewhere
    assert row.test_button.text() == TESTING
    assert not row.test_button.isEnabled()

    qtbot.waitUntil(lambda: shown(row.result_label), timeout=10_000)
    waited = time.monotonic() - started
    timer.stop()
    assert waited >= 0.5
    # The UI thread kept running its event loop while the server slept.
    assert len([t for t in ticks if t - started < 0.5]) >= 10
    assert row.result_label.textFormat() == Qt.TextFormat.PlainText
    assert "All systems operational" in row.result_label.text()
    assert "12 components" in row.result_label.text()
    assert row.result_label.text().startswith("✓")
    assert row.test_button.text() == "Test" and row.test_button.isEnabled()

    assert editor.ok_button is not None and editor.ok_button.isEnabled()
    editor.ok_button.click()
    assert dialog.editor is None
    assert [t["id"] for t in dialog.custom_platforms()] == ["acme"]
    assert "acme" in dialog.visible_platform_ids()
    assert dialog.custom_list.item(0).text() == "Acme Shop (acme)"

    saved = save_and_reload(qtbot, dialog, config)
    assert saved.watch == (*DEFAULT_WATCH, "acme")  # a new platform is watched at once
    acme = saved.platforms()["acme"]
    assert (acme.name, acme.owner, acme.kind) == ("Acme Shop", "Acme Inc.", "social")
    assert [(s.type, s.url) for s in acme.sources] == [("statuspage", web.url_for("/api/v2/summary.json"))]


def test_a_test_reading_html_says_so_as_plain_text(qtbot: QtBot, config: Path, web: HTTPServer) -> None:
    web.expect_request("/status").respond_with_data(
        "<html><body><b>Status</b></body></html>", content_type="text/html"
    )
    dialog = make_dialog(qtbot, config)
    _editor, row = add_statuspage_platform(dialog, web.url_for("/status"))
    row.start_test()
    qtbot.waitUntil(lambda: shown(row.result_label), timeout=10_000)
    assert row.result_label.text().startswith("✗ Could not read it:")
    assert "web page" in row.result_label.text()


def test_a_probe_source_and_an_option_are_kept(qtbot: QtBot, config: Path, web: HTTPServer) -> None:
    web.expect_request("/").respond_with_data("", status=302, headers={"Location": "/login"})
    dialog = make_dialog(qtbot, config)
    editor = dialog.open_editor()
    editor.id_edit.setText("acme-mail")
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("email"))
    row = editor.rows[0]
    row.type_combo.setCurrentIndex(row.type_combo.findData("http_probe"))
    assert all(edit.isHidden() for edit in row.option_edits.values())
    row.target_edit.setText(web.url_for("/"))
    row.start_test()
    qtbot.waitUntil(lambda: shown(row.result_label), timeout=10_000)
    assert "Answered HTTP 302" in row.result_label.text()

    google = editor.add_row(None)
    google.type_combo.setCurrentIndex(google.type_combo.findData("google_incidents"))
    assert not google.option_edits["product"].isHidden()
    assert google.option_edits["org"].isHidden()
    google.target_edit.setText("http://127.0.0.1:9/incidents.json")
    google.option_edits["product"].setText("Acme Mail")
    dns = editor.add_row(None)
    dns.type_combo.setCurrentIndex(dns.type_combo.findData("dns_probe"))
    dns.target_edit.setText("mail.acme.test")
    assert editor.validate()
    editor.ok_button.click()  # type: ignore[union-attr]

    saved = save_and_reload(qtbot, dialog, config)
    (table,) = saved.custom_platforms
    assert table["sources"] == [
        {"type": "google_incidents", "url": "http://127.0.0.1:9/incidents.json", "product": "Acme Mail"}
    ]
    assert table["probes"] == [
        {"type": "http_probe", "url": web.url_for("/")},
        {"type": "dns_probe", "host": "mail.acme.test"},
    ]
    platform = saved.platforms()["acme-mail"]
    assert (platform.name, platform.kind) == ("acme-mail", "email")


def test_a_bad_url_is_refused_with_a_message(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    editor, row = add_statuspage_platform(dialog, "status.acme.test/api/v2/summary.json")
    assert shown(row.error_label)
    assert "https://" in row.error_label.text()
    assert row.error_label.textFormat() == Qt.TextFormat.PlainText
    assert not row.test_button.isEnabled()
    assert editor.ok_button is not None and not editor.ok_button.isEnabled()
    assert "Fix the sources" in editor.platform_error.text()
    editor.ok_button.click()
    assert editor.result_table() is None
    assert dialog.custom_platforms() == []

    row.target_edit.setText("ftp://status.acme.test/summary.json")
    assert shown(row.error_label)
    row.target_edit.clear()
    assert "Enter the address" in row.error_label.text()
    row.type_combo.setCurrentIndex(row.type_combo.findData("dns_probe"))
    row.target_edit.setText("not a host!")
    assert "host name" in row.error_label.text()
    row.target_edit.setText("status.acme.test")
    assert not shown(row.error_label)
    assert editor.ok_button.isEnabled()


def test_bad_or_taken_ids_are_refused(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    editor, _row = add_statuspage_platform(dialog, "http://127.0.0.1:9/summary.json")
    assert editor.ok_button is not None and editor.ok_button.isEnabled()
    editor.id_edit.setText("Acme Shop")
    assert shown(editor.id_error) and not editor.ok_button.isEnabled()
    editor.id_edit.setText("facebook")
    assert "already" in editor.id_error.text()
    editor.id_edit.setText("acme")
    assert not shown(editor.id_error) and editor.ok_button.isEnabled()


def test_the_id_is_suggested_from_the_name_until_the_user_types_one(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    editor = dialog.open_editor()
    assert editor.id_error.text() == ""  # nothing typed yet: no red
    assert editor.ok_button is not None and not editor.ok_button.isEnabled()
    editor.name_edit.editingFinished.emit()  # left empty
    assert "name or an id" in editor.id_error.text()
    editor.name_edit.setText("Acme Shop!")
    assert editor.id_edit.text() == "acme-shop"
    editor.name_edit.setText("Acme Shop & Café")
    assert editor.id_edit.text() == "acme-shop-cafe"
    editor.id_edit.setText("acme")
    editor.name_edit.setText("Acme")
    assert editor.id_edit.text() == "acme"  # the user's own id is never overwritten
    assert suggest_id("  --Ünïcode only--  ") == "unicode-only"
    assert suggest_id("東京") == ""
    assert suggest_id("x" * 60) == "x" * 40


def test_removing_every_source_is_refused(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    editor, row = add_statuspage_platform(dialog, "http://127.0.0.1:9/summary.json")
    row.remove_button.click()
    assert editor.rows == []
    assert "at least one source" in editor.platform_error.text()
    assert editor.ok_button is not None and not editor.ok_button.isEnabled()


def test_editing_keeps_unshown_keys_and_removing_unwatches(qtbot: QtBot, config: Path) -> None:
    table = {
        "id": "acme",
        "name": "Acme",
        "homepage": "https://acme.test/",
        "note": "our shop",
        "sources": [{"type": "statuspage", "url": "http://127.0.0.1:9/summary.json"}],
    }
    settings = Settings(
        watch=("facebook", "acme"),
        custom_platforms=(table,),
        notifications=Notifications(muted=("acme",)),
    )
    dialog = make_dialog(qtbot, config, settings)
    dialog.custom_list.setCurrentRow(0)
    dialog.edit_button.click()
    editor = dialog.editor
    assert editor is not None
    assert editor.id_edit.isReadOnly() and editor.id_edit.text() == "acme"
    editor.name_edit.setText("Acme Shop")
    editor.ok_button.click()  # type: ignore[union-attr]
    (edited,) = dialog.custom_platforms()
    assert edited["name"] == "Acme Shop"
    assert (edited["homepage"], edited["note"]) == ("https://acme.test/", "our shop")
    assert table["name"] == "Acme"  # the caller's settings were not changed behind its back

    dialog.custom_list.setCurrentRow(0)
    dialog.remove_button.click()
    assert dialog.custom_platforms() == []
    assert "acme" not in dialog.visible_platform_ids()
    saved = save_and_reload(qtbot, dialog, config)
    assert saved.watch == ("facebook",)
    assert saved.notifications.muted == ()


def test_a_result_arriving_after_the_editor_closed_is_ignored(
    qtbot: QtBot, config: Path, web: HTTPServer
) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.3)
        return Response(SUMMARY, content_type="application/json")

    web.expect_request("/slow.json").respond_with_handler(slow)
    dialog = make_dialog(qtbot, config)
    editor, row = add_statuspage_platform(dialog, web.url_for("/slow.json"))
    row.start_test()
    editor.reject()
    qtbot.wait(600)  # the answer arrives for a row that is gone; nothing may break
    assert dialog.custom_platforms() == []
    assert dialog.isVisible()


def test_an_edit_during_a_test_hides_the_stale_result(qtbot: QtBot, config: Path, web: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.3)
        return Response(SUMMARY, content_type="application/json")

    web.expect_request("/slow.json").respond_with_handler(slow)
    dialog = make_dialog(qtbot, config)
    _editor, row = add_statuspage_platform(dialog, web.url_for("/slow.json"))
    row.start_test()
    row.target_edit.setText(web.url_for("/slow.json") + "?v=2")
    qtbot.waitUntil(lambda: not row.testing, timeout=10_000)
    assert not shown(row.result_label)  # it described the old address
    assert row.test_button.text() == "Test" and row.test_button.isEnabled()


# -- Saving -----------------------------------------------------------------------------------


def test_an_unwritable_folder_shows_a_message_and_keeps_the_dialog_open(qtbot: QtBot, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the settings folder should be")
    path = blocker / "config.toml"
    dialog = make_dialog(qtbot, path)
    dialog.set_watched("reddit", True)
    dialog.start_at_login.setChecked(True)
    with qtbot.assertNotEmitted(dialog.saved, wait=100):
        dialog.save_button.click()
        qtbot.waitUntil(lambda: shown(dialog.save_error), timeout=5000)
    assert "could not be saved" in dialog.save_error.text()
    assert dialog.save_error.textFormat() == Qt.TextFormat.PlainText
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.save_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert dialog.start_at_login.isChecked()  # nothing lost

    blocker.unlink()
    blocker.mkdir()
    saved = save_and_reload(qtbot, dialog, path)
    assert saved.watch == (*DEFAULT_WATCH, "reddit")
    assert saved.start_at_login is True


def test_escape_is_ignored_while_saving(qtbot: QtBot, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import outagetray.core.settings as module  # the store's save goes through it

    real_save = module.save

    def slow_save(settings: Settings, path: Path | None = None, *, before: Settings | None = None) -> Path:
        time.sleep(0.3)
        return real_save(settings, path, before=before)

    monkeypatch.setattr(module, "save", slow_save)
    dialog = make_dialog(qtbot, config)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
        assert dialog.saving and dialog.save_button.text() == "Saving…"
        dialog.reject()
        assert dialog.isVisible()
    assert config.exists()


def test_open_log_folder_creates_the_folder_and_opens_it(
    qtbot: QtBot, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    from outagetray.core.logfile import log_folder

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    folder = tmp_path / "state" / "OutageTray" / "log"
    dialog = SettingsDialog(Settings(), config, logs=lambda: folder)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(2)
    assert dialog.log_button.text() == "Open log folder" and dialog.log_button.isVisible()
    dialog.log_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=3000)
    assert opened == [QUrl.fromLocalFile(str(folder))]
    assert folder.is_dir()
    assert not shown(dialog.log_error)
    assert SettingsDialog.__init__.__kwdefaults__["logs"] is log_folder  # the app's dialog opens the real one


def test_a_log_folder_that_cannot_be_made_or_opened_is_explained(
    qtbot: QtBot, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    dialog = SettingsDialog(Settings(), config, logs=lambda: blocker / "log")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.log_button.click()
    qtbot.waitUntil(lambda: shown(dialog.log_error), timeout=3000)
    assert dialog.log_error.text().startswith("The log folder could not be created: ")
    dialog2 = SettingsDialog(Settings(), config, logs=lambda: tmp_path / "logs")
    qtbot.addWidget(dialog2)
    dialog2.show()
    dialog2.log_button.click()
    qtbot.waitUntil(lambda: shown(dialog2.log_error), timeout=3000)
    assert dialog2.log_error.text() == f"No file manager could open the log folder. It is {tmp_path / 'logs'}"


def test_names_are_listed_without_control_characters(qtbot: QtBot, config: Path) -> None:
    table = {
        "id": "acme",
        "name": "Acme\x1b[31m Shop\u202e",
        "owner": "Acme\x07 Inc",
        "sources": [{"type": "statuspage", "url": "https://status.acme.example/api/v2/summary.json"}],
    }
    settings = Settings(watch=("acme",), custom_platforms=(table,))
    dialog = make_dialog(qtbot, config, settings)
    platform_texts = [dialog.platform_list.item(i).text() for i in range(dialog.platform_list.count())]
    assert "Acme Shop — Acme Inc" in platform_texts
    custom_texts = [dialog.custom_list.item(i).text() for i in range(dialog.custom_list.count())]
    assert custom_texts == ["Acme Shop (acme)"]
    assert [dialog.mute_list.item(i).text() for i in range(dialog.mute_list.count())] == ["Acme Shop"]


# -- The user's file is the user's (issue 14 item 7) -------------------------------------------

HAND_COMMENTED = """\
# Settings for the shop's social accounts -- Maria, 2026
version = 1

[monitor]
# Every two minutes is plenty for us.
interval_seconds = 120
watch = ["facebook", "instagram", "acme"]   # what we post to

[notifications]
sound = false  # the office is quiet
muted = ["acme"]

# Our own shop.
[[platforms]]
id = "acme"
name = "Acme"
sources = [{ type = "statuspage", url = "http://127.0.0.1:9/summary.json" }]
"""

ADDED_WHILE_RUNNING = """
# Added by hand while OutageTray was running.
[[platforms]]
id = "late-shop"
name = "Late Shop"
sources = [{ type = "statuspage", url = "http://127.0.0.1:9/late.json" }]
"""


def test_saving_a_hand_commented_file_keeps_every_comment_and_a_block_added_meanwhile(
    qtbot: QtBot, config: Path
) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(HAND_COMMENTED, encoding="utf-8")
    dialog = make_dialog(qtbot, config, load(config).settings)  # what the app loaded at start
    with config.open("a", encoding="utf-8") as file:
        file.write(ADDED_WHILE_RUNNING)  # the user edits the file while the window is open
    dialog.set_interval(5, "minutes")  # one change in the window

    saved = save_and_reload(qtbot, dialog, config)
    text = config.read_text(encoding="utf-8")
    for line in (HAND_COMMENTED + ADDED_WHILE_RUNNING).splitlines():
        if "#" in line:
            assert line in text, f"lost: {line}"
    assert ADDED_WHILE_RUNNING.strip() in text  # the hand-added block, word for word
    assert text == (HAND_COMMENTED + ADDED_WHILE_RUNNING).replace(
        "interval_seconds = 120", "interval_seconds = 300"
    )
    assert saved.interval_seconds == 300
    assert [t["id"] for t in saved.custom_platforms] == ["acme", "late-shop"]


def test_a_file_broken_while_the_window_was_open_is_not_written_over(qtbot: QtBot, config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(HAND_COMMENTED, encoding="utf-8")
    dialog = make_dialog(qtbot, config, load(config).settings)
    broken = HAND_COMMENTED.replace("[notifications]", "[notifications")
    config.write_text(broken, encoding="utf-8")
    dialog.set_interval(5, "minutes")
    with qtbot.assertNotEmitted(dialog.saved, wait=100):
        dialog.save_button.click()
        qtbot.waitUntil(lambda: shown(dialog.save_error), timeout=5000)
    assert "did not write over it" in dialog.save_error.text()
    assert "line 9" in dialog.save_error.text()
    assert config.read_text(encoding="utf-8") == broken
    assert dialog.isVisible() and dialog.save_button.isEnabled()


def test_a_mistake_in_a_setting_the_window_shows_is_mended_by_a_save(qtbot: QtBot, config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text("[monitor]\ninterval_seconds = 5  # oops\n", encoding="utf-8")
    assert not load(config).ok
    dialog = make_dialog(qtbot, config, Settings())  # the app runs on defaults because of the mistake
    dialog.start_at_login.setChecked(True)  # the interval shows 1 minute and is left as it is

    saved = save_and_reload(qtbot, dialog, config)
    assert "interval_seconds = 60  # oops" in config.read_text(encoding="utf-8")
    assert (saved.interval_seconds, saved.start_at_login) == (60, True)


def test_a_save_that_leaves_a_mistake_the_window_cannot_mend_says_where_and_stays_open(
    qtbot: QtBot, config: Path
) -> None:
    config.parent.mkdir(parents=True)
    config.write_text("[monitor]\nconfirm_rounds = 0\n", encoding="utf-8")
    dialog = make_dialog(qtbot, config, Settings())
    dialog.set_interval(5, "minutes")
    with qtbot.assertNotEmitted(dialog.saved, wait=100):  # the window's copy is not what the file says
        dialog.save_button.click()
        qtbot.waitUntil(lambda: shown(dialog.save_error), timeout=5000)
    message = dialog.save_error.text()
    lines = config.read_text(encoding="utf-8").splitlines()
    line = lines.index("confirm_rounds = 0") + 1  # the line as the file now has it
    assert message.startswith(f"Saved, but line {line} (monitor.confirm_rounds) still has a mistake: ")
    assert "Traceback" not in message
    assert "interval_seconds = 300" in lines
    assert dialog.isVisible() and dialog.save_button.isEnabled()


# -- Your business (the welcome, reopened) ---------------------------------------------------


def test_your_business_reopens_the_welcome_and_save_writes_its_answers(qtbot: QtBot, config: Path) -> None:
    from outagetray.core.profile import Reach

    config.parent.mkdir(parents=True)
    config.write_text("# mine\n[monitor]\nwatch = ['x']  # just X\n", encoding="utf-8")
    dialog = SettingsDialog(load(config).settings, config)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.business_label.text().startswith("Tell OutageTray about your business")
    dialog.set_watched("reddit", True)  # an edit made before the welcome is kept
    dialog.business_button.click()
    welcome = dialog.welcome
    assert welcome is not None and welcome.isVisible()
    welcome.brand_edit.setText("Acme")
    welcome.audience_checks["instagram"].setChecked(True)
    welcome.follower_spins["instagram"].setValue(800)
    for _ in range(3):
        welcome.next_button.click()
    welcome.next_button.click()  # Finish: nothing is written yet
    assert dialog.welcome is None and "[profile]" not in config.read_text()
    assert dialog.business_label.text() == "Your business: Acme. Press Save to keep your answers."
    ticked = [dialog.platform_list.item(i) for i in range(dialog.platform_list.count())]
    assert [i.data(Qt.ItemDataRole.UserRole) for i in ticked if i.checkState() == Qt.CheckState.Checked] == [
        "instagram",
        "x",
        "reddit",
    ]  # catalog order
    saved = save_and_reload(qtbot, dialog, config)
    assert saved.profile.brand == "Acme" and saved.profile.audience == (Reach("instagram", 800),)
    assert saved.watch == ("x", "reddit", "instagram")
    assert "# just X" in config.read_text()


def test_a_welcome_skipped_from_settings_changes_nothing(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    welcome = dialog.open_welcome()
    welcome.brand_edit.setText("Acme")
    welcome.skip_button.click()
    assert dialog.welcome is None
    assert dialog.collect() == Settings()
