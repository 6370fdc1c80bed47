"""The Reach tab: how much of the audience each company holds, and the playbook's advice.

Facebook, Instagram and WhatsApp are all Meta: one outage cuts off all three. The bars
make that visible; the advice (from core/reach.py) says what to build up instead. With
no audience figures yet, the tab says what it would show and offers the setup.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from outagetray.core.playbook import ReachPage
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.widgets import plain_label, plain_tip


class ReachView(QWidget):
    setup_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: ReachPage | None = None
        self.bars: list[QProgressBar] = []
        self.intro = plain_label(
            "Who holds your audience: when a company fails, all of its platforms fail together."
        )
        self._grid_box = QWidget()
        self._grid = QGridLayout(self._grid_box)
        self._grid.setColumnStretch(1, 1)
        self.advice = plain_label()
        self.setup = QPushButton("Set up your profile")
        self.setup.clicked.connect(self.setup_requested.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self._grid_box)
        layout.addWidget(self.advice)
        layout.addWidget(self.setup, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def show_page(self, page: ReachPage) -> None:
        self.page = page
        while self._grid.count():
            taken = self._grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.bars = []
        for row, bar_value in enumerate(page.bars):
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(round(bar_value.share * 100))
            bar.setTextVisible(False)
            bar.setAccessibleName(one_line(shown(bar_value.owner)))
            bar.setAccessibleDescription(one_line(shown(bar_value.text)))
            bar.setToolTip(plain_tip(one_line(shown(bar_value.text))))
            self._grid.addWidget(plain_label(one_line(shown(bar_value.owner))), row, 0)
            self._grid.addWidget(bar, row, 1)
            self._grid.addWidget(plain_label(one_line(shown(bar_value.text))), row, 2)
            self.bars.append(bar)
        self._grid_box.setVisible(bool(page.bars))
        self.advice.setText(shown(page.advice))
        self.setup.setVisible(page.empty)
