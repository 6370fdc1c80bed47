"""The installed ``outagetray`` command, run as a user would, in a home of its own.

Tests and benchmarks that start the real app need the same two things: the command
next to this interpreter (what ``pip install`` put there) and an environment whose
home, config, state and runtime folders are private to the run, so a test never sees
the developer's settings or a running copy of the developer's own OutageTray.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path


def command() -> str:
    exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
    if not exe:
        raise RuntimeError("the outagetray command is not installed next to this Python")
    return exe


def home_env(
    folder: Path, base: Mapping[str, str] | None = None, *, qpa: str | None = "offscreen"
) -> dict[str, str]:
    """An environment for the app with every per-user folder inside ``folder``.

    ``qpa`` is Qt's platform (offscreen by default); None keeps the base's, for a real
    X session.
    """
    runtime = folder / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        **(os.environ if base is None else base),
        "HOME": str(folder),
        "XDG_CONFIG_HOME": str(folder / ".config"),
        "XDG_STATE_HOME": str(folder / ".local/state"),
        "XDG_DATA_HOME": str(folder / ".local/share"),
        "XDG_CACHE_HOME": str(folder / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    if qpa:
        env["QT_QPA_PLATFORM"] = qpa
    return env
