"""Saving settings into the user's own file: change only what changed, keep every other line.

The file is the user's: it holds their comments, the order they chose, lines the app
ignores, and perhaps a ``[[platforms]]`` block they added by hand while the app ran.
Writing the whole file from the app's settings threw all of that away. So a save
reads the file as it is now (tomlkit keeps comments and layout), works out what the
Settings window changed (the settings it started from against the ones it ends
with), and applies just those changes to the document:

* keys whose value changed are set, new keys added, removed keys deleted;
* ``[[platforms]]`` entries are matched by ``id``, so an entry nobody touched in the
  window (including one added by hand meanwhile) stays exactly as written;
* everything else, comments and blank lines included, is left alone.

tomlkit is imported only here, when a save happens, never on the start path.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from outagetray.core.atomic import NotARegularFileError, read_small
from outagetray.core.settings_scan import prescan
from outagetray.core.settings_versions import VersionProblem, migrate, version_of

log = logging.getLogger(__name__)

#: Top-level arrays of tables whose entries are matched by this key rather than by position.
_KEYED_ARRAYS = {"platforms": "id"}
#: A fresh file (no file yet) starts with this line.
HEADER = "# OutageTray settings. Edit while the app is closed, or use its Settings window."


class SaveRefused(Exception):
    """The settings were not written, for a reason the user can act on; ``str()`` is plain words."""


def read_for_edit(path: Path, limit: int) -> tuple[Any, dict[str, Any]]:
    """The file as it is now: a tomlkit document and plain data, both upgraded to the current version.

    (None, {}) when there is no file. SaveRefused, in plain words, when the file must not
    be written over: unreadable, broken, or from a newer OutageTray. The same guards as
    loading (size limit, pre-scan) run before any parser sees the text.
    """
    try:
        raw = read_small(path, limit)
    except (FileNotFoundError, NotADirectoryError):  # no file yet; the write will say if it cannot make one
        return None, {}
    except OSError as exc:
        reason = exc.kind if isinstance(exc, NotARegularFileError) else exc.strerror or "the system refused"
        raise SaveRefused(
            f"your settings file could not be read ({reason}), so it was left as it is"
        ) from None
    refusal = "your settings file has a mistake, so OutageTray did not write over it"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SaveRefused(f"{refusal}: it is not UTF-8 text. Fix it, then press Save again") from None
    scanned = prescan(text)
    if scanned:
        raise SaveRefused(f"{refusal}: {scanned} Fix it, then press Save again")
    try:
        data = tomllib.loads(text)
        version_of(data)
    except VersionProblem as exc:
        raise SaveRefused(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same problem to the user
        found = exc if isinstance(exc, tomllib.TOMLDecodeError) else "it could not be read"
        raise SaveRefused(f"{refusal} ({found}). Fix it, then press Save again") from None
    import tomlkit

    try:
        document = tomlkit.parse(text)
    except Exception:  # tomllib read it, so this is a tomlkit shortcoming; never guess
        log.exception("tomlkit could not read a settings file that tomllib read")
        raise SaveRefused(f"{refusal} (it could not be read for editing)") from None
    migrate(document)
    migrate(data)
    return document, data


def new_document() -> Any:
    """An empty tomlkit document with the header comment, for a first save."""
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment(HEADER[2:]))
    return document


def apply_changes(
    document: MutableMapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """Make ``document`` reflect the difference from ``before`` to ``after``, touching nothing else.

    ``before`` and ``after`` are plain TOML-ready data (dicts, lists, scalars). Values
    equal in both are not written, even when the file holds something else: the file
    may have been edited by hand since the window opened, and that edit wins.
    """
    _apply_table(document, before, after, top=True)


def _apply_table(
    table: MutableMapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any], *, top: bool
) -> None:
    for key in before:
        if key not in after and key in table:
            del table[key]
    for key, new in after.items():
        old = before.get(key, _MISSING)
        if old == new:
            continue  # not changed in the window: whatever the file says now (even nothing) stays
        if top and key in _KEYED_ARRAYS and isinstance(new, list):
            _apply_keyed(table, key, _KEYED_ARRAYS[key], old if isinstance(old, list) else [], new)
        elif isinstance(new, dict) and isinstance(table.get(key), MutableMapping):
            _apply_table(table[key], old if isinstance(old, dict) else {}, new, top=False)
        else:
            table[key] = _item(new, top=top)


def _apply_keyed(
    document: MutableMapping[str, Any], key: str, id_key: str, before: list[Any], after: list[Any]
) -> None:
    """Apply changes to an array of tables entry by entry, matching entries by ``id_key``."""
    import tomlkit

    old_by_id = {t.get(id_key): t for t in before if isinstance(t, dict)}
    new_by_id = {t.get(id_key): t for t in after if isinstance(t, dict)}
    existing = document.get(key)
    if not isinstance(existing, list):
        if key in document:
            return  # not an array of tables in the file: the loader reports it; never guess
        existing = tomlkit.aot()
        document[key] = existing
        existing = document[key]
    for index in range(len(existing) - 1, -1, -1):
        entry = existing[index]
        pid = entry.get(id_key) if isinstance(entry, Mapping) else None
        if pid in old_by_id and pid not in new_by_id:
            del existing[index]
    for pid, new in new_by_id.items():
        old = old_by_id.get(pid, {})
        if old == new:
            continue
        entry = next((e for e in existing if isinstance(e, MutableMapping) and e.get(id_key) == pid), None)
        if entry is None:
            table = _item(new, top=True)
            if len(existing):
                table.trivia.indent = "\n"  # a blank line between blocks, as people write them
            existing.append(table)
        else:
            _apply_table(entry, old, new, top=False)
    if not existing and key in document:
        del document[key]


def _item(value: Any, *, top: bool) -> Any:
    """A tomlkit value for ``value``: a [section] at the top, small inline tables below it."""
    import tomlkit

    if isinstance(value, dict):
        table = tomlkit.table() if top else tomlkit.inline_table()
        for key, inner in value.items():
            table[key] = _item(inner, top=False) if isinstance(inner, dict) else _plain(inner)
        return table
    return _plain(value)


def _plain(value: Any) -> Any:
    import tomlkit

    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        array = tomlkit.array()
        for entry in value:
            array.append(_item(entry, top=False))
        return array
    return tomlkit.item(value)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
