"""The History tab: a bar per watched platform over 24 hours or 30 days, and the past incidents.

The bars paint :class:`outagetray.core.playbook.HistoryRow` values as they are: where each
stretch starts and ends, its verdict and its words are decided in the core (from
core/timeline.py, the same source the exports draw), so the screen and a report
attached to a claim cannot disagree. Each bar says its stretches in its tooltip and its
accessible description, so a screen reader hears the times a sighted user sees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.model import Verdict
from outagetray.core.playbook_history import SPANS, HistoryPage, HistoryRow, IncidentRow, Stretch
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.widgets import plain_label, plain_tip

#: Colours by verdict: green fine, blue planned work, amber to red for worse trouble, grey unknown.
COLORS = {
    Verdict.OPERATIONAL: QColor("#2e9d4f"),
    Verdict.MAINTENANCE: QColor("#3b7dd8"),
    Verdict.DEGRADED: QColor("#e8b400"),
    Verdict.PARTIAL_OUTAGE: QColor("#e8730c"),
    Verdict.MAJOR_OUTAGE: QColor("#d13438"),
    Verdict.UNKNOWN: QColor("#a0a0a0"),
}
#: A stretch narrower than this many pixels is still drawn this wide: a ten-minute
#: outage on a 30-day bar must not vanish.
MIN_PROBLEM_WIDTH = 2.0


class TimelineBar(QWidget):
    """One platform's stretches, painted left (oldest) to right (now)."""

    def __init__(self, row: HistoryRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row: HistoryRow | None = None
        #: The merged columns of the last paint, by bar width.
        self._runs: dict[int, list[tuple[int, int, Verdict]]] = {}
        self.setMinimumHeight(18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        if row is not None:
            self.set_row(row)

    def sizeHint(self) -> QSize:
        return QSize(360, 20)

    def set_row(self, row: HistoryRow) -> None:
        self._row = row
        self._runs = {}
        name = one_line(shown(row.name))
        self.setAccessibleName(f"{name} timeline")
        lines = [one_line(shown(row.summary))]
        lines += [one_line(shown(line)) for line in row.problem_lines()]
        self.setAccessibleDescription("\n".join(lines))
        self.setToolTip(plain_tip(f"{name}: {lines[0]}"))
        self.update()

    def row(self) -> HistoryRow | None:
        return self._row

    def stretch_at(self, x: float) -> Stretch | None:
        """The stretch under pixel column ``x``; problems win over their wider neighbours."""
        if self._row is None or self.width() <= 0:
            return None
        found: Stretch | None = None
        for stretch in self._row.stretches:
            left, right = self._span(stretch)
            if left - 1 <= x <= right + 1 and (found is None or stretch.verdict.is_problem):
                found = stretch
        return found

    def _span(self, stretch: Stretch) -> tuple[float, float]:
        width = float(self.width())
        left, right = stretch.start * width, stretch.end * width
        if stretch.verdict.is_problem and right - left < MIN_PROBLEM_WIDTH:
            right = min(width, left + MIN_PROBLEM_WIDTH)
        return left, right

    def runs(self, width: int) -> list[tuple[int, int, Verdict]]:
        """(first column, end column, verdict) to paint: each pixel column shows its worst verdict.

        A month of a flapping platform can hold thousands of stretches; painting them one
        by one would cost the UI thread for pixels nobody can tell apart. Columns are
        merged first, so a paint is at most one rectangle per column, and a short outage
        still wins the columns it touches over the green around it.
        """
        if self._row is None or width <= 0:
            return []
        cached = self._runs.get(width)
        if cached is not None:
            return cached
        best: list[Verdict | None] = [None] * width
        for stretch in self._row.stretches:
            left, right = stretch.start * width, stretch.end * width
            if stretch.verdict.is_problem and right - left < MIN_PROBLEM_WIDTH:
                right = min(float(width), left + MIN_PROBLEM_WIDTH)
            first, end = int(left), min(width, max(int(left) + 1, math.ceil(right)))
            rank = stretch.verdict.severity
            for column in range(first, end):
                current = best[column]
                if current is None or rank > current.severity:
                    best[column] = stretch.verdict
        out: list[tuple[int, int, Verdict]] = []
        for column, verdict in enumerate(best):
            if verdict is None:
                continue
            if out and out[-1][2] is verdict and out[-1][1] == column:
                out[-1] = (out[-1][0], column + 1, verdict)
            else:
                out.append((column, column + 1, verdict))
        self._runs = {width: out}
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            height = self.height()
            painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
            for first, end, verdict in self.runs(self.width()):
                painter.fillRect(QRect(first, 0, end - first, height), COLORS[verdict])
        finally:
            painter.end()

    def event(self, event: QEvent) -> bool:
        """A tooltip names the stretch under the pointer, with its times."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            stretch = self.stretch_at(event.pos().x())
            row = self._row
            text = one_line(shown(row.describe(stretch))) if stretch and row else self.toolTip()
            QToolTip.showText(event.globalPos(), plain_tip(text), self)
            return True
        return super().event(event)


class TimelineAxis(QWidget):
    """The local-time marks under the bars ("06:00", "3 Dec")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ticks: tuple[tuple[float, str], ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.fontMetrics().height() + 4)

    def set_ticks(self, ticks: tuple[tuple[float, str], ...]) -> None:
        self._ticks = ticks
        self.setAccessibleDescription(", ".join(label for _, label in ticks))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            metrics = self.fontMetrics()
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            last_right = -1.0
            for share, label in self._ticks:
                x = share * self.width()
                width = metrics.horizontalAdvance(label)
                left = min(max(0.0, x - width / 2), self.width() - width)
                if left <= last_right + 4:
                    continue  # labels never overlap; the bar's tooltip has every time
                painter.drawLine(QPoint(round(x), 0), QPoint(round(x), 3))
                painter.drawText(QPoint(round(left), metrics.ascent() + 3), label)
                last_right = left + width
        finally:
            painter.end()


class IncidentList(QAbstractTableModel):
    """The past incidents as a model: a month of a flapping platform can hold thousands, and a
    model hands the view only the rows on screen, where an item per cell would build them all."""

    HEADERS = ("Started", "What happened", "How long")

    def __init__(self) -> None:
        super().__init__()
        self.rows: Sequence[IncidentRow] = ()

    def set_rows(self, rows: Sequence[IncidentRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.started, one_line(shown(row.title)), row.duration)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class HistoryView(QWidget):
    """Bars, the span toggle, the past incidents and the export buttons.

    ``span_changed`` asks the window for the page of the other span; a double-click on
    an incident asks for it in the Incident tab; the export buttons ask for the range shown.
    """

    span_changed = Signal(str)
    incident_activated = Signal(int)
    export_clicked = Signal(str)  # "csv" or "html", for the span shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: HistoryPage | None = None
        self.bars: dict[str, TimelineBar] = {}
        self.summaries: dict[str, QLabel] = {}

        self.span_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        spans = QHBoxLayout()
        spans.addWidget(plain_label("Show the last", wrap=False))
        for span in SPANS:
            button = QPushButton(span)
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, s=span: self._pick(s))
            group.addButton(button)
            spans.addWidget(button)
            self.span_buttons[span] = button
        spans.addStretch(1)
        self.span_buttons["24 hours"].setChecked(True)

        self._grid_box = QWidget()
        self._grid = QGridLayout(self._grid_box)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(1, 1)
        self.axis = TimelineAxis()
        self.empty = plain_label("No platforms are watched yet. Choose them in Settings.")
        self.empty.hide()

        self.incidents = IncidentList()
        self.list = QTreeView()
        self.list.setModel(self.incidents)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Double-click or Enter (itemActivated is both, once).
        self.list.activated.connect(self._activated)
        self.none_yet = plain_label("No outages in this time. OutageTray records each one here.")

        self.range = plain_label()
        self.range.setWordWrap(True)
        self.export_csv = QPushButton("Export spreadsheet (CSV)…")
        self.export_csv.setToolTip("Save these outages as a file a spreadsheet program opens.")
        self.export_csv.clicked.connect(lambda: self.export_clicked.emit("csv"))
        self.export_html = QPushButton("Export report…")
        self.export_html.setToolTip(
            "Save a report of these outages that opens in any web browser and prints well."
        )
        self.export_html.clicked.connect(lambda: self.export_clicked.emit("html"))
        exports = QHBoxLayout()
        exports.addWidget(self.range, 1)
        exports.addWidget(self.export_csv)
        exports.addWidget(self.export_html)

        layout = QVBoxLayout(self)
        layout.addLayout(spans)
        layout.addWidget(self._grid_box)
        layout.addWidget(self.empty)
        layout.addWidget(plain_label("Past outages (double-click one to open it):"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.none_yet)
        layout.addLayout(exports)

    @property
    def span(self) -> str:
        return next((s for s, b in self.span_buttons.items() if b.isChecked()), "24 hours")

    def _pick(self, span: str) -> None:
        if self.page is None or self.page.span != span:
            self.span_changed.emit(span)

    def show_page(self, page: HistoryPage) -> None:
        self.page = page
        self.span_buttons[page.span].setChecked(True)
        self._show_rows(page.rows)
        self.axis.set_ticks(page.ticks)
        self.range.setText(f"Exports cover {page.range_text}.")
        self.incidents.set_rows(page.incidents)
        for column in (0, 2):
            self.list.resizeColumnToContents(column)
        self.none_yet.setVisible(not page.incidents)

    def _show_rows(self, rows: tuple[HistoryRow, ...]) -> None:
        wanted = [r.platform for r in rows]
        if wanted != list(self.bars):
            while self._grid.count():
                taken = self._grid.takeAt(0)
                widget = taken.widget() if taken is not None else None
                if widget is not None:
                    widget.deleteLater()
            self.bars.clear()
            self.summaries.clear()
            for index, row in enumerate(rows):
                bar = TimelineBar()
                summary = plain_label(wrap=False)
                self._grid.addWidget(plain_label(one_line(shown(row.name)), wrap=False), index, 0)
                self._grid.addWidget(bar, index, 1)
                self._grid.addWidget(summary, index, 2)
                self.bars[row.platform] = bar
                self.summaries[row.platform] = summary
            self.axis = TimelineAxis()
            self._grid.addWidget(self.axis, len(rows), 1)
        for row in rows:
            self.bars[row.platform].set_row(row)
            self.summaries[row.platform].setText(one_line(shown(row.summary)))
        self.empty.setVisible(not rows)

    def _activated(self, index: QModelIndex) -> None:
        value = self.incidents.data(index, Qt.ItemDataRole.UserRole)
        if isinstance(value, int):
            self.incident_activated.emit(value)
