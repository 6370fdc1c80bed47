"""The Settings window and the settings file follow one set of rules, and say so politely.

Issue 14 item 9: the window asks the core (``validate_url``, ``validate_interval``,
``validate_quiet_hours``) instead of keeping its own copy of the rules, so what one
accepts the other accepts; errors appear once a field is left, never before anything
was typed; and an error label keeps its place, so the fields do not jump.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTime
from pytestqt.qtbot import QtBot

from outagetray.core import settings as core
from outagetray.ui.settings.dialog import SettingsDialog

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

URLS = [
    "https://a b.example/",
    "http://x.example/",
    "",
    "ftp://x",
    "https://x.example/a b",
    " https://x.example/api/v2/summary.json ",
    "https://x..example/",
    "https://x.example/api/v2/summary.json",
    "status.example.com/api/v2/summary.json",
    "https://x.example:0/",
    "https://",
    "HTTPS://x.example/",
]


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> SettingsDialog:
    window = SettingsDialog(core.Settings(), tmp_path / "config.toml")
    qtbot.addWidget(window)
    window.show()
    return window


def file_accepts_url(tmp_path: Path, url: str) -> bool:
    path = tmp_path / "config.toml"
    quoted = json.dumps(url)  # a JSON string is a TOML basic string
    table = (
        f'[[platforms]]\nid = "acme"\nname = "Acme"\nsources = [{{ type = "statuspage", url = {quoted} }}]\n'
    )
    path.write_text(table, encoding="utf-8")
    return core.load(path).ok


@pytest.mark.parametrize("url", URLS)
def test_the_window_accepts_an_address_exactly_when_the_core_does(
    dialog: SettingsDialog, tmp_path: Path, url: str
) -> None:
    editor = dialog.open_editor()
    editor.id_edit.setText("acme")
    row = editor.rows[0]
    row.type_combo.setCurrentIndex(row.type_combo.findData("statuspage"))
    row.target_edit.setText(url)
    row.target_edit.editingFinished.emit()
    core_ok = core.validate_url(url) is None
    assert row.is_valid == core_ok
    assert (editor.result_table() is not None) == core_ok
    assert bool(row.error_label.text()) == (not core_ok)
    if not core_ok:
        assert row.error_label.text() == core.validate_url(url)  # the core's words, as they are
    # The window saves the address without surrounding spaces; the file reads it by the same rule.
    assert file_accepts_url(tmp_path, url.strip()) == core_ok


def test_a_space_anywhere_in_an_address_is_refused_in_plain_words() -> None:
    for url in ("https://a b.example/", "https://x.example/a b", "https://x.example/\tb"):
        problem = core.validate_url(url)
        assert problem is not None and "Traceback" not in problem


def test_the_hint_and_the_error_agree_that_http_is_fine(dialog: SettingsDialog) -> None:
    editor = dialog.open_editor()
    row = editor.rows[0]
    row.type_combo.setCurrentIndex(row.type_combo.findData("statuspage"))
    row.target_edit.setText("ftp://x")
    row.target_edit.editingFinished.emit()
    assert "https://" in row.error_label.text() and "http://" in row.error_label.text()
    assert "http://" in row.target_edit.toolTip()
    row.target_edit.setText("http://x.example/")
    assert row.is_valid and row.error_label.text() == ""


def test_no_red_before_anything_is_typed_and_errors_appear_once_a_field_is_left(
    dialog: SettingsDialog,
) -> None:
    editor = dialog.open_editor()
    row = editor.rows[0]
    assert (editor.id_error.text(), editor.platform_error.text(), row.error_label.text()) == ("", "", "")
    assert editor.ok_button is not None and not editor.ok_button.isEnabled()  # still not savable
    editor.name_edit.setText("Acme")  # fills in the id "acme"
    editor.name_edit.editingFinished.emit()
    assert editor.id_error.text() == ""
    row.target_edit.setText("https://a b")  # being typed
    assert row.error_label.text() == ""
    assert not row.test_button.isEnabled()
    row.target_edit.editingFinished.emit()  # the user moves on
    assert "space" in row.error_label.text()
    assert "Fix the sources" in editor.platform_error.text()
    row.target_edit.setText("https://a.example/")  # once left, the error follows every edit
    assert row.error_label.text() == ""


def test_the_interval_error_waits_for_the_field_to_be_left(dialog: SettingsDialog) -> None:
    dialog.interval_value.setValue(0)  # typing "0" on the way to "0 minutes"? no: still typing
    assert dialog.interval_error.text() == ""
    assert not dialog.save_button.isEnabled()
    dialog.interval_value.editingFinished.emit()
    assert dialog.interval_error.text() == core.validate_interval(0)


@pytest.mark.parametrize("seconds", [0, 14, 15, 60, 86_400, 86_401])
def test_the_interval_rule_is_the_cores(dialog: SettingsDialog, tmp_path: Path, seconds: int) -> None:
    dialog.set_interval(seconds, "seconds")
    core_ok = core.validate_interval(seconds) is None
    assert dialog.save_button.isEnabled() == core_ok
    path = tmp_path / "config.toml"
    path.write_text(f"[monitor]\ninterval_seconds = {seconds}\n", encoding="utf-8")
    assert core.load(path).ok == core_ok


@pytest.mark.parametrize(("start", "end"), [("07:00", "07:00"), ("22:00", "07:00"), ("00:00", "00:00")])
def test_quiet_hours_from_a_time_to_the_same_time_are_refused_by_both(
    dialog: SettingsDialog, tmp_path: Path, start: str, end: str
) -> None:
    dialog.quiet_check.setChecked(True)
    dialog.quiet_start.setTime(QTime.fromString(start, "HH:mm"))
    dialog.quiet_end.setTime(QTime.fromString(end, "HH:mm"))
    dialog.quiet_end.editingFinished.emit()
    problem = core.validate_quiet_hours(start, end)
    assert (problem is None) == (start != end)
    assert dialog.save_button.isEnabled() == (problem is None)
    assert dialog.quiet_error.text() == (problem or "")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[notifications]\nquiet_hours = {{ start = "{start}", end = "{end}" }}\n', encoding="utf-8"
    )
    loaded = core.load(path)
    # A file with equal times is not thrown away over them: they are ignored, with a warning.
    assert loaded.ok
    assert (loaded.settings.notifications.quiet_start is None) == (problem is not None)
    assert bool(loaded.warnings) == (problem is not None)


def test_an_error_appearing_does_not_move_the_fields_below(qtbot: QtBot, dialog: SettingsDialog) -> None:
    dialog.tabs.setCurrentWidget(dialog.monitoring_tab)
    qtbot.wait(20)
    below = dialog.start_at_login.geometry().y()
    assert not dialog.interval_error.isHidden() and dialog.interval_error.height() > 0
    dialog.set_interval(5, "seconds")
    qtbot.wait(20)
    assert "too short" in dialog.interval_error.text()
    assert dialog.start_at_login.geometry().y() == below
    dialog.set_interval(2, "minutes")
    qtbot.wait(20)
    assert dialog.interval_error.text() == ""
    assert dialog.start_at_login.geometry().y() == below


def test_the_summary_names_the_field_until_its_error_is_shown(dialog: SettingsDialog) -> None:
    assert dialog.problem_label.text() == ""
    dialog.interval_value.setValue(0)  # still in the field: its own error waits
    assert dialog.interval_error.text() == "" and not dialog.save_button.isEnabled()
    assert dialog.problem_label.text() == "To save, fix how often to check (Monitoring tab)."
    dialog.interval_value.editingFinished.emit()  # left: now the field itself is marked
    assert dialog.interval_error.text() == core.validate_interval(0)
    assert dialog.problem_label.text() == "Fix the marked fields to save."
    dialog.interval_value.setValue(2)
    assert dialog.problem_label.text() == "" and dialog.save_button.isEnabled()
