"""Saving settings into the user's own file: change only what changed, keep every other line.

The file is the user's: it holds their comments, the order they chose, lines the app
ignores, and perhaps a ``[[platforms]]`` block they added by hand while the app ran.
Writing the whole file from the app's settings threw all of that away. So a save
reads the file as it is now (tomlkit keeps comments and layout), works out what the
Settings window changed (the settings it started from against the ones it ends
with), and applies just those changes to the document:

* keys whose value changed are set, new keys added, removed keys deleted;
* ``[[platforms]]`` entries are matched by ``id``, so an entry nobody touched in the
  window (including one added by hand meanwhile) stays exactly as written, even when
  the window's last platform is removed;
* a section the file does not have yet gets only the changed keys, never a copy of
  every default (a default written down stops following later versions' defaults);
* a setting the window shows whose line in the file is a mistake (``interval_seconds
  = 5``) gets the window's value even when the window did not change it: the window
  opened on the last settings that worked, not on what the file says, so comparing
  only the window's before and after would leave the mistake in place;
* everything else, comments and blank lines included, is left alone.

tomlkit is imported only here, when a save happens, never on the start path.
"""

from __future__ import annotations

import copy
import logging
import tomllib
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from outagetray.core.atomic import NotARegularFileError, read_small
from outagetray.core.settings_scan import prescan
from outagetray.core.settings_versions import VersionProblem, migrate, version_of

log = logging.getLogger(__name__)

#: Top-level arrays of tables whose entries are matched by this key rather than by position.
_KEYED_ARRAYS = {"platforms": "id", "channels": "id"}
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


#: The settings the Settings window shows, as paths into the file. When the file has a
#: mistake at or under one of these, a save writes the window's value there.
#: ``[[platforms]]`` is left out on purpose: the window's list may be older than blocks
#: added by hand, so a mistake in one is the user's to fix (the read-back names it).
WINDOW_KEYS: tuple[tuple[str, ...], ...] = (
    ("monitor", "watch"),
    ("monitor", "interval_seconds"),
    ("notifications",),
    ("app", "start_at_login"),
    ("profile",),
)


def apply_changes(
    document: MutableMapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    mistakes: Sequence[tuple[str | int, ...]] = (),
) -> None:
    """Make ``document`` reflect the difference from ``before`` to ``after``, touching nothing else.

    ``before`` and ``after`` are plain TOML-ready data (dicts, lists, scalars). Values
    equal in both are not written, even when the file holds something else: the file
    may have been edited by hand since the window opened, and that edit wins. The one
    exception is a mistake in a setting the window shows (see :data:`WINDOW_KEYS`):
    ``mistakes`` lists where the loader found one (key paths such as ``("monitor",
    "interval_seconds")``, see ``settings.mistake_paths``), and the window's value
    replaces it, so a save never leaves a broken line the user just set. The loader
    finds them, not this module, so that the two never import each other.
    """
    before = _marked_as_changed(before, after, list(mistakes))
    _apply_table(document, before, after, top=True)


def _marked_as_changed(
    before: Mapping[str, Any], after: Mapping[str, Any], mistakes: list[tuple[str | int, ...]]
) -> Mapping[str, Any]:
    """``before`` with each window setting that has a mistake in the file marked as changed.

    The mark is put on the deepest key that ``after`` still has, so a mistake in
    ``notifications.quiet_hours.start`` when the window has quiet hours off removes
    ``quiet_hours`` (the window's value is "none"), and one in ``monitor.interval_seconds``
    writes the window's interval.
    """
    marked: dict[str, Any] | None = None
    for path in mistakes:
        if not any(path[: len(key)] == key for key in WINDOW_KEYS):
            continue
        if marked is None:
            marked = copy.deepcopy(dict(before))
        node: Any = marked
        there: Any = after
        for depth, key in enumerate(path):
            if not isinstance(key, str) or not isinstance(node, dict):
                break
            last = depth == len(path) - 1 or not isinstance(there.get(key), dict) or key not in node
            if last or not isinstance(node.get(key), dict):
                node[key] = _CHANGED
                break
            node, there = node[key], there[key]
    return before if marked is None else marked


def _apply_table(
    table: MutableMapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any], *, top: bool
) -> None:
    for key, old in before.items():
        if key not in after and key in table:
            _remove(table, key, old, top=top)
    for key, new in after.items():
        old = before.get(key, _MISSING)
        if old == new:
            continue  # not changed in the window: whatever the file says now (even nothing) stays
        if top and key in _KEYED_ARRAYS and isinstance(new, list):
            _apply_keyed(table, key, _KEYED_ARRAYS[key], old if isinstance(old, list) else [], new)
        elif isinstance(new, dict) and isinstance(table.get(key), MutableMapping):
            _apply_table(table[key], old if isinstance(old, dict) else {}, new, top=False)
        elif isinstance(new, dict) and isinstance(old, dict) and key not in table:
            # A section the file does not have yet: only what changed goes in, not every default.
            table[key] = _item({}, top=top)
            _apply_table(table[key], old, new, top=False)
        elif key not in table:
            _add_key(table, key, _item(new, top=top))
        elif isinstance(new, list) and _update_array(table[key], new):
            pass  # changed in place: the comments between its lines stay
        else:
            table[key] = _item(new, top=top)


