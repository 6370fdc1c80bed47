"""The line under each draft that says where its message stands, and what the user can do about it.

Why it is built this way:

- The outbox is the one truth. This line only puts into words an ``Outcome`` the core
  made, live from a send (core/sending.py ``on_update``) or read back from the outbox when
  an incident is opened (:func:`outcome_of_job`, which asks the core's own mapping): the
  window never works out a state of its own, so it cannot disagree with
  ``outagetray outbox``.
- An unknown message ("may have been sent") is the one case the user must settle, so it
  gets its two buttons right here, beside the words it is about. "Send again" may make a
  second copy, which is what the outbox exists to prevent, so it asks first.
- A receipt's address is a link the user can click to see the post; every other text is
  escaped, because reasons come from servers and must never be taken for markup.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from outagetray.core.redact import one_line, shown

if TYPE_CHECKING:
    from outagetray.core.outbox import Job
    from outagetray.core.sending import Outcome

__all__ = ["NOT_SENT_YET", "SendStatus", "outcome_of_job", "status_words"]

NOT_SENT_YET = "Not sent yet"
SENDING = "Sending…"
#: Colours that read on light and dark themes alike.
STYLES = {
    "confirmed": "QLabel { color: #107c10; }",
    "failed": "QLabel { color: #c50f1f; }",
    "unknown": "QLabel { color: #8a5300; font-weight: bold; }",
    "skipped": "QLabel { color: #8a5300; }",
    "too_long": "QLabel { color: #c50f1f; }",
}


def outcome_of_job(job: Job, name: str = "") -> Outcome:
    """What the core says a job in the outbox means for the user (the same words a send reports)."""
    from outagetray.core.sending import Outcome, outcome_of

    base = Outcome(job.channel, name or job.channel, "failed", text=job.text)
    # The core's own mapping, so the window and a live send never disagree about a job.
    return outcome_of(base, job)


def _plain(text: str) -> str:
    return escape(one_line(shown(text)).strip())


def _receipt_link(outcome: Outcome) -> str:
    """The post's address as a link (rich text), or "" when the receipt has no web address."""
    url = one_line(shown(outcome.receipt.url)).strip() if outcome.receipt is not None else ""
    if not url.lower().startswith(("https://", "http://")):
        return ""
    return f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'


def status_words(outcome: Outcome | None, *, too_long_for: str = "") -> tuple[str, str]:
    """(rich text, style key) for a card's status line.

    ``too_long_for`` names the channel when the draft is over its limit: such a draft is
    left out of Send, and the line says what to do, unless the message already went out
    (or may have).
    """
    state = outcome.state if outcome is not None else ""
    if outcome is not None and state == "confirmed":
        link = _receipt_link(outcome)
        return (f"Sent · {link}" if link else "Sent"), "confirmed"
    if outcome is not None and state == "sending":
        return SENDING, ""
    if outcome is not None and state == "unknown":
        reason = _plain(outcome.error) or "no answer came back."
        return f"May have been sent: {reason}", "unknown"
    if too_long_for:
        return f"Too long for {_plain(too_long_for)}: shorten it to send", "too_long"
    if outcome is None or state == "drafted":
        return NOT_SENT_YET, ""
    if state == "skipped":
        reason = one_line(shown(outcome.error)).strip()
        reason = reason.removeprefix("Not sent: ").strip() or "it was not sent."
        return _joined("Skipped: ", reason, outcome.advice), "skipped"
    if state == "ready":
        return "Ready to send", ""
    return _joined(
        "Not sent: ", one_line(shown(outcome.error)).strip() or "it was not sent.", outcome.advice
    ), ("failed")


def _joined(prefix: str, reason: str, advice: str) -> str:
    words = reason if reason.endswith((".", "!", "?", "…")) else reason + "."
    advice = one_line(shown(advice)).strip()
    return escape(prefix + words + (f" {advice}" if advice else ""))


class SendStatus(QWidget):
    """The status line of one draft card, with "It was sent" and "Send again" for an unknown message."""

    link_requested = Signal(str)
    #: The user looked at the account: True "It was sent", False "Send again" (before confirming).
    settle_clicked = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: Outcome | None = None
        self.label = QLabel(NOT_SENT_YET)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setOpenExternalLinks(False)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.label.linkActivated.connect(self.link_requested.emit)
        self.was_sent = QPushButton("It was sent")
        self.was_sent.setToolTip("You checked the account and the message is there: mark it as sent.")
        self.send_again = QPushButton("Send again")
        self.send_again.setToolTip(
            "You checked and it is not there: send it once more (it may arrive twice)."
        )
        self.was_sent.clicked.connect(lambda: self.settle_clicked.emit(True))
        self.send_again.clicked.connect(lambda: self.settle_clicked.emit(False))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.was_sent)
        buttons.addWidget(self.send_again)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addLayout(buttons)
        self.show_outcome(None)

    def show_outcome(self, outcome: Outcome | None, *, too_long_for: str = "") -> None:
        self.outcome = outcome
        words, style = status_words(outcome, too_long_for=too_long_for)
        self.label.setText(words)
        self.label.setStyleSheet(STYLES.get(style, ""))
        self.label.setToolTip(one_line(shown(outcome.advice)) if outcome is not None else "")
        unknown = outcome is not None and outcome.state == "unknown" and outcome.job_id is not None
        for button in (self.was_sent, self.send_again):
            button.setVisible(unknown)
            button.setEnabled(unknown)

    def text(self) -> str:
        """What the line says, without markup (for tests and screen readers)."""
        from PySide6.QtGui import QTextDocumentFragment

        return QTextDocumentFragment.fromHtml(self.label.text()).toPlainText()
