"""How often the idle app wakes up, beside a bare PySide6 tray app, in one run.

"An idle app wakes only to poll": between two polls nothing should run. Each app is
started on Qt's offscreen platform (OutageTray with an interval of an hour, so no
round falls in the window), left to settle, and then the voluntary context switches of
all its threads are counted over WINDOW seconds: each one is a wake-up from a wait.
Goal: no more wake-ups than the bare app (which has none of its own). Linux only: the
counts come from /proc.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support import installed

SETTLE = 5.0
WINDOW = 10.0


def wakeups(pid: int) -> int:
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        except OSError:
            continue  # a thread that ended meanwhile
    return total


def measure(argv: list[str], env: dict[str, str]) -> float:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(SETTLE)
        if process.poll() is not None:
            raise RuntimeError(f"{argv[0]} ended during the benchmark")
        before = wakeups(process.pid)
        time.sleep(WINDOW)
        return (wakeups(process.pid) - before) / WINDOW
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def run() -> dict[str, float]:
    exe = installed.command()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.toml"
        # Nothing watched and a control on a closed loopback port: no network, no rounds
        # within the window (the first one runs at start, the next an hour later).
        controls = '[{ url = "http://127.0.0.1:9/" }]'
        config.write_text(
            f"[monitor]\nwatch = []\ninterval_seconds = 3600\n\n[connectivity]\ncontrols = {controls}\n"
        )
        env = installed.home_env(folder)
        ours = measure([exe, "run", "--config", str(config)], env)
        bare = measure([sys.executable, "-m", "bench.bare_tray"], env)
    return {"ours": ours, "bare": bare}


def report() -> str:
    r = run()
    return (
        f"idle wake-ups: OutageTray {r['ours']:.1f}/s, bare PySide6 tray app {r['bare']:.1f}/s "
        f"(over {WINDOW:.0f} s between polls; goal: no more than the bare app)"
    )


if __name__ == "__main__":
    print(report())
