"""The settings file's format version, and the steps that bring an older file up to date.

The file says which format it is written in with a top-level ``version = N`` (the
first line a user sees, before any ``[section]``). A file without one predates
versions and is version 0. When the format changes, the change is one small,
named step below that turns a version N file into a version N+1 file, with its own
test; loading runs every step from the file's version up to :data:`CURRENT`, so
each step only ever has to know the format just before it. (qutebrowser's
``config/configfiles.py`` keeps its migrations the same way.)

A file from a newer OutageTray, with a version above :data:`CURRENT`, is never
guessed at and never written over: an older app that "fixed" it would throw away
whatever the newer one added.

The steps work on any mutable mapping, so the same step upgrades the plain dict
tomllib reads and the tomlkit document a save edits (which keeps the user's
comments around whatever the step changes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

#: The key holding the format version, at the top of the file.
VERSION_KEY = "version"


@dataclass(frozen=True)
class Migration:
    """One change of format: ``upgrade`` turns a version ``start`` file into a version ``start + 1`` one."""

    start: int
    name: str
    upgrade: Callable[[MutableMapping[str, Any]], None]


def _v0_first_version(data: MutableMapping[str, Any]) -> None:
    """0 → 1: files before versions. The format did not change; the file only gains ``version = 1``."""


#: Every step, in order: MIGRATIONS[n] upgrades version n to n + 1.
MIGRATIONS: tuple[Migration, ...] = (Migration(0, "first_version", _v0_first_version),)
#: The version this OutageTray writes and understands.
CURRENT = len(MIGRATIONS)


class VersionProblem(ValueError):
    """The file's version cannot be used; ``str()`` says why in plain words.

    ``newer`` when the file comes from a newer OutageTray.
    """

    def __init__(self, message: str, *, newer: bool = False) -> None:
        super().__init__(message)
        self.newer = newer


def version_of(data: Mapping[str, Any]) -> int:
    """The file's format version (0 when it has none); VersionProblem when it is not one this app reads."""
    value = data.get(VERSION_KEY, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise VersionProblem(
            f"the settings version must be a whole number such as {CURRENT} (found {str(value)[:40]!r})"
        )
    if value > CURRENT:
        raise VersionProblem(
            f"this settings file was written by a newer OutageTray (settings version {value}; this one "
            f"understands up to version {CURRENT}). Update OutageTray to use it. The file was left as it is",
            newer=True,
        )
    return value


def migrate(data: MutableMapping[str, Any]) -> list[str]:
    """Bring ``data`` up to :data:`CURRENT` in place, one step at a time; the names of the steps run.

    The version key is updated after each step, so a step never has to set it.
    """
    done: list[str] = []
    for step in MIGRATIONS[version_of(data) :]:
        step.upgrade(data)
        _set_version(data, step.start + 1)
        done.append(step.name)
    return done


def _set_version(data: MutableMapping[str, Any], version: int) -> None:
    # A new top-level key must go before every [section] or TOML would file it under the
    # last one: tomlkit documents place it there themselves, plain dicts have no sections.
    data[VERSION_KEY] = version