def _update_array(current: Any, new: list[Any]) -> bool:
    """Make the file's list ``current`` equal ``new`` element by element; False if it cannot.

    A list written over several lines may carry the user's comments between its elements;
    writing it whole would lose them. Elements that stay are left alone, a changed inline
    table has only its changed keys rewritten, removed ones go from the end, new ones are
    appended.
    """
    from tomlkit.items import Array, InlineTable

    if not isinstance(current, Array):
        return False
    for index, wanted in enumerate(new[: len(current)]):
        have = current[index]
        if _unwrapped(have) == wanted:
            continue
        if isinstance(have, InlineTable) and isinstance(wanted, dict):
            for inner in [k for k in have if k not in wanted]:
                del have[inner]
            for inner, value in wanted.items():
                if inner not in have or _unwrapped(have[inner]) != value:
                    have[inner] = _item(value, top=False)
        else:
            current[index] = _item(wanted, top=False)
    while len(current) > len(new):
        del current[len(current) - 1]
    for wanted in new[len(current) :]:
        current.append(_item(wanted, top=False))
    return True


def _unwrapped(value: Any) -> Any:
    """A tomlkit value as plain Python (dicts, lists, str, int...), for comparing."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def _add_key(table: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Add a key above the comments and blank lines that close a section.

    tomlkit counts a comment written above the next section's header as the end of this
    one, so a plain append would put the new key under the user's note about the next
    section. Where tomlkit's body cannot be read (not a real table), it is appended.
    """
    from tomlkit.items import Comment, Whitespace

    container = getattr(table, "value", table)
    body = getattr(container, "body", None)
    insert_at = getattr(container, "_insert_at", None)
    if not isinstance(body, list) or insert_at is None:
        table[key] = value
        return
    index = len(body)
    while index > 0 and body[index - 1][0] is None and isinstance(body[index - 1][1], Comment | Whitespace):
        index -= 1
    if index == 0 or index == len(body):
        table[key] = value
        return
    insert_at(index, key, value)


def _remove(table: MutableMapping[str, Any], key: str, old: Any, *, top: bool) -> None:
    """Take out what the window removed, and only that: not what the file holds beside it.

    A list of platforms that became empty removes only the platforms the window had
    (not blocks added by hand meanwhile); a section that became empty loses only the keys
    the window had, and goes only when nothing else is left in it.
    """
    current = table[key]
    if top and key in _KEYED_ARRAYS and isinstance(old, list):
        _apply_keyed(table, key, _KEYED_ARRAYS[key], old, [])
    elif isinstance(old, dict) and isinstance(current, MutableMapping) and not _covered(current, old):
        _apply_table(current, old, {}, top=False)
    else:
        # Nothing of the user's would remain, so the section goes whole (deleting its last key
        # one by one would leave an empty header, and tomlkit cannot do it in a dotted table).
        del table[key]


def _covered(current: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    """Whether removing ``old``'s keys from ``current`` leaves nothing at all."""
    for key, value in current.items():
        if key not in old:
            return False
        if isinstance(value, Mapping) and isinstance(old[key], Mapping) and not _covered(value, old[key]):
            return False
    return True


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
    left_over: list[Any] = []
    for index in range(len(existing) - 1, -1, -1):
        entry = existing[index]
        pid = entry.get(id_key) if isinstance(entry, Mapping) else None
        if pid in old_by_id and pid not in new_by_id:
            left_over = _hand_on_trailing_lines(existing, index)
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
        following = _item_after(document, key)
        del document[key]
        if following is not None:
            following.trivia.indent = (
                "".join(item.as_string() for item in left_over) + following.trivia.indent
            )
        elif callable(append := getattr(document, "append", None)):  # the list was last: they end the file
            for item in left_over:
                append(None, item)


def _hand_on_trailing_lines(entries: Any, index: int) -> list[Any]:
    """Keep the comments written below the entry at ``index``, which is about to be removed.

    tomlkit files a comment written above a ``[[platforms]]`` header under the block
    before it, so removing a block would take the next block's comment ("# Added by
    hand") with it. Those trailing lines move to the block before (or, for the first
    block, in front of the one after). With no other block left, they are returned, for
    the section after the list.
    """
    from tomlkit.items import Comment, Table

    entry = entries[index]
    body = getattr(getattr(entry, "value", None), "body", None)
    if not isinstance(entry, Table) or not isinstance(body, list):
        return []
    tail: list[Any] = []
    for key, item in reversed(body):
        if key is not None:
            break
        tail.insert(0, item)
    if not any(isinstance(item, Comment) for item in tail):
        return []
    if index > 0 and isinstance(entries[index - 1], Table):
        for item in tail:
            entries[index - 1].value.append(None, item)
        return []
    if index + 1 < len(entries) and isinstance(entries[index + 1], Table):
        following = entries[index + 1]
        following.trivia.indent = "".join(item.as_string() for item in tail) + following.trivia.indent
        return []
    return tail


def _item_after(document: Any, key: str) -> Any:
    """The section that follows ``key`` in the file, if it is one that can carry lines above it."""
    from tomlkit.items import Table

    body = getattr(document, "body", None)
    if not isinstance(body, list):
        return None
    seen = False
    for name, item in body:
        if seen and name is not None:
            return item if isinstance(item, Table) else None
        if name is not None and getattr(name, "key", None) == key:
            seen = True
    return None


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
#: Stands in for a before-value that must count as changed (a mistake in the file).
_CHANGED: Any = _Missing()
