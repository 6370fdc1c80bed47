"""The first-run welcome's life: when it opens by itself, where its answers are saved, a skip remembered.

Apart from the dialog (ui/welcome.py) so that the app, which builds this at every start,
loads the welcome's widgets only on the day it is shown.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from outagetray.core.profile import needs_welcome, remember_skip, skip_marker_path, welcome_skipped
from outagetray.core.settings import SaveRefused, Settings
from outagetray.core.settings_store import SettingsStore
from outagetray.ui.bridge import Jobs

if TYPE_CHECKING:
    from outagetray.ui.welcome import WelcomeDialog

log = logging.getLogger(__name__)


class FirstRun(QObject):
    """The welcome at first start, and from the window's offer: opens it, saves the answers, remembers a skip.

    Nothing touches the disk on the UI thread: whether the welcome was skipped before is
    read, the answers written (through the app's one store, like the Settings window) and
    a skip remembered, all on a worker. ``saved`` carries the settings as read back from
    the file (connect it where SettingsDialog.saved goes); ``failed`` a message in plain words.
    """

    saved = Signal(object)
    failed = Signal(str)

    def __init__(
        self, store: SettingsStore, marker: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._marker = marker
        self._jobs = Jobs(1, "outagetray-welcome", self)
        self.dialog: WelcomeDialog | None = None

    def marker(self) -> Path:
        """The skip marker (asks platformdirs, so called on the worker)."""
        if self._marker is None:
            self._marker = skip_marker_path()
        return self._marker

    def start(self, *, first_start_only: bool = False) -> None:
        """Open the welcome unless the profile is done or it was skipped before.

        With ``first_start_only`` (the app) it opens by itself only when there is no settings
        file yet: someone who already set OutageTray up gets the window's offer instead of a
        dialog popping up after an upgrade.
        """
        store = self.store

        def skipped() -> bool:
            return welcome_skipped(self.marker()) or (first_start_only and store.path.exists())

        self._jobs.submit(skipped, self, self._checked)

    def _checked(self, skipped: object) -> None:
        if needs_welcome(self.store.current, skipped=skipped is not False):
            self.open()

    def open(self, parent: QWidget | None = None) -> WelcomeDialog:
        """Show the welcome (or bring the open one to the front)."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        before = self.store.current
        from outagetray.ui.welcome import WelcomeDialog

        dialog = WelcomeDialog(before, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished_with.connect(lambda new: self._save(new, before))
        dialog.skipped.connect(self._skipped)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.show()
        return dialog

    def _closed(self, _code: int) -> None:
        self.dialog = None

    def _save(self, new: object, before: Settings) -> None:
        if isinstance(new, Settings):
            store = self.store
            self._jobs.submit(lambda: save_answers(new, store, before), self, self._saved)

    def _saved(self, outcome: object) -> None:
        if isinstance(outcome, Settings):
            self.saved.emit(outcome)
        else:
            self.failed.emit(str(outcome))

    def _skipped(self) -> None:
        self._jobs.submit(lambda: remember_skip(self.marker()), self, self._skip_written)

    @staticmethod
    def _skip_written(outcome: object) -> None:
        if isinstance(outcome, BaseException):  # the welcome comes back next start; no harm
            log.warning("could not remember that the welcome was skipped: %s", outcome)

    def shutdown(self) -> None:
        """At quit: a welcome still open closes without counting as skipped (the user did not skip it)."""
        dialog = self.dialog
        if dialog is not None:
            dialog.skipped.disconnect(self._skipped)
            dialog.finished_with.disconnect()
            dialog.close()
            self.dialog = None
        self._jobs.shutdown()


def save_answers(new: Settings, store: SettingsStore, before: Settings) -> Settings | str:
    """On a worker: write the welcome's answers and return what the file now holds, or say why not."""
    try:
        outcome = store.save(new, before)
    except SaveRefused as exc:
        return f'Your answers were not saved: {exc}. Open Settings, then "Your business", to try again.'
    except OSError as exc:
        return (
            f"Your answers could not be saved: {exc.strerror or exc}. Check that the settings folder can be "
            'written to, then open Settings, then "Your business", to try again.'
        )
    if outcome.ok:
        return outcome.settings
    return (
        f"Your answers were saved, but the settings file still has a mistake: {outcome.problems[0]} "
        "Until it is fixed, OutageTray keeps running on the settings it had."
    )
