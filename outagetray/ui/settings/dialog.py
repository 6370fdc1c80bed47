"""The Settings window's shell: its tabs, Save and Cancel, and the one write to disk.

A thin Qt shell over :mod:`outagetray.core.settings`: every rule about what a
valid value is lives in the core (the same ``make_spec`` / ``make_probe`` /
``platform_from_table`` checks the config file goes through), and this window
only shows those rules' messages next to the field they are about. Nothing here
touches the network or the disk on the UI thread: a source's "Test" and the
final save both run on worker threads, and their results come back as queued Qt
signals, so the window stays responsive even when a status host takes ten
seconds to answer or the settings folder sits on a slow network drive.

Each tab is its own module and knows nothing of this shell; the shell wires
their signals together and reads them back on Save. The tabs' widgets are also
reachable here under their old names (``dialog.mute_list``), so the app and the
tests drive the window as they always did.

The dialog only stores ``start_at_login``; applying it (writing an autostart
entry) is the app's job once :attr:`SettingsDialog.saved` fires. "Open log folder"
(Monitoring tab) shows the log in the file manager, so a user can send it to
whoever helps them without knowing where platformdirs puts it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.http import HttpClient
from outagetray.core.logfile import log_folder
from outagetray.core.model import SourceSpec
from outagetray.core.probes import DnsConfig
from outagetray.core.profile import profile_done
from outagetray.core.settings import SaveRefused, Settings
from outagetray.core.settings_store import SaveOutcome, SettingsStore
from outagetray.core.trial import try_source
from outagetray.ui.bridge import Jobs
from outagetray.ui.channel_checks import ChannelChecks
from outagetray.ui.settings.channels_tab import ChannelsTab, names_of
from outagetray.ui.settings.custom_tab import CustomTab
from outagetray.ui.settings.draft import Draft
from outagetray.ui.settings.fields import label, show_error
from outagetray.ui.settings.monitoring_tab import MonitoringTab
from outagetray.ui.settings.notifications_tab import NotificationsTab
from outagetray.ui.settings.platform_editor import PlatformEditor
from outagetray.ui.settings.platforms_tab import PlatformsTab
from outagetray.ui.welcome import WelcomeDialog

if TYPE_CHECKING:
    from outagetray.core.readiness import CheckResult, Readiness
    from outagetray.core.secrets import Secrets


class SettingsDialog(QDialog):
    """Everything the user can set, saved atomically in one go.

    Nothing is written until Save; Cancel leaves the file as it was. ``saved``
    carries the new :class:`Settings` after the file was written, so the app can
    apply them (new watch list, interval, notification rules, autostart).

    The app hands over its one :class:`SettingsStore` (``store=``): the window opens on
    the settings in use and saves through it, so the app and the window never disagree
    about which file, or which settings, are meant. ``settings`` and ``path`` instead
    give a window a store of its own (a window opened alone, as the tests do).
    """

    saved = Signal(object)

    def __init__(
        self,
        settings: Settings | None = None,
        path: Path | None = None,
        client_factory: Callable[[], HttpClient] = HttpClient,
        parent: QWidget | None = None,
        *,
        store: SettingsStore | None = None,
        logs: Callable[[], Path] = log_folder,
        secrets: Secrets | None = None,
        readiness: Callable[[], Readiness] | None = None,
    ) -> None:
        if store is None:
            store = SettingsStore(path, current=settings)
        elif settings is not None or path is not None:
            raise TypeError("give the Settings window a store, or settings and a path, not both")
        super().__init__(parent)
        self.setWindowTitle("OutageTray settings")
        self.resize(640, 560)
        #: Where the window's settings come from and go to: the app's one store.
        self.store = store
        settings = store.current
        self._settings = settings
        self._client_factory = client_factory
        self._client: HttpClient | None = None
        self._dns = DnsConfig(settings.nameservers)
        self._draft = Draft.of(settings)
        #: Who the user is and their channels, as the welcome ("Your business…") left them; saved on Save.
        self._profile, self._channels = settings.profile, settings.channels
        self.welcome: WelcomeDialog | None = None
        self._saving = False
        self._trials = Jobs(4, "outagetray-trial", self)
        self._saver = Jobs(1, "outagetray-save", self)
        if secrets is None:
            from outagetray.core.secrets import Secrets

            secrets = Secrets()  # judges the store only when a password is first needed
        #: Where channel passwords go on Save: the app's one store (session-only choice included).
        self.secrets = secrets
        if readiness is None:
            from outagetray.core.readiness import Readiness

            readiness = Readiness
        self.channel_checks = ChannelChecks(self)

        self.platforms_tab = PlatformsTab(self._draft)
        self.custom_tab = CustomTab(self._draft, self._start_trial)
        self.monitoring_tab = MonitoringTab(settings, logs, self._saver)
        self.notifications_tab = NotificationsTab(settings.notifications, self._draft)
        self.channels_tab = ChannelsTab(
            settings.channels,
            secrets,
            self.channel_checks,
            lambda: names_of(self._draft.platforms()),
            readiness,
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.platforms_tab, "Platforms")
        self.tabs.addTab(self.custom_tab, "Your own platforms")
        self.tabs.addTab(self.monitoring_tab, "Monitoring")
        self.tabs.addTab(self.notifications_tab, "Notifications")
        self.tabs.addTab(self.channels_tab, "Channels")
        self._expose_tab_widgets()

        self.problem_label = label(error=True)
        self.save_error = label(error=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert save_button is not None and cancel_button is not None
        self.save_button: QPushButton = save_button
        self.cancel_button: QPushButton = cancel_button
        self.business_label = label()
        self.business_button = QPushButton("Your &business…")
        self.business_button.setToolTip("The welcome's questions again: brand, audience, channels, signature")
        business = QHBoxLayout()
        business.addWidget(self.business_label, 1)
        business.addWidget(self.business_button)
        layout = QVBoxLayout(self)
        layout.addLayout(business)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.save_error)
        layout.addWidget(self.buttons)

        self.platforms_tab.watch_changed.connect(self.notifications_tab.fill_mute_list)
        self.custom_tab.platforms_changed.connect(self.platforms_tab.fill)
        self.monitoring_tab.edited.connect(self.validate)
        self.notifications_tab.edited.connect(self.validate)
        self.business_button.clicked.connect(self.open_welcome)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(self._shut_down)
        self.platforms_tab.fill()
        self.custom_tab.fill()
        self._show_business()
        self.validate()

    def _expose_tab_widgets(self) -> None:
        """The tabs' widgets under the names they had when the tabs were one class."""
        platforms, custom = self.platforms_tab, self.custom_tab
        monitoring, notes = self.monitoring_tab, self.notifications_tab
        self.search_edit = platforms.search_edit
        self.platform_list = platforms.platform_list
        self.watched_label = platforms.watched_label
        self.no_match_label = platforms.no_match_label
        self.custom_list = custom.custom_list
        self.add_button = custom.add_button
        self.edit_button = custom.edit_button
        self.remove_button = custom.remove_button
        self.interval_value = monitoring.interval_value
        self.interval_unit = monitoring.interval_unit
        self.interval_error = monitoring.interval_error
        self.start_at_login = monitoring.start_at_login
        self.log_button = monitoring.log_button
        self.log_error = monitoring.log_error
        self.notify_enabled = notes.notify_enabled
        self.mute_list = notes.mute_list
        self.quiet_check = notes.quiet_check
        self.quiet_start = notes.quiet_start
        self.quiet_end = notes.quiet_end
        self.quiet_error = notes.quiet_error
        self.sound_check = notes.sound_check
        self.cooldown = notes.cooldown

    # -- what the tabs offer, under the dialog's name ----------------------------------------

    @property
    def editor(self) -> PlatformEditor | None:
        """The platform editor currently open, if any (tests and the app may reach it here)."""
        return self.custom_tab.editor

    def show_channels_tab(self) -> None:
        """Open on the Channels tab (the cockpit's "Set up channels…" and the start-up notice lead here)."""
        self.tabs.setCurrentWidget(self.channels_tab)

    def visible_platform_ids(self) -> list[str]:
        """Ids of the platforms the search leaves visible, in list order."""
        return self.platforms_tab.visible_platform_ids()

    def set_watched(self, pid: str, watched: bool) -> None:
        """Tick or untick a platform, as a click on it would."""
        self.platforms_tab.set_watched(pid, watched)

    def custom_platforms(self) -> list[dict[str, Any]]:
        """The user's platform tables as they stand in the dialog (copies)."""
        return self.custom_tab.custom_platforms()

    def open_editor(self, index: int | None = None) -> PlatformEditor:
        """Open the editor for a new platform (``None``) or the custom platform at ``index``."""
        return self.custom_tab.open_editor(index)

    def interval_seconds(self) -> int:
        return self.monitoring_tab.interval_seconds()

    def set_interval(self, value: int, unit: str = "seconds") -> None:
        """Enter an interval as the user would: a number and a unit ("seconds" or "minutes")."""
        self.monitoring_tab.set_interval(value, unit)

    def open_log_folder(self) -> None:
        """Show the log folder in the file manager, creating it first (off the UI thread) if missing."""
        self.monitoring_tab.open_log_folder()

    def set_muted(self, pid: str, muted: bool) -> None:
        """Tick or untick a platform in the mute list, as a click would."""
        self.notifications_tab.set_muted(pid, muted)

    def _start_trial(self, spec: SourceSpec, owner: QObject, on_done: Callable[[object], None]) -> None:
        """Run one trial poll off the UI thread with this dialog's HTTP client and DNS settings."""
        if self._client is None:
            self._client = self._client_factory()
        client, dns = self._client, self._dns
        self._trials.submit(lambda: try_source(spec, client, dns), owner, on_done)

    # -- your business (the welcome, again) ---------------------------------------------------

    def open_welcome(self) -> WelcomeDialog:
        """The welcome on what the window shows now; its answers come back here and are saved on Save."""
        if self.welcome is not None:
            self.welcome.raise_()
            return self.welcome
        welcome = WelcomeDialog(self.collect(), self)
        welcome.finished_with.connect(self._welcome_done)
        welcome.finished.connect(self._welcome_closed)
        self.welcome = welcome
        welcome.open()
        return welcome

    def _welcome_closed(self, _code: int) -> None:
        if self.welcome is not None:
            self.welcome.deleteLater()
        self.welcome = None

    def _welcome_done(self, new: object) -> None:
        if not isinstance(new, Settings):
            return
        self._profile, self._channels = new.profile, new.channels
        self.channels_tab.set_channels(new.channels)
        self._draft.watch[:] = list(new.watch)
        self.platforms_tab.fill()  # shows the new watch list, and refills the mute list
        self._show_business(changed=True)

    def _show_business(self, *, changed: bool = False) -> None:
        profile = self._profile
        if not profile_done(profile):
            text = "Tell OutageTray about your business: drafts in your name, and a watch list that fits."
        else:
            text = f"Your business: {profile.brand}."
        if changed:
            text += " Press Save to keep your answers."
        self.business_label.setText(text)

    # -- validation and saving ------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """What stops the settings from being saved, by field; empty when all is well."""
        return {**self.monitoring_tab.problems(), **self.notifications_tab.problems()}

    def validate(self) -> bool:
        """Show each problem next to its field, and allow Save only when there is none."""
        found = self.problems()
        marked = self.monitoring_tab.show_problems(found) | self.notifications_tab.show_problems(found)
        show_error(self.problem_label, _summary(found, marked))
        self.save_button.setEnabled(not found and not self._saving)
        return not found

    def collect(self) -> Settings:
        """The settings as the dialog shows them. Settings it does not show are kept as they were."""
        draft = self._draft
        known = set(draft.platforms())
        return replace(
            self._settings,
            watch=tuple(pid for pid in dict.fromkeys(draft.watch) if pid in known),
            interval_seconds=self.monitoring_tab.interval_seconds(),
            custom_platforms=tuple(copy.deepcopy(draft.custom)),
            notifications=self.notifications_tab.notifications(known),
            start_at_login=self.start_at_login.isChecked(),
            profile=self._profile,
            channels=self.channels_tab.channels(),
        )

    @property
    def saving(self) -> bool:
        return self._saving

    def save(self) -> None:
        """Write the settings on a worker thread; close and emit ``saved`` only once they are on disk."""
        if self._saving or not self.validate():
            return
        new = self.collect()
        self._saving = True
        show_error(self.save_error, "")
        self.save_button.setText("Saving…")
        self.save_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        store, before = self.store, self._settings
        tab = self.channels_tab
        keep, gone = tab.secret_changes(before.channels)
        records, readiness, secrets = tab.checks_to_record(), tab.readiness, self.secrets

        def job() -> Settings | str:
            # Passwords first, to the password store only: if it refuses, nothing is saved.
            refused = _keep_secrets(secrets, keep)
            if refused is not None:
                return refused
            outcome = _save_settings(new, store, before)
            if isinstance(outcome, Settings):
                _forget_secrets(secrets, gone)
                _record(readiness, records, tuple(c.id for c in outcome.channels))
            return outcome

        self._saver.submit(job, self, lambda outcome: self._saved(new, outcome))

    def _saved(self, new: Settings, outcome: object) -> None:
        self._saving = False
        self.save_button.setText("Save")
        self.cancel_button.setEnabled(True)
        if isinstance(outcome, Settings):
            self._settings = outcome
            self.saved.emit(outcome)
            self.accept()
            return
        # Nothing is lost: every field still holds what the user entered; they may fix and retry.
        message = outcome if isinstance(outcome, str) else _save_failure(outcome)
        show_error(self.save_error, message)
        self.validate()

    def reject(self) -> None:
        """Cancel, Escape and the close button; ignored while a save is under way."""
        if self._saving:
            return
        super().reject()

    def _shut_down(self, _result: int) -> None:
        self._trials.shutdown()
        self._saver.shutdown()
        self.channel_checks.shutdown()


