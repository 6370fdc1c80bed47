"""The tray icon: the worst verdict at a glance, and a menu that is always there.

GNOME hides a tray icon that has no context menu, so the menu is created with
the icon and rebuilt in place whenever the state changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from outagetray.core.check import CheckReport
from outagetray.core.model import Verdict, worst
from outagetray.ui.icons import icon_state, load_icon


def overall(report: CheckReport | None) -> Verdict:
    """The verdict the icon shows: the worst problem, else unknown if anything is unknown."""
    if report is None or not report.platforms:
        return Verdict.UNKNOWN
    return worst(p.verdict for p in report.platforms)


def tooltip_text(report: CheckReport | None) -> str:
    """One line per platform that is not operational, or a single all-clear line."""
    if report is None:
        return "OutageTray: checking…"
    lines = [
        f"{p.platform.name}: {p.verdict.label}"
        for p in report.platforms
        if p.verdict is not Verdict.OPERATIONAL
    ]
    if not lines:
        return f"All {len(report.platforms)} platforms operational"
    return "\n".join(lines)


class Tray(QObject):
    """Owns the QSystemTrayIcon and its menu; emits what the user asked for."""

    check_requested = Signal()
    quit_requested = Signal()
    open_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons = {state: load_icon(state) for state in ("operational", "degraded", "outage", "unknown")}
        self.icon = QSystemTrayIcon(self._icons["unknown"], self)
        self.menu = QMenu()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.state = "unknown"
        self.show_report(None)

    def show(self) -> None:
        self.icon.show()

    def show_report(self, report: CheckReport | None, busy: bool = False) -> None:
        self.state = icon_state(overall(report))
        self.icon.setIcon(self._icons[self.state])
        self.icon.setToolTip(tooltip_text(report))
        self._rebuild_menu(report, busy)

    def _rebuild_menu(self, report: CheckReport | None, busy: bool) -> None:
        self.menu.clear()
        if report is None:
            self.menu.addAction("Checking platforms…").setEnabled(False)
        else:
            if report.connectivity.state.value != "online":
                self.menu.addAction(f"Your connection: {report.connectivity.detail}").setEnabled(False)
            for item in report.platforms:
                action = QAction(f"{item.platform.name}: {item.verdict.label}", self.menu)
                action.setToolTip(item.summary)
                action.setEnabled(False)
                self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction("Open OutageTray", self.open_requested.emit)
        check = self.menu.addAction("Checking…" if busy else "Check now", self.check_requested.emit)
        check.setEnabled(not busy)
        self.menu.addSeparator()
        self.menu.addAction("Quit", self.quit_requested.emit)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()
