"""Tray icons for each overall state, loaded from ``resources/icons`` via the one asset helper."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from outagetray.assets import read_bytes

if TYPE_CHECKING:
    from outagetray.core.model import Verdict

_FILES = {
    "operational": "icons/operational.svg",
    "degraded": "icons/degraded.svg",
    "outage": "icons/outage.svg",
    "unknown": "icons/unknown.svg",
}


def icon_state(verdict: Verdict) -> str:
    """Which of the four icons shows a verdict: maintenance is no cause for alarm."""
    # Compared by value (Verdict is a StrEnum) so the tray can load without the core model.
    if verdict in ("operational", "maintenance"):
        return "operational"
    if verdict == "degraded":
        return "degraded"
    if verdict in ("partial_outage", "major_outage"):
        return "outage"
    return "unknown"


@cache
def load_icon(state: str) -> QIcon:
    """The icon for a state, rendered from SVG at the sizes tray hosts ask for (once per state)."""
    renderer = QSvgRenderer(QByteArray(read_bytes(_FILES[state])))
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        # QColor(0, 0, 0, 0) rather than Qt.GlobalColor.transparent: touching the Qt
        # namespace costs ~24 ms, and this runs before the tray icon is shown.
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon
