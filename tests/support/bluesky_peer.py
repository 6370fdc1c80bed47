"""A real Bluesky PDS (with its PLC directory) on loopback, for tests and benches.

``tests/peers/bluesky.sh`` installs ``@atproto/pds`` and ``@did-plc/server`` into
``.peers/bluesky/``; :func:`bluesky_peer` starts ``tests/peers/bluesky/pds.js`` on two free
loopback ports with a fresh data directory, waits for its ``READY`` line, makes an account
and an app password for it, and stops it and deletes the data afterwards. Starting takes a
few seconds and about 250 MB, so a test module starts it once.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.peers import PEERS, ROOT, missing

INSTALL = PEERS / "bluesky"
SCRIPT = ROOT / "tests" / "peers" / "bluesky" / "pds.js"
STAMP = INSTALL / "node_modules" / ".outagetray-package.sha256"
#: The PDS is ready in 3-4 s on an idle machine; a busy one gets far more.
READY_SECONDS = 90.0


@dataclass(frozen=True)
class BlueskyPeer:
    """A running PDS: where it is, and an account on it."""

    base_url: str
    handle: str
    #: An app password when the PDS makes them, else the account password.
    password: str
    account_password: str
    did: str
    #: The account's own session token, for the test's own reads (listRecords and the like).
    access_jwt: str

    def xrpc(self, method: str, nsid: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        """One call as the account (the test's own look at the repository, not the channel's)."""
        return xrpc(self.base_url, method, nsid, body, params=params, token=self.access_jwt)


def problem() -> str | None:
    """What is missing for the peer, with the command that installs it; None when it can run."""
    if shutil.which("node") is None:
        return "Node.js is not installed (apt-get install nodejs npm), so the Bluesky PDS cannot run"
    if not STAMP.is_file():
        return "The Bluesky PDS is not installed: run bash tests/peers/bluesky.sh (about 3 minutes)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def xrpc(
    base_url: str,
    method: str,
    nsid: str,
    body: Any = None,
    *,
    params: dict[str, str] | None = None,
    token: str = "",
) -> Any:
    """One XRPC call; raises ``RuntimeError`` with the server's answer when it is not a 200."""
    url = f"{base_url}/xrpc/{nsid}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{nsid}: {error.code} {error.read()[:300]!r}") from None


def _lines(stream: Any, into: queue.Queue[str | None]) -> None:
    """Keeps reading the peer's output so its pipe never fills; None marks the end."""
    for line in iter(stream.readline, ""):
        into.put(line)
    into.put(None)


@contextmanager
def bluesky_peer(handle: str = "acmeshop.test") -> Iterator[BlueskyPeer]:
    """Start a PDS with one account, yield it, then stop it and delete its data."""
    reason = problem()
    if reason:
        missing(reason)
    data = Path(tempfile.mkdtemp(prefix="outagetray-pds-"))
    plc_port, pds_port = free_port(), free_port()
    while pds_port == plc_port:
        pds_port = free_port()
    env = {
        **os.environ,
        "NODE_PATH": str(INSTALL / "node_modules"),
        "PLC_PORT": str(plc_port),
        "PDS_PORT": str(pds_port),
        "PDS_DATA": str(data / "pds"),
        "PDS_ADMIN_PASSWORD": secrets.token_hex(16),
    }
    (data / "pds").mkdir()
    log = (data / "stderr.log").open("w")
    process = subprocess.Popen(
        ["node", str(SCRIPT)],
        cwd=str(INSTALL),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
    )
    output: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    try:
        _wait_ready(output, data)
        base = f"http://127.0.0.1:{pds_port}"
        yield _account(base, handle)
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def _wait_ready(output: queue.Queue[str | None], data: Path) -> None:
    end = time.monotonic() + READY_SECONDS
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"the Bluesky PDS did not print READY within {READY_SECONDS:.0f} s")
        try:
            line = output.get(timeout=left)
        except queue.Empty:
            continue
        if line is None:
            errors = (data / "stderr.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the Bluesky PDS stopped before it was ready:\n{errors}")
        if line.startswith("READY"):
            return


def _account(base: str, handle: str) -> BlueskyPeer:
    account_password = "acct-" + secrets.token_urlsafe(18)
    made = xrpc(
        base,
        "POST",
        "com.atproto.server.createAccount",
        {"handle": handle, "email": f"owner@{handle}", "password": account_password},
    )
    access = made["accessJwt"]
    password = account_password
    try:
        app = xrpc(
            base,
            "POST",
            "com.atproto.server.createAppPassword",
            {"name": "outagetray-tests"},
            token=access,
        )
        password = app["password"]
    except (RuntimeError, KeyError):
        pass  # a PDS without app passwords: the account password signs in as well
    return BlueskyPeer(base, made["handle"], password, account_password, made["did"], access)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
