"""Tray icons for each overall state, loaded from ``resources/icons`` via the one asset helper.

The SVGs in ``resources/icons`` are the source. The running app shows them from PNGs
rendered from those SVGs at the sizes tray hosts ask for (``resources/icons/png``,
written by ``python -m outagetray.ui.icons``; a test checks they still match the
SVGs). Decoding a PNG costs about 0.7 MB; drawing the SVGs at start cost about 4 MB
(QtSvg, its renderer and Qt's raster painter), a tenth of what the app may use beyond
the memory floor. Where the PNGs are missing (a package built without them) the SVGs
are drawn as before.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon, QPixmap

from outagetray.assets import read_bytes

if TYPE_CHECKING:
    from outagetray.core.model import Verdict

STATES = ("operational", "degraded", "outage", "unknown")
#: The sizes tray hosts ask for, each rendered once.
SIZES = (16, 22, 24, 32, 48, 64)


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


def svg_name(state: str) -> str:
    return f"icons/{state}.svg"


def png_name(state: str, size: int) -> str:
    return f"icons/png/{state}-{size}.png"


@cache
def load_icon(state: str) -> QIcon:
    """The icon for a state at the sizes tray hosts ask for (once per state)."""
    if state not in STATES:
        raise KeyError(state)
    return _png_icon([png_name(state, size) for size in SIZES]) or _drawn_icon(state)


def _png_icon(names: list[str]) -> QIcon | None:
    """An icon from shipped PNGs, one per size; None when one is missing or unreadable."""
    icon = QIcon()
    for name in names:
        pixmap = QPixmap()
        try:
            data = read_bytes(name)
        except FileNotFoundError:
            return None
        if not pixmap.loadFromData(data, "PNG"):
            return None
        icon.addPixmap(pixmap)
    return icon


def render(state: str, size: int) -> QPixmap:
    """A state's SVG drawn at one size: what the PNGs hold, and the fallback without them."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(read_bytes(svg_name(state))))
    pixmap = QPixmap(size, size)
    # QColor(0, 0, 0, 0) rather than Qt.GlobalColor.transparent: touching the Qt
    # namespace costs ~24 ms, and this may run before the tray icon is shown.
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    return pixmap


def flag_png_name(state: str, size: int) -> str:
    return f"icons/png/{state}-flag-{size}.png"


@cache
def flagged_icon(state: str) -> QIcon:
    """A state's icon with a mark in its corner: an outage waits for the user's "I'm on it".

    Shipped as PNGs like the plain icons (``mark`` draws them): painting at run time would
    load Qt's raster painter into a tray app that has no other use for it.
    """
    if state not in STATES:
        raise KeyError(state)
    return _png_icon([flag_png_name(state, size) for size in SIZES]) or _marked_icon(state)


def mark(pixmap: QPixmap) -> QPixmap:
    """The flag's mark painted on a copy of ``pixmap``: a blue dot in a white ring, top right,
    seen on dark and light panels alike."""
    from PySide6.QtGui import QColor, QPainter

    marked = QPixmap(pixmap)
    size = marked.width()
    painter = QPainter(marked)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    dot = max(6, size * 3 // 8)
    edge = max(1, size // 16)
    painter.setPen(QColor(255, 255, 255))
    painter.setBrush(QColor(255, 255, 255))
    painter.drawEllipse(size - dot - 1, 0, dot + 1, dot + 1)
    painter.setBrush(QColor(21, 101, 192))
    painter.setPen(QColor(21, 101, 192))
    painter.drawEllipse(size - dot - 1 + edge, edge, dot + 1 - 2 * edge, dot + 1 - 2 * edge)
    painter.end()
    return marked


def _marked_icon(state: str) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(mark(render(state, size)))
    return icon


def _drawn_icon(state: str) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(render(state, size))
    return icon


def write_pngs() -> None:
    """Render every state at every size into resources/icons/png (run after editing an SVG)."""
    from outagetray.assets import resource

    folder = resource("icons/png")
    for state in STATES:
        for size in SIZES:
            target = str(folder / f"{state}-{size}.png")
            if not render(state, size).save(target, "PNG"):
                raise OSError(f"could not write {target}")
            flagged = str(folder / f"{state}-flag-{size}.png")
            if not mark(render(state, size)).save(flagged, "PNG"):
                raise OSError(f"could not write {flagged}")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    _app = QApplication(sys.argv[:1])
    write_pngs()
