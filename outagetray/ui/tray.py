"""The tray icon: the worst verdict at a glance, and a menu that is always there.

GNOME hides a tray icon that has no context menu, so the menu is created with the
icon and rebuilt in place whenever the state changes. The tray holds no rules: it
shows a RoundReport from the core and emits what the user asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from outagetray.ui.icons import icon_state, load_icon
from outagetray.ui.when import since_text

if TYPE_CHECKING:
    # Only for types: the tray is on the start-up path and must not load the core yet.
    from outagetray.core.judge import PlatformStatus
    from outagetray.core.model import Verdict
    from outagetray.core.monitor import RoundReport

STATES = ("operational", "degraded", "outage", "unknown")


def overall(report: RoundReport | None) -> Verdict | None:
    """The verdict the icon shows, as the core decided it; None while the first round runs."""
    return None if report is None else report.overall


def status_words(status: PlatformStatus, now: datetime | None = None) -> str:
    """The verdict as shown, from the core's fields: "major outage (last known, 16:02)" offline.

    While the user's connection is down the core says "unknown" but keeps what it last
    saw and when (UTC); the time is put in local words here, where it is shown.
    """
    if status.last_known_at is not None and status.last_known != "unknown":
        return f"{status.last_known.label} (last known, {since_text(status.last_known_at, now)})"
    return status.label


def tooltip_text(report: RoundReport | None, now: datetime | None = None) -> str:
    """One line per platform that is not operational, or one all-clear line."""
    if report is None:
        return "OutageTray: checking…"
    if not report.statuses:
        return "OutageTray: no platforms are watched"
    from outagetray.core.redact import one_line

    if report.connectivity.state != "online":
        # An outage seen before the connection dropped stays in view, as last known.
        known = [
            f"{one_line(s.platform.name)}: {status_words(s, now)}"
            for s in report.statuses
            if s.last_known_at is not None and s.last_known.is_problem
        ]
        return "\n".join([f"OutageTray: {report.connectivity.headline}", *known])

    # Names come from the settings file: no control character or bidi override may reorder a line.
    lines = [f"{one_line(s.platform.name)}: {s.label}" for s in report.statuses if s.verdict != "operational"]
    if not lines:
        if len(report.statuses) == 1:  # never "All 1 platforms"
            return f"{one_line(report.statuses[0].platform.name)} is operational"
        return f"All {len(report.statuses)} platforms operational"
    return "\n".join(lines)


def menu_line(status: PlatformStatus, now: datetime | None = None) -> str:
    """One platform in the menu, in the core's words ("partial outage (on and off)", never toggling)."""
    from outagetray.core.redact import one_line

    text = f"{one_line(status.platform.name)}: {status_words(status, now)}"
    if status.verdict.is_problem and status.since is not None:
        text += f" since {since_text(status.since, now)}"
    return text


