"""The user's settings: one TOML file in the platform's config folder.

A broken file must never stop the app. Loading returns the settings it could
use together with plain-words problems (each naming the line and key), and the
caller decides: the tray app leaves the broken file where it is and runs on the
last settings that worked (:mod:`outagetray.core.settings_lastgood`), the command
line refuses to guess and exits with code 2. Writes are atomic, so a
crash mid-save can never leave a half-written file behind.

The file is the user's: a save changes only what the Settings window changed and
keeps every comment, the order of lines and blocks added by hand
(:mod:`outagetray.core.settings_keep`). The file carries its format version as a
top-level ``version = 1``; older files are upgraded one named step at a time and a
file from a newer app is never written over (:mod:`outagetray.core.settings_versions`).

What a valid value is, is said once, here: ``validate_url``, ``validate_interval``
and ``validate_quiet_hours`` are the rules the file is read with and the rules the
Settings window asks, so the two can never disagree about what may be saved.
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outagetray.core import profile as own
from outagetray.core.atomic import (
    FileTooLargeError,
    NotARegularFileError,
    read_small,
    size_in_words,
    write_atomic,
)
from outagetray.core.catalog import (
    DEFAULT_WATCH,
    PlatformError,
    builtin_platforms,
    guess_id,
    platform_from_table,
)
from outagetray.core.model import Platform
from outagetray.core.settings_keep import SaveRefused as SaveRefused
from outagetray.core.settings_keep import apply_changes, new_document, read_for_edit
from outagetray.core.settings_scan import KeyLines, long_number, prescan
from outagetray.core.settings_versions import CURRENT, VERSION_KEY, VersionProblem, migrate
from outagetray.core.webaddress import host_problem

APP_NAME = "OutageTray"
CONFIG_NAME = "config.toml"
MIN_INTERVAL = 15
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_INTERVAL = 86_400
#: A settings file is a few KB (800 custom platforms would fit in this); a larger file is
#: not one, and is not read. Parsing a hostile file of this size takes well under a second.
MAX_FILE_BYTES = 256 << 10
#: Problems or warnings listed at most; a file with thousands of bad lines gets a count, not a wall.
MAX_MESSAGES = 20
#: TOML integers are 64-bit; a longer one can only be a mistake or an attack.
_INT_RANGE = range(-(2**63), 2**63)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ControlCheck:
    """A well-known address that answers the same way whenever the user's connection works."""

    url: str
    expect_status: int | None = None
    expect_body: str | None = None


DEFAULT_CONTROLS = (
    ControlCheck("http://connectivitycheck.gstatic.com/generate_204", expect_status=204),
    ControlCheck("http://www.msftconnecttest.com/connecttest.txt", expect_body="Microsoft Connect Test"),
)


@dataclass(frozen=True)
class Notifications:
    """How and when the user wants to be told. Sounds are off by default: an office is no place for beeps."""

    enabled: bool = True
    #: Platform ids that are shown but never announced.
    muted: tuple[str, ...] = ()
    #: Local times "HH:MM"; pop-ups are held back from start to end (may span midnight).
    quiet_start: str | None = None
    quiet_end: str | None = None
    sound: bool = False
    #: A platform announced less than this long ago is not announced again for the same kind of change.
    cooldown_minutes: int = 30
    #: How long a platform must work again before a welcome-back post is suggested.
    welcome_back_minutes: int = 15


@dataclass(frozen=True)
class Settings:
    """Everything the user can set. Defaults are the playbook's four platforms, polled every minute."""

    watch: tuple[str, ...] = DEFAULT_WATCH
    interval_seconds: int = 60
    #: Failed rounds in a row before a probe-only outage is reported (false alarms cost trust).
    confirm_rounds: int = 3
    #: Clean rounds in a row before a platform counts as recovered.
    recover_rounds: int = 2
    controls: tuple[ControlCheck, ...] = DEFAULT_CONTROLS
    custom_platforms: tuple[dict[str, Any], ...] = ()
    nameservers: tuple[str, ...] = ()
    notifications: Notifications = field(default_factory=Notifications)
    start_at_login: bool = False
    #: Who the user is and the channels they own (core/profile.py): the welcome fills them.
    profile: own.Profile = field(default_factory=own.Profile)
    channels: tuple[own.Channel, ...] = ()

    def platforms(self) -> dict[str, Platform]:
        """The catalog with the user's overrides and additions applied, keyed by id."""
        merged = dict(builtin_platforms())
        for table in self.custom_platforms:
            merged[table["id"]] = platform_from_table(table, merged.get(table["id"]))
        return merged

    def watched(self) -> list[Platform]:
        """The watched platforms, in the order the user listed them."""
        every = self.platforms()
        return [every[pid] for pid in self.watch if pid in every]


