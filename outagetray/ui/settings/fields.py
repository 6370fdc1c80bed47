"""Label helpers every part of the Settings window shares, so errors look and behave alike."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

ERROR_STYLE = "color: #c62828;"


def label(text: str = "", *, error: bool = False, wrap: bool = True) -> QLabel:
    """A label that never interprets markup: its text may come from the network or the user."""
    widget = QLabel(text)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(wrap)
    if error:
        widget.setStyleSheet(ERROR_STYLE)
        widget.setVisible(bool(text))
    return widget


def show_error(widget: QLabel, message: str) -> None:
    """Set an error label; hidden when there is nothing to say, so the layout does not jump around."""
    widget.setText(message)
    widget.setVisible(bool(message))
