"""The main window, the cockpit: Now (each platform's verdict, since when, why, where to reach
people), the open Incident (drafts, checklist, evidence), History and Reach.

Only the Now tab is built with the window. The other tabs' widgets, and their modules
under outagetray/ui/cockpit/, are built the first time the tab is shown: a tray whose
window is opened for a glance pays for none of it. The window receives values (rounds,
incidents, settings) and never reads the disk or the network itself. All
text from the network is shown as plain text (never rich text), so a status page
cannot inject markup or links into the app, and passes through core/redact.py, so
no control character or bidi override reorders it and no source address shows
its password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import QByteArray, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.connectivity import Connectivity
from outagetray.core.judge import PlatformStatus
from outagetray.core.monitor import RoundReport
from outagetray.core.reach import channels_line
from outagetray.core.records import Incident
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.tabs import TABS, CockpitTabs
from outagetray.ui.tray import status_words
from outagetray.ui.when import since_text

if TYPE_CHECKING:
    from outagetray.core.checklist import Checklist
    from outagetray.core.drafts import DraftLibrary
    from outagetray.core.http import HttpClient
    from outagetray.core.settings import Settings
    from outagetray.ui.cockpit.history_view import HistoryView
    from outagetray.ui.cockpit.incident_view import IncidentView
    from outagetray.ui.cockpit.reach_view import ReachView
    from outagetray.ui.cockpit.setup_banner import SetupBanner

COLUMNS = ("Platform", "Status", "Since", "What OutageTray knows")


def plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def details_text(status: PlatformStatus, now: datetime | None = None) -> str:
    """Everything known about one platform, as plain text for the details pane."""
    p = status.platform
    lines = [f"{p.name} (owner: {p.owner}) — {_verdict_text(status, now)}"]
    if status.since is not None:
        lines.append(f"Since {since_text(status.since, now)}")
    lines.append(f"Why: {status.evidence}")
    if status.affected:
        lines.append(f"Affected: {', '.join(status.affected)}")
    if p.note:
        lines.append(p.note)
    if status.official:
        lines.append("")
        lines.append("Official status:")
        for result in status.official:
            lines.append(f"  {result.spec.url}")
            lines.append(f"    {result.reading.verdict.label}: {result.reading.summary}")
            for incident in result.reading.incidents[:3]:
                lines.append(
                    f"    • {incident.title} ({incident.status or incident.verdict.label}) {incident.url}"
                )
    if status.probes:
        lines.append("")
        lines.append("OutageTray's own checks:")
        for probe in status.probes:
            lines.append(
                f"  {probe.spec.type.replace('_probe', '').upper()} {probe.spec.url}: {probe.detail}"
            )
    # Each line on its own: a line break inside a name or a title must not forge a line.
    return "\n".join(one_line(shown(line)) for line in lines)


def _verdict_text(status: PlatformStatus, now: datetime | None) -> str:
    """The Status column's words: the core's verdict, or what it last saw while the user is offline."""
    if status.last_known_at is not None:
        return status_words(status, now)
    return status.label + (" (last known)" if status.stale else "")


def status_page_url(status: PlatformStatus) -> str:
    """Where "Open status page" goes: the first open incident, else the status site, else the platform."""
    for result in status.official:
        for incident in result.reading.incidents:
            if incident.url.startswith(("https://", "http://")):
                return incident.url
    for spec in status.platform.sources:
        parts = urlsplit(spec.url)
        if parts.scheme in ("http", "https") and parts.hostname:
            # The site, without any user:password@ the source address carries.
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{host}{port}/"
    return status.platform.homepage


class StatusWindow(QWidget):
    check_requested = Signal()
    settings_requested = Signal()
    geometry_changed = Signal(str)  # base64 of saveGeometry(), for the app to keep off the UI thread
    #: The user did something about an incident: (incident id, ActionKind value, subject).
    #: The subject names a draft ("<template id>@<channel id>", e.g. "notice.short.friendly@x", see
    #: core/playbook.py DraftEntry.key), a checklist item id, or "" for "I'm on it".
    action_taken = Signal(int, str, str)
    #: ("csv" or "html", core.playbook_history.ExportTarget): the file name is already chosen.
    export_requested = Signal(str, object)
    setup_requested = Signal()
    #: (platform id, on): "tell me when it's back".
    follow_requested = Signal(str, bool)
    template_saved = Signal(object)  # a core.drafts.Template to write through DraftLibrary
    template_reset = Signal(str)  # the template id to put back to its default

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        #: The clock "since" is read against (today shows only the time); tests inject one.
        self._now = now
        #: The zone local times are shown in: the computer's (None) unless a test fixes one.
        self._tz = tz
        self._open: tuple[Incident, ...] = ()
        self._settings: Settings | None = None
        #: Platforms the user asked to hear about when they are back ("tell me when it's back").
        self._following: set[str] = set()
        self.setup_banner: SetupBanner | None = None
        self.setWindowTitle("OutageTray")
        self.resize(760, 460)
        # Ctrl+W (Cmd+W on macOS): the window goes back to the tray; the app keeps watching.
        # setKeys: the standard key has several bindings (Ctrl+F4 and Ctrl+W on Linux).
        close = QShortcut(self)
        close.setKeys(QKeySequence.StandardKey.Close)
        close.activated.connect(self.close)
        self._statuses: tuple[PlatformStatus, ...] = ()
        #: The "could not open your browser" message while it is open.
        self.link_box: QMessageBox | None = None
        self._pending: RoundReport | None = None

        self.notice = plain_label()
        self.notice.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; padding: 6px; }")
        self.notice.hide()
        #: Beside a notice about the settings file: opens the file where the mistake is.
        self.open_file = QPushButton("Open settings file")
        self.open_file.setToolTip("Open your settings file in the program your computer uses for text files.")
        self.open_file.clicked.connect(self._open_settings_file)
        self.open_file.hide()
        self._settings_file: Path | None = None
        self.log_notice = plain_label()
        self.log_notice.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; padding: 6px; }")
        self.log_notice.hide()
        self.connection = plain_label("Checking your connection…")
        self.paused = plain_label()
        self.paused.hide()
        self.channels = plain_label("Waiting to learn which of your channels are up.")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select a platform to see what its sources and checks say.")
        self.open_page = QPushButton("Open status page")
        self.open_page.setEnabled(False)
        self.open_page.clicked.connect(self._open_status_page)
        self.follow = QPushButton("Tell me when it's back")
        self.follow.setCheckable(True)
        self.follow.setEnabled(False)
        self.follow.setToolTip("A notification as soon as this platform works again.")
        self.follow.clicked.connect(self._follow_clicked)
        #: The open incident, on the Now tab: one click to its playbook.
        self.open_incident = plain_label()
        self.open_incident.hide()
        self.open_playbook = QPushButton("Open the playbook")
        self.open_playbook.clicked.connect(self._open_playbook)
        self.open_playbook.hide()

        self.check_button = QPushButton("Check now")
        self.check_button.clicked.connect(self.check_requested.emit)
        settings_button = QPushButton("Settings…")
        settings_button.clicked.connect(self.settings_requested.emit)

        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.details, 1)
        detail_buttons = QHBoxLayout()
        detail_buttons.addStretch(1)
        detail_buttons.addWidget(self.follow)
        detail_buttons.addWidget(self.open_page)
        detail_layout.addLayout(detail_buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        status_tab = QWidget()
        self._now_layout = QVBoxLayout(status_tab)
        status_layout = self._now_layout
        incident_line = QHBoxLayout()
        incident_line.addWidget(self.open_incident, 1)
        incident_line.addWidget(self.open_playbook)
        status_layout.addWidget(self.connection)
        status_layout.addWidget(self.paused)
        status_layout.addLayout(incident_line)
        status_layout.addWidget(self.channels)
        status_layout.addWidget(splitter, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(status_tab, TABS[0])
        #: The other tabs: empty pages until each is first shown (ui/cockpit/tabs.py).
        self.cockpit = CockpitTabs(
            self.tabs, statuses=lambda: self._statuses, clock=self._clock, tz=tz, dialog_parent=self
        )
        self.cockpit.action_taken.connect(self.action_taken.emit)
        self.cockpit.export_requested.connect(self.export_requested.emit)
        self.cockpit.setup_requested.connect(self.setup_requested.emit)
        self.cockpit.template_saved.connect(self.template_saved.emit)
        self.cockpit.template_reset.connect(self.template_reset.emit)
        self.cockpit.link_requested.connect(self._open_link)
        self.tabs.currentChanged.connect(self._name_window)

        buttons = QHBoxLayout()
        buttons.addWidget(settings_button)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.open_file, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.log_notice)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    # -- what the app tells the window --------------------------------------------------------

    def show_notice(self, text: str, settings_file: Path | None = None) -> None:
        """A message the user must see, e.g. why there is no tray icon or what was wrong in settings.

        With ``settings_file`` the notice is about that file, and a button beside it opens
        the file: the user has to go there to fix it, and may not know where it is kept.
        """
        self.notice.setText(shown(text))
        self.notice.setVisible(bool(text))
        self._settings_file = settings_file if text else None
        self.open_file.setVisible(self._settings_file is not None)

    def set_busy(self, busy: bool) -> None:
        if self.check_button.isEnabled() == busy:
            self.check_button.setEnabled(not busy)
            self.check_button.setText("Checking…" if busy else "Check now")

    def set_paused(self, text: str) -> None:
        self.paused.setText(text)
        self.paused.setVisible(bool(text))

    def restore_geometry(self, encoded: str | None) -> None:
        if encoded:
            self.restoreGeometry(QByteArray.fromBase64(encoded.encode("ascii")))

    def show_report(self, report: RoundReport) -> None:
        """Show a round; while the window is hidden only keep it, and draw it when shown."""
        self._pending = report
        if self.isVisible():
            self._draw(report)

    def showEvent(self, event: QShowEvent) -> None:
        if self._pending is not None:
            self._draw(self._pending)
        super().showEvent(event)

    def _draw(self, report: RoundReport) -> None:
        """Update only what changed: every repaint of an open window costs the UI thread."""
        self._pending = None
        link = report.connectivity
        # The same sentence `outagetray check` prints, so the window and the terminal agree.
        sentence = one_line(shown(link.sentence))
        if link.state is not Connectivity.ONLINE:
            sentence += " Platforms cannot be checked meanwhile."
        _set_text(self.connection, sentence)
        selected = self._selected_id()
        self._statuses = report.statuses
        now = self._now() if self._now is not None else None
        _set_text(self.channels, one_line(shown(channels_line(report.statuses))))
        rows_changed = self.table.rowCount() != len(report.statuses)
        if rows_changed:
            self.table.setRowCount(len(report.statuses))
        widths_changed = rows_changed
        for row, status in enumerate(report.statuses):
            since = since_text(status.since, now) if status.since and status.verdict.is_problem else ""
            label = _verdict_text(status, now)
            texts = (one_line(shown(status.platform.name)), label, since, one_line(shown(status.evidence)))
            for column, text in enumerate(texts):
                cell = self.table.item(row, column)
                if cell is None:
                    cell = QTableWidgetItem()
                    self.table.setItem(row, column, cell)
                if cell.text() != text:
                    cell.setText(text)
                    cell.setToolTip(text)
                    widths_changed = widths_changed or column < 3
                if cell.data(Qt.ItemDataRole.UserRole) != status.platform.id:
                    cell.setData(Qt.ItemDataRole.UserRole, status.platform.id)
            if status.platform.id == selected and self._selected_id() != selected:
                self.table.selectRow(row)
        if widths_changed:
            for column in range(3):
                self.table.resizeColumnToContents(column)
        self._show_details()
        # Which channels are up changes the drafts' "find us here" line; the bars name the watched.
        self.cockpit.refresh("Incident", "History")

    # -- the cockpit: what the app tells the window about incidents and the profile ----------------

    def show_incidents(self, open_: Sequence[Incident], recent: Sequence[Incident]) -> None:
        """The open incidents and the last 30 days' (newest first), from the log's reader thread."""
        self._open = tuple(open_)
        self._draw_open_line()
        self.cockpit.show_incidents(open_, recent)
        self._name_window()

    def show_incident(self, incident_id: int, phase: str | None = None) -> None:
        """Switch to the Incident tab on this incident (a notification's "Open" lands here),
        its drafts on ``phase`` when given (the welcome-back pop-up opens "welcome_back")."""
        self.cockpit.show_incident(incident_id, phase)
        self._name_window()

    def set_playbook(
        self, settings: Settings, library: DraftLibrary | None, checklist: Checklist | None
    ) -> None:
        """The profile, channels, draft library and checklist the Incident and Reach tabs use.

        Call it again after a template edit was written: the library is read afresh.
        """
        self._settings = settings
        self._offer_setup()
        self.cockpit.set_playbook(settings, library, checklist)

    def set_following(self, platform_ids: Iterable[str]) -> None:
        """The platforms the app will announce when back (the tray can ask for it too)."""
        self._following = set(platform_ids)
        self._show_details()

    def set_log_notice(self, text: str) -> None:
        """A sentence about the incident log itself (another OutageTray records; a damaged file)."""
        self.log_notice.setText(shown(text))
        self.log_notice.setVisible(bool(text))

    def _clock(self) -> datetime:
        return self._now() if self._now is not None else datetime.now(UTC)

    # The cockpit's views, once built (tests and the app read them here).
    @property
    def incident_view(self) -> IncidentView | None:
        return self.cockpit.incident_view

    @property
    def history_view(self) -> HistoryView | None:
        return self.cockpit.history_view

    @property
    def reach_view(self) -> ReachView | None:
        return self.cockpit.reach_view

    @property
    def ask_save_path(self) -> Callable[[str, str, str], Path | None] | None:
        """For tests, answers "Save as" at once: (title, suggested name, filter) -> path, None if
        cancelled. None (the app's case) opens the real dialog without waiting on it."""
        return self.cockpit.ask_save_path

    @ask_save_path.setter
    def ask_save_path(self, ask: Callable[[str, str, str], Path | None] | None) -> None:
        self.cockpit.ask_save_path = ask

    def set_client_factory(self, factory: Callable[[], HttpClient]) -> None:
        """The app's one HTTP client (``App.http_client``), called when first needed.

        The drafts ask a Mastodon server for its own post limit with it, on a worker thread;
        without it they count against Mastodon's default of 500.
        """
        self.cockpit.set_client_factory(factory)

    def current_incident(self) -> Incident | None:
        return self.cockpit.current_incident()

    def _name_window(self, *_: object) -> None:
        """The title names the tab, and on Incident the outage: what the task bar, a screen
        reader and the end-to-end test can read from outside the app."""
        from outagetray.core.playbook_history import incident_title

        index = self.tabs.currentIndex()
        name = TABS[index] if 0 <= index < len(TABS) else ""
        incident = self.current_incident() if name == "Incident" else None
        if incident is not None:
            title = f"OutageTray — {one_line(shown(incident_title(incident, self.cockpit.platforms())))}"
        elif name in ("Incident", "History", "Reach"):
            title = f"OutageTray — {name}"
        else:
            title = "OutageTray"
        if self.windowTitle() != title:
            self.setWindowTitle(title)

    def _open_playbook(self) -> None:
        if self._open:
            self.show_incident(self._open[0].id)

    def _draw_open_line(self) -> None:
        from outagetray.core.playbook_history import open_line

        text = open_line(self._open, self._clock(), self._tz, self.cockpit.platforms())
        _set_text(self.open_incident, text)
        self.open_incident.setVisible(bool(text))
        self.open_playbook.setVisible(bool(text))

    def _offer_setup(self) -> None:
        from outagetray.core.profile import PROMISE, profile_done

        done = self._settings is None or profile_done(self._settings.profile)
        if done and self.setup_banner is None:
            return
        if self.setup_banner is None:
            from outagetray.ui.cockpit.setup_banner import SetupBanner

            self.setup_banner = SetupBanner(PROMISE)
            self.setup_banner.setup_requested.connect(self.setup_requested.emit)
            self._now_layout.insertWidget(0, self.setup_banner)
        self.setup_banner.offer(not done)

    def _open_link(self, url: str) -> None:
        """A link from the cockpit (a composer, a checklist item, Downdetector) in the browser."""
        if url.startswith(("https://", "http://", "mailto:")) and not QDesktopServices.openUrl(QUrl(url)):
            self._offer_link(url, "the page")

    def _table_menu(self, position: QPoint) -> None:
        item = self.table.itemAt(position)
        status = None
        if item is not None:
            pid = item.data(Qt.ItemDataRole.UserRole)
            status = next((s for s in self._statuses if s.platform.id == pid), None)
        if status is None or not status.verdict.is_problem:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click, gone when closed
        follow = menu.addAction("Tell me when it's back")
        follow.setCheckable(True)
        follow.setChecked(status.platform.id in self._following)
        follow.toggled.connect(lambda on: self._set_following(status.platform.id, on))
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _follow_clicked(self, on: bool) -> None:
        status = self._selected()
        if status is not None:
            self._set_following(status.platform.id, on)

    def _set_following(self, pid: str, on: bool) -> None:
        if on:
            self._following.add(pid)
        else:
            self._following.discard(pid)
        self.follow_requested.emit(pid, on)
        self._show_details()

    # -- internals ------------------------------------------------------------------------------

    def _selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _selected(self) -> PlatformStatus | None:
        pid = self._selected_id()
        return next((s for s in self._statuses if s.platform.id == pid), None)

    def _show_details(self) -> None:
        status = self._selected()
        text = details_text(status, self._now() if self._now is not None else None) if status else ""
        if self.details.toPlainText() != text:
            self.details.setPlainText(text)
        self.open_page.setEnabled(bool(status and status_page_url(status)))
        problem = status is not None and status.verdict.is_problem
        self.follow.setEnabled(problem)
        self.follow.setChecked(problem and status is not None and status.platform.id in self._following)

    def _open_status_page(self) -> None:
        status = self._selected()
        if status is not None:
            url = status_page_url(status)
            if url.startswith(("https://", "http://")) and not QDesktopServices.openUrl(QUrl(url)):
                self._offer_link(url)

    def _open_settings_file(self) -> None:
        path = self._settings_file
        if path is not None and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._offer_path(path)

    def _offer_path(self, path: Path) -> None:
        """No program would open the settings file: say so, and say where it is."""
        self._offer_copy(
            "OutageTray could not open your settings file: your computer has no program set to open it.\n\n"
            "You can open it yourself in a text editor. It is here:\n" + one_line(shown(str(path))),
            "Copy location",
            str(path),
        )

    def _offer_link(self, url: str, what: str = "the status page") -> None:
        """No browser could be started: say so, and offer the link to paste elsewhere.

        Without this the button did nothing at all, and the user could not tell
        whether it was broken or the page was loading.
        """
        self._offer_copy(
            "OutageTray could not open your web browser.\n\n"
            f"You can copy the link to {what} and paste it into a browser yourself:\n" + one_line(shown(url)),
            "Copy link",
            url,
        )

    def _offer_copy(self, text: str, button: str, value: str) -> None:
        """A plain-text message with a button that puts ``value`` on the clipboard.

        All of it in the plain-text part: links come from status pages and must not be
        read as markup (the informative text would guess at rich text).
        """
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("OutageTray")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        copy = box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(copy)
        self.link_box = box  # for tests: the box is modal, and they answer it through this

        def answered() -> None:
            if box.clickedButton() is copy:
                QGuiApplication.clipboard().setText(value)
            box.deleteLater()
            self.link_box = None

        box.finished.connect(answered)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.geometry_changed.emit(bytes(self.saveGeometry().toBase64().data()).decode("ascii"))
        super().closeEvent(event)