@dataclass
class LoadResult:
    """What loading found: settings to use, and any problems in plain words."""

    settings: Settings
    path: Path
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exists: bool = True
    #: The file was written by a newer OutageTray: it must be neither moved nor written over.
    newer: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def default_path() -> Path:
    """The config file in the platform's config folder (e.g. ~/.config/OutageTray/config.toml)."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False, roaming=True) / CONFIG_NAME


def load(path: Path | None = None) -> LoadResult:
    """Read and validate the settings file; never raises for a bad file.

    A missing file gives the defaults. A file that cannot be parsed, or holds an
    invalid value, gives the defaults plus the problems found, so the caller can
    tell the user (the app then runs on the last settings that worked). "Never
    raises" includes hostile files: a pipe, a device, a folder, a huge file, or
    one built to exhaust the parser.
    """
    return load_with_bytes(path or default_path())[0]


def load_with_bytes(path: Path) -> tuple[LoadResult, bytes | None]:
    """:func:`load`, plus the bytes that were read, so the app can keep a copy of a file that worked."""
    try:
        raw = read_small(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return LoadResult(Settings(), path, exists=False), None
    except NotARegularFileError as exc:
        return LoadResult(
            Settings(), path, [f"The settings file could not be read: it is {exc.kind}, not a text file."]
        ), None
    except FileTooLargeError as exc:
        return LoadResult(
            Settings(),
            path,
            [
                f"The settings file could not be read: it is {size_in_words(exc.size)}, far larger than "
                f"settings can be (at most {size_in_words(exc.limit)}; a normal one is a few KB)."
            ],
        ), None
    except OSError as exc:
        return LoadResult(
            Settings(),
            path,
            [f"The settings file could not be read: {exc.strerror or 'the system refused'}."],
        ), None
    return _parse(raw, path), raw


def _parse(raw: bytes, path: Path) -> LoadResult:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return LoadResult(Settings(), path, ["The settings file is not UTF-8 text."])
    refused = prescan(text)
    if refused:
        return LoadResult(Settings(), path, [refused])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LoadResult(Settings(), path, [_syntax_problem(str(exc))])
    except ValueError:  # tomllib lets int()'s limit on decimal digits through
        return LoadResult(Settings(), path, [long_number(text)])
    except (RecursionError, MemoryError):  # the pre-scan is meant to make this unreachable
        log.exception("tomllib failed on a settings file that passed the pre-scan")
        return LoadResult(Settings(), path, ["The settings file is too large or too deeply nested to read."])
    try:
        migrate(data)  # on the parsed copy only: the file itself changes on the next save
    except VersionProblem as exc:
        line = KeyLines(text).find((VERSION_KEY,))
        where = f"Line {line}: " if line else ""
        message = f"{where}{str(exc)[:1].upper()}{str(exc)[1:]}."
        return LoadResult(Settings(), path, [message], newer=exc.newer)
    validator = _Validator(text)
    settings = Settings()
    try:
        validator.huge_numbers(data)
        if not validator.problems:
            settings = validator.settings(data)
    except Exception:  # a bug must not stop the app; the log keeps the traceback for us to fix
        log.exception("validating the settings file failed")
        validator.problems.append("The settings file holds something OutageTray could not make sense of.")
    warnings = _at_most(validator.warnings, "lines not understood")
    if validator.problems:
        return LoadResult(Settings(), path, _at_most(validator.problems, "problems"), warnings)
    return LoadResult(settings, path, [], warnings)


def _syntax_problem(error: str) -> str:
    """tomllib's error with its place put first, as every other problem says it ("Line 5, column 14: ...")."""
    found = TOML_PLACE.search(error)
    if found is None:
        return f"The settings file is not valid TOML: {error}."
    what = error[: found.start()].rstrip()
    return (
        f"Line {found.group(1)}, column {found.group(2)}: the settings file is not valid TOML here: {what}."
    )


