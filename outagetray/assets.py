"""The one way to read files from ``resources/``.

The same code must find them from a source checkout, from an installed wheel
(where they ship as the package ``outagetray.resources``) and from a PyInstaller
bundle (where they are unpacked under ``sys._MEIPASS``). Everything that reads a
resource goes through here so that the three cases are handled once.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

_HERE = Path(__file__).resolve().parent


@cache
def _root() -> Traversable:
    """Where resources/ is, checked in order of how cheap the check is.

    Plain folders first (a bundle, an installed wheel, a checkout): they cost one
    stat, while importlib.resources costs about 13 ms of imports on the start-up
    path. importlib.resources stays as the answer for zipped installs.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    for folder in (_HERE / "resources", _HERE.parent / "resources"):
        if (folder / "platforms.toml").is_file():
            return folder
    from importlib import resources

    return resources.files("outagetray.resources")


def resource(name: str) -> Traversable:
    """A resource by its path relative to ``resources/``, e.g. ``"icons/ok.svg"``."""
    node = _root()
    for part in name.split("/"):
        node = node / part
    return node


def read_bytes(name: str) -> bytes:
    """The bytes of a resource; FileNotFoundError names the resource if it is missing."""
    node = resource(name)
    try:
        return node.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise FileNotFoundError(f"OutageTray resource missing: {name}") from None


def read_text(name: str) -> str:
    """The UTF-8 text of a resource."""
    return read_bytes(name).decode("utf-8")
