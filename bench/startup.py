"""Cold start to the tray icon shown, OutageTray beside a bare PySide6 tray app, in one run.

Both run in the same real X session (Xvfb + trayer, from tests/e2e) and are timed the
same way: from the spawn of the process to the moment its icon is embedded in the tray
host. Runs alternate so that disk caches and CPU load treat both alike; medians reported.
Goal: OutageTray within 1.3x of the bare app.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.desktop import DesktopSession

RUNS = 9


def time_to_icon(desktop: DesktopSession, argv: list[str], env: dict[str, str], name: str) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if any(icon[0] == name for icon in desktop.tray_icons()):
                return time.perf_counter() - started
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{name} showed no tray icon in 30 s")
            time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(5)
        time.sleep(0.3)


def run() -> dict[str, float]:
    exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
    assert exe, "outagetray is not installed in this environment"
    with tempfile.TemporaryDirectory() as folder, DesktopSession(Path(folder) / "desktop") as desktop:
        home = Path(folder) / "home"
        (home / "run").mkdir(parents=True, mode=0o700)
        config = home / "config.toml"
        # The default watch list, but nothing polled over the network during the measurement.
        config.write_text(
            '[monitor]\nwatch = []\n[connectivity]\ncontrols = [{ url = "http://127.0.0.1:9/" }]\n'
        )
        env = {**desktop.env, "HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run")}
        ours, bare = [], []
        for _ in range(RUNS):
            ours.append(time_to_icon(desktop, [exe, "--config", str(config)], env, "OutageTray"))
            bare.append(time_to_icon(desktop, [sys.executable, "-m", "bench.bare_tray"], env, "BareTray"))
    return {"outagetray_s": statistics.median(ours), "bare_s": statistics.median(bare)}


def report() -> str:
    r = run()
    return (
        f"cold start to tray icon shown (median of {RUNS}): OutageTray {r['outagetray_s']:.3f} s, "
        f"bare PySide6 tray app {r['bare_s']:.3f} s, ratio {r['outagetray_s'] / r['bare_s']:.2f} (goal ≤ 1.3)"
    )


if __name__ == "__main__":
    print(report())