#: Where tomllib says a syntax error is.
TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


def to_toml_data(settings: Settings) -> dict[str, Any]:
    """The settings as TOML-ready data (what :func:`save` writes)."""
    controls = []
    for control in settings.controls:
        table: dict[str, Any] = {"url": control.url}
        if control.expect_status is not None:
            table["expect_status"] = control.expect_status
        if control.expect_body is not None:
            table["expect_body"] = control.expect_body
        controls.append(table)
    data: dict[str, Any] = {
        "monitor": {
            "watch": list(settings.watch),
            "interval_seconds": settings.interval_seconds,
            "confirm_rounds": settings.confirm_rounds,
            "recover_rounds": settings.recover_rounds,
        },
        "connectivity": {"controls": controls},
    }
    if settings.nameservers:
        data["network"] = {"nameservers": list(settings.nameservers)}
    notes = settings.notifications
    notifications: dict[str, Any] = {
        "enabled": notes.enabled,
        "muted": list(notes.muted),
        "sound": notes.sound,
        "cooldown_minutes": notes.cooldown_minutes,
        "welcome_back_minutes": notes.welcome_back_minutes,
    }
    if notes.quiet_start and notes.quiet_end:
        notifications["quiet_hours"] = {"start": notes.quiet_start, "end": notes.quiet_end}
    data["notifications"] = notifications
    data["app"] = {"start_at_login": settings.start_at_login}
    if settings.custom_platforms:
        data["platforms"] = [dict(t) for t in settings.custom_platforms]
    if (profile := own.profile_table(settings.profile)) is not None:
        data["profile"] = profile
    if settings.channels:
        data["channels"] = own.channel_tables(settings.channels)
    return data


def save(settings: Settings, path: Path | None = None, *, before: Settings | None = None) -> Path:
    """Write ``settings`` into the user's file, changing only what differs from ``before``.

    The file is read again first, because it may have been edited by hand since it was
    loaded: comments, order, ignored lines and hand-added ``[[platforms]]`` blocks stay.
    ``before`` is what the editor started from (the Settings window passes the settings
    it opened with); without it, the difference is taken against what the file says now.
    A missing file is created whole. A file that is broken, unreadable or from a newer
    OutageTray is never written over: SaveRefused says why. The write is atomic and goes
    through a link to the file it names.
    """
    path = path or default_path()
    document, current = read_for_edit(path, MAX_FILE_BYTES)
    if document is None:
        document, old_data = new_document(), {}
        document[VERSION_KEY] = CURRENT
    elif before is not None:
        old_data = to_toml_data(before)
    else:
        validator = _Validator("")
        old_data = to_toml_data(validator.settings(current))
    apply_changes(document, old_data, to_toml_data(settings), mistake_paths(document))
    write_atomic(path, document.as_string().encode("utf-8"))
    return path


def mistake_paths(document: Mapping[str, Any]) -> list[tuple[str | int, ...]]:
    """Where the loader finds a mistake in ``document``, as key paths ("monitor", "interval_seconds").

    A save mends those the Settings window shows (settings_keep.apply_changes).
    """

    class Recorder(_Validator):
        """The loader's own checks, keeping the path of each problem rather than only its words."""

        def __init__(self) -> None:
            super().__init__("")
            self.paths: list[tuple[str | int, ...]] = []

        def problem(self, path: tuple[str | int, ...], message: str) -> None:
            self.paths.append(path)
            super().problem(path, message)

    unwrap = getattr(document, "unwrap", None)
    data = unwrap() if callable(unwrap) else dict(document)
    recorder = Recorder()
    try:
        recorder.huge_numbers(data)
        if not recorder.paths:
            recorder.settings(data)
    except Exception:  # the read-back after the save reports whatever is left
        log.exception("checking the settings file before a save failed")
    return recorder.paths


