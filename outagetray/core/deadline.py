"""One deadline for a whole HTTP exchange, enforced from outside the blocked thread.

Socket timeouts bound each ``recv`` alone, and ``requests`` restarts its read timeout
with every byte: a server that sends its status line one byte a second holds a thread
for hours. Nothing inside ``http.client`` can stop that, so one watchdog thread shuts
the exchange's sockets down at its deadline; the blocked ``recv`` then returns at once
and the caller sees, by the ``expired`` flag (never by an error message), that the
deadline ended it.

The watchdog holds an ``os.dup`` of each socket rather than the socket object: TLS
wrapping detaches the plain socket object, ``SSLSocket.dup()`` is not implemented, and
a bare fd number could be closed and reused by another thread before the deadline. A
duplicate keeps the number ours, and ``shutdown`` on it acts on the shared connection.
Where sockets are no C file descriptors (Windows), a plain socket is held by its own
``dup()`` and a TLS socket by the object itself, which fails harmlessly once closed.

The thread starts on first use and sleeps without a timeout while nothing is
registered, so an idle app wakes only to poll. Name resolution (``getaddrinfo``)
cannot be interrupted this way; callers bound it with their own round deadline.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class _Held:
    """A handle on one connection that stays valid whatever its owner does meanwhile."""

    def __init__(self, handle: socket.socket, owned: bool, original: socket.socket | None = None) -> None:
        self.handle = handle
        #: True when ``handle`` is our duplicate, to close when the exchange ends.
        self.owned = owned
        #: Kept alive so that the ``id()`` used as its key cannot name another socket meanwhile.
        self.original = original


class Exchange:
    """The sockets of one exchange (all its hops) and the real-time moment they are cut."""

    def __init__(self, when: float) -> None:
        self.when = when
        self._lock = threading.Lock()
        self._held: dict[tuple[str, int], _Held] = {}
        self._expired = False
        self._ended = False

    @property
    def expired(self) -> bool:
        """True once the watchdog has cut this exchange: whatever was read may be partial."""
        return self._expired

    def remaining(self) -> float:
        return self.when - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Cut ``sock`` too at the deadline (at once if it has already passed)."""
        try:
            fd = sock.fileno()
        except OSError:
            return
        if fd < 0:
            return
        with self._lock:
            if self._ended:
                return
            held = _hold(sock, fd, self._held)
            if held is None:
                return
            if self._expired:
                _shut(held.handle)

    def expire(self) -> None:
        with self._lock:
            if self._ended:
                return
            self._expired = True
            for held in self._held.values():
                _shut(held.handle)

    def end(self) -> bool:
        """Stop watching and release the duplicates; returns whether the deadline cut the exchange."""
        _WATCHDOG.remove(self)
        with self._lock:
            self._ended = True
            released, self._held = list(self._held.values()), {}
        for held in released:
            if held.owned:
                with suppress(OSError):
                    held.handle.close()
        if getattr(_current, "exchange", None) is self:
            _current.exchange = None
        return self._expired


def _hold(sock: socket.socket, fd: int, held: dict[tuple[str, int], _Held]) -> _Held | None:
    """Add a lasting handle on ``sock``'s connection to ``held`` (once per connection)."""
    inode = _inode(fd)
    key = ("inode", inode) if inode is not None else ("object", id(sock))
    if key in held:
        return None
    entry: _Held | None = None
    if key[0] == "inode":
        with suppress(OSError):
            copy = os.dup(fd)
            try:
                entry = _Held(socket.socket(fileno=copy), owned=True)
            except OSError:
                os.close(copy)
    elif type(sock) is socket.socket:
        # Its own duplicate survives the TLS wrap that detaches this object from the connection.
        with suppress(OSError):
            entry = _Held(sock.dup(), owned=True, original=sock)
    else:
        # A TLS socket cannot be duplicated; once its owner closes it, shutdown on it fails
        # harmlessly instead of reaching a reused handle.
        entry = _Held(sock, owned=False, original=sock)
    if entry is not None:
        held[key] = entry
    return entry


def _inode(fd: int) -> int | None:
    """The inode naming ``fd``'s connection (the fd number does not: a closed hop frees it
    for the next), or None where a socket handle is no C file descriptor (Windows)."""
    try:
        return os.fstat(fd).st_ino
    except OSError:
        return None


def _shut(sock: socket.socket) -> None:
    """Shut the connection down for both directions; the plain-socket method, even on TLS."""
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """Cuts exchanges at their deadlines; one thread for the whole app."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Exchange]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, exchange: Exchange) -> None:
        with self._cond:
            heapq.heappush(self._heap, (exchange.when, next(self._order), exchange))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outagetray-deadline", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is exchange:
                self._cond.notify()

    def remove(self, exchange: Exchange) -> None:
        with self._cond:
            if not any(entry[2] is exchange for entry in self._heap):
                return
            was_next = self._heap[0][2] is exchange
            self._heap = [entry for entry in self._heap if entry[2] is not exchange]
            heapq.heapify(self._heap)
            if was_next:
                # Re-plan now rather than wake later for a deadline nobody needs any more.
                self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            due: list[Exchange] = []
            with self._cond:
                while not due:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    now = time.monotonic()
                    if self._heap[0][0] > now:
                        self._cond.wait(self._heap[0][0] - now)
                        continue
                    while self._heap and self._heap[0][0] <= now:
                        due.append(heapq.heappop(self._heap)[2])
            for exchange in due:
                exchange.expire()


_WATCHDOG = _Watchdog()
_current = threading.local()


@contextmanager
def exchange(seconds: float) -> Iterator[Exchange]:
    """Run one exchange on this thread that ends within ``seconds`` of real time.

    Sockets registered with :func:`watch` on this thread meanwhile are cut at the
    deadline. The caller checks :attr:`Exchange.expired` (or the value of ``end()``)
    to tell a cut exchange from a real failure.
    """
    current = Exchange(time.monotonic() + seconds)
    _current.exchange = current
    _WATCHDOG.add(current)
    try:
        yield current
    finally:
        current.end()


def watch(sock: socket.socket) -> None:
    """Register ``sock`` with the exchange running on this thread, if any."""
    current: Exchange | None = getattr(_current, "exchange", None)
    if current is not None:
        current.watch(sock)


def pending() -> int:
    """Exchanges waiting for their deadline (tests check that none is left behind)."""
    return _WATCHDOG.pending()
