"""Channel passwords and tokens, kept only in the computer's password store (the OS keyring).

A secret never goes to the settings file, the database, the log or an error message: an
error carries plain words and the store's name, never the keyring's own message (which
could echo what was being saved). Secrets are filed under the service ``OutageTray`` with
the channel id as the user name, so ``keyring set OutageTray newsletter`` works too.

A headless or bare machine often has no usable store: keyring then picks ``fail.Keyring``,
a locked SecretService, or - worse - keyrings.alt's plain-text file, silently. We refuse
all of those and say so; the user may instead keep secrets in memory for this session only.

``keyring`` is imported inside functions: the tray imports this module on its start path.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

SERVICE = "OutageTray"
#: A user name no channel uses: reading it shows whether the store answers at all.
PROBE_USER = "__outagetray_probe__"

_SESSION_OFFER = " You can keep them for this session only: you will be asked again next time."
MESSAGES = {
    "none": "Your computer has no password store OutageTray can use, so it cannot keep "
    "your channels' passwords safely." + _SESSION_OFFER,
    "locked": "Your password store is locked. Unlock it (log in to your desktop again, "
    "or open your keyring app), then try again.",
    "plaintext": "The only password store available keeps passwords in a plain file, "
    "so OutageTray will not use it." + _SESSION_OFFER,
    "error": "OutageTray could not use your password store, so it cannot keep your "
    "channels' passwords safely right now." + _SESSION_OFFER,
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreStatus:
    """What the password store can do for us, in words for the user and a name for the log."""

    secure: bool
    kind: str  # "secure", "none", "locked", "plaintext" or "error"
    backend: str
    message: str


class SecretStoreError(Exception):
    """A secret could not be read or kept; the text is safe to show and to log."""

    def __init__(self, message: str, *, kind: str = "error", backend: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.backend = backend


def _name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _status(kind: str, backend: str) -> StoreStatus:
    return StoreStatus(kind == "secure", kind, backend, MESSAGES.get(kind, ""))


def _unfit(backend: Any) -> str | None:
    """Why this backend must not hold secrets ("none" or "plaintext"), or None if it may."""
    from keyring.backends import fail

    cls = type(backend)
    if cls.__module__.startswith("keyrings.alt") and cls.__name__.startswith("Plaintext"):
        return "plaintext"
    if isinstance(backend, fail.Keyring):
        return "none"
    try:
        priority = float(backend.priority)
    except Exception:  # noqa: BLE001 - a backend that cannot say how good it is is not trusted
        return "none"
    return "none" if priority < 1 else None


def _pick(backend: Any) -> tuple[Any, str | None]:
    """The backend to use and why it is unfit (None when fit).

    A chainer reads from every store it chains, plain-text ones included, so we use its
    best fit member directly instead of the chainer itself.
    """
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)
        for member in members:
            if _unfit(member) is None:
                return member, None
        if not members:
            return backend, "none"
        return members[0], _unfit(members[0])
    return backend, _unfit(backend)


def _kind_of(exc: BaseException) -> str:
    from keyring.errors import InitError, KeyringLocked, NoKeyringError

    if isinstance(exc, (KeyringLocked, InitError)):
        return "locked"
    if isinstance(exc, NoKeyringError):
        return "none"
    return "error"


def _probe() -> tuple[StoreStatus, Any]:
    """Find the store, judge it, and read one harmless entry to learn if it is locked."""
    try:
        import keyring

        backend, unfit = _pick(keyring.get_keyring())
    except Exception as exc:  # noqa: BLE001 - a broken keyring setup must not stop the tray
        log.info("Password store could not be loaded (%s)", type(exc).__name__)
        return _status("error", "unknown"), None
    name = _name(backend)
    if unfit is not None:
        return _status(unfit, name), None
    try:
        backend.get_password(SERVICE, PROBE_USER)
    except Exception as exc:  # noqa: BLE001 - backends raise D-Bus and OS errors too
        return _status(_kind_of(exc), name), None
    return _status("secure", name), backend


def check_store() -> StoreStatus:
    """Judge the password store now; call at start to tell the user before any secret is needed."""
    status, _ = _probe()
    log.info("Password store: %s (%s)", status.kind, status.backend)
    return status


class Secrets:
    """Read and keep channel secrets: in the password store, or in memory when the user chose so.

    The store is judged on first use and again after a failure (it may have been unlocked
    meanwhile). One lock serialises every call: keyring backends are not thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._backend: Any = None
        self._status: StoreStatus | None = None
        self._session: dict[str, str] | None = None

    def use_session_only(self) -> None:
        """Keep secrets in this process's memory only, never written anywhere; asked again next run."""
        with self._lock:
            if self._session is None:
                self._session = {}
                log.info("Passwords are kept for this session only")

    @property
    def session_only(self) -> bool:
        """So the settings can show that passwords will be asked for again next time."""
        return self._session is not None

    def status(self) -> StoreStatus:
        """The store's state as last judged (judging it now if never done)."""
        with self._lock:
            if self._status is None:
                self._status, self._backend = _probe()
                log.info("Password store: %s (%s)", self._status.kind, self._status.backend)
            return self._status

    def get(self, channel_id: str) -> str | None:
        """The channel's secret, or None when none is kept."""
        _check_id(channel_id)
        with self._lock:
            if self._session is not None:
                return self._session.get(channel_id)
            backend = self._ready()
            try:
                value = backend.get_password(SERVICE, channel_id)
            except Exception as exc:  # noqa: BLE001 - any failure, told without its text
                raise self._failed(exc, "read") from None
            return value if isinstance(value, str) else None

    def set(self, channel_id: str, secret: str) -> None:
        """Keep the channel's secret, replacing any earlier one."""
        _check_id(channel_id)
        if not isinstance(secret, str) or not secret:
            raise ValueError("A password cannot be empty.")
        with self._lock:
            if self._session is not None:
                self._session[channel_id] = secret
                return
            backend = self._ready()
            try:
                backend.set_password(SERVICE, channel_id, secret)
            except Exception as exc:  # noqa: BLE001 - any failure, told without its text
                raise self._failed(exc, "save") from None

    def delete(self, channel_id: str) -> None:
        """Forget the channel's secret; forgetting one never kept is not an error."""
        _check_id(channel_id)
        with self._lock:
            if self._session is not None:
                self._session.pop(channel_id, None)
                return
            backend = self._ready()
            try:
                backend.delete_password(SERVICE, channel_id)
            except Exception as exc:  # noqa: BLE001 - any failure, told without its text
                from keyring.errors import PasswordDeleteError

                if isinstance(exc, PasswordDeleteError) and self._absent(backend, channel_id):
                    return
                raise self._failed(exc, "remove") from None

    def _ready(self) -> Any:
        status = self.status()
        if not status.secure or self._backend is None:
            self._status = None  # judge again next time: the user may fix it meanwhile
            raise SecretStoreError(status.message, kind=status.kind, backend=status.backend)
        return self._backend

    def _absent(self, backend: Any, channel_id: str) -> bool:
        try:
            return backend.get_password(SERVICE, channel_id) is None
        except Exception:  # noqa: BLE001 - unsure means not absent: the caller reports it
            return False

    def _failed(self, exc: BaseException, action: str) -> SecretStoreError:
        """Plain words and the store's name only: the keyring's own text may echo the secret."""
        kind = _kind_of(exc)
        backend = self._status.backend if self._status else "unknown"
        self._status = None
        log.warning("Password store could not %s a password (%s, %s)", action, type(exc).__name__, backend)
        if kind == "error":
            message = f"OutageTray could not {action} the password in your password store."
        else:
            message = MESSAGES[kind]
        return SecretStoreError(message, kind=kind, backend=backend)


def _check_id(channel_id: str) -> None:
    if not isinstance(channel_id, str) or not channel_id.strip():
        raise ValueError("A channel needs a name before it can have a password.")
