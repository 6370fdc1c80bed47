"""A password store for tests: a JSON file named by ``OUTAGETRAY_TEST_KEYRING``.

Subprocess tests (``outagetray send`` killed at random moments) need secrets that a new
process can read, on machines without a desktop keyring. keyring loads this class when
``PYTHON_KEYRING_BACKEND=tests.support.filekeyring.FileKeyring`` is set and the
repository root is on ``PYTHONPATH``. It reports itself as a proper store (priority 5), so
the app's own judgement of the store runs unchanged. Tests only: it keeps plain text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "OUTAGETRAY_TEST_KEYRING"


class FileKeyring(KeyringBackend):
    priority = 5

    def _path(self) -> Path:
        return Path(os.environ[ENV])

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\x1f{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}\x1f{username}"] = password
        self._path().write_text(json.dumps(data), "utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}\x1f{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._path().write_text(json.dumps(data), "utf-8")


def environment(path: Path, secrets: dict[str, str]) -> dict[str, str]:
    """Environment variables that make a child process use a store holding ``secrets``."""
    path.write_text(json.dumps({f"OutageTray\x1f{cid}": value for cid, value in secrets.items()}), "utf-8")
    root = Path(__file__).resolve().parents[2]
    existing = os.environ.get("PYTHONPATH", "")
    return {
        ENV: str(path),
        "PYTHON_KEYRING_BACKEND": "tests.support.filekeyring.FileKeyring",
        "PYTHONPATH": f"{root}{os.pathsep}{existing}" if existing else str(root),
    }
