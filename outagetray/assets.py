"""The one way to read files from ``resources/``.

The same code must find them from a source checkout, from an installed wheel
(where they ship as the package ``outagetray.resources``) and from a PyInstaller
bundle (where they are unpacked under ``sys._MEIPASS``). Everything that reads a
resource goes through here so that the three cases are handled once.
"""

from __future__ import annotations

import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def _root() -> Traversable:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    try:
        return resources.files("outagetray.resources")
    except ModuleNotFoundError:
        # A bare checkout on sys.path without installing: resources/ sits beside the package.
        return Path(__file__).resolve().parent.parent / "resources"


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
