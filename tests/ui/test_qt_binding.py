"""The Qt binding itself must survive a long day: PySide6 6.12.0 dropped a reference to None
on every call that returns nothing, and the interpreter aborted after some thousands of calls
(a tray app makes that many in an afternoon). pyproject.toml keeps it out; this proves it."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(50_000):
    label.setText("x")
print(before - sys.getrefcount(None))
"""


def test_qt_calls_do_not_leak_references_to_none() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert abs(int(run.stdout.strip())) < 100
