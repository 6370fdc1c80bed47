"""Start OutageTray when the user logs in, on Linux/BSD, Windows and macOS.

A tray app is only useful if it is running when a platform fails, and people forget to
start it. Each desktop has its own place for "start this at login":

* Linux and the BSDs: an entry ``outagetray.desktop`` in ``$XDG_CONFIG_HOME/autostart``
  (XDG Autostart spec). A system-wide entry of the same name in ``$XDG_CONFIG_DIRS``
  is honoured too: turning autostart off then writes a ``Hidden=true`` entry that masks
  it, because deleting our own file would not be enough.
* Windows: the value ``OutageTray`` under ``HKCU\\...\\CurrentVersion\\Run``. Task
  Manager's "Startup apps" can switch such a value off without deleting it; that switch
  is read, and cleared when the user turns autostart on again in OutageTray.
* macOS: a LaunchAgent ``~/Library/LaunchAgents/com.outagetray.OutageTray.plist``.

Everything here is plain Python, so the core stays free of Qt and every branch can be
tested on one machine: the platform, home folder, environment, executable and (for
Windows) a registry module are parameters with real defaults. Files are written to a
temporary file first and moved into place, so a crash never leaves half an entry that a
desktop would misread.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import plistlib
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from outagetray.core.atomic import read_small, write_atomic

APP_NAME = "OutageTray"
ENTRY_NAME = "outagetray.desktop"
LAUNCH_AGENT_LABEL = "com.outagetray.OutageTray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
RUN_VALUE = APP_NAME
COMMENT = "Watch the platforms your business depends on from the system tray"


class AutostartError(Exception):
    """Start at login could not be changed; the message is meant for the person using the app."""


class WinregLike(Protocol):
    """The part of the standard ``winreg`` module used here, so tests can hand in a fake."""

    @property
    def HKEY_CURRENT_USER(self) -> int: ...
    @property
    def KEY_READ(self) -> int: ...
    @property
    def KEY_SET_VALUE(self) -> int: ...
    @property
    def REG_SZ(self) -> int: ...

    def OpenKey(self, key: Any, sub_key: str, reserved: int = ..., access: int = ...) -> Any: ...
    def CreateKeyEx(self, key: Any, sub_key: str, reserved: int = ..., access: int = ...) -> Any: ...
    def QueryValueEx(self, key: Any, name: str) -> tuple[Any, int]: ...
    def SetValueEx(self, key: Any, name: str, reserved: int, type: int, value: Any) -> None: ...
    def DeleteValue(self, key: Any, name: str) -> None: ...


# --------------------------------------------------------------------------- the command


def launch_command(
    *,
    platform: str = sys.platform,
    executable: str | None = None,
    frozen: bool | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """The command line that starts this same OutageTray again, as a list of arguments.

    Worked out from how the app is running now, so that login starts the copy the user
    actually installed: a PyInstaller bundle starts itself (an AppImage by its ``$APPIMAGE``
    path, since the bundle's own folder is a temporary mount); an installed package starts
    through its ``outagetray`` console script when that sits beside the interpreter;
    anything else as ``python -m outagetray``. On Windows ``pythonw.exe`` is preferred over
    the console script, so that no console window opens at every login.
    No ``--minimized`` is needed: the app always starts in the tray.
    """
    exe = executable if executable is not None else sys.executable
    is_frozen = frozen if frozen is not None else bool(getattr(sys, "frozen", False))
    environ = os.environ if env is None else env
    windows = _kind(platform) == "windows"
    if is_frozen:
        appimage = environ.get("APPIMAGE", "")
        if not windows and appimage and os.path.isabs(appimage):
            return [appimage]
        return [exe]
    folder = Path(exe).parent
    if windows:
        pythonw = folder / "pythonw.exe"
        if pythonw.is_file():
            return [str(pythonw), "-m", "outagetray"]
        script = folder / "outagetray.exe"
    else:
        script = folder / "outagetray"
    if script.is_file():
        return [str(script)]
    return [exe, "-m", "outagetray"]


# --------------------------------------------------------------------------- public API


def is_enabled(
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: WinregLike | None = None,
) -> bool:
    """Whether OutageTray starts at login now, as the desktop itself would decide it."""
    kind = _kind(platform)
    if kind == "windows":
        return _win_is_enabled(registry or _winreg())
    if kind == "macos":
        return _mac_is_enabled(_launch_agent_path(home))
    return _xdg_is_enabled(home, env)


def enable(
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: WinregLike | None = None,
    command: Sequence[str] | None = None,
) -> Path | str:
    """Make OutageTray start at login; returns the file written, or the registry value's name.

    Calling it again rewrites the entry with the current command, which is how a moved or
    upgraded install repairs a stale entry: the app may call this at every start while
    the setting is on.
    """
    args = list(command) if command is not None else launch_command(platform=platform, env=env)
    if not args or not all(args):
        raise AutostartError("OutageTray could not work out the command that starts it.")
    kind = _kind(platform)
    if kind == "windows":
        return _win_enable(registry or _winreg(), args)
    if kind == "macos":
        path = _launch_agent_path(home)
        _write_atomic(path, launch_agent_plist(args), action="turn on start at login")
        return path
    path = _xdg_user_entry(home, env)
    _write_atomic(path, desktop_entry(args).encode("utf-8"), action="turn on start at login")
    return path


def disable(
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: WinregLike | None = None,
) -> None:
    """Stop OutageTray from starting at login; nothing happens when it was not set up."""
    kind = _kind(platform)
    if kind == "windows":
        _win_disable(registry or _winreg())
    elif kind == "macos":
        _remove(_launch_agent_path(home))
    else:
        _xdg_disable(home, env)


def set_enabled(
    wanted: bool,
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: WinregLike | None = None,
    command: Sequence[str] | None = None,
) -> None:
    """Bring start at login in line with the user's setting (one call for the app)."""
    if wanted:
        enable(platform=platform, home=home, env=env, registry=registry, command=command)
    else:
        disable(platform=platform, home=home, env=env, registry=registry)


# --------------------------------------------------------------------------- Linux and BSD


# Characters that force an Exec argument into double quotes (Desktop Entry spec, "Exec key").
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
# Inside double quotes these four must be escaped with a backslash.
_EXEC_ESCAPE = re.compile(r'(["`$\\])')


def quote_exec_argument(arg: str) -> str:
    """One argument quoted by the Desktop Entry spec's Exec rules (before string escaping).

    Field codes start with ``%``, so a literal percent sign is written ``%%``.
    """
    arg = arg.replace("%", "%%")
    if arg and not any(ch in _EXEC_RESERVED for ch in arg):
        return arg
    return '"' + _EXEC_ESCAPE.sub(r"\\\1", arg) + '"'


def _escape_string(value: str) -> str:
    """The spec's escapes for any string value; applied after Exec quoting, by the spec."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def exec_line(command: Sequence[str]) -> str:
    """The value of ``Exec=`` for this command, exactly as it goes into the file."""
    return _escape_string(" ".join(quote_exec_argument(arg) for arg in command))


def desktop_entry(command: Sequence[str]) -> str:
    """The text of our XDG autostart entry for this command."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        f"Name={APP_NAME}",
        f"Comment={COMMENT}",
        f"Exec={exec_line(command)}",
        # A removed install then makes the desktop skip the entry instead of failing at login.
        f"TryExec={_escape_string(command[0])}",
        "Icon=outagetray",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ]
    return "\n".join(lines)


