"""The "Notifications" tab: pop-ups on or off, per-platform mute, quiet hours, sound, cool-down."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.redact import one_line
from outagetray.core.settings import Notifications, validate_quiet_hours
from outagetray.ui.settings.draft import Draft
from outagetray.ui.settings.fields import LeftFields, label, show_error


class NotificationsTab(QWidget):
    """The notification rules; ticks in the mute list write ``draft.muted``.

    ``edited`` asks the dialog to check the settings again (quiet hours).
    """

    edited = Signal()

    def __init__(self, notes: Notifications, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._draft = draft
        self.notify_enabled = QCheckBox("Tell me when a watched platform has problems")
        self.notify_enabled.setChecked(notes.enabled)
        self.mute_list = QListWidget()
        self.quiet_check = QCheckBox("Quiet hours: hold back pop-ups from")
        self.quiet_check.setChecked(bool(notes.quiet_start and notes.quiet_end))
        self.quiet_start = QTimeEdit(QTime.fromString(notes.quiet_start or "22:00", "HH:mm"))
        self.quiet_end = QTimeEdit(QTime.fromString(notes.quiet_end or "07:00", "HH:mm"))
        for edit in (self.quiet_start, self.quiet_end):
            edit.setDisplayFormat("HH:mm")
        self.quiet_error = label(error=True)
        self.sound_check = QCheckBox("Play a sound with each pop-up")
        self.sound_check.setChecked(notes.sound)
        self.cooldown = QSpinBox()
        self.cooldown.setRange(0, 1440)
        self.cooldown.setSuffix(" min")
        self.cooldown.setValue(notes.cooldown_minutes)

        quiet_row = QHBoxLayout()
        quiet_row.addWidget(self.quiet_check)
        quiet_row.addWidget(self.quiet_start)
        quiet_row.addWidget(label("to", wrap=False))
        quiet_row.addWidget(self.quiet_end)
        quiet_row.addStretch(1)
        cooldown_row = QHBoxLayout()
        cooldown_row.addWidget(label("Do not repeat a pop-up about the same platform within", wrap=False))
        cooldown_row.addWidget(self.cooldown)
        cooldown_row.addStretch(1)
        self._notification_parts = QWidget()
        parts = QVBoxLayout(self._notification_parts)
        parts.setContentsMargins(0, 0, 0, 0)
        parts.addWidget(label("Show these in the window, but never pop up a message about them (mute):"))
        parts.addWidget(self.mute_list, 1)
        parts.addLayout(quiet_row)
        parts.addWidget(self.quiet_error)
        parts.addWidget(self.sound_check)
        parts.addLayout(cooldown_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notify_enabled)
        layout.addWidget(self._notification_parts, 1)

        self.fill_mute_list()
        self.notify_enabled.toggled.connect(self._notifications_toggled)
        self._notifications_toggled(notes.enabled)
        self.mute_list.itemChanged.connect(self._mute_toggled)
        #: The quiet hours' error shows once a time was left or the box ticked, not while typing.
        self._left = LeftFields(self, self.edited.emit)
        self._left.watch("quiet_hours", self.quiet_start, self.quiet_end)
        self.quiet_check.toggled.connect(lambda _on: self._left.leave("quiet_hours"))
        self.quiet_start.timeChanged.connect(lambda _t: self.edited.emit())
        self.quiet_end.timeChanged.connect(lambda _t: self.edited.emit())

    def _notifications_toggled(self, enabled: bool) -> None:
        # Greyed out, not cleared: turning pop-ups back on restores every choice made before.
        self._notification_parts.setEnabled(enabled)

    def fill_mute_list(self) -> None:
        """One line per watched platform, in watch order; ticked means muted."""
        platforms = self._draft.platforms()
        self.mute_list.blockSignals(True)
        self.mute_list.clear()
        for pid in self._draft.watch:
            platform = platforms.get(pid)
            if platform is None:
                continue
            item = QListWidgetItem(one_line(platform.name))
            item.setData(Qt.ItemDataRole.UserRole, pid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if pid in self._draft.muted else Qt.CheckState.Unchecked)
            self.mute_list.addItem(item)
        self.mute_list.blockSignals(False)

    def _mute_toggled(self, item: QListWidgetItem) -> None:
        pid = str(item.data(Qt.ItemDataRole.UserRole))
        muted = self._draft.muted
        if item.checkState() == Qt.CheckState.Checked:
            if pid not in muted:
                muted.append(pid)
        elif pid in muted:
            muted.remove(pid)

    def set_muted(self, pid: str, muted: bool) -> None:
        """Tick or untick a platform in the mute list, as a click would."""
        for index in range(self.mute_list.count()):
            item = self.mute_list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == pid:
                item.setCheckState(Qt.CheckState.Checked if muted else Qt.CheckState.Unchecked)
                return
        raise KeyError(pid)

    def problems(self) -> dict[str, str]:
        """What on this tab stops a save, by field ("quiet_hours"); empty when all is well."""
        if not self.quiet_check.isChecked():
            return {}
        start, end = (edit.time().toString("HH:mm") for edit in (self.quiet_start, self.quiet_end))
        problem = validate_quiet_hours(start, end)  # the core's rule, so the file and the window agree
        return {"quiet_hours": problem} if problem else {}

    def show_problems(self, found: dict[str, str]) -> set[str]:
        """Show the problems due (fields already left); returns the names of those shown."""
        shown = found.get("quiet_hours", "") if "quiet_hours" in self._left else ""
        show_error(self.quiet_error, shown)
        return {"quiet_hours"} if shown else set()

    def notifications(self, known: Collection[str]) -> Notifications:
        """The rules as the tab shows them; mutes of platforms not in ``known`` are dropped."""
        quiet = self.quiet_check.isChecked()
        return Notifications(
            enabled=self.notify_enabled.isChecked(),
            muted=tuple(pid for pid in dict.fromkeys(self._draft.muted) if pid in known),
            quiet_start=self.quiet_start.time().toString("HH:mm") if quiet else None,
            quiet_end=self.quiet_end.time().toString("HH:mm") if quiet else None,
            sound=self.sound_check.isChecked(),
            cooldown_minutes=int(self.cooldown.value()),
        )