class Tray(QObject):
    """Owns the QSystemTrayIcon and its menu; emits what the user asked for."""

    check_requested = Signal()
    quit_requested = Signal()
    open_requested = Signal()
    settings_requested = Signal()
    pause_requested = Signal(str)  # "1h", "4h", "tomorrow", or "" to resume
    incident_requested = Signal(int)  # an incident log id: open it in the window
    downdetector_requested = Signal(str)  # a platform id: open its crowd reports
    follow_requested = Signal(str, bool)  # a platform id: "tell me when it's back", on or off

    def __init__(self, parent: QObject | None = None, *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        #: The clock "since" is read against (today shows only the time); tests inject one.
        self._now = now
        self.icon = QSystemTrayIcon(load_icon("unknown"), self)
        self.menu = QMenu()
        self._pause_menu = QMenu("Pause alerts", self.menu)
        self._menu_signature: object = None
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.state = "unknown"
        self._report: RoundReport | None = None
        self._paused_until: datetime | None = None
        self._busy = False
        #: A mistake in the settings file, said in every tooltip until it is fixed.
        self._problem = ""
        #: Incidents the user has not acknowledged yet, as (log id, menu text): the icon carries
        #: a mark and the menu an entry until "I'm on it".
        self._flagged: tuple[tuple[int, str], ...] = ()
        self._followed: frozenset[str] = frozenset()
        self._submenus: list[QMenu] = []
        self._render()

    def show(self) -> None:
        self.icon.show()

    def show_report(self, report: RoundReport | None) -> None:
        self._report = report
        self._busy = False
        self._render()

    def set_paused(self, until: datetime | None) -> None:
        self._paused_until = until
        self._render()

    def set_problem(self, text: str) -> None:
        """A line the tooltip adds under the platforms (e.g. the settings file's mistake); "" removes it."""
        self._problem = text
        self._render()

    def set_playbook(self, flagged: list[tuple[int, str]], followed: frozenset[str]) -> None:
        """What the core says is waiting for the user: unacknowledged incidents, followed platforms."""
        self._flagged = tuple(flagged)
        self._followed = followed
        self._render()

    @property
    def flagged(self) -> bool:
        return bool(self._flagged)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._render()

    def _render(self) -> None:
        report = self._report
        verdict = overall(report)
        state = "unknown" if verdict is None else icon_state(verdict)
        if self._flagged:
            state += "+flag"
        if state != self.state or self.icon.icon().isNull():
            if self._flagged:
                from outagetray.ui.icons import flagged_icon

                self.icon.setIcon(flagged_icon(state.removesuffix("+flag")))
            else:
                self.icon.setIcon(load_icon(state))
        self.state = state
        tip = tooltip_text(report, self._now() if self._now is not None else None)
        if self._problem:
            tip += f"\n{self._problem}"
        if self._paused_until is not None:
            tip += f"\nAlerts paused until {self._paused_until.astimezone().strftime('%a %H:%M')}"
        if self._flagged:
            count = len(self._flagged)
            tip += "\n" + ("1 outage waits for you" if count == 1 else f"{count} outages wait for you")
        if tip != self.icon.toolTip():
            self.icon.setToolTip(tip)
        self._rebuild_menu()

    def _menu_lines(self) -> list[tuple[str, str]]:
        """The platform part of the menu as (text, tooltip) pairs; empty tooltip means disabled."""
        report = self._report
        if report is None:
            return [("Checking platforms…", "")]
        from outagetray.core.redact import shown

        lines = []
        if report.connectivity.state != "online":
            lines.append((report.connectivity.headline, ""))
        if not report.statuses:
            lines.append(("No platforms watched yet", ""))
        now = self._now() if self._now is not None else None
        for status in report.statuses:
            lines.append((menu_line(status, now), shown(status.evidence) or status.label))
        return lines

    def _rebuild_menu(self) -> None:
        """Rebuild the menu only when what it shows changed: most rounds change nothing."""
        lines = self._menu_lines()
        problems = self._problem_platforms()
        signature = (tuple(lines), self._busy, self._paused_until, self._flagged, self._followed, problems)
        if signature == self._menu_signature:
            return
        self._menu_signature = signature
        menu = self.menu
        menu.clear()
        for old in self._submenus:
            old.deleteLater()  # clear() keeps submenus alive: each rebuild would leak them
        self._submenus = []
        from outagetray.core.redact import one_line

        for incident_id, text in self._flagged:
            entry = menu.addAction(f"⚑ {one_line(text)}")
            entry.setToolTip("Open this outage's messages and checklist")
            entry.triggered.connect(lambda _=False, i=incident_id: self.incident_requested.emit(i))
        if self._flagged:
            menu.addSeparator()
        by_id = dict(problems)
        for (text, tip), pid in zip(lines, self._line_ids(), strict=True):
            if pid in by_id:
                menu.addMenu(self._platform_menu(text, pid, tip))
                continue
            line = menu.addAction(text)
            if tip:
                line.setToolTip(tip)
                line.triggered.connect(self.open_requested.emit)
            else:
                line.setEnabled(False)
        menu.addSeparator()
        menu.addAction("Open OutageTray", self.open_requested.emit)
        check = menu.addAction("Checking…" if self._busy else "Check now", self.check_requested.emit)
        check.setEnabled(not self._busy)
        pause = self._pause_menu
        pause.clear()
        pause.setTitle("Pause alerts")
        if self._paused_until is not None:
            until = self._paused_until.astimezone().strftime("%a %H:%M")
            pause.setTitle(f"Alerts paused until {until}")
            pause.addAction("Resume alerts now", lambda: self.pause_requested.emit(""))
            pause.addSeparator()
        pause.addAction("For 1 hour", lambda: self.pause_requested.emit("1h"))
        pause.addAction("For 4 hours", lambda: self.pause_requested.emit("4h"))
        pause.addAction("Until tomorrow morning", lambda: self.pause_requested.emit("tomorrow"))
        menu.addMenu(pause)  # one submenu for the app's life: a new one per round would leak
        menu.addAction("Settings…", self.settings_requested.emit)
        menu.addSeparator()
        menu.addAction("Quit OutageTray", self.quit_requested.emit)

    def _line_ids(self) -> list[str]:
        """The platform id of each menu line ("" for lines about no platform), in _menu_lines' order."""
        report = self._report
        if report is None:
            return [""]
        ids = [""] if report.connectivity.state != "online" else []
        if not report.statuses:
            ids.append("")
        return ids + [s.platform.id for s in report.statuses]

    def _problem_platforms(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of the platforms with a problem now: their lines get the playbook's submenu."""
        report = self._report
        if report is None:
            return ()
        return tuple((s.platform.id, s.platform.name) for s in report.statuses if s.verdict.is_problem)

    def _platform_menu(self, text: str, pid: str, tip: str) -> QMenu:
        submenu = QMenu(text, self.menu)
        submenu.menuAction().setToolTip(tip)  # the evidence, as on a working platform's line
        self._submenus.append(submenu)
        submenu.addAction("Open OutageTray", self.open_requested.emit)
        submenu.addAction("Check Downdetector", lambda: self.downdetector_requested.emit(pid))
        follow = submenu.addAction("Tell me when it's back")
        follow.setCheckable(True)
        follow.setChecked(pid in self._followed)
        follow.toggled.connect(lambda on: self.follow_requested.emit(pid, on))
        return submenu

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()
