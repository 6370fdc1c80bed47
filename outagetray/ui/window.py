"""The main window: every watched platform with its verdict and what the sources say.

All text from the network is shown as plain text (never rich text), so a status
page cannot inject markup or links into the app.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.check import CheckReport


class StatusWindow(QWidget):
    check_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("OutageTray")
        self.resize(640, 360)
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.connection = QLabel("Checking your connection…")
        self.connection.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Platform", "Status", "What the sources say"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.check_button = QPushButton("Check now")
        self.check_button.clicked.connect(self.check_requested.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.connection)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def show_notice(self, text: str) -> None:
        """A message the user must see, e.g. why there is no tray icon or what was wrong in settings."""
        self.notice.setText(text)
        self.notice.show()

    def set_busy(self, busy: bool) -> None:
        self.check_button.setEnabled(not busy)
        self.check_button.setText("Checking…" if busy else "Check now")

    def show_report(self, report: CheckReport) -> None:
        link = report.connectivity
        self.connection.setText(f"Your connection: {link.state.value.replace('_', ' ')} ({link.detail})")
        self.table.setRowCount(len(report.platforms))
        for row, item in enumerate(report.platforms):
            for column, text in enumerate((item.platform.name, item.verdict.label, item.summary)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