def _xdg_dir(env: Mapping[str, str], name: str, default: Path) -> Path:
    """An XDG base directory; relative values are invalid by the spec and ignored."""
    value = env.get(name, "")
    return Path(value) if value and os.path.isabs(value) else default


def _xdg_user_entry(home: Path | None, env: Mapping[str, str] | None) -> Path:
    environ = os.environ if env is None else env
    base = home if home is not None else Path.home()
    return _xdg_dir(environ, "XDG_CONFIG_HOME", base / ".config") / "autostart" / ENTRY_NAME


def _xdg_system_entries(env: Mapping[str, str] | None) -> list[Path]:
    environ = os.environ if env is None else env
    dirs = [d for d in environ.get("XDG_CONFIG_DIRS", "").split(":") if d and os.path.isabs(d)]
    return [Path(d) / "autostart" / ENTRY_NAME for d in dirs or ["/etc/xdg"]]


def _entry_enabled(path: Path) -> bool:
    """Whether a desktop would start this entry: not Hidden and not switched off in GNOME."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(read_small(path, 64 << 10).decode("utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return True  # a file we cannot read is still there for the desktop to try
    section = parser["Desktop Entry"] if parser.has_section("Desktop Entry") else {}
    hidden = section.get("Hidden", "false").strip().lower() == "true"
    gnome_off = section.get("X-GNOME-Autostart-enabled", "true").strip().lower() == "false"
    return not hidden and not gnome_off


def _xdg_is_enabled(home: Path | None, env: Mapping[str, str] | None) -> bool:
    user = _xdg_user_entry(home, env)
    if user.exists():  # the user's entry overrides every system-wide one of the same name
        return _entry_enabled(user)
    return any(_entry_enabled(p) for p in _xdg_system_entries(env) if p.exists())


def _xdg_disable(home: Path | None, env: Mapping[str, str] | None) -> None:
    user = _xdg_user_entry(home, env)
    if any(p.exists() for p in _xdg_system_entries(env)):
        masked = f"[Desktop Entry]\nType=Application\nName={APP_NAME}\nHidden=true\n"
        _write_atomic(user, masked.encode("utf-8"), action="turn off start at login")
    else:
        _remove(user)


# --------------------------------------------------------------------------- macOS


def _launch_agent_path(home: Path | None) -> Path:
    base = home if home is not None else Path.home()
    return base / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"


def launch_agent_plist(command: Sequence[str]) -> bytes:
    """The LaunchAgent that starts the app once at login, in the user's graphical session."""
    agent: dict[str, Any] = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        # Started once; quitting from the tray must not make launchd start it again.
        "KeepAlive": False,
        "ProcessType": "Interactive",
        # Only in a graphical login, not for ssh sessions where there is no menu bar.
        "LimitLoadToSessionType": "Aqua",
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML)


