"""Keep PySide6's import hook from caching the source of every module we import.

PySide6 (PYSIDE-2029) asks of each module imported after it whether its source
mentions "PySide6", so that ``from __feature__ import ...`` can be switched per
module. It answers with ``inspect.getsource``, which goes through ``linecache``: the
full text of every imported module (requests, urllib3, dnspython, the stdlib, ours)
then stays in memory for the life of the process, about 9 MB for this app, and
clearing the cache afterwards gives nothing back because the lines are scattered
through the heap. Reading the file directly gives PySide6 the same answer without
keeping anything.

``install()`` runs from ``outagetray.ui``'s ``__init__``, so it is in place before
any of our Qt modules, and long before the monitor's imports. If a PySide6 release
renames the hook, nothing is changed and PySide6 keeps its own behaviour.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable
from types import ModuleType

_MARK = "_outagetray_plain_read"


def install() -> bool:
    """Replace the hook's source lookup with a plain read; True if it is now in place."""
    import PySide6.QtCore  # noqa: F401 - loads shibokensupport, which owns the hook

    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        return False
    if getattr(original, _MARK, False):
        return True
    feature._mod_uses_pyside = _plain_reader(original)  # type: ignore[attr-defined]
    # What the hook read while PySide6 itself was loading: small, since little is
    # imported that early, and no longer needed.
    linecache.clearcache()
    return True


def _plain_reader(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def mod_uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return original(module)  # built-in, extension or frozen: PySide6 decides
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            pass
        # Not a plain file (a zip import, say): ask the loader, which does not cache.
        try:
            text = module.__loader__.get_source(module.__name__)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - any loader: PySide6's own answer for unreadable source
            return False
        return isinstance(text, str) and "PySide6" in text

    setattr(mod_uses_pyside, _MARK, True)
    return mod_uses_pyside