def validate_url(text: str) -> str | None:
    """What is wrong with a status or check address, in a user's words; None when it can be used.

    Spaces around the address are ignored (a paste often brings them; what is saved is
    the address without them). Inside it, a space is always a mistake, in the site name
    or in the path. Both https:// and http:// are accepted: some status pages and every
    connection check still answer on http.
    """
    address = text.strip()
    if not address:
        return "Enter the address, starting with https:// (or http://)."
    if not address.startswith(("https://", "http://")):
        return "Start the address with https:// (or http://), e.g. https://status.example.com/."
    if any(char.isspace() for char in address):
        return "A web address cannot contain spaces: check it was copied whole."
    problem = host_problem(address)
    if problem is not None:
        return f"This address cannot be checked: {problem}."
    return None


def validate_interval(seconds: int) -> str | None:
    """Whether OutageTray may check this often; None when it may."""
    if MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        return None
    return (
        f"Choose a time from {MIN_INTERVAL} seconds to {MAX_INTERVAL // 3600} hours "
        f"({seconds} seconds is {'too short' if seconds < MIN_INTERVAL else 'too long'})."
    )


def validate_quiet_hours(start: str, end: str) -> str | None:
    """Whether quiet hours from ``start`` to ``end`` ("HH:MM", may span midnight) can be used.

    Equal times are refused: a quiet time that starts when it ends holds nothing back
    (the alerts treat it as no quiet hours), so a user who set it meant something else.
    """
    if not (_HHMM.match(start) and _HHMM.match(end)):
        return "Quiet hours need times such as 22:00 and 07:00."
    if start == end:
        return (
            f"Quiet hours from {start} to {end} would hold nothing back: choose an end that differs from the "
            "start, or turn quiet hours off."
        )
    return None


