"""Small pieces every cockpit view uses: labels and tooltips that show text as written, links.

Text in the cockpit comes from status pages, the settings file and the user's own
drafts. Qt guesses whether a label's or a tooltip's text is rich text (HTML) and would
render "<b>" or an image tag: these helpers make sure it never guesses.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from outagetray.core.redact import one_line, shown


def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def plain_tip(text: str) -> str:
    """A tooltip showing ``text`` literally: tooltips have no plain-text mode, so markup is escaped.

    Only text that Qt could take for markup is wrapped, so an ordinary tooltip stays as it is.
    """
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>" if "<" in text or "&" in text else text


def link_button(words: str, url: str) -> QPushButton:
    """A link as a flat button: plain words, the address in its tooltip, opened in one click."""
    button = QPushButton(one_line(shown(words)))
    button.setFlat(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setToolTip(plain_tip(one_line(shown(url))))
    button.setAccessibleDescription(one_line(shown(url)))
    button.setStyleSheet(
        "QPushButton { color: palette(link); text-align: left; text-decoration: underline; }"
    )
    return button
