"""The offer on the Now tab, until the profile is done: what OutageTray will do, and "Set up".

A user who skipped the welcome still learns what the rest of the app is for, in the
same three promises the welcome's first page makes (core/profile.py's PROMISE), and can
start the setup from here. Closing it hides it for this session only: the offer is
worth making again tomorrow, but not every time the window opens today.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

HEADLINE = "OutageTray can also prepare your messages for the next outage."


def banner_text(promise: tuple[str, ...]) -> str:
    """The banner's body: the headline and each promise as a bullet."""
    return "\n".join([HEADLINE, *(f"• {line}" for line in promise), "It takes about two minutes."])


class SetupBanner(QFrame):
    setup_requested = Signal()

    def __init__(self, promise: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#setupBanner { background: #e8f1fb; } QLabel { color: #10304f; }")
        self.text = QLabel(banner_text(promise))
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.setup = QPushButton("Set up")
        self.setup.setToolTip("Tell OutageTray your brand and where your audience is.")
        self.setup.clicked.connect(self.setup_requested.emit)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide this until OutageTray starts again")
        self.close_button.setAccessibleName("Hide this offer")
        self.close_button.clicked.connect(self.dismiss)
        #: True once the user closed it: it stays hidden for the rest of the session.
        self.dismissed = False

        side = QVBoxLayout()
        side.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        side.addStretch(1)
        side.addWidget(self.setup)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(side)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()

    def offer(self, wanted: bool) -> None:
        """Show while ``wanted`` (the profile is not done), unless closed this session."""
        self.setVisible(wanted and not self.dismissed)
