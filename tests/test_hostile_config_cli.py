"""`outagetray check --config <hostile file>`: exit 2 with the problem in plain words, quickly.

Issue 13, item 10. The command runs as a real process (``python -m outagetray``, the
same entry as the installed command, from the code under test) with its address space
capped and a deadline, so the old failures show as failures: a RecursionError or
MemoryError is exit 1 with a traceback, a pipe hangs until the deadline. Every file here
names only loopback addresses (a dead port), so even a build that accepted one would not
reach the internet.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import outagetray
from tests.support.installed import home_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pipes, devices and rlimits are POSIX")

PACKAGE_ROOT = str(Path(outagetray.__file__).resolve().parents[1])
DEADLINE = 20.0


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loopback_config() -> str:
    """Settings that name only a closed loopback port: nothing to reach outside this machine."""
    base = f"http://127.0.0.1:{dead_port()}"
    return f"""
[monitor]
watch = ["home"]

[connectivity]
controls = [{{ url = "{base}/generate_204", expect_status = 204 }}]

[network]
nameservers = ["127.0.0.1:{dead_port()}"]

[[platforms]]
id = "home"
sources = [{{ type = "statuspage", url = "{base}/summary.json" }}]
probes = []
"""


def cap_memory() -> None:
    import resource

    cap = 1 << 30  # the old code wanted 3.8 GB for the dotted key, and all there is for /dev/zero
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def check(tmp_path: Path, config: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**home_env(tmp_path / "home"), "PYTHONPATH": PACKAGE_ROOT}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "outagetray", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=DEADLINE,  # a hang fails the test (the child is killed) instead of hanging the run
        env=env,
        cwd=tmp_path,
        preexec_fn=cap_memory,
    )
    return done, time.monotonic() - started


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text)
    return path


def assert_refused(
    done: subprocess.CompletedProcess[str], seconds: float, config: Path, problem: str
) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert f"outagetray: the settings file {config} has problems:" in done.stderr
    assert problem in done.stderr, done.stderr
    assert done.stdout == ""
    assert seconds < 10


def test_brackets_nested_100000_deep(tmp_path: Path) -> None:
    config = write(tmp_path, loopback_config() + "extra = " + "[" * 100_000 + "]" * 100_000 + "\n")
    done, seconds = check(tmp_path, config)
    line = loopback_config().count("\n") + 1
    assert_refused(done, seconds, config, f"Line {line}: brackets [ ] or {{ }} nested more than 64 deep")


def test_a_dotted_key_of_100000_parts(tmp_path: Path) -> None:
    config = write(tmp_path, loopback_config() + ".".join(["a"] * 100_000) + " = 1\n")
    done, seconds = check(tmp_path, config)
    assert_refused(done, seconds, config, "a key made of more than 32 parts joined by dots (a.a.a.a.")


def test_a_device(tmp_path: Path) -> None:
    done, seconds = check(tmp_path, Path("/dev/zero"))
    assert_refused(done, seconds, Path("/dev/zero"), "could not be read: it is a device, not a text file.")


def test_a_pipe(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    os.mkfifo(config)
    done, seconds = check(tmp_path, config)
    assert_refused(done, seconds, config, "could not be read: it is a pipe, not a text file.")


def test_a_folder(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.mkdir()
    done, seconds = check(tmp_path, config)
    assert_refused(done, seconds, config, "could not be read: it is a folder, not a text file.")


def test_a_file_far_too_large(tmp_path: Path) -> None:
    # Valid, loopback-only settings padded with a comment: the size alone is refused.
    config = write(tmp_path, loopback_config() + "#" * (4 << 20) + "\n")
    done, seconds = check(tmp_path, config)
    assert_refused(done, seconds, config, "could not be read: it is 4.0 MB, far larger than settings can be")


def test_a_number_thousands_of_digits_long(tmp_path: Path) -> None:
    config = write(
        tmp_path, loopback_config().replace('watch = ["home"]', "interval_seconds = " + "7" * 5000)
    )
    done, seconds = check(tmp_path, config)
    assert_refused(done, seconds, config, "Line 3: a number thousands of digits long; no setting needs one.")