class _Validator:
    """Checks parsed TOML against the schema, collecting every problem rather than the first."""

    def __init__(self, text: str) -> None:
        self.lines = KeyLines(text)
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def huge_numbers(self, data: dict[str, Any]) -> None:
        """Refuse whole numbers beyond TOML's 64 bits: even quoting one in a message can fail."""
        stack: list[tuple[tuple[str | int, ...], object]] = [((), data)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                stack.extend(((*path, k), v) for k, v in value.items())
            elif isinstance(value, list):
                stack.extend(((*path, i), v) for i, v in enumerate(value))
            elif isinstance(value, int) and value not in _INT_RANGE:
                self.problem(path, "this number is far too large for any setting")

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self._where(path) + message)

    def warn(self, path: tuple[str | int, ...], message: str) -> None:
        self.warnings.append(self._where(path) + message)

    def unknown_key(self, path: tuple[str | int, ...], known: tuple[str, ...]) -> None:
        """A key OutageTray does not know: ignored, with a guess at the one meant."""
        close = difflib.get_close_matches(str(path[-1]), known, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        self.warn(path, f"not a setting OutageTray knows; it is ignored{hint}")

    def _where(self, path: tuple[str | int, ...]) -> str:
        line = self.lines.find(path)
        name = _dotted(path)
        return f"Line {line}, {name}: " if line else f"{name}: "

    def settings(self, data: dict[str, Any]) -> Settings:
        sections = ("monitor", "connectivity", "network", "platforms", "notifications", "app", *own.SECTIONS)
        for key in data:
            if key not in sections and key != VERSION_KEY:
                self.unknown_key((key,), sections)
        custom = self._platforms(data.get("platforms", []))
        known = set(builtin_platforms()) | {t["id"] for t in custom}
        monitor = self._table(data, "monitor")
        watch = self._watch(monitor, known)
        interval = self._interval(monitor)
        confirm = self._rounds(monitor, "confirm_rounds", 3)
        recover = self._rounds(monitor, "recover_rounds", 2)
        monitor_keys = ("watch", "interval_seconds", "confirm_rounds", "recover_rounds")
        for key in monitor:
            if key not in monitor_keys:
                self.unknown_key(("monitor", key), monitor_keys)
        controls = self._controls(self._table(data, "connectivity"))
        nameservers = self._nameservers(self._table(data, "network"))
        notifications = self._notifications(self._table(data, "notifications"), known)
        app = self._table(data, "app")
        start_at_login = app.get("start_at_login", False)
        if not isinstance(start_at_login, bool):
            self.problem(("app", "start_at_login"), "must be true or false")
            start_at_login = False
        for key in app:
            if key != "start_at_login":
                self.unknown_key(("app", key), ("start_at_login",))
        return Settings(
            watch=watch,
            interval_seconds=interval,
            confirm_rounds=confirm,
            recover_rounds=recover,
            controls=controls,
            custom_platforms=tuple(custom),
            nameservers=nameservers,
            notifications=notifications,
            start_at_login=start_at_login,
            profile=own.read_profile(data.get("profile", {}), known, self, validate_url),
            channels=own.read_channels(data.get("channels", []), known, self, validate_url),
        )

    def _notifications(self, section: Mapping[str, Any], known: set[str]) -> Notifications:
        defaults = Notifications()
        path = ("notifications",)
        notification_keys = (
            "enabled",
            "muted",
            "quiet_hours",
            "sound",
            "cooldown_minutes",
            "welcome_back_minutes",
        )
        for key in section:
            if key not in notification_keys:
                self.unknown_key((*path, key), notification_keys)
        enabled, sound = section.get("enabled", True), section.get("sound", False)
        for key, value in (("enabled", enabled), ("sound", sound)):
            if not isinstance(value, bool):
                self.problem((*path, key), "must be true or false")
        muted = section.get("muted", [])
        if not isinstance(muted, list) or not all(isinstance(m, str) for m in muted):
            self.problem((*path, "muted"), 'must be a list of platform ids, e.g. ["tiktok"]')
            muted = []
        for pid in muted:
            if pid not in known:
                guess = guess_id(pid, known)
                hint = f'; did you mean "{guess}"?' if guess else ""
                self.problem((*path, "muted"), f'"{pid}" is not a platform OutageTray knows{hint}')
        minutes = {}
        for key in ("cooldown_minutes", "welcome_back_minutes"):
            value = section.get(key, getattr(defaults, key))
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1440:
                self.problem((*path, key), "must be a whole number of minutes from 0 to 1440")
                value = getattr(defaults, key)
            minutes[key] = value
        start = end = None
        if "quiet_hours" in section:
            quiet = section["quiet_hours"]
            if (
                not isinstance(quiet, dict)
                or set(quiet) != {"start", "end"}
                or not all(isinstance(v, str) and _HHMM.match(v) for v in quiet.values())
            ):
                self.problem((*path, "quiet_hours"), 'must look like { start = "22:00", end = "07:00" }')
            elif (equal := validate_quiet_hours(quiet["start"], quiet["end"])) is not None:
                # The same rule as the window, but not fatal in a file: equal times always meant
                # "no quiet hours", and losing the rest of the file over them would be worse.
                self.warn((*path, "quiet_hours"), equal[:1].lower() + equal[1:] + " They are ignored.")
            else:
                start, end = quiet["start"], quiet["end"]
        return Notifications(
            enabled=enabled if isinstance(enabled, bool) else True,
            muted=tuple(dict.fromkeys(muted)),
            quiet_start=start,
            quiet_end=end,
            sound=sound if isinstance(sound, bool) else False,
            **minutes,
        )

    def _table(self, data: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem((key,), f"must be a section written as [{key}]")
            return {}
        return value

    def _watch(self, monitor: Mapping[str, Any], known: set[str]) -> tuple[str, ...]:
        if "watch" not in monitor:
            return DEFAULT_WATCH
        value = monitor["watch"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(("monitor", "watch"), 'must be a list of platform ids, e.g. ["facebook", "x"]')
            return DEFAULT_WATCH
        result: list[str] = []
        for pid in value:
            if pid not in known:
                guess = guess_id(pid, known)
                hint = f' Did you mean "{guess}"?' if guess else ""
                self.problem(("monitor", "watch"), f'"{pid}" is not a platform OutageTray knows.{hint}')
            elif pid not in result:
                result.append(pid)
        return tuple(result)

    def _interval(self, monitor: Mapping[str, Any]) -> int:
        value = monitor.get("interval_seconds", 60)
        if isinstance(value, bool) or not isinstance(value, int) or validate_interval(value) is not None:
            self.problem(
                ("monitor", "interval_seconds"),
                f"must be a whole number of seconds from {MIN_INTERVAL} to {MAX_INTERVAL} "
                f"(found {_shown(value)})",
            )
            return 60
        return value

    def _rounds(self, monitor: Mapping[str, Any], key: str, default: int) -> int:
        value = monitor.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
            self.problem(
                ("monitor", key), f"must be a whole number of rounds from 1 to 20 (found {_shown(value)})"
            )
            return default
        return value

    def _controls(self, section: Mapping[str, Any]) -> tuple[ControlCheck, ...]:
        for key in section:
            if key != "controls":
                self.unknown_key(("connectivity", key), ("controls",))
        if "controls" not in section:
            return DEFAULT_CONTROLS
        value = section["controls"]
        path: tuple[str | int, ...] = ("connectivity", "controls")
        if not isinstance(value, list) or not value:
            self.problem(path, 'must be a list like [{ url = "http://…", expect_status = 204 }]')
            return DEFAULT_CONTROLS
        controls: list[ControlCheck] = []
        for index, item in enumerate(value, start=1):
            control = self._control(path, index, item)
            if control is not None:
                controls.append(control)
        return tuple(controls) or DEFAULT_CONTROLS

    def _control(self, path: tuple[str | int, ...], index: int, item: object) -> ControlCheck | None:
        if not isinstance(item, dict):
            self.problem(path, f"item {index} must be a table with a url")
            return None
        url, status, body = item.get("url"), item.get("expect_status"), item.get("expect_body")
        extra = set(item) - {"url", "expect_status", "expect_body"}
        if extra:
            self.problem(
                path, f"item {index}: {_shown(sorted(extra)[0])} is not an option of a control check"
            )
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            self.problem(path, f"item {index}: url must start with http:// or https:// (found {_shown(url)})")
            return None
        problem = host_problem(url) or validate_url(url)
        if problem is not None:
            self.problem(path, f"item {index}: the url cannot be checked: {problem}")
            return None
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            self.problem(path, f"item {index}: expect_status must be a number such as 204")
            return None
        if status is not None and not 100 <= status <= 599:
            self.problem(path, f"item {index}: expect_status must be an HTTP status from 100 to 599")
            return None
        if body is not None and not isinstance(body, str):
            self.problem(path, f"item {index}: expect_body must be a text")
            return None
        return ControlCheck(url, status, body)

    def _nameservers(self, section: Mapping[str, Any]) -> tuple[str, ...]:
        value = section.get("nameservers", [])
        pattern = re.compile(r"^[0-9A-Fa-f:.\[\]]+$")
        if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
            self.problem(("network", "nameservers"), 'must be a list of addresses like ["127.0.0.1:5353"]')
            return ()
        return tuple(value)

    @staticmethod
    def _source_urls(table: Mapping[str, Any]) -> tuple[str, str] | None:
        """The first source or probe address the Settings window would refuse, as (key, problem)."""
        for key in ("sources", "probes"):
            for item in table.get(key) or ():
                url = item.get("url") if isinstance(item, Mapping) else None
                problem = validate_url(url) if isinstance(url, str) else None
                if problem is not None:
                    return key, f"{url!r}: {problem[:1].lower()}{problem[1:]}"
        return None

    def _platforms(self, value: object) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            self.problem(("platforms",), "must be written as [[platforms]] sections")
            return []
        builtin = builtin_platforms()
        accepted: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, table in enumerate(value):
            if not isinstance(table, dict):
                self.problem(("platforms", index), "must be a [[platforms]] section")
                continue
            try:
                platform_from_table(table, builtin.get(str(table.get("id"))))
            except PlatformError as exc:
                self.problem(("platforms", index, exc.key), str(exc))
                continue
            bad_url = self._source_urls(table)
            if bad_url is not None:
                self.problem(("platforms", index, bad_url[0]), bad_url[1])
                continue
            if table["id"] in seen:
                self.problem(("platforms", index, "id"), f'platform "{table["id"]}" is defined twice')
                continue
            seen.add(table["id"])
            accepted.append(table)
        return accepted


def _dotted(path: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part + 1}]" if parts else f"[{part + 1}]"
        else:
            parts.append(part)
    return ".".join(parts)


def _shown(value: object) -> str:
    """A value as a message may quote it: short, and never failing (huge numbers cannot be printed)."""
    try:
        text = repr(value)
    except ValueError:
        return "a number far too long"
    return text if len(text) <= 60 else text[:57] + "…"


def _at_most(messages: list[str], what: str) -> list[str]:
    if len(messages) <= MAX_MESSAGES:
        return messages
    return [*messages[:MAX_MESSAGES], f"…and {len(messages) - MAX_MESSAGES} more {what} like these."]
