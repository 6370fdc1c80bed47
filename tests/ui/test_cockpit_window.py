"""The window as a cockpit: tabs built when first shown, the app's methods and signals, the setup offer."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from outagetray.core.checklist import load_checklist
from outagetray.core.drafts import DraftLibrary
from outagetray.core.model import Verdict
from outagetray.core.playbook_history import ExportTarget
from outagetray.core.profile import Profile
from outagetray.ui.window import TABS, StatusWindow
from tests.core.test_playbook import BERLIN, NOW, meta_incident, settings
from tests.ui.helpers import report, status


@pytest.fixture
def window(qtbot: QtBot) -> StatusWindow:
    window = StatusWindow(now=lambda: NOW, tz=BERLIN)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_tabs_are_now_incident_history_and_reach_and_only_now_is_built(window: StatusWindow) -> None:
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == list(TABS)
    assert window.incident_view is None and window.history_view is None and window.reach_view is None
    window.tabs.setCurrentIndex(TABS.index("History"))
    assert window.history_view is not None and window.incident_view is None


def test_the_cockpit_modules_are_imported_only_when_their_tab_is_shown() -> None:
    """Opening the window for a glance must not load the drafts, limits or the cockpit's views."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from outagetray.ui.window import StatusWindow\n"
        "w = StatusWindow(); w.show(); app.processEvents()\n"
        "heavy = ['outagetray.ui.cockpit.incident_view', 'outagetray.ui.cockpit.history_view',\n"
        "         'outagetray.core.drafts', 'outagetray.core.limits', 'outagetray.core.playbook']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "w.tabs.setCurrentIndex(1); app.processEvents()\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=Path(__file__).resolve().parents[2],
    )
    before, after = out.stdout.strip().splitlines()
    assert before == "[]"
    assert "outagetray.ui.cockpit.incident_view" in after and "outagetray.core.playbook" in after


def test_show_incident_switches_to_the_incident_tab_on_it(window: StatusWindow, tmp_path: Path) -> None:
    window.set_playbook(settings(), DraftLibrary(tmp_path / "d.toml"), load_checklist())
    older = meta_incident(
        id=3, started_at=NOW - timedelta(days=2), ended_at=NOW - timedelta(days=2, hours=-1)
    )
    window.show_incidents([meta_incident()], [meta_incident(), older])
    assert window.open_incident.text() == "Facebook and Instagram: major outage, since Wed 2 Dec 14:00."
    window.show_incident(3)
    assert window.tabs.currentIndex() == TABS.index("Incident")
    view = window.incident_view
    assert view is not None and view.page is not None and view.page.incident_id == 3
    assert view.page.status == "Over: it lasted 1 h"
    window.open_playbook.click()  # the Now tab's button goes to the open one
    assert view.page.incident_id == 7


def test_an_incident_asked_for_before_the_log_answered_is_shown_when_it_does(window: StatusWindow) -> None:
    window.show_incident(7)
    view = window.incident_view
    assert view is not None and view.page is None and view.empty.isVisibleTo(window)
    window.show_incidents([meta_incident()], [meta_incident()])
    assert view.page is not None and view.page.incident_id == 7


def test_action_taken_carries_the_incident_id(window: StatusWindow, qtbot: QtBot, tmp_path: Path) -> None:
    window.set_playbook(settings(), DraftLibrary(tmp_path / "d.toml"), load_checklist())
    window.show_incidents([meta_incident()], [meta_incident()])
    window.show_incident(7)
    assert window.incident_view is not None
    with qtbot.waitSignal(window.action_taken) as taken:
        window.incident_view.acknowledge.click()
    assert taken.args == [7, "acknowledged", ""]


def test_exports_ask_for_a_file_then_emit_the_request(window: StatusWindow, qtbot: QtBot) -> None:
    asked: list[tuple[str, str, str]] = []

    def ask(title: str, name: str, kind: str) -> Path | None:
        asked.append((title, name, kind))
        return Path("/tmp/chosen") / name

    window.ask_save_path = ask
    window.show_incidents([meta_incident()], [meta_incident()])
    window.tabs.setCurrentIndex(TABS.index("History"))
    assert window.history_view is not None
    with qtbot.waitSignal(window.export_requested) as request:
        window.history_view.export_html.click()
    fmt, target = request.args
    assert fmt == "html" and isinstance(target, ExportTarget)
    assert target.incident is None and target.start == NOW - timedelta(hours=24) and target.end == NOW
    assert target.path.name == "outages-2026-12-01-to-2026-12-02.html"
    window.show_incident(7)
    assert window.incident_view is not None
    with qtbot.waitSignal(window.export_requested) as request:
        window.incident_view.export_csv.click()
    assert request.args[0] == "csv" and request.args[1].incident == 7
    assert asked[-1] == ("Save the outage as", "outage-7.csv", "Spreadsheet (*.csv)")


def test_a_cancelled_save_dialog_exports_nothing(window: StatusWindow, qtbot: QtBot) -> None:
    window.ask_save_path = lambda title, name, kind: None
    window.tabs.setCurrentIndex(TABS.index("History"))
    assert window.history_view is not None
    with qtbot.assertNotEmitted(window.export_requested):
        window.history_view.export_csv.click()


