"""Writing a file so that it holds either the old content or the new, never half of each.

Settings, the app's state and start-at-login entries all go through here: a crash or
a full disk in the middle of a save must never leave a broken file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over.

    ``mode`` sets the permissions (mkstemp creates files readable by the owner only).
    On failure the temporary file is removed, the old file is untouched, and the error
    is raised for the caller to put in words.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
