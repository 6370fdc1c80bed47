"""Start at login on the three desktops, checked in temporary folders on one machine.

Also checks the packaging files a desktop reads (menu entry, AppStream metadata, bundle
spec), because they must agree with what autostart writes.
"""

from __future__ import annotations

import ast
import configparser
import os
import plistlib
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from outagetray.core import autostart
from outagetray.core.autostart import AutostartError

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = "linux"


# --------------------------------------------------------------------------- helpers


def read_entry(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group as a desktop would read it: keys case-sensitive, no %-magic."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def unescape_string(value: str) -> str:
    """Undo the Desktop Entry spec's escapes for string values (\\s \\n \\t \\r \\\\)."""
    out, i = [], 0
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in table:
            out.append(table[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def split_exec(value: str) -> list[str]:
    """An independent reading of the spec's Exec quoting, the way a launcher splits it."""
    value = unescape_string(value)
    args: list[str] = []
    current: list[str] | None = None
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == " ":
            if current is not None:
                args.append("".join(current))
                current = None
            i += 1
        elif ch == '"':
            current = current if current is not None else []
            i += 1
            while value[i] != '"':
                if value[i] == "\\":
                    assert value[i + 1] in '"`$\\', f"bad escape in {value!r}"
                    i += 1
                current.append(value[i])
                i += 1
            i += 1
        else:
            assert ch not in "\"'\\><~|&;$*?#()`\t\n", f"{ch!r} must be quoted in {value!r}"
            current = current if current is not None else []
            current.append(ch)
            i += 1
    if current is not None:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args]


def xdg_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no system-wide autostart folders beyond an empty temporary one."""
    system = tmp_path / "etc-xdg"
    system.mkdir(exist_ok=True)
    return {"XDG_CONFIG_DIRS": str(system)}


def no_temp_files_in(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- Linux / BSD


def test_linux_entry_is_written_where_the_spec_says_with_every_key(tmp_path: Path) -> None:
    env = xdg_env(tmp_path)
    command = ["/opt/outagetray/bin/outagetray"]
    where = autostart.enable(platform=LINUX, home=tmp_path, env=env, command=command)
    assert where == tmp_path / ".config" / "autostart" / "outagetray.desktop"
    entry = read_entry(where)
    assert entry == {
        "Type": "Application",
        "Name": "OutageTray",
        "Comment": autostart.COMMENT,
        "Exec": "/opt/outagetray/bin/outagetray",
        "TryExec": "/opt/outagetray/bin/outagetray",
        "Icon": "outagetray",
        "Terminal": "false",
        "X-GNOME-Autostart-enabled": "true",
    }
    assert "--minimized" not in entry["Exec"]
    assert stat.S_IMODE(where.stat().st_mode) == 0o644
    assert no_temp_files_in(where.parent)


def test_xdg_config_home_is_honoured_and_a_relative_one_ignored(tmp_path: Path) -> None:
    env = {**xdg_env(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    where = autostart.enable(platform=LINUX, home=tmp_path / "home", env=env, command=["/bin/true"])
    assert where == tmp_path / "cfg" / "autostart" / "outagetray.desktop"
    relative = {**xdg_env(tmp_path), "XDG_CONFIG_HOME": "cfg"}
    where = autostart.enable(platform=LINUX, home=tmp_path / "home", env=relative, command=["/bin/true"])
    assert where == tmp_path / "home" / ".config" / "autostart" / "outagetray.desktop"


@pytest.mark.parametrize("platform", ["linux", "freebsd14", "openbsd7"])
def test_linux_enable_disable_round_trip(tmp_path: Path, platform: str) -> None:
    env = xdg_env(tmp_path)
    kw: dict[str, Any] = {"platform": platform, "home": tmp_path, "env": env}
    assert autostart.is_enabled(**kw) is False
    autostart.disable(**kw)  # disabling when absent is harmless
    path = autostart.enable(**kw, command=["/usr/bin/outagetray"])
    first = Path(path).read_bytes()
    assert autostart.is_enabled(**kw) is True
    assert autostart.enable(**kw, command=["/usr/bin/outagetray"]) == path  # twice is harmless
    assert Path(path).read_bytes() == first
    assert no_temp_files_in(Path(path).parent)
    autostart.disable(**kw)
    assert not Path(path).exists()
    assert autostart.is_enabled(**kw) is False
    autostart.disable(**kw)
    autostart.set_enabled(True, **kw, command=["/usr/bin/outagetray"])
    assert autostart.is_enabled(**kw)
    autostart.set_enabled(False, **kw)
    assert not autostart.is_enabled(**kw)


def test_enabling_again_repairs_a_stale_command(tmp_path: Path) -> None:
    env = xdg_env(tmp_path)
    path = autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/old/place/outagetray"])
    autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/new/place/outagetray"])
    assert read_entry(Path(path))["Exec"] == "/new/place/outagetray"


@pytest.mark.parametrize(
    ("key", "value"),
    [("X-GNOME-Autostart-enabled", "false"), ("Hidden", "true")],
)
def test_an_entry_switched_off_by_the_desktop_counts_as_off(tmp_path: Path, key: str, value: str) -> None:
    env = xdg_env(tmp_path)
    path = Path(autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/usr/bin/outagetray"]))
    text = path.read_text().replace("X-GNOME-Autostart-enabled=true\n", "")
    path.write_text(text + f"{key}={value}\n")
    assert autostart.is_enabled(platform=LINUX, home=tmp_path, env=env) is False
    autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/usr/bin/outagetray"])
    assert autostart.is_enabled(platform=LINUX, home=tmp_path, env=env) is True


def test_a_pipe_in_place_of_the_entry_does_not_hang_the_check(tmp_path: Path) -> None:
    """Reading the entry must never wait for a writer: a FIFO there once blocked start-up."""
    import os
    import threading

    env = xdg_env(tmp_path)
    path = Path(autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/usr/bin/outagetray"]))
    path.unlink()
    os.mkfifo(path)
    answer: list[bool] = []
    reader = threading.Thread(
        target=lambda: answer.append(autostart.is_enabled(platform=LINUX, home=tmp_path, env=env)),
        daemon=True,
    )
    reader.start()
    reader.join(5)
    hung = not answer
    if hung:  # unblock the stuck reader so the test process can end
        with open(os.open(path, os.O_WRONLY | os.O_NONBLOCK), "w"):
            pass
    assert not hung, "reading a pipe in place of the entry waited for a writer"
    assert answer == [True]  # something is there for the desktop to try


def test_a_system_wide_entry_is_masked_not_just_forgotten(tmp_path: Path) -> None:
    env = xdg_env(tmp_path)
    system_entry = Path(env["XDG_CONFIG_DIRS"]) / "autostart" / "outagetray.desktop"
    system_entry.parent.mkdir()
    system_entry.write_text("[Desktop Entry]\nType=Application\nName=OutageTray\nExec=outagetray\n")
    kw: dict[str, Any] = {"platform": LINUX, "home": tmp_path, "env": env}
    assert autostart.is_enabled(**kw) is True
    autostart.disable(**kw)
    user_entry = tmp_path / ".config" / "autostart" / "outagetray.desktop"
    assert read_entry(user_entry)["Hidden"] == "true"
    assert autostart.is_enabled(**kw) is False
    assert system_entry.exists()  # never touched
    autostart.enable(**kw, command=["/usr/bin/outagetray"])
    assert autostart.is_enabled(**kw) is True
    assert "Hidden" not in read_entry(user_entry)


@pytest.mark.parametrize(
    ("command", "exec_value"),
    [
        (["/usr/bin/outagetray"], "/usr/bin/outagetray"),
        (
            ["/home/Ann Lee/My Apps/venv/bin/python", "-m", "outagetray"],
            '"/home/Ann Lee/My Apps/venv/bin/python" -m outagetray',
        ),
        (["/opt/100% sure/outagetray"], '"/opt/100%% sure/outagetray"'),
        (['/opt/a$b`c"d/outagetray'], '"/opt/a\\\\$b\\\\`c\\\\"d/outagetray"'),
        (["/opt/back\\slash/outagetray"], '"/opt/back\\\\\\\\slash/outagetray"'),
        (
            ["/opt/it's (new)/outagetray", "--config", "/tmp/a b.toml"],
            '"/opt/it\'s (new)/outagetray" --config "/tmp/a b.toml"',
        ),
    ],
)
def test_exec_is_quoted_by_the_desktop_entry_rules(
    tmp_path: Path, command: list[str], exec_value: str
) -> None:
    env = xdg_env(tmp_path)
    path = autostart.enable(platform=LINUX, home=tmp_path, env=env, command=command)
    raw = read_entry(Path(path))["Exec"]
    assert raw == exec_value
    assert split_exec(raw) == command


def test_a_path_with_spaces_survives_the_round_trip(tmp_path: Path) -> None:
    venv = tmp_path / "Program Files" / "venv with spaces" / "bin"
    venv.mkdir(parents=True)
    python = venv / "python3"
    python.touch()
    command = autostart.launch_command(platform=LINUX, executable=str(python), frozen=False, env={})
    assert command == [str(python), "-m", "outagetray"]
    path = autostart.enable(platform=LINUX, home=tmp_path, env=xdg_env(tmp_path), command=command)
    entry = read_entry(Path(path))
    assert entry["Exec"].startswith('"') and " -m outagetray" in entry["Exec"]
    assert split_exec(entry["Exec"]) == command
    assert unescape_string(entry["TryExec"]) == str(python)


def test_an_empty_argument_is_quoted_but_an_empty_command_refused(tmp_path: Path) -> None:
    assert autostart.quote_exec_argument("") == '""'
    with pytest.raises(AutostartError, match="could not work out the command"):
        autostart.enable(platform=LINUX, home=tmp_path, env=xdg_env(tmp_path), command=[])


def test_without_a_command_the_running_interpreter_is_used(tmp_path: Path) -> None:
    env = xdg_env(tmp_path)
    path = autostart.enable(platform=LINUX, home=tmp_path, env=env)
    expected = autostart.launch_command(platform=LINUX, env=env)
    assert split_exec(read_entry(Path(path))["Exec"]) == expected
    assert expected[0] in (sys.executable, str(Path(sys.executable).parent / "outagetray"))


# --------------------------------------------------------------------------- the command


def test_a_frozen_bundle_starts_itself(tmp_path: Path) -> None:
    exe = str(tmp_path / "OutageTray" / "outagetray")
    assert autostart.launch_command(platform=LINUX, executable=exe, frozen=True, env={}) == [exe]
    assert autostart.launch_command(platform="win32", executable="C:\\OT\\ot.exe", frozen=True, env={}) == [
        "C:\\OT\\ot.exe"
    ]


def test_a_frozen_appimage_starts_the_appimage_not_its_temporary_mount(tmp_path: Path) -> None:
    env = {"APPIMAGE": "/home/ann/Apps/OutageTray.AppImage"}
    mounted = "/tmp/.mount_OutageXYZ/usr/bin/outagetray"
    assert autostart.launch_command(platform=LINUX, executable=mounted, frozen=True, env=env) == [
        "/home/ann/Apps/OutageTray.AppImage"
    ]


def test_the_console_script_beside_the_interpreter_is_preferred(tmp_path: Path) -> None:
    (tmp_path / "python3").touch()
    (tmp_path / "outagetray").touch()
    command = autostart.launch_command(platform=LINUX, executable=str(tmp_path / "python3"), frozen=False)
    assert command == [str(tmp_path / "outagetray")]
    command = autostart.launch_command(platform="darwin", executable=str(tmp_path / "python3"), frozen=False)
    assert command == [str(tmp_path / "outagetray")]


def test_without_a_console_script_the_module_is_run(tmp_path: Path) -> None:
    (tmp_path / "python3").touch()
    command = autostart.launch_command(platform=LINUX, executable=str(tmp_path / "python3"), frozen=False)
    assert command == [str(tmp_path / "python3"), "-m", "outagetray"]


def test_on_windows_pythonw_avoids_a_console_window(tmp_path: Path) -> None:
    python = tmp_path / "python.exe"
    python.touch()
    (tmp_path / "outagetray.exe").touch()
    command = autostart.launch_command(platform="win32", executable=str(python), frozen=False)
    assert command == [str(tmp_path / "outagetray.exe")]  # no pythonw.exe beside it
    (tmp_path / "pythonw.exe").touch()
    command = autostart.launch_command(platform="win32", executable=str(python), frozen=False)
    assert command == [str(tmp_path / "pythonw.exe"), "-m", "outagetray"]


# --------------------------------------------------------------------------- macOS


def test_macos_launch_agent_round_trip(tmp_path: Path) -> None:
    kw: dict[str, Any] = {"platform": "darwin", "home": tmp_path}
    assert autostart.is_enabled(**kw) is False
    autostart.disable(**kw)
    command = ["/Applications/OutageTray.app/Contents/MacOS/outagetray"]
    path = autostart.enable(**kw, command=command)
    assert path == tmp_path / "Library" / "LaunchAgents" / "com.outagetray.OutageTray.plist"
    agent = plistlib.loads(Path(path).read_bytes())
    assert agent["Label"] == "com.outagetray.OutageTray"
    assert agent["ProgramArguments"] == command
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] is False
    assert agent["LimitLoadToSessionType"] == "Aqua"
    assert autostart.is_enabled(**kw) is True
    assert autostart.enable(**kw, command=command) == path
    assert no_temp_files_in(Path(path).parent)
    autostart.disable(**kw)
    assert not Path(path).exists()
    assert autostart.is_enabled(**kw) is False


def test_macos_arguments_with_spaces_need_no_quoting(tmp_path: Path) -> None:
    command = ["/Users/Ann Lee/venv/bin/python", "-m", "outagetray"]
    path = autostart.enable(platform="darwin", home=tmp_path, command=command)
    assert plistlib.loads(Path(path).read_bytes())["ProgramArguments"] == command


# --------------------------------------------------------------------------- Windows


class _Key:
    def __init__(self, values: dict[str, tuple[Any, int]]) -> None:
        self.values = values

    def __enter__(self) -> _Key:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakeWinreg:
    """The few winreg calls autostart makes, over a dict of keys under HKEY_CURRENT_USER."""

    HKEY_CURRENT_USER = 0x80000001
    KEY_READ = 0x20019
    KEY_SET_VALUE = 0x0002
    REG_SZ = 1
    REG_BINARY = 3

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[Any, int]]] = {}
        self.fail_writes = False

    def OpenKey(self, key: int, sub_key: str, reserved: int = 0, access: int = KEY_READ) -> _Key:
        assert key == self.HKEY_CURRENT_USER
        if sub_key not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return _Key(self.keys[sub_key])

    def CreateKeyEx(self, key: int, sub_key: str, reserved: int = 0, access: int = KEY_READ) -> _Key:
        assert key == self.HKEY_CURRENT_USER
        if self.fail_writes:
            raise PermissionError(5, "Access is denied")
        return _Key(self.keys.setdefault(sub_key, {}))

    def QueryValueEx(self, key: _Key, name: str) -> tuple[Any, int]:
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return key.values[name]

    def SetValueEx(self, key: _Key, name: str, reserved: int, type: int, value: Any) -> None:
        key.values[name] = (value, type)

    def DeleteValue(self, key: _Key, name: str) -> None:
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        del key.values[name]


def test_windows_run_value_round_trip() -> None:
    reg = FakeWinreg()
    kw: dict[str, Any] = {"platform": "win32", "registry": reg}
    assert autostart.is_enabled(**kw) is False  # not even the Run key exists yet
    autostart.disable(**kw)
    command = ["C:\\Program Files\\OutageTray\\outagetray.exe"]
    where = autostart.enable(**kw, command=command)
    assert where == "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OutageTray"
    value, kind = reg.keys[autostart.RUN_KEY]["OutageTray"]
    assert value == '"C:\\Program Files\\OutageTray\\outagetray.exe"'
    assert kind == reg.REG_SZ
    assert autostart.is_enabled(**kw) is True
    autostart.enable(**kw, command=command)
    assert list(reg.keys[autostart.RUN_KEY]) == ["OutageTray"]
    autostart.disable(**kw)
    assert reg.keys[autostart.RUN_KEY] == {}
    assert autostart.is_enabled(**kw) is False
    autostart.disable(**kw)


def test_windows_command_line_is_quoted_for_the_c_runtime() -> None:
    reg = FakeWinreg()
    command = ["C:\\Users\\Ann Lee\\venv\\Scripts\\pythonw.exe", "-m", "outagetray"]
    autostart.enable(platform="win32", registry=reg, command=command)
    value, _ = reg.keys[autostart.RUN_KEY]["OutageTray"]
    assert value == '"C:\\Users\\Ann Lee\\venv\\Scripts\\pythonw.exe" -m outagetray'
    assert value == subprocess.list2cmdline(command)


def test_windows_task_manager_switch_is_read_and_lifted_by_enable() -> None:
    reg = FakeWinreg()
    kw: dict[str, Any] = {"platform": "win32", "registry": reg}
    autostart.enable(**kw, command=["C:\\OT\\outagetray.exe"])
    reg.keys[autostart.STARTUP_APPROVED_KEY] = {"OutageTray": (b"\x03" + bytes(11), reg.REG_BINARY)}
    assert autostart.is_enabled(**kw) is False
    reg.keys[autostart.STARTUP_APPROVED_KEY] = {"OutageTray": (b"\x02" + bytes(11), reg.REG_BINARY)}
    assert autostart.is_enabled(**kw) is True
    reg.keys[autostart.STARTUP_APPROVED_KEY] = {"OutageTray": (b"\x03" + bytes(11), reg.REG_BINARY)}
    autostart.enable(**kw, command=["C:\\OT\\outagetray.exe"])
    assert "OutageTray" not in reg.keys[autostart.STARTUP_APPROVED_KEY]
    assert autostart.is_enabled(**kw) is True


def test_windows_registry_refusal_is_reported_in_plain_words() -> None:
    reg = FakeWinreg()
    reg.fail_writes = True
    with pytest.raises(AutostartError, match="could not add itself to the Windows startup list") as info:
        autostart.enable(platform="win32", registry=reg, command=["C:\\OT\\outagetray.exe"])
    assert "Access is denied" in str(info.value)


# --------------------------------------------------------------------------- failures


def test_a_folder_that_cannot_be_written_gives_a_plain_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(AutostartError) as info:
        autostart.enable(platform=LINUX, home=tmp_path, env=xdg_env(tmp_path), command=["/usr/bin/ot"])
    message = str(info.value)
    assert "could not turn on start at login" in message
    assert f"{tmp_path / '.config' / 'autostart'} cannot be written to" in message
    assert "Traceback" not in message and "Errno" not in message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_gives_a_plain_message(tmp_path: Path) -> None:
    folder = tmp_path / ".config" / "autostart"
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        with pytest.raises(AutostartError, match="cannot be written to"):
            autostart.enable(platform=LINUX, home=tmp_path, env=xdg_env(tmp_path), command=["/usr/bin/ot"])
    finally:
        folder.chmod(0o700)


def test_a_file_in_the_way_of_the_folder_gives_a_plain_message(tmp_path: Path) -> None:
    (tmp_path / ".config").write_text("not a folder")
    with pytest.raises(AutostartError, match=r"could not turn on start at login: .*\.config"):
        autostart.enable(platform=LINUX, home=tmp_path, env=xdg_env(tmp_path), command=["/usr/bin/ot"])
    with pytest.raises(AutostartError, match="could not turn on start at login"):
        autostart.enable(platform="darwin", home=tmp_path / ".config", command=["/usr/bin/ot"])


def test_a_failed_write_leaves_the_old_entry_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = xdg_env(tmp_path)
    path = Path(autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/old/outagetray"]))
    before = path.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(AutostartError, match="No space left on device"):
        autostart.enable(platform=LINUX, home=tmp_path, env=env, command=["/new/outagetray"])
    assert path.read_bytes() == before
    assert no_temp_files_in(path.parent)


# --------------------------------------------------------------------------- packaging files


@contextmanager
def _validator() -> Iterator[str]:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (package desktop-file-utils)")
    yield tool


@pytest.mark.parametrize("which", ["menu entry", "autostart entry"])
def test_desktop_file_validate_accepts_both_desktop_files(tmp_path: Path, which: str) -> None:
    with _validator() as tool:
        if which == "menu entry":
            path = PACKAGING / "outagetray.desktop"
        else:
            command = ["/home/Ann Lee/venv/bin/python", "-m", "outagetray"]
            path = Path(
                autostart.enable(platform=LINUX, home=tmp_path, env=xdg_env(tmp_path), command=command)
            )
        done = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "error" not in (done.stdout + done.stderr).lower()


def test_menu_entry_agrees_with_the_autostart_entry() -> None:
    menu = read_entry(PACKAGING / "outagetray.desktop")
    assert menu["Type"] == "Application"
    assert menu["Name"] == "OutageTray"
    assert menu["Icon"] == "outagetray"
    assert menu["Exec"] == "outagetray"
    assert menu["Terminal"] == "false"
    assert menu["Categories"].endswith(";")


METAINFO = PACKAGING / "com.outagetray.OutageTray.metainfo.xml"


def test_metainfo_parses_and_has_the_required_appstream_keys() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == "com.outagetray.OutageTray"
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("name") == "OutageTray"
    summary = root.findtext("summary") or ""
    assert 0 < len(summary) <= 80 and not summary.endswith(".")
    paragraphs = root.findall("description/p")
    assert len(paragraphs) >= 1 and "business" in " ".join(p.text or "" for p in paragraphs)
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == "outagetray.desktop"
    assert (PACKAGING / (launchable.text or "")).is_file()
    assert (root.findtext("url[@type='homepage']") or "").startswith("https://")
    rating = root.find("content_rating")
    assert rating is not None and rating.get("type") == "oars-1.1"
    releases = root.findall("releases/release")
    versions = [r.get("version") for r in releases]
    assert "0.1.0" in versions
    assert all(r.get("date") for r in releases)
    import outagetray

    assert versions[0] == outagetray.__version__  # newest first, and it is the one we ship


def test_appstreamcli_accepts_the_metainfo() -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed")
    done = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pyinstaller_spec_bundles_resources_where_assets_looks() -> None:
    spec = (PACKAGING / "outagetray.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)  # valid Python, whatever PyInstaller version reads it
    calls = {
        node.func.id: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= set(calls)
    assert 'datas=[(str(ROOT / "resources"), "resources")]' in spec
    assert 'ROOT / "outagetray" / "__main__.py"' in spec
    exe_kwargs = {kw.arg: kw.value for kw in calls["EXE"].keywords}
    assert isinstance(exe_kwargs["console"], ast.Constant) and exe_kwargs["console"].value is False
    assert (ROOT / "outagetray" / "__main__.py").is_file()
    assets = (ROOT / "outagetray" / "assets.py").read_text(encoding="utf-8")
    assert '"_MEIPASS"' in assets and 'Path(bundle) / "resources"' in assets


def test_packaging_readme_names_every_file_it_explains() -> None:
    readme = (PACKAGING / "README.md").read_text(encoding="utf-8")
    for name in (
        "outagetray.desktop",
        "com.outagetray.OutageTray.metainfo.xml",
        "outagetray.spec",
        "resources/icons/operational.svg",
    ):
        assert name in readme
    assert (ROOT / "resources" / "icons" / "operational.svg").is_file()