def test_the_save_dialog_opens_without_waiting_and_its_choice_is_exported(
    window: StatusWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """The app's rule: never exec(). The click returns at once; the choice arrives by a signal."""
    assert window.ask_save_path is None  # the app's case: the real dialog
    window.tabs.setCurrentIndex(TABS.index("History"))
    assert window.history_view is not None
    with qtbot.assertNotEmitted(window.export_requested):
        window.history_view.export_html.click()  # returns: no nested event loop waits for the user
    dialog = window.cockpit.save_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Save the outages as"
    assert dialog.acceptMode() is QFileDialog.AcceptMode.AcceptSave
    assert dialog.selectedFiles()[0].endswith("outages-2026-12-01-to-2026-12-02.html")
    window.history_view.export_csv.click()  # while one is open, no second one
    assert window.cockpit.save_dialog is dialog
    dialog.selectFile(str(tmp_path / "report.html"))
    with qtbot.waitSignal(window.export_requested) as request:
        dialog.accept()
    fmt, target = request.args
    assert fmt == "html" and target.path == tmp_path / "report.html" and target.end == NOW
    assert window.cockpit.save_dialog is None


def test_a_save_dialog_closed_without_a_choice_exports_nothing(window: StatusWindow, qtbot: QtBot) -> None:
    window.tabs.setCurrentIndex(TABS.index("History"))
    assert window.history_view is not None
    window.history_view.export_csv.click()
    dialog = window.cockpit.save_dialog
    assert dialog is not None
    with qtbot.assertNotEmitted(window.export_requested):
        dialog.reject()
    assert window.cockpit.save_dialog is None


def test_the_setup_offer_shows_until_the_profile_is_done(
    window: StatusWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    library = DraftLibrary(tmp_path / "d.toml")
    assert window.setup_banner is None  # nothing known yet: nothing offered
    window.set_playbook(settings(profile=Profile()), library, load_checklist())
    banner = window.setup_banner
    assert banner is not None and banner.isVisible()
    assert "OutageTray can also prepare your messages" in banner.text.text()
    assert "Tells you when Facebook" in banner.text.text()  # what it will do for the user
    with qtbot.waitSignal(window.setup_requested):
        banner.setup.click()
    window.set_playbook(settings(), library, load_checklist())
    assert not banner.isVisible()


def test_closing_the_setup_offer_hides_it_for_the_session(window: StatusWindow, tmp_path: Path) -> None:
    library = DraftLibrary(tmp_path / "d.toml")
    window.set_playbook(settings(profile=Profile()), library, load_checklist())
    assert window.setup_banner is not None
    window.setup_banner.close_button.click()
    window.set_playbook(settings(profile=Profile(tone="formal")), library, load_checklist())
    assert not window.setup_banner.isVisible()


def test_a_done_profile_builds_no_banner(window: StatusWindow, tmp_path: Path) -> None:
    window.set_playbook(settings(), DraftLibrary(tmp_path / "d.toml"), load_checklist())
    assert window.setup_banner is None


def test_tell_me_when_its_back_from_the_now_tab(window: StatusWindow, qtbot: QtBot) -> None:
    window.show_report(
        report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails"), status("x", Verdict.OPERATIONAL))
    )
    assert not window.follow.isEnabled()
    window.table.selectRow(1)
    assert not window.follow.isEnabled()  # nothing to come back from
    window.table.selectRow(0)
    assert window.follow.isEnabled()
    with qtbot.waitSignal(window.follow_requested) as asked:
        window.follow.click()
    assert asked.args == ["facebook", True]
    assert window.follow.isChecked()
    with qtbot.waitSignal(window.follow_requested) as asked:
        window.follow.click()
    assert asked.args == ["facebook", False]


def test_the_log_notice_is_shown_as_plain_text(window: StatusWindow) -> None:
    window.set_log_notice("Another OutageTray is recording outages <b>here</b>")
    assert window.log_notice.isVisible()
    assert window.log_notice.text() == "Another OutageTray is recording outages <b>here</b>"
    window.set_log_notice("")
    assert not window.log_notice.isVisible()


def test_tell_me_when_its_back_from_the_tables_menu(window: StatusWindow, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMenu

    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE), status("x", Verdict.OPERATIONAL)))
    window._table_menu(window.table.visualItemRect(window.table.item(1, 0)).center())
    assert window.findChildren(QMenu) == []  # nothing to come back from: no menu
    window._table_menu(window.table.visualItemRect(window.table.item(0, 0)).center())
    [menu] = window.findChildren(QMenu)
    [follow] = menu.actions()
    assert follow.text() == "Tell me when it's back" and not follow.isChecked()
    with qtbot.waitSignal(window.follow_requested) as asked:
        follow.trigger()
    assert asked.args == ["facebook", True]
    menu.close()


def test_the_app_can_say_what_is_followed(window: StatusWindow) -> None:
    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE)))
    window.table.selectRow(0)
    assert not window.follow.isChecked()
    window.set_following(["facebook"])
    assert window.follow.isChecked()
