"""Reading and writing the app's own small files safely.

Settings, the app's state and start-at-login entries all go through here. A write
leaves either the old content or the new, never half of each: a crash or a full disk
in the middle of a save must never leave a broken file behind. A write goes through
a symbolic link to the file it points at, because people keep their config in a
dotfiles folder and link it in. A read refuses what is not an ordinary file, or is
far larger than any file of ours can be, so a pipe, a device or a huge file named
where a settings file should be cannot hang the app or exhaust its memory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path

#: Links followed before a save gives up (the same bound Linux uses for path lookups).
MAX_LINKS = 40
#: A temporary file older than this was left by a save that was killed: a save takes milliseconds.
STALE_AFTER_SECONDS = 10 * 60
#: mkstemp's random part: 8 characters from this alphabet.
_RANDOM = r"[a-z0-9_]{8}"


class NotARegularFileError(OSError):
    """The path names a folder, a pipe, a device or a socket rather than an ordinary file."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not an ordinary file", str(path))
        #: In words: "a folder", "a pipe", "a device", "a socket".
        self.kind = kind


class FileTooLargeError(OSError):
    """The file is larger than any file of ours can legitimately be."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(
            errno.EFBIG,
            f"it is {size_in_words(size)}, more than the {size_in_words(limit)} allowed",
            str(path),
        )
        self.size = size
        self.limit = limit


def file_kind(mode: int) -> str:
    """What a stat mode is, in words a user understands."""
    if stat.S_ISREG(mode):
        return "an ordinary file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def read_small(path: Path, limit: int) -> bytes:
    """The bytes of an ordinary file of at most ``limit`` bytes, following links.

    Anything else raises an OSError (:class:`NotARegularFileError`,
    :class:`FileTooLargeError`, or what the system said), so callers that already
    handle OSError stay safe. The path is checked before it is opened (opening some
    devices has effects of its own), and the opened file is checked again, without
    blocking, so a pipe swapped in between cannot make us wait for a writer forever.
    """
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise NotARegularFileError(path, file_kind(before.st_mode))
    if before.st_size > limit:
        raise FileTooLargeError(path, before.st_size, limit)
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    fd = os.open(path, flags)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise NotARegularFileError(path, file_kind(opened.st_mode))
        chunks: list[bytes] = []
        total = 0
        while True:  # the file may grow after the check: read at most one byte past the limit
            chunk = os.read(fd, min(65_536, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLargeError(path, total, limit)
    finally:
        os.close(fd)
    return b"".join(chunks)


def final_target(path: Path) -> Path:
    """The file a write to ``path`` should replace: the end of its chain of symbolic links.

    A link that points nowhere gives the path it points at, so the save creates it. A
    relative link is taken relative to the folder the link is in, as the system does.
    A loop raises OSError (ELOOP) rather than spinning.
    """
    current = path
    for _ in range(MAX_LINKS):
        try:
            link = os.readlink(current)
        except OSError:  # not a link (EINVAL), or not there: this is the file to write
            return current
        current = current.parent / link  # an absolute link replaces the whole path
    raise OSError(errno.ELOOP, "Too many levels of symbolic links", str(path))


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside the target, flush it to disk, then rename it over.

    If ``path`` is a symbolic link, the file it points at is replaced and the link
    stays: renaming over the link itself would cut it, and the user's real file
    would silently keep the old content. ``mode`` sets the permissions; without it
    a file that exists keeps its own, and a new one is readable by its owner only
    (mkstemp's default). On failure the temporary file is
    removed, the old file is untouched, and the error is raised for the caller to
    put in words. Anything but an ordinary file at the target (a folder, a pipe, a
    device) is refused, never replaced. A save killed before it could clean up leaves a temporary named
    ``.<name>.<random>.tmp``, which :func:`remove_stale_temporaries` recognises.
    """
    target = final_target(path)
    with contextlib.suppress(FileNotFoundError):
        # Renaming over a pipe or a device (``--config /dev/zero``, as root) would replace it.
        existing = os.lstat(target).st_mode
        if not stat.S_ISREG(existing):
            raise NotARegularFileError(target, file_kind(existing))
        if mode is None:
            mode = stat.S_IMODE(existing)  # a rewrite keeps the permissions the file had
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temporaries(
    path: Path, older_than: float = STALE_AFTER_SECONDS, now: float | None = None
) -> list[Path]:
    """Remove the temporary files that killed saves of ``path`` left behind; return those removed.

    Only files named exactly as :func:`write_atomic` names them, for this file, that
    are ordinary files (never links) and were last written more than ``older_than``
    seconds ago: a younger one may belong to a save happening right now in another
    process. Both the link's folder and its target's are looked at, since earlier
    versions wrote beside the link. Never raises: tidying up must not stop a start.
    """
    now = time.time() if now is None else now
    places = [path]
    with contextlib.suppress(OSError):
        target = final_target(path)
        if target != path:
            places.append(target)
    removed: list[Path] = []
    for place in places:
        pattern = re.compile(rf"\.{re.escape(place.name)}\.{_RANDOM}\.tmp")
        try:
            names = os.listdir(place.parent)
        except OSError:
            continue
        for name in names:
            if not pattern.fullmatch(name):
                continue
            candidate = place.parent / name
            try:
                info = candidate.lstat()
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > older_than:
                    candidate.unlink()
                    removed.append(candidate)
            except OSError:
                continue
    return removed


def size_in_words(count: int) -> str:
    """A byte count as people say it: "2.0 MB", "256 KB"."""
    if count >= 1 << 30:
        return f"{count / (1 << 30):.1f} GB"
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MB"
    if count >= 1 << 10:
        return f"{count // (1 << 10)} KB"
    return f"{count} bytes"
