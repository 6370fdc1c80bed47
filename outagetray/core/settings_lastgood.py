"""What the app runs on when the user's settings file has a mistake: the last settings that worked.

The file is the user's, so a mistake in it never moves or changes it. Each time it loads,
a copy of its bytes is kept in the app's state folder; when it has a mistake, the app runs
on that copy (or on its defaults, if none ever loaded) and says what is wrong, line and
key, until the file is fixed. The command line never uses the copy: it says what is
wrong and exits 2, because a script must not act on settings the user did not give it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from outagetray.core.atomic import read_small, remove_stale_temporaries, write_atomic
from outagetray.core.settings import (
    APP_NAME,
    MAX_FILE_BYTES,
    TOML_PLACE,
    Settings,
    default_path,
    load_with_bytes,
)

#: The copy of the last settings file that loaded, kept in the app's state folder.
SNAPSHOT_NAME = "last-good-config.toml"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppSettings:
    """What the app runs on, and what it must tell the user about the file."""

    settings: Settings
    #: Plain words for the window and the log; empty when all was well.
    message: str
    path: Path
    #: The file's problems, each naming its line and key (the first one goes in the tray tooltip).
    problems: tuple[str, ...] = ()
    #: The user's file has a mistake: the app runs on the last settings that worked, or on defaults.
    broken: bool = False
    #: The settings are the copy kept from the last start on which the file loaded.
    last_good: bool = False

    @property
    def short(self) -> str:
        """The mistake in one line, for a tooltip: where it is and what the app runs on; "" when none."""
        if not self.broken:
            return ""
        place = problem_place(self.problems[0]) if self.problems else ""
        running = "your last working settings" if self.last_good else "its defaults"
        return f"Your settings file has a mistake{f' ({place})' if place else ''} — running on {running}"


_PLACE = re.compile(r"^(Line \d+(?:, [^:]+)?):")


def problem_place(problem: str) -> str:
    """Where a problem is in the file ("Line 3, monitor.watch" or "Line 3"), "" when it has no place."""
    found = _PLACE.match(problem)
    if found:
        return found.group(1)
    toml = TOML_PLACE.search(problem)
    return f"Line {toml.group(1)}, column {toml.group(2)}" if toml else ""


def snapshot_path(config: Path, folder: Path | None = None) -> Path:
    """Where the copy of the last settings file that loaded is kept: the app's state folder.

    Not beside the config file: that folder is the user's, and a second TOML file in it
    would look like a setting. A ``--config`` other than the usual file gets a copy of its
    own (named by a hash of its path), so one file's mistake never brings back another's.
    """
    if folder is None:
        from platformdirs import user_state_path

        folder = user_state_path(APP_NAME, appauthor=False)
    if config == default_path():
        return folder / SNAPSHOT_NAME
    digest = hashlib.sha256(str(config.absolute()).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return folder / f"last-good-config-{digest}.toml"


def load_for_app(path: Path | None = None, *, state_folder: Path | None = None) -> AppSettings:
    """Load settings for the app, which must start whatever the file holds.

    A file with a mistake is left where it is, untouched: it is the user's, and they
    fix it in place. The app runs on the copy kept the last time the file loaded (in
    ``state_folder``, the app's state folder by default), or on its defaults when there
    is none, and the message says, in plain words, what is wrong (line and key) and what
    the app runs on. A file from a newer OutageTray is neither read nor changed.
    Temporary files left by a save that was killed are removed first.
    """
    path = path or default_path()
    remove_stale_temporaries(path)
    result, raw = load_with_bytes(path)
    if result.newer:
        lines = ["OutageTray is using its defaults for now; your settings file was not changed."]
        message = "\n".join([*lines, *(f"• {problem}" for problem in result.problems)])
        return AppSettings(result.settings, message, path, tuple(result.problems))
    if result.ok:
        if raw is not None:
            _keep_copy(raw, snapshot_path(path, state_folder))
        message = ""
        if result.warnings:
            lines = ["Some lines of your settings file were not understood and are ignored:"]
            lines += [f"• {warning}" for warning in result.warnings]
            message = "\n".join(lines)
        return AppSettings(result.settings, message, path)
    copy = _last_good(snapshot_path(path, state_folder))
    if copy is not None:
        running = "OutageTray keeps running on the last settings that worked"
    else:
        running = "OutageTray is running on its defaults for now (no earlier settings have worked yet)"
    lines = [
        f"Your settings file has a mistake, so {running}. The file was left as it is: {path}. Fix it, "
        "and OutageTray uses it the next time it starts or when you save from Settings."
    ]
    lines += [f"• {problem}" for problem in result.problems]
    return AppSettings(
        copy or Settings(),
        "\n".join(lines),
        path,
        tuple(result.problems),
        broken=True,
        last_good=copy is not None,
    )


def load_or_recover(path: Path | None = None, *, state_folder: Path | None = None) -> tuple[Settings, str]:
    """:func:`load_for_app` as (settings, message): what the app runs on and what to tell the user."""
    loaded = load_for_app(path, state_folder=state_folder)
    return loaded.settings, loaded.message


def _keep_copy(raw: bytes, copy: Path) -> None:
    """Keep the bytes of a file that loaded, written only when they changed (most starts write nothing)."""
    try:
        if read_small(copy, MAX_FILE_BYTES) == raw:
            return
    except OSError:  # none yet, or not readable: write it afresh
        pass
    try:
        write_atomic(copy, raw)  # owner-only, as mkstemp creates it: sources may carry passwords
    except OSError as exc:
        log.warning("could not keep a copy of the settings that worked: %s", exc.strerror or exc)


def _last_good(copy: Path) -> Settings | None:
    """The settings in the kept copy, or None when there is none or it no longer loads."""
    result, _raw = load_with_bytes(copy)
    return result.settings if result.exists and result.ok else None
