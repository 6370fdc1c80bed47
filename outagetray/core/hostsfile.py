"""The names this computer's hosts file pins to addresses.

Probes resolve through dnspython so they can honour the DNS settings and tell
SERVFAIL from NXDOMAIN, but dnspython never reads the hosts file. The system
does, first: "localhost", names a company pins for its intranet, and names an
ad blocker points at 0.0.0.0 all live there. An HTTP probe must reach a name
the way the user's browser would, so it asks this module before DNS.

The file is read once and again only when its modification time or size
changes, so a probe round costs one ``stat``.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
from pathlib import Path

#: A hosts file larger than this is not read (ad-blocking lists run to a few MB; more is not a hosts file).
MAX_HOSTS_FILE = 32 * 1024 * 1024


def hosts_path() -> Path:
    """Where this system keeps its hosts file; a function so tests can point it elsewhere."""
    if sys.platform == "win32":
        root = os.environ.get("SYSTEMROOT") or r"C:\Windows"
        return Path(root) / "System32" / "drivers" / "etc" / "hosts"
    return Path("/etc/hosts")


_LOCK = threading.Lock()
_CACHE: dict[str, object] = {"key": None, "table": {}}


def addresses(name: str) -> tuple[str, ...]:
    """The addresses the hosts file gives ``name`` (case and a trailing dot ignored), in file order.

    Empty when the file does not list the name, or cannot be read: then the
    name is left to DNS, as the system would.
    """
    key = name.rstrip(".").lower()
    if not key:
        return ()
    return _table().get(key, ())


def _table() -> dict[str, tuple[str, ...]]:
    path = hosts_path()
    try:
        info = path.stat()
    except OSError:
        return {}
    stamp = (str(path), info.st_mtime_ns, info.st_size)
    with _LOCK:
        if _CACHE["key"] == stamp:
            table: dict[str, tuple[str, ...]] = _CACHE["table"]  # type: ignore[assignment]
            return table
    table = _read(path) if info.st_size <= MAX_HOSTS_FILE else {}
    with _LOCK:
        _CACHE["key"] = stamp
        _CACHE["table"] = table
    return table


def _read(path: Path) -> dict[str, tuple[str, ...]]:
    """Parse ``address name [alias …]`` lines; ``#`` starts a comment; bad lines are skipped."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return {}
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        address = fields[0]
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            continue
        for name in fields[1:]:
            entry = table.setdefault(name.rstrip(".").lower(), [])
            if str(ip) not in entry:
                entry.append(str(ip))
    return {name: tuple(found) for name, found in table.items()}