#: Each field that can stop a save, in the words and on the tab the user sees it.
_FIELD_NAMES = {
    "interval": "how often to check (Monitoring tab)",
    "quiet_hours": "quiet hours (Notifications tab)",
}


def _summary(found: dict[str, str], marked: set[str]) -> str:
    """Why Save is off, next to it: "" when nothing stops it.

    A field's own error shows only once it was left, so while the user is still in it
    (or Save is greyed for a field on another tab) "the marked fields" would point at
    nothing: the field is named instead.
    """
    if not found:
        return ""
    if set(found) <= marked:
        return "Fix the marked fields to save."
    names = [_FIELD_NAMES.get(name, name) for name in found]
    return f"To save, fix {' and '.join(names)}."


def _keep_secrets(secrets: Secrets, keep: dict[str, str]) -> str | None:
    """Runs on a worker thread: hand typed passwords to the store; say why not in plain words."""
    from outagetray.core.secrets import SecretStoreError

    for cid, secret in keep.items():
        try:
            secrets.set(cid, secret)
        except SecretStoreError as exc:
            return (
                f"Your settings were not saved: the password for the channel “{cid}” could not be kept. "
                f"{exc} Your edits are still here."
            )
        except ValueError:
            continue
    return None


def _forget_secrets(secrets: Secrets, gone: tuple[str, ...]) -> None:
    """Runs on a worker thread: removed channels' passwords leave the store (a failure is logged)."""
    import logging

    from outagetray.core.secrets import SecretStoreError

    for cid in gone:
        try:
            secrets.delete(cid)
        except (SecretStoreError, ValueError) as exc:
            logging.getLogger(__name__).warning(
                "the password of removed channel %s could not be removed (%s)", cid, type(exc).__name__
            )


