"""The one settings store of a process: which file the settings live in, and the settings in use.

Before it, the app kept the file's path and the settings apart, and the Settings window
and the command line each read and wrote the file themselves, so "the settings in use"
had as many copies as there were readers. Now app.py builds one store and hands it to
the Settings window; the command line builds its own (it is a process of its own).

The store only wraps the loaders and the save in :mod:`outagetray.core.settings` and
:mod:`outagetray.core.settings_lastgood`; what a file means, and what to do when it has
a mistake, is said there. It is built on the UI thread before anything is read, so it
imports nothing heavy until it is asked to read or write: start-up stays as cheap as a
bare tray app.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from outagetray.core.settings import LoadResult, Settings
    from outagetray.core.settings_lastgood import AppSettings


class SaveOutcome(NamedTuple):
    """What a save left in the file, as read back from it."""

    #: What the process runs on now: what the file holds when it read back without a mistake,
    #: or else the settings in use before the save (the file's defaults-on-error are no settings).
    settings: Settings
    path: Path
    #: The file's mistakes after the write, each naming its line and key; empty when it read back well.
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class SettingsStore:
    """Where the settings file is, and the settings in use, for every part of one process.

    ``current`` is read from any thread (the UI, a save on a worker); it changes only
    when a file loads without a mistake, when a save reads back well, or when the app
    says which settings it runs on (:meth:`use`).
    """

    def __init__(
        self, path: Path | None = None, state_folder: Path | None = None, *, current: Settings | None = None
    ) -> None:
        """``path`` None is the usual file; ``state_folder`` None is the app's state folder,
        where the copy of the last settings that loaded is kept. ``current`` is what a store
        that has not read its file yet runs on (defaults when None)."""
        self._given = path
        self._path: Path | None = path
        self.state_folder = state_folder
        self._lock = threading.Lock()
        #: One save at a time: a second save reads the file the first one wrote.
        self._writing = threading.Lock()
        self._current: Settings | None = current

    @property
    def path(self) -> Path:
        """The settings file: the one given, or the usual one (platformdirs is asked only here)."""
        if self._path is None:
            from outagetray.core.settings import default_path

            self._path = default_path()
        return self._path

    @property
    def current(self) -> Settings:
        """The settings in use."""
        with self._lock:
            if self._current is None:
                from outagetray.core.settings import Settings

                self._current = Settings()
            return self._current

    def use(self, settings: Settings) -> None:
        """Run on ``settings`` from now on (the app applying what a save or a test hands it)."""
        with self._lock:
            self._current = settings

    def load_for_app(self) -> AppSettings:
        """Read the file as the app does at start: a mistake leaves it in place, and the app runs
        on the last settings that loaded (see settings_lastgood). Not on the UI thread: the
        folder may be on a slow drive."""
        from outagetray.core.settings_lastgood import load_for_app

        loaded = load_for_app(self._given, state_folder=self.state_folder)
        self._path = loaded.path
        self.use(loaded.settings)
        return loaded

    def load(self) -> LoadResult:
        """Read the file strictly, as the command line does: a mistake is reported, never worked
        around; ``current`` changes only when the file has none."""
        from outagetray.core.settings import load

        result = load(self.path)
        if result.ok:
            self.use(result.settings)
        return result

    def save(self, new: Settings, before: Settings) -> SaveOutcome:
        """Write what changed from ``before`` to ``new`` into the file, and read it back.

        The file may have been edited by hand meanwhile, so what it holds afterwards is the
        window's changes plus the user's, and that, not ``new``, is what the process must run
        on. A read-back with a mistake (in a line the window does not show) leaves ``current``
        as it was: the app keeps running on settings that loaded. Writing may raise
        :class:`outagetray.core.settings.SaveRefused` (a broken or newer file is never
        written over) or OSError; the caller says those in its own words.
        """
        from outagetray.core import settings as settings_module

        with self._writing:
            written = settings_module.save(new, self.path, before=before)
            result = settings_module.load(written)
            if not result.ok:
                return SaveOutcome(self.current, written, tuple(result.problems))
            self.use(result.settings)
            return SaveOutcome(result.settings, written)
