"""The "Monitoring" tab: how often to check, start at login, and the log folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from outagetray.core.settings import MAX_INTERVAL, MIN_INTERVAL, Settings, validate_interval
from outagetray.ui.bridge import Jobs
from outagetray.ui.settings.fields import LeftFields, label, show_error

_UNITS = (("seconds", 1), ("minutes", 60))


class MonitoringTab(QWidget):
    """Interval and start-at-login; ``edited`` asks the dialog to check the settings again.

    "Open log folder" creates the folder on ``jobs`` (off the UI thread: the
    settings folder may sit on a slow network drive) and shows it in the file manager.
    """

    edited = Signal()

    def __init__(
        self, settings: Settings, logs: Callable[[], Path], jobs: Jobs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._logs = logs
        self._jobs = jobs
        seconds = settings.interval_seconds
        self.interval_value = QSpinBox()
        self.interval_value.setRange(0, 10 * MAX_INTERVAL)
        self.interval_unit = QComboBox()
        for name, factor in _UNITS:
            self.interval_unit.addItem(name, factor)
        if seconds % 60 == 0:
            self.interval_unit.setCurrentIndex(1)
            self.interval_value.setValue(seconds // 60)
        else:
            self.interval_value.setValue(seconds)
        self.interval_error = label(error=True)
        self.start_at_login = QCheckBox("Start OutageTray when I log in")
        self.start_at_login.setChecked(settings.start_at_login)
        row = QHBoxLayout()
        row.addWidget(label("Check every", wrap=False))
        row.addWidget(self.interval_value)
        row.addWidget(self.interval_unit)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.interval_error)
        layout.addWidget(
            label(
                f"From {MIN_INTERVAL} seconds to {MAX_INTERVAL // 3600} hours. Status pages are asked "
                "no more often than this, so a shorter time does not make them answer faster."
            )
        )
        layout.addSpacing(12)
        layout.addWidget(self.start_at_login)
        layout.addSpacing(12)
        self.log_button = QPushButton("Open log folder")
        self.log_button.setToolTip(
            "Where OutageTray writes down what it saw and every alert it sent or held back"
        )
        self.log_error = label(error=True)
        log_row = QHBoxLayout()
        log_row.addWidget(
            label(
                "OutageTray keeps a log of every change it saw and every alert it sent or held back, and why."
            )
        )
        log_row.addWidget(self.log_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(log_row)
        layout.addWidget(self.log_error)
        layout.addStretch(1)
        self.log_button.clicked.connect(self.open_log_folder)
        #: The interval's error shows once the number was left or a unit chosen, not while typing.
        self._left = LeftFields(self, self.edited.emit)
        self._left.watch("interval", self.interval_value)
        self.interval_value.valueChanged.connect(lambda _v: self.edited.emit())
        self.interval_unit.currentIndexChanged.connect(lambda _i: self._left.leave("interval"))

    def interval_seconds(self) -> int:
        return int(self.interval_value.value()) * int(self.interval_unit.currentData())

    def set_interval(self, value: int, unit: str = "seconds") -> None:
        """Enter an interval as the user would: a number and a unit ("seconds" or "minutes")."""
        self.interval_unit.setCurrentIndex([name for name, _ in _UNITS].index(unit))
        self.interval_value.setValue(value)
        self._left.leave("interval")  # as the user would: typed, then moved on

    def problems(self) -> dict[str, str]:
        """What on this tab stops a save, by field ("interval"); empty when all is well."""
        problem = validate_interval(self.interval_seconds())  # the core's rule, not a copy of it
        return {"interval": problem} if problem else {}

    def show_problems(self, found: dict[str, str]) -> set[str]:
        """Show the problems due (fields already left); returns the names of those shown."""
        shown = found.get("interval", "") if "interval" in self._left else ""
        show_error(self.interval_error, shown)
        return {"interval"} if shown else set()

    def open_log_folder(self) -> None:
        """Show the log folder in the file manager, creating it first (off the UI thread) if missing."""
        find = self._logs

        def make() -> Path:
            folder = find()
            folder.mkdir(parents=True, exist_ok=True)
            return folder

        show_error(self.log_error, "")
        self._jobs.submit(make, self, self._log_folder_ready)

    def _log_folder_ready(self, outcome: object) -> None:
        if not isinstance(outcome, Path):
            reason = outcome.strerror if isinstance(outcome, OSError) and outcome.strerror else str(outcome)
            show_error(self.log_error, f"The log folder could not be created: {reason}.")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(outcome))):
            show_error(self.log_error, f"No file manager could open the log folder. It is {outcome}")
