"""Only one OutageTray per user: a second start brings the running one forward instead.

Two copies would poll every platform twice, show two tray icons and, worse, notify
twice and race on the incident log. A person who clicks the menu entry while the app is
already in the tray expects its window, not a second app. So a starting process first
asks (``notify_running``) whether another copy answers on a per-user local socket (a
Unix domain socket, or a named pipe on Windows); if so it sends ``show`` and exits, and
the first copy emits ``activated``. Otherwise it becomes the first copy (``listen``).

Qt's QLocalServer/QLocalSocket are used because they give the same behaviour on all
three desktops and fit the event loop: the running copy never blocks on a client. The
starting copy blocks only for the small connect timeout, before any window exists.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)

SHOW = b"show"
ACK = b"ok\n"
# A client that says nothing (a probe) or too much is dropped; no message is longer than this.
_MAX_MESSAGE = 64
_IDLE_CLIENT_MS = 2000
#: How long a lock holder has to start answering before its lock is doubted.
_LOCK_HOLDER_GRACE_S = 1.5


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        # No login name in the environment nor the password database (some containers).
        uid = getattr(os, "getuid", None)
        return str(uid()) if uid else "user"


def _user_id() -> int:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid else 0


def _private_folder(uid: int, tempdir: str | None = None) -> str | None:
    """A folder for the lock and the socket that only this user can enter, or None.

    ``outagetray-<uid>`` in the temporary folder (short, as socket paths must be, and
    on a local disk), made with mode 0700. Anyone may create that name first in a
    shared temporary folder, so it is used only if it is a real folder (not a link)
    owned by this user; its mode is tightened if it is loose. Otherwise the user's
    own state folder under their home is used.
    """
    import tempfile

    folder = os.path.join(tempdir or tempfile.gettempdir(), f"outagetray-{uid}")
    if _make_private(folder):
        return folder
    try:
        from platformdirs import user_state_path  # only now: it is off the usual start path

        folder = str(user_state_path("OutageTray", appauthor=False) / "run")
    except (ImportError, RuntimeError):  # RuntimeError: platformdirs found no home folder
        return None
    return folder if _make_private(folder) else None


def _make_private(folder: str) -> bool:
    """True if ``folder`` exists (made if need be) as this user's own folder, mode 0700."""
    import contextlib
    import stat

    try:
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != _effective_uid():
            log.warning("%s belongs to someone else; not using it for the single-instance lock", folder)
            return False
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(folder, 0o700)
    except OSError as exc:
        log.info("cannot use %s for the single-instance lock: %s", folder, exc)
        return False
    return True


def _effective_uid() -> int:
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid else 0


def _left_ms(deadline: float) -> int:
    """Milliseconds until a time.monotonic() deadline, never negative."""
    return max(0, int((deadline - time.monotonic()) * 1000))


