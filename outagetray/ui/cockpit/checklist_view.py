"""The checklist: the playbook's steps by phase, ticked per incident, links one click away.

A tick is not kept here: it is forwarded (``toggled``) and the app writes it into the
incident log, whose record comes back as the page's ``done`` flags. Until then the box
shows the user's click, so nothing flickers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.playbook import ChecklistGroup
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.widgets import link_button


class ChecklistView(QWidget):
    toggled = Signal(str, bool)  # item id, done
    link_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QLabel()
        self.progress.setTextFormat(Qt.TextFormat.PlainText)
        self.boxes: dict[str, QCheckBox] = {}
        self._shape: list[tuple[str, tuple[str, ...]]] = []
        self._box = QWidget()
        self._layout = QVBoxLayout(self._box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress)
        layout.addWidget(scroll, 1)

    def show_groups(self, groups: tuple[ChecklistGroup, ...], progress: str) -> None:
        self.progress.setText(progress or "The checklist is being prepared.")
        shape = [(g.title, tuple(r.id for r in g.rows)) for g in groups]
        if shape != self._shape:
            self._rebuild(groups)
            self._shape = shape
        for group in groups:
            for row in group.rows:
                box = self.boxes[row.id]
                if box.isChecked() != row.done:
                    box.blockSignals(True)
                    box.setChecked(row.done)
                    box.blockSignals(False)

    def _rebuild(self, groups: tuple[ChecklistGroup, ...]) -> None:
        while self._layout.count():
            taken = self._layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.boxes.clear()
        for group in groups:
            frame = QGroupBox(one_line(shown(group.title)))
            rows = QVBoxLayout(frame)
            for row in group.rows:
                box = QCheckBox(one_line(shown(row.text)))
                box.toggled.connect(lambda on, item=row.id: self.toggled.emit(item, on))
                self.boxes[row.id] = box
                rows.addWidget(box)
                if row.detail:
                    detail = QLabel(shown(row.detail))
                    detail.setTextFormat(Qt.TextFormat.PlainText)
                    detail.setWordWrap(True)
                    detail.setContentsMargins(24, 0, 0, 0)
                    rows.addWidget(detail)
                if row.links:
                    links = QHBoxLayout()
                    links.setContentsMargins(20, 0, 0, 0)
                    for words, url in row.links:
                        button = link_button(words, url)
                        button.clicked.connect(lambda _checked=False, u=url: self.link_requested.emit(u))
                        links.addWidget(button)
                    links.addStretch(1)
                    rows.addLayout(links)
            self._layout.addWidget(frame)
        self._layout.addStretch(1)
