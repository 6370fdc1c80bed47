"""The tray icons come from PNGs rendered from the SVGs: the same pixels, a fraction of the memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from outagetray.assets import read_bytes
from outagetray.ui import icons

ROOT = Path(__file__).resolve().parents[2]
STATES = ("operational", "degraded", "outage", "unknown")


def argb(image: QImage) -> QImage:
    return image.convertToFormat(QImage.Format.Format_ARGB32)


@pytest.mark.parametrize("state", STATES)
def test_each_png_matches_its_svg_drawn_at_that_size(qtbot: QtBot, state: str) -> None:
    """Fails when an SVG is edited and the PNGs are not rendered again (python -m outagetray.ui.icons)."""
    for size in icons.SIZES:
        stored = argb(QImage.fromData(read_bytes(icons.png_name(state, size))))
        drawn = argb(icons.render(state, size).toImage())
        assert stored.size() == drawn.size()
        worst = 0
        for y in range(size):
            for x in range(size):
                a, b = stored.pixelColor(x, y), drawn.pixelColor(x, y)
                # Only rounding: PNG keeps straight alpha, the pixmap premultiplied.
                worst = max(
                    worst,
                    abs(a.red() - b.red()),
                    abs(a.green() - b.green()),
                    abs(a.blue() - b.blue()),
                    abs(a.alpha() - b.alpha()),
                )
        assert worst <= 3, f"{icons.png_name(state, size)} differs from {icons.svg_name(state)}"


def test_icons_hold_every_size(qtbot: QtBot) -> None:
    for state in STATES:
        sizes = sorted(s.width() for s in icons.load_icon(state).availableSizes())
        assert sizes == list(icons.SIZES)


def test_showing_the_icons_loads_no_svg_machinery() -> None:
    """QtSvg, its renderer and the raster painter cost about 4 MB that the memory goal cannot spare."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from outagetray.ui.icons import load_icon\n"
        "for state in ('operational', 'degraded', 'outage', 'unknown'):\n"
        "    assert not load_icon(state).isNull()\n"
        "print('PySide6.QtSvg' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "False"


def test_without_the_pngs_the_svgs_are_drawn(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> bytes:
        if name.endswith(".png"):
            raise FileNotFoundError(name)
        return read_bytes(name)

    monkeypatch.setattr(icons, "read_bytes", missing)
    icons.load_icon.cache_clear()
    try:
        icon = icons.load_icon("outage")
        assert sorted(s.width() for s in icon.availableSizes()) == list(icons.SIZES)
        assert icon.pixmap(32, 32).toImage().pixelColor(16, 16).alpha() == 255
    finally:
        icons.load_icon.cache_clear()


@pytest.mark.parametrize("state", STATES)
def test_each_flagged_png_is_its_icon_with_the_mark(qtbot: QtBot, state: str) -> None:
    """The flagged icons ship as PNGs too (no painter at run time); they must match what mark() draws."""
    for size in icons.SIZES:
        stored = argb(QImage.fromData(read_bytes(icons.flag_png_name(state, size))))
        drawn = argb(icons.mark(icons.render(state, size)).toImage())
        plain = argb(QImage.fromData(read_bytes(icons.png_name(state, size))))
        assert stored.size() == drawn.size()
        worst = max(
            max(
                abs(a - b)
                for a, b in zip(
                    stored.pixelColor(x, y).getRgb(), drawn.pixelColor(x, y).getRgb(), strict=True
                )
            )
            for y in range(size)
            for x in range(size)
        )
        assert worst <= 3, (
            f"{icons.flag_png_name(state, size)} differs from the marked {icons.svg_name(state)}"
        )
        assert stored != plain, "the mark shows"