def _mac_is_enabled(path: Path) -> bool:
    try:
        agent = plistlib.loads(read_small(path, 64 << 10))
    except FileNotFoundError:
        return False
    except (OSError, plistlib.InvalidFileException, ValueError, RecursionError):
        return True  # launchd will still see a file there
    return not (isinstance(agent, dict) and agent.get("Disabled") is True)


# --------------------------------------------------------------------------- Windows


def _winreg() -> WinregLike:
    """The real registry module; imported only here, since it exists only on Windows."""
    import winreg

    return cast(WinregLike, winreg)


def _run_value_label() -> str:
    return rf"HKEY_CURRENT_USER\{RUN_KEY}\{RUN_VALUE}"


def _win_query(reg: WinregLike, key_path: str, name: str) -> Any:
    """A value under HKCU, or None when the key or the value does not exist."""
    try:
        with reg.OpenKey(reg.HKEY_CURRENT_USER, key_path, 0, reg.KEY_READ) as key:
            value, _kind = reg.QueryValueEx(key, name)
            return value
    except FileNotFoundError:
        return None


def _win_is_enabled(reg: WinregLike) -> bool:
    try:
        command = _win_query(reg, RUN_KEY, RUN_VALUE)
        approved = _win_query(reg, STARTUP_APPROVED_KEY, RUN_VALUE)
    except OSError as exc:
        raise AutostartError(f"OutageTray could not read the Windows startup list ({exc}).") from exc
    if not command:
        return False
    # Task Manager's switch: 12 bytes whose first one is odd when the entry is turned off.
    switched_off = isinstance(approved, bytes | bytearray) and len(approved) > 0 and approved[0] & 1
    return not switched_off


def _win_enable(reg: WinregLike, command: Sequence[str]) -> str:
    line = subprocess.list2cmdline(list(command))
    try:
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, line)
    except OSError as exc:
        raise AutostartError(
            f"OutageTray could not add itself to the Windows startup list ({exc.strerror or exc})."
        ) from exc
    # Turning it on here means the user wants it on, so lift Task Manager's "off" switch.
    # Best effort: a missing key or value simply means the switch was never turned off.
    with (
        contextlib.suppress(OSError),
        reg.OpenKey(reg.HKEY_CURRENT_USER, STARTUP_APPROVED_KEY, 0, reg.KEY_SET_VALUE) as key,
    ):
        reg.DeleteValue(key, RUN_VALUE)
    return _run_value_label()


def _win_disable(reg: WinregLike) -> None:
    try:
        with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.DeleteValue(key, RUN_VALUE)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise AutostartError(
            f"OutageTray could not remove itself from the Windows startup list ({exc.strerror or exc})."
        ) from exc


# --------------------------------------------------------------------------- files


def _kind(platform: str) -> str:
    if platform == "win32":
        return "windows"
    if platform == "darwin":
        return "macos"
    return "xdg"  # Linux, the BSDs and other Unix desktops follow the XDG specs


@contextlib.contextmanager
def _plain_errors(action: str, folder: Path) -> Iterator[None]:
    """Turns file errors into an AutostartError that says what failed in plain words."""
    try:
        yield
    except PermissionError as exc:
        raise AutostartError(
            f"OutageTray could not {action}: the folder {folder} cannot be written to. "
            "Check that it belongs to you and is not read-only."
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AutostartError(f"OutageTray could not {action}: {reason} ({folder}).") from exc


def _write_atomic(path: Path, data: bytes, *, action: str) -> None:
    """Write atomically; these entries are ordinary config files (0644), errors in plain words."""
    with _plain_errors(action, path.parent):
        write_atomic(path, data, mode=0o644)


def _remove(path: Path) -> None:
    with _plain_errors("turn off start at login", path.parent):
        path.unlink(missing_ok=True)