class SingleInstance(QObject):
    """The running copy's side: listens on the per-user name and reports a second start."""

    activated = Signal()
    """A second OutageTray was started by the user: show the window."""

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.name = name or self.server_name()
        self.error = ""
        #: listen() found another copy holding the name (it started first).
        self.other_running = False
        self._lock: QLockFile | None = None
        self._server = QLocalServer(self)
        # Only this user may connect (socket file mode on Unix, pipe ACL on Windows).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytearray] = {}

    @staticmethod
    def server_name(
        user: str | None = None,
        *,
        platform: str = sys.platform,
        env: Mapping[str, str] | None = None,
        uid: int | None = None,
        tempdir: str | None = None,
    ) -> str:
        """The per-user name both copies agree on.

        It carries the user name, because named pipes on Windows are shared by every
        session on the machine. On Linux and the BSDs it is a path in a folder only
        this user can enter: the private ``$XDG_RUNTIME_DIR`` when there is one, else
        a folder of the user's own (mode 0700) named by the user id. Another user
        must never answer a second start or hold the lock: in the shared temporary
        folder a name is free for anyone to take first, and a login name is not even
        unique (two accounts, or a missing one, give the same name).
        ``uid`` and ``tempdir`` are for tests; they default to this process's.
        """
        raw = user if user is not None else _user_name()
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", raw) or "user"
        if safe != raw:  # keep names apart that differ only in replaced characters
            import hashlib

            safe += "-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
        name = f"outagetray-{safe}"
        if platform in ("win32", "darwin"):
            return name  # macOS's temporary folder is already per user
        environ = os.environ if env is None else env
        runtime = environ.get("XDG_RUNTIME_DIR", "")
        if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
            return os.path.join(runtime, name)
        folder = _private_folder(_user_id() if uid is None else uid, tempdir)
        if folder is None:
            log.warning("no private folder for the single-instance lock; using the shared temporary folder")
            return name
        return os.path.join(folder, name)

    @staticmethod
    def notify_running(name: str | None = None, timeout_ms: int = 500) -> bool:
        """Ask a running copy to show itself; True means it answered and the caller should exit.

        Call this before building any window. It waits at most ``timeout_ms`` in all: a
        name nobody listens on fails at once, and a stale socket from a crash is refused
        at once too. Once connected the answer is True even if the running copy is too
        busy to confirm in time, since starting a second copy would be worse.
        """
        name = name or SingleInstance.server_name()
        if sys.platform != "win32":
            # Start-up path: plain sockets answer this without loading QtNetwork (~20 ms).
            return _notify_unix(_unix_socket_path(name), timeout_ms)
        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + timeout_ms / 1000
        socket = QLocalSocket()
        socket.connectToServer(name)
        try:
            if not socket.waitForConnected(max(1, _left_ms(deadline))):
                return False
            socket.write(SHOW + b"\n")
            if _left_ms(deadline):
                socket.waitForBytesWritten(max(1, _left_ms(deadline)))
            # Wait for the answer so the message is read before this process goes away.
            while _left_ms(deadline) and ACK not in bytes(socket.peek(len(ACK)).data()):
                if not socket.waitForReadyRead(max(1, _left_ms(deadline))):
                    break
            socket.disconnectFromServer()
            return True
        finally:
            socket.abort()

    def listen(self) -> bool:
        """Become the running copy; False (with ``error`` set) if that is not possible.

        A lock file decides who that is: two starts a moment apart (a double click)
        both find nobody listening, and without an arbiter the later one would remove
        the earlier one's socket and both would run. QLockFile notices a lock left by
        a crashed copy (its process is gone) and takes it over. A lock whose holder
        never answers is not trusted: its process id may now belong to another Python
        program, and refusing to start on its word would leave the user with nothing.

        A socket file left by a crash would make listening fail, so it is removed first,
        but only after checking that nobody answers on it: removing a live copy's name
        would let a third start slip past both.
        """
        if self._server.isListening():
            return True
        if self._someone_answers() or not (self._lock_name() or self._lock_unanswered()):
            self.other_running = True
            self.error = "another OutageTray is already running for this user"
            return False
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(self.name)
        if self._server.listen(self.name):
            self.error = ""
            return True
        self.error = self._server.errorString()
        return False

    def is_listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        """Stop listening and free the name (on Unix the socket file is removed)."""
        self._server.close()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # ------------------------------------------------------------------ internals

    def _lock_name(self) -> bool:
        """Take the per-user lock; False only when another live copy holds it.

        A lock that cannot be made at all (an unwritable folder) is no reason to refuse
        to run: the socket check below still keeps most second copies out.
        """
        if self._lock is not None:
            return True
        from PySide6.QtCore import QLockFile

        lock = QLockFile(_unix_socket_path(self.name) + ".lock")
        lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran
        if lock.tryLock(0):
            self._lock = lock
            return True
        return lock.error() != QLockFile.LockError.LockFailedError

    def _lock_unanswered(self) -> bool:
        """The lock is held: True if its holder never starts answering, so it is ignored.

        The winner of a double-click race listens a moment after taking the lock, so
        it is given that moment before the lock is doubted.
        """
        deadline = time.monotonic() + _LOCK_HOLDER_GRACE_S
        while time.monotonic() < deadline:
            if self._someone_answers(timeout_ms=100):
                return False
            time.sleep(0.05)
        log.warning("the single-instance lock is held by a program that does not answer; starting anyway")
        return True

    def _someone_answers(self, timeout_ms: int = 200) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        probe = QLocalSocket()
        probe.connectToServer(self.name)
        try:
            return probe.waitForConnected(timeout_ms)
        finally:
            probe.abort()

    def _accept(self) -> None:
        # Clients are tracked in a dict and found again with sender(): slots that close
        # over a client (partial, lambda) made PySide crash when the client was deleted
        # after its connection ended (seen with PySide6 6.12).
        while self._server.hasPendingConnections():
            client = self._server.nextPendingConnection()
            if client is None:
                break
            self._buffers[client] = bytearray()
            client.readyRead.connect(self._on_ready_read)
            client.disconnected.connect(self._on_disconnected)
            # A client that connects and stays silent must not hold a socket for ever.
            QTimer.singleShot(_IDLE_CLIENT_MS, client, client.abort)
            self._read(client, closed=False)  # the message may already be waiting

    def _on_ready_read(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        client = self.sender()
        if isinstance(client, QLocalSocket) and client in self._buffers:
            self._read(client, closed=False)

    def _on_disconnected(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        client = self.sender()
        if isinstance(client, QLocalSocket) and client in self._buffers:
            self._read(client, closed=True)
            self._buffers.pop(client, None)
            client.deleteLater()

    def _read(self, client: QLocalSocket, *, closed: bool) -> None:
        buffer = self._buffers[client]
        if client.bytesAvailable():
            buffer += bytes(client.readAll().data())
        if len(buffer) > _MAX_MESSAGE:
            buffer.clear()
            client.abort()
            return
        while b"\n" in buffer or (closed and buffer):
            line, _, rest = bytes(buffer).partition(b"\n")
            buffer[:] = rest
            if line.strip() == SHOW:
                if not closed:
                    client.write(ACK)
                    client.flush()
                self.activated.emit()


def _unix_socket_path(name: str) -> str:
    """Where QLocalServer puts a name on Unix: the name itself if absolute, else in the temp folder."""
    if os.path.isabs(name):
        return name
    import tempfile

    return os.path.join(tempfile.gettempdir(), name)


def _notify_unix(path: str, timeout_ms: int) -> bool:
    """The same conversation as the QLocalSocket client, over a plain Unix socket."""
    import socket

    deadline = time.monotonic() + timeout_ms / 1000
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.settimeout(max(0.001, deadline - time.monotonic()))
        try:
            client.connect(path)
        except OSError:
            return False  # nobody listens, or a stale socket left by a crash
        try:
            client.sendall(SHOW + b"\n")
            answer = b""
            while ACK not in answer and time.monotonic() < deadline:
                client.settimeout(max(0.001, deadline - time.monotonic()))
                chunk = client.recv(16)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass  # connected is enough: starting a second copy would be worse
        return True
    finally:
        client.close()
