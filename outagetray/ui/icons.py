"""Tray icons for each overall state, loaded from ``resources/icons`` via the one asset helper."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from outagetray.assets import read_bytes
from outagetray.core.model import Verdict

_FILES = {
    "operational": "icons/operational.svg",
    "degraded": "icons/degraded.svg",
    "outage": "icons/outage.svg",
    "unknown": "icons/unknown.svg",
}


def icon_state(verdict: Verdict) -> str:
    """Which of the four icons shows a verdict: maintenance is no cause for alarm."""
    if verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE):
        return "operational"
    if verdict is Verdict.DEGRADED:
        return "degraded"
    if verdict in (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE):
        return "outage"
    return "unknown"


def load_icon(state: str) -> QIcon:
    """The icon for a state, rendered from SVG at the sizes tray hosts ask for."""
    renderer = QSvgRenderer(QByteArray(read_bytes(_FILES[state])))
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon
