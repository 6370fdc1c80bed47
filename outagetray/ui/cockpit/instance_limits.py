"""Each Mastodon server's own post limit, for the draft editor's live count.

A Mastodon server sets its own limit (500 is only the default), so a count against 500
can call a post too long that the user's server takes, or the other way round. The
server is asked once per run, on a worker thread with the app's one HTTP client (never
on the UI thread: a slow server must not freeze the typing), and the answer comes back
through ``ui/bridge.py``. Until it comes, or when the server cannot be reached, the
count says "of 500", with no message: the user is writing a post, not fixing a server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.ui.bridge import Jobs


class InstanceLimits(QObject):
    """The limits learned so far, by server ("https://host"); ``arrived`` when one comes in."""

    arrived = Signal(str)  # the server whose limit is now known

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client_factory: Callable[[], HttpClient] | None = None
        #: A server's limit, or None while it is being asked or when it could not tell.
        self._known: dict[str, int | None] = {}
        self._jobs: Jobs | None = None

    def set_client_factory(self, factory: Callable[[], HttpClient]) -> None:
        """The app's HTTP client, made when first needed; without one no server is asked."""
        self._client_factory = factory

    def limit(self, server: str) -> int | None:
        """The server's own limit if known; None (the counter's default) while it is asked."""
        if not server:
            return None
        if server not in self._known:
            self._ask(server)
        return self._known.get(server)

    def _ask(self, server: str) -> None:
        if self._client_factory is None:
            return  # asked again on the next count, once the app has given a client
        from outagetray.core.playbook import instance_limit
        from outagetray.ui.bridge import Jobs

        self._known[server] = None  # asked once per run, whatever the answer
        client = self._client_factory()
        if self._jobs is None:
            self._jobs = Jobs(1, "outagetray-limits", self)
        self._jobs.submit(lambda: instance_limit(client, server), self, lambda got: self._got(server, got))

    def _got(self, server: str, outcome: object) -> None:
        # Anything but a number (an unexpected error included) leaves the default in place.
        if isinstance(outcome, int) and not isinstance(outcome, bool):
            self._known[server] = outcome
            self.arrived.emit(server)
