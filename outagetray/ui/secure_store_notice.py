"""Telling the user that their computer has no safe place for channel passwords, and the way out.

Issue 16: at start, when there is no secure password store (none at all, a locked one,
or a plain-text one such as keyrings.alt), tell the user and offer to keep passwords for
this session only; never fall back to plain text silently. The same words serve the
app's start-up notice and the Settings window's Channels tab.

The notice is a non-modal message box (``show()``, never ``exec()``): the tray keeps
running, and a user who ignores it has lost nothing but the offer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from outagetray.core.secrets import StoreStatus

__all__ = ["SESSION_BUTTON", "SESSION_ONLY_TEXT", "notice_text", "show_store_notice"]

SESSION_BUTTON = "Keep passwords for this session only"
SESSION_ONLY_TEXT = (
    "Passwords are kept for this session only: OutageTray holds them in memory until it quits "
    "and asks for them again next time. Nothing is written to a file."
)
TITLE = "Channel passwords"


class SessionChoice(Protocol):
    """What the offer switches (core/secrets.py's ``Secrets``)."""

    def use_session_only(self) -> None: ...

    @property
    def session_only(self) -> bool: ...


def notice_text(status: StoreStatus) -> str | None:
    """What to tell the user about the password store, or None when it is safe to use."""
    if status.secure:
        return None
    if status.message:
        return status.message
    return (
        "OutageTray could not find a safe place for your channels' passwords, so it will not "
        "keep them in a file. You can keep them for this session only."
    )


def show_store_notice(
    status: StoreStatus, secrets: SessionChoice, parent: QWidget | None = None
) -> QMessageBox | None:
    """Open the notice without waiting, or return None when the store is safe or the choice was made.

    Choosing "Keep passwords for this session only" switches ``secrets`` to memory at once.
    """
    text = notice_text(status)
    if text is None or secrets.session_only:
        return None
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(TITLE)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    session = box.addButton(SESSION_BUTTON, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered() -> None:
        if box.clickedButton() is session:
            secrets.use_session_only()

    box.finished.connect(lambda _code: answered())
    box.show()  # not open(): that would make it window-modal, and nothing here needs to block
    return box
