"""One OS file lock, taken without waiting: what keeps two processes from doing one job twice.

The incident log's recorder and the event counter each hold such a lock on a small file
of their own; the OS lets it go when the process ends, however it ends. On Windows the
lock is on one byte at ``offset`` (msvcrt locks byte ranges, and a range inside the file
would also block reading what is written there); flock on POSIX locks the whole file.
"""

from __future__ import annotations

import contextlib
import os
import sys

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def try_lock(fd: int, offset: int = 0) -> bool:
        """Take the lock on ``fd`` if nobody holds it; False at once if somebody does."""
        os.lseek(fd, offset, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def unlock(fd: int, offset: int = 0) -> None:
        os.lseek(fd, offset, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def try_lock(fd: int, offset: int = 0) -> bool:
        """Take the lock on ``fd`` if nobody holds it; False at once if somebody does."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock(fd: int, offset: int = 0) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
