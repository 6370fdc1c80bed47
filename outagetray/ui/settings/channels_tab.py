"""The Settings window's Channels tab: where the prepared words go, and whether each works.

The tab holds the channel list as the window shows it and the passwords typed in
since it opened; both reach the disk only when the Settings window is saved (the
tables to the settings file, the passwords to the password store and nowhere else).

The password store is judged (which imports ``keyring``, slow) and the last checks are
read (a file in the state folder) off the UI thread, the first time the tab is shown:
a user who never opens it pays for neither. When the store is not safe the tab says so
and offers to keep passwords for this session only; it never falls back to plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.profile import SENDING_TYPES, Channel
from outagetray.core.redact import one_line, shown
from outagetray.ui.channel_checks import ChannelChecks, PendingSecrets, check_words
from outagetray.ui.secure_store_notice import SESSION_BUTTON, SESSION_ONLY_TEXT, notice_text
from outagetray.ui.settings.channel_editor import ChannelEditor, place_words, type_words
from outagetray.ui.settings.fields import ERROR_STYLE, label

if TYPE_CHECKING:
    from outagetray.core.readiness import CheckResult, Readiness
    from outagetray.core.secrets import Secrets, StoreStatus

FAILED_COLOUR = "#c62828"
COLUMNS = ("Name", "Kind", "Lives on", "Last check")
BANNER_STYLE = "QFrame#storeBanner { background: #fff4e5; border: 1px solid #e0a040; border-radius: 4px; }"


class ChannelsTab(QWidget):
    """Lists, adds, edits and removes the user's channels; ``edited`` fires after each change."""

    edited = Signal()

    def __init__(
        self,
        channels: Iterable[Channel],
        secrets: Secrets,
        checks: ChannelChecks,
        platforms: Callable[[], Mapping[str, str]],
        readiness: Callable[[], Readiness] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._channels: list[Channel] = list(channels)
        self._secrets = secrets
        self.pending = PendingSecrets(secrets)
        self._checks = checks
        self._platforms = platforms
        self._readiness_factory = readiness
        self.readiness: Readiness | None = None
        #: Checks made in the editor since the window opened, shown at once and recorded on Save.
        self.fresh: dict[str, CheckResult] = {}
        self.store_status: StoreStatus | None = None
        self._started = False
        self._readiness_ticket: int | None = None
        #: The look-up of whether the channel being edited has a password kept already.
        self._secret_ticket: tuple[int, ChannelEditor] | None = None
        #: The channel editor currently open, and the "Remove?" question while it is asked.
        self.editor: ChannelEditor | None = None
        self.remove_box: QMessageBox | None = None

        self.banner = QFrame()
        self.banner.setObjectName("storeBanner")
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner_label = label()
        self.session_button = QPushButton(SESSION_BUTTON)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.session_button)
        self.banner.setVisible(False)

        self.channel_list = QTreeWidget()
        self.channel_list.setHeaderLabels(list(COLUMNS))
        self.channel_list.setRootIsDecorated(False)
        self.channel_list.setColumnWidth(0, 160)
        self.add_button = QPushButton("Add…")
        self.add_menu = QMenu(self)
        for channel_type in SENDING_TYPES:
            action = self.add_menu.addAction(type_words(channel_type))
            action.setData(channel_type)
            action.triggered.connect(lambda _checked=False, kind=channel_type: self.open_editor(kind))
        self.add_button.setMenu(self.add_menu)
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.error_label = label(error=True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(
            label(
                "Where OutageTray sends your prepared words in an outage. Each channel is checked "
                "before it is saved; passwords are kept in your system's password store, never in "
                "the settings file."
            )
        )
        layout.addWidget(self.channel_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)

        self.session_button.clicked.connect(self.keep_for_session)
        self.edit_button.clicked.connect(self._edit_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.channel_list.itemDoubleClicked.connect(lambda _item, _column: self._edit_selected())
        self.channel_list.currentItemChanged.connect(lambda _now, _before: self._selection_changed())
        self._checks.store_checked.connect(self._store_checked)
        self._checks.ran.connect(self._ran)
        self.fill()

    # -- first shown: judge the store, read the last checks -----------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    def start(self) -> None:
        """Judge the password store and read the last checks, once, off the UI thread."""
        if self._started:
            return
        self._started = True
        self._checks.check_store()
        if self._readiness_factory is not None:
            self._readiness_ticket = self._checks.run(self._readiness_factory)

    def _ran(self, ticket: int, outcome: object) -> None:
        asked = self._secret_ticket
        if asked is not None and asked[0] == ticket:
            self._secret_ticket = None
            if asked[1] is self.editor and isinstance(outcome, bool):
                asked[1].set_secret_saved(outcome)
            return
        if ticket != self._readiness_ticket:
            return
        self._readiness_ticket = None
        if hasattr(outcome, "last") and hasattr(outcome, "record"):
            self.readiness = outcome  # type: ignore[assignment]
            self.fill()

    def _store_checked(self, status: object) -> None:
        from outagetray.core.secrets import StoreStatus

        if isinstance(status, StoreStatus):
            self.store_status = status
            self._show_banner()

    def _show_banner(self) -> None:
        status = self.store_status
        if self._secrets.session_only:
            self.banner_label.setText(SESSION_ONLY_TEXT)
            self.session_button.setVisible(False)
            self.banner.setVisible(True)
            return
        text = notice_text(status) if status is not None else None
        self.banner.setVisible(text is not None)
        self.banner_label.setText(text or "")
        self.session_button.setVisible(text is not None)

    def keep_for_session(self) -> None:
        """The user's choice: passwords live in memory until OutageTray quits, asked again next time."""
        self._secrets.use_session_only()
        self._show_banner()

    # -- the list -------------------------------------------------------------------------------

    def channels(self) -> tuple[Channel, ...]:
        return tuple(self._channels)

    def set_channels(self, channels: Iterable[Channel]) -> None:
        """The list as the welcome ("Your business…") left it."""
        self._channels = list(channels)
        self.fill()

    def _last(self, cid: str) -> CheckResult | None:
        if cid in self.fresh:
            return self.fresh[cid]
        return self.readiness.last(cid) if self.readiness is not None else None

    def fill(self) -> None:
        current = self.channel_list.currentIndex().row()
        self.channel_list.clear()
        names = self._platforms()
        now = datetime.now(UTC)
        for channel in self._channels:
            if channel.type in SENDING_TYPES:
                words, ok = check_words(self._last(channel.id), now)
            else:
                words, ok = "Posted by hand (Open composer)", None
            platform = place_words(channel.platform, names) if channel.platform else ""
            item = QTreeWidgetItem(
                [one_line(shown(channel.name or channel.id)), type_words(channel.type), platform, words]
            )
            item.setToolTip(3, words)
            if ok is False:
                item.setForeground(3, QBrush(QColor(FAILED_COLOUR)))
            self.channel_list.addTopLevelItem(item)
        if 0 <= current < len(self._channels):
            self.select(current)
        self._selection_changed()

    def _row(self) -> int:
        item = self.channel_list.currentItem()
        return self.channel_list.indexOfTopLevelItem(item) if item is not None else -1

    def select(self, row: int) -> None:
        item = self.channel_list.topLevelItem(row)
        if item is not None:
            self.channel_list.setCurrentItem(item)

    def _selection_changed(self) -> None:
        selected = 0 <= self._row() < len(self._channels)
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    # -- adding, editing, removing --------------------------------------------------------------

    def open_editor(self, channel_type: str, index: int | None = None) -> ChannelEditor:
        """The editor for a new channel of ``channel_type`` (``index`` None) or the channel at ``index``.

        Opened window-modal with ``open()``: Test results keep arriving while it is shown.
        """
        from outagetray.core.channels import ChannelConfigError
        from outagetray.core.channels.registry import fields, sends

        table = self._channels[index] if index is not None else None
        taken = {c.id for i, c in enumerate(self._channels) if i != index}
        asks = None
        if sends(channel_type):
            try:
                asks = fields(channel_type)
            except (ChannelConfigError, ImportError, AttributeError):
                asks = ((), None)  # a type whose module is missing: only the common keys
        editor = ChannelEditor(
            channel_type, table, taken, self._platforms(), asks, self._checks, self.pending, self.window()
        )
        editor.accepted.connect(lambda: self._editor_accepted(editor, index))
        editor.finished.connect(lambda _code: self._editor_closed(editor))
        self.editor = editor
        if table is not None and asks is not None and asks[1] is not None:
            pending, cid = self.pending, table.id
            ticket = self._checks.run(lambda: pending.get(cid) is not None)
            self._secret_ticket = (ticket, editor)
        editor.open()
        return editor

    def _editor_accepted(self, editor: ChannelEditor, index: int | None) -> None:
        channel = editor.channel()
        secret = editor.entered_secret()
        if secret:
            self.pending.typed[channel.id] = secret
        if editor.last_result is not None:
            self.fresh[channel.id] = editor.last_result
        if index is None:
            self._channels.append(channel)
        else:
            self._channels[index] = channel
        self.fill()
        self.edited.emit()

    def _editor_closed(self, editor: ChannelEditor) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    def _edit_selected(self) -> None:
        row = self._row()
        if 0 <= row < len(self._channels):
            self.open_editor(self._channels[row].type, row)

    def _remove_selected(self) -> None:
        """Ask first: a removed channel's password goes from the password store when Settings is saved."""
        row = self._row()
        if not 0 <= row < len(self._channels):
            return
        channel = self._channels[row]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove channel",
            f"Remove “{one_line(shown(channel.name or channel.id))}”? Its saved password is "
            "removed from your password store when you save the settings.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window(),
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _code: self._remove_answered(box, channel))
        self.remove_box = box
        box.open()

    def _remove_answered(self, box: QMessageBox, channel: Channel) -> None:
        if self.remove_box is box:
            self.remove_box = None
        box.deleteLater()
        if box.standardButton(box.clickedButton()) != QMessageBox.StandardButton.Yes:
            return
        if channel in self._channels:
            self._channels.remove(channel)
            self.pending.typed.pop(channel.id, None)
            self.pending.removed.add(channel.id)
            self.fresh.pop(channel.id, None)
            self.fill()
            self.edited.emit()

    # -- what Save does with the passwords ------------------------------------------------------

    def secret_changes(self, before: Iterable[Channel]) -> tuple[dict[str, str], tuple[str, ...]]:
        """(passwords to keep by channel id, channel ids whose password goes), for the window's Save.

        A channel gone since the window opened (removed here, or by the welcome) loses its
        password; one removed and added again under the same id without a new password too.
        """
        now = {c.id for c in self._channels}
        keep = {cid: secret for cid, secret in self.pending.typed.items() if cid in now}
        gone = ({c.id for c in before} - now) | (self.pending.removed - set(keep))
        return keep, tuple(sorted(gone))

    def checks_to_record(self) -> list[CheckResult]:
        """The editor's checks of the channels that are kept, for the readiness record on Save."""
        now = {c.id for c in self._channels}
        return [result for cid, result in self.fresh.items() if cid in now]

    def show_error(self, message: str) -> None:
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setText(message)


def names_of(platforms: Mapping[str, Any]) -> dict[str, str]:
    """Platform ids to the names the user knows them by."""
    return {pid: str(getattr(p, "name", pid)) for pid, p in platforms.items()}
