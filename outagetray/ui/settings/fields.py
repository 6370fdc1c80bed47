"""Label helpers every part of the Settings window shares, so errors look and behave alike.

Errors follow two rules. They appear once the user has left a field (or made a
choice, such as picking a unit), never while a field is still being typed in or
before anything was typed: red text on a form nobody has touched yet reads as a
telling-off. And an error label is always in the layout, at least one line tall, so
an error appearing or going never moves the fields below it.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLabel, QLineEdit, QWidget

ERROR_STYLE = "color: #c62828;"


def label(text: str = "", *, error: bool = False, wrap: bool = True) -> QLabel:
    """A label that never interprets markup: its text may come from the network or the user."""
    widget = QLabel(text)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(wrap)
    if error:
        widget.setStyleSheet(ERROR_STYLE)
        # Present even when empty, one line tall: errors come and go without the form jumping.
        widget.setMinimumHeight(widget.fontMetrics().lineSpacing())
    return widget


def show_error(widget: QLabel, message: str) -> None:
    """Set an error label ("" clears it); the label keeps its place either way."""
    widget.setText(message)


class LeftFields:
    """The fields the user has left at least once: from then on their errors are shown.

    ``changed`` is called whenever a field is left, so the owner can show the errors
    that are now due. Only while ``owner``'s window is shown: a closing window's line
    edits report "editing finished" as they are torn down, after some of their
    siblings (the OK button, the error labels) are already gone.
    """

    def __init__(self, owner: QWidget, changed: Callable[[], object]) -> None:
        self._owner = owner
        self._left: set[str] = set()
        self._changed = changed

    def watch(self, name: str, *widgets: QLineEdit | QAbstractSpinBox) -> None:
        """Count ``name`` as left when any of ``widgets`` loses focus or the user presses Enter in it."""
        for widget in widgets:
            widget.editingFinished.connect(lambda: self.leave(name))

    def mark(self, name: str) -> None:
        """Count ``name`` as left from the start (a value loaded from the file, not being typed)."""
        self._left.add(name)

    def leave(self, name: str) -> None:
        if not shiboken6.isValid(self._owner) or not self._owner.window().isVisible():
            return
        self._left.add(name)
        self._changed()

    def __contains__(self, name: object) -> bool:
        return name in self._left

    def __bool__(self) -> bool:
        return bool(self._left)
