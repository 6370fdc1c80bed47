"""One OutageTray per user: the second start wakes the first and goes away."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from pytestqt.qtbot import QtBot

from outagetray.ui.single_instance import SingleInstance
from tests.support import installed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def name() -> Iterator[str]:
    """A name no real OutageTray uses, freed again after the test."""
    unique = f"outagetray-test-{uuid.uuid4().hex[:12]}"
    yield unique
    QLocalServer.removeServer(unique)


@pytest.fixture
def first(qtbot: QtBot, name: str) -> Iterator[SingleInstance]:
    instance = SingleInstance(name)
    assert instance.listen(), instance.error
    yield instance
    instance.close()


def test_first_instance_listens_under_its_name(first: SingleInstance, name: str) -> None:
    assert first.is_listening()
    assert first.name == name
    assert first.error == ""
    assert first.listen()  # asking again is harmless


def test_second_start_in_the_same_process_activates_the_first(qtbot: QtBot, first: SingleInstance) -> None:
    with qtbot.waitSignal(first.activated, timeout=2000):
        assert SingleInstance.notify_running(first.name, timeout_ms=100) is True


def test_second_process_is_told_to_exit_and_the_first_shows_itself(
    qtbot: QtBot, first: SingleInstance
) -> None:
    code = (
        "import sys\n"
        "from outagetray.ui.single_instance import SingleInstance\n"
        f"sys.exit(0 if SingleInstance.notify_running({first.name!r}) else 1)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with qtbot.waitSignal(first.activated, timeout=10_000):
        second = subprocess.Popen([sys.executable, "-c", code], env=env)
        # The running copy must keep serving its event loop while the second one asks.
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=10_000)
    assert second.returncode == 0


def test_with_nobody_listening_the_answer_is_no_and_quick(qtbot: QtBot, name: str) -> None:
    started = time.monotonic()
    assert SingleInstance.notify_running(name) is False
    assert time.monotonic() - started < 0.25


def test_notify_never_waits_longer_than_its_timeout(qtbot: QtBot, name: str) -> None:
    # A listener that never reads nor answers: a running copy that is stuck.
    silent = QLocalServer()
    assert silent.listen(name)
    try:
        started = time.monotonic()
        assert SingleInstance.notify_running(name, timeout_ms=300) is True
        assert time.monotonic() - started < 0.6
    finally:
        silent.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes vanish with the process that made them")
def test_a_socket_left_by_a_crash_is_reclaimed(qtbot: QtBot, name: str) -> None:
    path = os.path.join(QDir.tempPath(), name)
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(path)
    crashed.close()  # the file stays, as after a crash, but nobody accepts on it
    assert os.path.exists(path)

    started = time.monotonic()
    assert SingleInstance.notify_running(name) is False
    assert time.monotonic() - started < 0.25

    instance = SingleInstance(name)
    try:
        assert instance.listen(), instance.error
        with qtbot.waitSignal(instance.activated, timeout=2000):
            assert SingleInstance.notify_running(name, timeout_ms=100)
    finally:
        instance.close()


def test_a_live_instance_keeps_its_name(qtbot: QtBot, first: SingleInstance) -> None:
    second = SingleInstance(first.name)
    assert second.listen() is False
    assert "already running" in second.error
    with qtbot.assertNotEmitted(second.activated), qtbot.waitSignal(first.activated, timeout=2000):
        assert SingleInstance.notify_running(first.name, timeout_ms=100)


def test_a_silent_or_unknown_client_does_not_activate(qtbot: QtBot, first: SingleInstance) -> None:
    with qtbot.assertNotEmitted(first.activated, wait=200):
        quiet = QLocalSocket()
        quiet.connectToServer(first.name)
        assert quiet.waitForConnected(500)
        quiet.abort()
        chatty = QLocalSocket()
        chatty.connectToServer(first.name)
        assert chatty.waitForConnected(500)
        chatty.write(b"quit\n" + b"x" * 200 + b"\nshow\n")
        chatty.waitForBytesWritten(500)
        qtbot.wait(100)
        chatty.abort()


def test_closing_frees_the_name_for_the_next_start(qtbot: QtBot, name: str) -> None:
    instance = SingleInstance(name)
    assert instance.listen()
    instance.close()
    assert SingleInstance.notify_running(name) is False
    again = SingleInstance(name)
    try:
        assert again.listen(), again.error
    finally:
        again.close()


def test_server_name_is_per_user_and_safe() -> None:
    assert SingleInstance.server_name("alice", platform="win32") == "outagetray-alice"
    assert SingleInstance.server_name("alice", platform="darwin") == "outagetray-alice"
    odd = SingleInstance.server_name("DOMAIN\\José Ünal", platform="win32")
    assert odd.startswith("outagetray-DOMAIN_Jos___nal-")
    assert odd != SingleInstance.server_name("DOMAIN_Jos___nal", platform="win32")
    assert set(odd) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def test_server_name_lives_in_the_private_runtime_folder_when_there_is_one(tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}
    assert SingleInstance.server_name("bob", platform="linux", env=env) == str(tmp_path / "outagetray-bob")
    # Without a usable one: the user's own folder in the temporary folder, by user id.
    shared = tmp_path / "tmp"
    shared.mkdir()
    private = str(shared / "outagetray-1000" / "outagetray-bob")
    for unusable in ({}, {"XDG_RUNTIME_DIR": "run/user"}, {"XDG_RUNTIME_DIR": str(tmp_path / "gone")}):
        for platform in ("linux", "freebsd14"):
            name = SingleInstance.server_name(
                "bob", platform=platform, env=unusable, uid=1000, tempdir=str(shared)
            )
            assert name == private


@pytest.mark.skipif(sys.platform == "win32", reason="a Unix socket path")
def test_a_runtime_folder_path_works_as_a_name(qtbot: QtBot, tmp_path: Path) -> None:
    folder = Path("/tmp") / f"ot-{uuid.uuid4().hex[:8]}"  # short: socket paths are limited
    folder.mkdir(mode=0o700)
    try:
        name = SingleInstance.server_name("carol", platform="linux", env={"XDG_RUNTIME_DIR": str(folder)})
        instance = SingleInstance(name)
        assert instance.listen(), instance.error
        assert (folder / "outagetray-carol").exists()
        with qtbot.waitSignal(instance.activated, timeout=2000):
            assert SingleInstance.notify_running(name, timeout_ms=100)
        instance.close()
        assert not (folder / "outagetray-carol").exists()
    finally:
        QLocalServer.removeServer(str(folder / "outagetray-carol"))
        folder.rmdir()


def test_a_lock_left_by_a_killed_copy_is_taken_over(qtbot: QtBot, name: str) -> None:
    code = (
        "import os, sys, time\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from outagetray.ui.single_instance import SingleInstance\n"
        f"instance = SingleInstance({name!r})\n"
        "assert instance.listen()\n"
        "print('listening', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "listening"
        blocked = SingleInstance(name)
        assert blocked.listen() is False and blocked.other_running
        holder.kill()  # no clean-up at all: socket file and lock file stay behind
        holder.wait(5)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert os.path.exists(os.path.join(QDir.tempPath(), name) + ".lock")
    instance = SingleInstance(name)
    try:
        assert instance.listen(), instance.error
    finally:
        instance.close()


def test_two_apps_started_at_once_leave_one_running(tmp_path: Path) -> None:
    """A double click: both starts pass the first check; one must hand over to the other."""
    exe = installed.command()
    env = installed.home_env(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        '[monitor]\nwatch = []\n\n[connectivity]\ncontrols = [{ url = "http://127.0.0.1:9/" }]\n'
    )
    argv = [exe, "run", "--config", str(config)]
    apps = [
        subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 30
        while all(app.poll() is None for app in apps) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [app for app in apps if app.poll() is not None]
        assert len(left) == 1, "both copies kept running"
        assert left[0].returncode == 0
        assert left[0].stderr is not None and "already running" in left[0].stderr.read()
        time.sleep(1)
        assert len([app for app in apps if app.poll() is None]) == 1
    finally:
        for app in apps:
            if app.poll() is None:
                app.terminate()
                app.wait(10)


def _hold_lock(name: str, listen_after: float | None) -> subprocess.Popen[str]:
    """Another process takes the name's lock, then listens after ``listen_after`` s (or never)."""
    then = (
        f"time.sleep({listen_after})\nassert instance._server.listen(instance.name)\n"
        if listen_after is not None
        else ""
    )
    code = (
        "import os, sys, time\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from outagetray.ui.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        f"instance = SingleInstance({name!r})\n"
        "assert instance._lock_name()\n"
        "print('locked', flush=True)\n"
        f"{then}"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_the_winner_of_a_double_start_is_waited_for(qtbot: QtBot, name: str) -> None:
    """The other copy holds the lock and starts listening a moment later: this one yields."""
    holder = _hold_lock(name, listen_after=0.3)
    try:
        second = SingleInstance(name)
        assert second.listen() is False
        assert second.other_running
    finally:
        holder.kill()
        holder.wait(5)


def test_a_lock_whose_holder_never_answers_does_not_stop_the_app(
    qtbot: QtBot, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A live process holds the lock but is no OutageTray that answers (a reused process
    id): the app starts anyway rather than leave the user with nothing."""
    holder = _hold_lock(name, listen_after=None)
    try:
        instance = SingleInstance(name)
        started = time.monotonic()
        assert instance.listen(), instance.error
        assert 1.0 < time.monotonic() - started < 5
        assert not instance.other_running
        assert "does not answer" in caplog.text
        instance.close()
    finally:
        holder.kill()
        holder.wait(5)


# -- issue 14, item 17: without XDG_RUNTIME_DIR the lock stays private to the user ---------------


@pytest.mark.skipif(sys.platform == "win32", reason="Unix folders and modes")
def test_without_a_runtime_folder_two_users_get_private_folders_of_their_own(tmp_path: Path) -> None:
    import stat

    shared = tmp_path / "tmp"  # stands for /tmp, shared by every user of the machine
    shared.mkdir(mode=0o777)
    shared.chmod(0o1777)
    # Two accounts with the same login name (or none found): only the user id tells them apart.
    first = SingleInstance.server_name("sam", platform="linux", env={}, uid=1000, tempdir=str(shared))
    second = SingleInstance.server_name("sam", platform="linux", env={}, uid=1001, tempdir=str(shared))
    assert first != second
    for name in (first, second):
        folder = Path(name).parent
        assert folder.parent == shared
        info = folder.lstat()
        assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
        assert stat.S_IMODE(info.st_mode) & 0o077 == 0, oct(info.st_mode)  # nobody else may enter


@pytest.mark.skipif(sys.platform == "win32", reason="Unix folders and modes")
def test_a_loose_folder_is_tightened_and_a_planted_link_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    shared = tmp_path / "tmp"
    shared.mkdir()
    loose = shared / "outagetray-1000"
    loose.mkdir()
    loose.chmod(0o777)
    name = SingleInstance.server_name("sam", platform="linux", env={}, uid=1000, tempdir=str(shared))
    assert Path(name).parent == loose
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700
    # Someone else put a link where this user's folder goes: the state folder is used instead.
    elsewhere = tmp_path / "theirs"
    elsewhere.mkdir()
    (shared / "outagetray-1001").symlink_to(elsewhere)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    name = SingleInstance.server_name("sam", platform="linux", env={}, uid=1001, tempdir=str(shared))
    assert not name.startswith(str(shared))
    assert Path(name).parent == tmp_path / "state" / "OutageTray" / "run"
    assert stat.S_IMODE(Path(name).parent.stat().st_mode) == 0o700


@pytest.mark.skipif(sys.platform == "win32", reason="a Unix socket path")
def test_the_private_name_works_for_listening_and_the_lock(qtbot: QtBot, tmp_path: Path) -> None:
    shared = Path("/tmp") / f"ot-{uuid.uuid4().hex[:8]}"  # short: socket paths are limited
    shared.mkdir()
    try:
        name = SingleInstance.server_name("dan", platform="linux", env={}, uid=4242, tempdir=str(shared))
        instance = SingleInstance(name)
        assert instance.listen(), instance.error
        assert (shared / "outagetray-4242" / "outagetray-dan").exists()
        assert (shared / "outagetray-4242" / "outagetray-dan.lock").exists()
        with qtbot.waitSignal(instance.activated, timeout=2000):
            assert SingleInstance.notify_running(name, timeout_ms=100)
        instance.close()
    finally:
        import shutil

        shutil.rmtree(shared, ignore_errors=True)
