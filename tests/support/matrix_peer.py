"""A real Matrix homeserver (Synapse) on a free loopback port, for tests and benches.

Synapse runs from its own virtual environment (tests/peers/matrix.sh installs it under
.peers/matrix/venv), never the project's. Each start gets a fresh data folder, a SQLite
database, one client listener on 127.0.0.1 and no key servers, so nothing leaves the
machine. Users are made through the shared-secret registration API (what
``register_new_matrix_user`` does), then signed in like an app would, so the token the
tests use is an ordinary device's access token.

Use ``with matrix_peer() as peer:`` once per test module: Synapse needs a few seconds to start.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from tests.support.peers import PEERS, missing

VENV = PEERS / "matrix" / "venv"
PYTHON = VENV / "bin" / "python"
SERVER_NAME = "localhost"
#: Synapse imports slowly on a busy machine; it has been seen ready in 3 s.
START_TIMEOUT = 90.0
INSTALL_HINT = "Synapse is not installed for the Matrix tests: run sh tests/peers/matrix.sh"


class PeerError(RuntimeError):
    """The homeserver did not do what the test setup asked."""


@dataclass
class MatrixPeer:
    """A running homeserver with one signed-in user who created one room."""

    base_url: str
    folder: Path
    shared_secret: str
    user_id: str = ""
    token: str = ""
    room_id: str = ""

    # -- the client API, as the tests' own small client -----------------------------------------

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One request; the status and the JSON answer (errors are answers too, not exceptions)."""
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        bearer = self.token if token is None else token
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            with error:
                raw = error.read()
            try:
                return error.code, json.loads(raw or b"{}")
            except ValueError:
                return error.code, {"raw": raw.decode("utf-8", "replace")}

    def register(self, name: str, password: str | None = None) -> tuple[str, str]:
        """A new user, signed in: (user id, access token)."""
        password = password or secrets.token_urlsafe(12)
        status, nonce = self.call("GET", "/_synapse/admin/v1/register", token="")
        if status != 200:
            raise PeerError(f"no registration nonce: {status} {nonce}")
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce["nonce"].encode(), name.encode(), password.encode(), b"notadmin"]))
        body = {"nonce": nonce["nonce"], "username": name, "password": password, "mac": mac.hexdigest()}
        status, made = self.call("POST", "/_synapse/admin/v1/register", body, token="")
        if status != 200:
            raise PeerError(f"registration refused: {status} {made}")
        login = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name}}
        status, session = self.call(
            "POST", "/_matrix/client/v3/login", {**login, "password": password}, token=""
        )
        if status != 200:
            raise PeerError(f"login refused: {status} {session}")
        return str(session["user_id"]), str(session["access_token"])

    def create_room(self, token: str | None = None, *, alias: str = "", **extra: Any) -> str:
        """A new private room created by ``token``'s user (the main user by default)."""
        body: dict[str, Any] = {"preset": "private_chat", **extra}
        if alias:
            body["room_alias_name"] = alias
        status, room = self.call("POST", "/_matrix/client/v3/createRoom", body, token=token)
        if status != 200:
            raise PeerError(f"createRoom refused: {status} {room}")
        return str(room["room_id"])

    def messages(self, room_id: str | None = None, *, token: str | None = None) -> list[dict[str, Any]]:
        """The room's ``m.room.message`` events, oldest first, as a member reads them."""
        room = quote(room_id or self.room_id, safe="")
        params = {"dir": "b", "limit": "1000", "filter": json.dumps({"types": ["m.room.message"]})}
        status, page = self.call(
            "GET", f"/_matrix/client/v3/rooms/{room}/messages", token=token, params=params
        )
        if status != 200:
            raise PeerError(f"messages refused: {status} {page}")
        return list(reversed(page.get("chunk", [])))


def installed() -> bool:
    return PYTHON.exists()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(folder: Path, port: int, shared_secret: str) -> Path:
    """The overrides on top of Synapse's generated config: loopback only, SQLite, no key servers."""
    overrides = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "media_store_path": str(folder / "media"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "report_stats": False,
        "enable_registration": False,
        "registration_shared_secret": shared_secret,
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        # Tests send in quick bursts; the real limits are the channel tests' HTTP peer's job.
        "rc_message": {"per_second": 1000, "burst_count": 1000},
        "rc_registration": {"per_second": 1000, "burst_count": 1000},
        "rc_login": {
            "address": {"per_second": 1000, "burst_count": 1000},
            "account": {"per_second": 1000, "burst_count": 1000},
            "failed_attempts": {"per_second": 1000, "burst_count": 1000},
        },
        "rc_joins": {"local": {"per_second": 1000, "burst_count": 1000}},
    }
    path = folder / "zz-test.yaml"
    path.write_text(json.dumps(overrides, indent=1))  # JSON is YAML
    return path


def _wait_ready(peer: MatrixPeer, process: subprocess.Popen[bytes], log: Path) -> None:
    end = time.monotonic() + START_TIMEOUT
    while time.monotonic() < end:
        if process.poll() is not None:
            raise PeerError(f"Synapse stopped while starting:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(peer.base_url + "/_matrix/client/versions", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling a port that is not open yet: nothing to await
    raise PeerError(f"Synapse did not answer within {START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def matrix_peer() -> Iterator[MatrixPeer]:
    """Start Synapse, make a user and a room, yield them; stop and remove everything after."""
    if not installed():
        missing(INSTALL_HINT)
    folder = Path(tempfile.mkdtemp(prefix="outagetray-synapse-"))
    process: subprocess.Popen[bytes] | None = None
    log = folder / "synapse.out"
    try:
        base_config = folder / "homeserver.yaml"
        generated = subprocess.run(
            [
                str(PYTHON),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                SERVER_NAME,
                "--config-path",
                str(base_config),
                "--generate-config",
                "--report-stats=no",
                "--data-directory",
                str(folder),
                "--config-directory",
                str(folder),
            ],
            cwd=folder,
            capture_output=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if generated.returncode != 0:
            raise PeerError(
                f"Synapse could not write its config:\n{generated.stderr.decode(errors='replace')}"
            )
        port = _free_port()
        shared_secret = secrets.token_hex(16)
        overrides = _config(folder, port, shared_secret)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(PYTHON), "-m", "synapse.app.homeserver", "-c", str(base_config), "-c", str(overrides)],
                cwd=folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "SYNAPSE_CACHE_FACTOR": "0.5"},
                start_new_session=True,
            )
        peer = MatrixPeer(f"http://127.0.0.1:{port}", folder, shared_secret)
        _wait_ready(peer, process, log)
        peer.user_id, peer.token = peer.register("newsroom")
        peer.room_id = peer.create_room(alias="outage-news")
        yield peer
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        shutil.rmtree(folder, ignore_errors=True)
