"""The memory benchmark measures the floor issue 14 settled, and judges against it.

The floor is only honest if it loads exactly what the issue names, in the order it
names: requests and platformdirs before PySide6 (whose import hook would otherwise
inflate it), and nothing the app has to fit in the ratio itself (dnspython, QtNetwork).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import ui_memory

ROOT = Path(__file__).resolve().parent.parent


def imports_in_order(stderr: str) -> list[str]:
    """Module names from ``python -X importtime``, in the order they finished importing."""
    names = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.append(name)
    return names


def test_floor_loads_requests_and_platformdirs_before_pyside6_and_nothing_else() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bench.ui_memory", "--child", "floor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = imports_in_order(done.stderr)
    first_pyside = next(i for i, name in enumerate(names) if name.startswith("PySide6"))
    for needed in ("requests", "ssl", "platformdirs"):
        assert needed in names[:first_pyside], f"{needed} is not imported before PySide6"
    assert not [n for n in names if n == "dns" or n.startswith(("dns.", "PySide6.QtNetwork"))]
    assert not [n for n in names if n.startswith("outagetray")]


def fake_run(start: float, end: float, history: float = 62.0) -> dict[str, Any]:
    ours = {
        "rss_start_mb": start,
        "rss_200_mb": start,
        "rss_end_mb": end,
        "stall_ms": 5.0,
        "stalls_over_10ms": 0,
        "rounds": 1000,
        "seconds": 60.0,
        "verdicts": ["operational"],
    }
    return {
        "history": {**ours, "rss_start_mb": history, "rss_end_mb": history},
        "bare": {"rss_start_mb": 40.0, "rss_end_mb": 40.0, "stall_ms": 1.0},
        "floor": {"rss_start_mb": 50.0, "rss_end_mb": 50.0},
        "ours": {
            "rss_start_mb": start,
            "rss_200_mb": start,
            "rss_end_mb": end,
            "stall_ms": 5.0,
            "stalls_over_10ms": 0,
            "rounds": 1000,
            "seconds": 60.0,
            "verdicts": ["operational"],
        },
    }


@pytest.mark.parametrize(
    ("start", "end", "verdict"),
    [(60.0, 64.0, "goal ≤ 1.3x (65.0 MB): met"), (60.0, 66.0, "NOT met"), (66.0, 60.0, "NOT met")],
)
def test_report_gives_both_ratios_and_judges_start_and_end_against_the_floor(
    monkeypatch: pytest.MonkeyPatch, start: float, end: float, verdict: str
) -> None:
    monkeypatch.setattr(ui_memory, "run", lambda: fake_run(start, end))
    text = ui_memory.report()
    assert f"{start / 40:.2f}x after start, {end / 40:.2f}x after 1000 rounds" in text
    assert f"{start / 50:.2f}x after start, {end / 50:.2f}x after 1000 rounds" in text
    assert verdict in text


def test_report_judges_the_user_with_a_history_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_memory, "run", lambda: fake_run(60.0, 60.0, history=66.0))
    text = ui_memory.report()
    assert "With a year of outages in the incident log" in text
    assert "66.0 MB after start" in text and "1.32x the floor: NOT met" in text
