"""Secrets stay in a secure password store, or in memory when the user says so; never in plain text."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import InitError, KeyringLocked, PasswordDeleteError

from outagetray.core import secrets
from outagetray.core.secrets import SERVICE, Secrets, SecretStoreError, check_store

SECRET = "hunter2-S3CRET-value"


class MemoryKeyring(KeyringBackend):
    """A secure store in a dict; viable=False keeps keyring's own detection from picking it."""

    priority = 5
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append("delete")
        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]


class PlaintextKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


PlaintextKeyring.__module__ = "keyrings.alt.file"


class WeakKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


class RaisingKeyring(MemoryKeyring):
    error: Exception = KeyringLocked("Failed to unlock the collection!")

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")
        raise self.error


class LeakyKeyring(MemoryKeyring):
    """Fine to read, but its set error echoes the password, as some backends' errors do."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password!r} for {username}")


@pytest.fixture
def use() -> Iterator[Any]:
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


def _plain(text: str) -> None:
    assert SECRET not in text
    for jargon in ("Keyring", "Error", "backend", "D-Bus", "Traceback"):
        assert jargon not in text


def test_secure_store_round_trip(use: Any) -> None:
    store = use(MemoryKeyring())
    status = check_store()
    assert status.secure and status.kind == "secure" and status.message == ""
    assert status.backend.endswith("MemoryKeyring")
    box = Secrets()
    assert box.get("newsletter") is None
    box.set("newsletter", SECRET)
    assert store.store[(SERVICE, "newsletter")] == SECRET
    assert box.get("newsletter") == SECRET
    box.delete("newsletter")
    assert box.get("newsletter") is None
    box.delete("newsletter")  # forgetting twice is fine


def test_keyring_command_line_entries_are_read(use: Any) -> None:
    """`keyring set OutageTray newsletter` stores exactly where Secrets looks."""
    use(MemoryKeyring())
    keyring.set_password("OutageTray", "newsletter", SECRET)
    assert Secrets().get("newsletter") == SECRET


@pytest.mark.parametrize(
    ("backend", "kind"),
    [
        (fail.Keyring(), "none"),
        (PlaintextKeyring(), "plaintext"),
        (WeakKeyring(), "none"),
    ],
)
def test_insecure_stores_are_refused_untouched(use: Any, backend: Any, kind: str) -> None:
    use(backend)
    status = check_store()
    assert (status.secure, status.kind) == (False, kind)
    assert status.message and "session only" in status.message
    _plain(status.message)
    box = Secrets()
    for call in (lambda: box.get("x"), lambda: box.set("x", SECRET), lambda: box.delete("x")):
        with pytest.raises(SecretStoreError) as info:
            call()
        assert info.value.kind == kind
        _plain(str(info.value))
    assert getattr(backend, "calls", []) == []  # a plain-text store is never written or read


def test_plaintext_backend_is_named_for_the_log(use: Any) -> None:
    use(PlaintextKeyring())
    assert check_store().backend == "keyrings.alt.file.PlaintextKeyring"


@pytest.mark.parametrize(
    "error", [KeyringLocked("Failed to unlock the collection!"), InitError("Prompt dismissed")]
)
def test_locked_store_is_reported(use: Any, error: Exception) -> None:
    backend = RaisingKeyring()
    backend.error = error
    use(backend)
    status = check_store()
    assert (status.secure, status.kind) == (False, "locked")
    assert "locked" in status.message and "Unlock" in status.message
    with pytest.raises(SecretStoreError) as info:
        Secrets().set("newsletter", SECRET)
    assert info.value.kind == "locked"
    assert backend.calls == ["get", "get"]  # probes only; set never attempted


def test_other_errors_are_plain_and_carry_no_secret(use: Any, caplog: pytest.LogCaptureFixture) -> None:
    use(LeakyKeyring())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SecretStoreError) as info:
        Secrets().set("newsletter", SECRET)
    err = info.value
    assert err.kind == "error" and err.backend.endswith("LeakyKeyring")
    _plain(str(err))
    assert err.__suppress_context__ and err.__cause__ is None
    assert SECRET not in caplog.text
    assert "RuntimeError" in caplog.text  # the log still says what went wrong


def test_probe_error_reports_error(use: Any) -> None:
    backend = RaisingKeyring()
    backend.error = RuntimeError("dbus went away")
    use(backend)
    status = check_store()
    assert (status.secure, status.kind) == (False, "error")
    _plain(status.message)


def test_session_only_never_calls_the_backend(use: Any) -> None:
    backend = use(PlaintextKeyring())
    box = Secrets()
    box.use_session_only()
    assert box.session_only
    box.set("newsletter", SECRET)
    assert box.get("newsletter") == SECRET
    box.delete("newsletter")
    assert box.get("newsletter") is None
    assert backend.calls == [] and backend.store == {}
    assert Secrets().session_only is False  # another instance, another choice


def test_store_is_judged_again_after_a_failure(use: Any) -> None:
    use(RaisingKeyring())
    box = Secrets()
    with pytest.raises(SecretStoreError):
        box.get("newsletter")
    good = use(MemoryKeyring())  # e.g. the user unlocked the store
    good.store[(SERVICE, "newsletter")] = SECRET
    assert box.get("newsletter") == SECRET


def test_chainer_uses_its_secure_member_not_the_plaintext_one(use: Any) -> None:
    secure, plain = MemoryKeyring(), PlaintextKeyring()
    plain.store[(SERVICE, "newsletter")] = "from-plain-file"

    class Chain(ChainerBackend):
        viable = False
        backends: ClassVar[list[KeyringBackend]] = [secure, plain]

    use(Chain())
    assert check_store().backend.endswith("MemoryKeyring")
    assert Secrets().get("newsletter") is None
    assert plain.calls == []


def test_many_threads_share_one_box(use: Any) -> None:
    import threading

    store = use(MemoryKeyring())
    box = Secrets()

    def work(n: int) -> None:
        for i in range(50):
            box.set(f"ch{n}", f"v{i}")
            assert box.get(f"ch{n}") == f"v{i}"

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {u: v for (_, u), v in store.store.items()} == {f"ch{n}": "v49" for n in range(8)}


def test_bad_input_is_refused_without_echo(use: Any) -> None:
    use(MemoryKeyring())
    box = Secrets()
    with pytest.raises(ValueError):
        box.set("newsletter", "")
    with pytest.raises(ValueError):
        box.get("  ")


def test_fail_backend_from_environment_reports_none() -> None:
    """The real detection path in a fresh process, as on a bare headless machine."""
    code = (
        "import sys\n"
        "from outagetray.core import secrets\n"
        "assert 'keyring' not in sys.modules, 'keyring must be imported lazily'\n"
        "s = secrets.check_store()\n"
        "print(s.kind, s.secure, s.backend)\n"
    )
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["none", "False", "keyring.backends.fail.Keyring"]


def test_module_stays_small() -> None:
    assert secrets.__file__ is not None
    with open(secrets.__file__, encoding="utf-8") as fh:
        assert sum(1 for _ in fh) < 250