def _record(readiness: Readiness | None, results: list[CheckResult], channels: tuple[str, ...]) -> None:
    """Runs on a worker thread: the editor's checks become the channels' last checks; gone ones go."""
    if readiness is None:
        return
    try:
        readiness.forget(channels)
    except Exception as exc:  # noqa: BLE001 - the settings are saved; a stale record is only logged
        import logging

        logging.getLogger(__name__).warning(
            "old channel checks could not be dropped (%s)", type(exc).__name__
        )
    for result in results:
        try:
            readiness.record(result)
        except Exception as exc:  # noqa: BLE001 - the settings are saved; a lost record is only logged
            import logging

            logging.getLogger(__name__).warning("a channel check could not be kept (%s)", type(exc).__name__)


def _save_settings(settings: Settings, store: SettingsStore, before: Settings) -> Settings | str:
    """Runs on a worker thread: write the file and return what it now holds, or say why not.

    Only what changed since the window opened (``before``) is written into the file as it
    is now, so the user's comments and anything they added by hand meanwhile stay; what
    the file holds afterwards (the window's changes plus those) is what the app must run
    on, so the store reads it back and that is announced rather than the window's own copy.
    """
    try:
        outcome: SaveOutcome = store.save(settings, before)
    except SaveRefused as exc:
        return f"Your settings were not saved: {exc}. Your edits are still here."
    except Exception as exc:  # noqa: BLE001 - any failure becomes a message; the dialog stays open
        return _save_failure(exc)
    if outcome.ok:
        return outcome.settings
    # The window's copy is not what the file says, so it must not reach the app as if it were.
    return still_broken(outcome.problems[0])


_PLACE = re.compile(r"^Line (\d+)(?:, ([^:]+))?: (.*)$", re.DOTALL)


def still_broken(problem: str) -> str:
    """The message for a save that was written but leaves a mistake the window cannot mend.

    Such a mistake is in a line the window does not show (a hand-written platform, the
    connection checks): the file keeps it, and the app keeps running on the settings it
    had, so the user is told where to look rather than that all went well.
    """
    found = _PLACE.match(problem)
    if found:
        line, key, what = found.groups()
        where = f"line {line}" + (f" ({key})" if key else "")
    else:
        where, what = "the file", problem
    what = what.strip()
    if not what.endswith((".", "?", "!")):
        what += "."
    return (
        f"Saved, but {where} still has a mistake: {what} Fix that line in the settings file; "
        "until then OutageTray keeps running on the settings it had."
    )


def _save_failure(exc: object) -> str:
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        what = f"{reason}{where}"
    else:
        what = type(exc).__name__
    return (
        f"Your settings could not be saved: {what}. Nothing was changed and your edits are still "
        "here: check that the settings folder can be written to, then press Save again."
    )
