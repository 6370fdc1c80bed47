"""The window's cockpit tabs (Incident, History, Reach, Channels): what they were handed, and building them.

The window owns one :class:`CockpitTabs` and forwards to it what the app hands over
(incidents, the playbook's settings) and what the user asks for here comes back as this
object's signals, which the window re-emits as its own. Each tab's widgets, and the
module that makes them, are built the first time the tab is shown; until then only the
values are kept, so a window opened for a glance at the Now tab pays for none of this.

This module itself is imported with the window: it holds no widget of its own and
imports the views, the drafts and the playbook only inside the functions that need them.

Nothing here waits on the user or the network: the export's "Save as" dialog is opened
with ``open()`` and answers through its ``fileSelected`` signal (a nested event loop
would let the tray, the monitor's rounds and other windows re-enter mid-click), and a
Mastodon server's own limit is asked on a worker thread (ui/cockpit/instance_limits.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QTabWidget, QVBoxLayout, QWidget

from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Platform
from outagetray.core.records import Incident
from outagetray.ui.cockpit.instance_limits import InstanceLimits

if TYPE_CHECKING:
    from outagetray.core.checklist import Checklist
    from outagetray.core.drafts import DraftLibrary
    from outagetray.core.http import HttpClient
    from outagetray.core.playbook import Playbook
    from outagetray.core.readiness import Readiness, SecretSource
    from outagetray.core.settings import Settings
    from outagetray.ui.channel_checks import ChannelChecks
    from outagetray.ui.cockpit.history_view import HistoryView
    from outagetray.ui.cockpit.incident_view import IncidentView
    from outagetray.ui.cockpit.reach_view import ReachView
    from outagetray.ui.cockpit.readiness_view import ReadinessView
    from outagetray.ui.send_controller import SendController

#: The window's tabs, in order. Only "Now" is the window's own; the others are built here.
TABS = ("Now", "Incident", "History", "Reach", "Channels")


class CockpitTabs(QObject):
    action_taken = Signal(int, str, str)
    export_requested = Signal(str, object)
    setup_requested = Signal()
    template_saved = Signal(object)
    template_reset = Signal(str)
    link_requested = Signal(str)

    def __init__(
        self,
        tabs: QTabWidget,
        *,
        statuses: Callable[[], Sequence[PlatformStatus]],
        clock: Callable[[], datetime],
        tz: tzinfo | None,
        dialog_parent: QWidget,
    ) -> None:
        super().__init__(tabs)
        self.tabs = tabs
        self._statuses = statuses
        self._clock = clock
        self._tz = tz
        self._dialog_parent = dialog_parent
        self.open: tuple[Incident, ...] = ()
        self.recent: tuple[Incident, ...] = ()
        self.incident_id: int | None = None
        self.settings: Settings | None = None
        self._parts: tuple[Settings, DraftLibrary | None, Checklist | None] | None = None
        self._playbook: Playbook | None = None
        self.history_span = "24 hours"
        self.incident_view: IncidentView | None = None
        self.history_view: HistoryView | None = None
        self.reach_view: ReachView | None = None
        self.readiness_view: ReadinessView | None = None
        #: Where the Channels tab's checks get passwords and keep results (set by the app; see
        #: :meth:`set_channel_sources`); defaults made when the tab is first shown.
        self._secrets: SecretSource | None = None
        self._send_controller: Callable[[], SendController] | None = None
        self._sending_wired = False
        self._refresh_jobs: Callable[[int], None] | None = None
        self._readiness: Callable[[], Readiness] | None = None
        self.channel_checks: ChannelChecks | None = None
        self._open_settings: Callable[[], object] | None = None
        #: Tests answer "Save as" here: (title, suggested file name, filter) -> path, None if cancelled.
        #: None (the app's case): the real dialog, opened without waiting (:attr:`save_dialog`).
        self.ask_save_path: Callable[[str, str, str], Path | None] | None = None
        #: The "Save as" dialog while it is open.
        self.save_dialog: QFileDialog | None = None
        #: Mastodon servers' own post limits, for the drafts' live count.
        self.instance_limits = InstanceLimits(self)
        self.pages: dict[str, QWidget] = {}
        for name in TABS[1:]:
            page = QWidget()
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            self.pages[name] = page
            tabs.addTab(page, name)
        tabs.currentChanged.connect(self._shown)

    # -- what the window hands over ----------------------------------------------------------

    def show_incidents(self, open_: Sequence[Incident], recent: Sequence[Incident]) -> None:
        self.open = tuple(open_)
        self.recent = tuple(recent)
        self.refresh("Incident", "History")

    def show_incident(self, incident_id: int, phase: str | None = None) -> None:
        self.incident_id = incident_id
        self.tabs.setCurrentIndex(TABS.index("Incident"))  # builds the tab the first time
        self.refresh("Incident")
        if self._refresh_jobs is not None:
            self._refresh_jobs(incident_id)  # a send from the command line meanwhile shows too
        if phase is not None and self.incident_view is not None:
            self.incident_view.drafts.show_phase(phase)

    def set_playbook(
        self, settings: Settings, library: DraftLibrary | None, checklist: Checklist | None
    ) -> None:
        self.settings = settings
        self._parts = (settings, library, checklist)
        self._playbook = None  # made again when a tab needs it (importing the drafts only then)
        if self.incident_view is not None:
            self.incident_view.set_channels(settings.channels)
        self.refresh("Incident", "History", "Reach", "Channels")

    def set_channel_sources(
        self,
        secrets: SecretSource,
        readiness: Callable[[], Readiness],
        open_settings: Callable[[], object] | None = None,
    ) -> None:
        """The app's password store, the record of checks (read off the UI thread when first needed),
        and how to open Settings on its Channels tab (the tab's "Set up channels…" button)."""
        self._secrets = secrets
        self._readiness = readiness
        self._open_settings = open_settings
        if self.readiness_view is not None:
            self.readiness_view.setup_button.setVisible(open_settings is not None)

    def set_sending(self, controller: Callable[[], SendController]) -> None:
        """How the Incident tab sends (the app's controller, made when the tab is first built)."""
        self._send_controller = controller
        if self.incident_view is not None:
            self._wire_sending(self.incident_view)

    def _wire_sending(self, view: IncidentView) -> None:
        if self._send_controller is None or self._sending_wired:
            return
        self._sending_wired = True
        controller = self._send_controller()
        controller.down_source = lambda: {
            s.platform.id: s.platform.name for s in self._statuses() if s.verdict.is_problem
        }
        view.send_requested.connect(controller.send)
        view.settle_requested.connect(controller.settle)
        view.incident_opened.connect(controller.refresh)
        controller.outcome.connect(view.show_send_outcome)
        controller.jobs.connect(view.show_send_jobs)
        controller.finished.connect(view.send_finished)
        controller.problem.connect(view.show_send_problem)
        self._refresh_jobs = controller.refresh
        view.set_channels(self.settings.channels if self.settings is not None else ())
        incident = self.current_incident()
        if incident is not None:
            controller.refresh(incident.id)

    def set_client_factory(self, factory: Callable[[], HttpClient]) -> None:
        """The app's one HTTP client (made when first needed), for asking Mastodon servers their limit."""
        self.instance_limits.set_client_factory(factory)
        self.refresh("Incident")  # a Mastodon draft on show asks now

    def current_incident(self) -> Incident | None:
        """The one the Incident tab shows: the one asked for, else the newest open one."""
        if self.incident_id is not None:
            for incident in (*self.open, *self.recent):
                if incident.id == self.incident_id:
                    return incident
        return self.open[0] if self.open else None

    def platforms(self) -> dict[str, Platform]:
        """Names for ids: the watched platforms of the last round, else the settings' catalog."""
        known = {s.platform.id: s.platform for s in self._statuses()}
        if not known and self.settings is not None:
            known = self.settings.platforms()
        return known

    # -- building and drawing ----------------------------------------------------------------

    def _context(self) -> Playbook | None:
        if self._playbook is None and self._parts is not None:
            from outagetray.core.playbook import playbook_from

            self._playbook = playbook_from(*self._parts)
        return self._playbook

    def _watched(self) -> list[Platform]:
        statuses = self._statuses()
        if statuses:
            return [s.platform for s in statuses]
        return self.settings.watched() if self.settings is not None else []

    def _shown(self, index: int) -> None:
        name = TABS[index] if 0 <= index < len(TABS) else ""
        if name in self.pages:
            self._build(name)
            self.refresh(name)

    def _build(self, name: str) -> None:
        """Build a tab's widgets the first time it is shown (importing its module then)."""
        layout = self.pages[name].layout()
        if layout is None or layout.count():
            return
        view: QWidget
        if name == "Incident":
            from outagetray.ui.cockpit.incident_view import IncidentView

            incident = IncidentView()
            incident.action.connect(self._incident_action)
            incident.link_requested.connect(self.link_requested.emit)
            incident.export_clicked.connect(lambda fmt: self._export(fmt, incident=True))
            incident.template_saved.connect(self.template_saved.emit)
            incident.template_reset.connect(self.template_reset.emit)
            incident.setup_requested.connect(self.setup_requested.emit)
            incident.drafts.limit_for = self.instance_limits.limit
            self.instance_limits.arrived.connect(incident.drafts.recount)
            self.incident_view = view = incident
            self._wire_sending(incident)
        elif name == "History":
            from outagetray.ui.cockpit.history_view import HistoryView

            history = HistoryView()
            history.span_changed.connect(self._span_changed)
            history.incident_activated.connect(self.show_incident)
            history.export_clicked.connect(lambda fmt: self._export(fmt, incident=False))
            self.history_view = view = history
        elif name == "Channels":
            view = self._build_readiness()
        else:
            from outagetray.ui.cockpit.reach_view import ReachView

            reach = ReachView()
            reach.setup_requested.connect(self.setup_requested.emit)
            self.reach_view = view = reach
        layout.addWidget(view)
        view.show()  # at once: a layout shows a child of a shown page only later

    def refresh(self, *names: str) -> None:
        """Redraw the named tabs that are built and showing; the others are drawn when shown."""
        index = self.tabs.currentIndex()
        current = TABS[index] if 0 <= index < len(TABS) else ""
        if current not in names:
            return
        now = self._clock()
        if current == "Incident" and self.incident_view is not None:
            from outagetray.core.playbook import incident_page

            context = self._context()
            incident = self.current_incident()
            page = None
            if incident is not None:
                page = incident_page(incident, context, self._statuses(), now=now, tz=self._tz)
            library = context.library if context is not None else None
            self.incident_view.template_source = library.get if library is not None else None
            self.incident_view.show_page(page)
        elif current == "History" and self.history_view is not None:
            from outagetray.core.playbook_history import history_page

            incidents = list({i.id: i for i in (*self.recent, *self.open)}.values())
            page_ = history_page(incidents, self._watched(), self.history_span, now=now, tz=self._tz)
            self.history_view.show_page(page_)
        elif current == "Reach" and self.reach_view is not None:
            from outagetray.core.playbook import reach_page

            self.reach_view.show_page(reach_page(self._context()))
        elif current == "Channels" and self.readiness_view is not None:
            self.readiness_view.show_channels(self.settings.channels if self.settings is not None else ())

    def _build_readiness(self) -> QWidget:
        """The readiness view, with its checks; the record of last checks is read on a worker thread."""
        from outagetray.ui.channel_checks import ChannelChecks
        from outagetray.ui.cockpit.readiness_view import ReadinessView

        if self._secrets is None:
            from outagetray.core.secrets import Secrets

            self._secrets = Secrets()
        if self._readiness is None:
            from outagetray.core.readiness import Readiness

            self._readiness = Readiness
        checks = ChannelChecks(self)
        view = ReadinessView(checks, self._secrets, clock=self._clock, tz=self._tz)
        view.setup_button.setVisible(self._open_settings is not None)
        view.setup_requested.connect(
            lambda: self._open_settings() if self._open_settings is not None else None
        )
        wanted: list[int] = []

        def loaded(ticket: int, outcome: object) -> None:
            if ticket in wanted and hasattr(outcome, "record"):
                view.set_readiness(outcome)  # type: ignore[arg-type]

        checks.ran.connect(loaded)
        wanted.append(checks.run(self._readiness))
        self.channel_checks = checks
        self.readiness_view = view
        return view

    # -- what the user asked for ---------------------------------------------------------------

    def _span_changed(self, span: str) -> None:
        self.history_span = span
        self.refresh("History")

    def _incident_action(self, kind: str, subject: str) -> None:
        incident = self.current_incident()
        if incident is not None:
            self.action_taken.emit(incident.id, kind, subject)

    def _export(self, fmt: str, *, incident: bool) -> None:
        """Ask where to save, then hand the request on (the app writes off the UI thread)."""
        from outagetray.core.playbook_history import ExportTarget, export_file_name

        chosen = self.current_incident() if incident else None
        if incident and chosen is None:
            return
        page = self.history_view.page if self.history_view is not None else None
        start = None if chosen is not None or page is None else page.start
        end = None if chosen is not None or page is None else page.end
        number = chosen.id if chosen is not None else None
        name = export_file_name(fmt, number, start, end, tz=self._tz)
        kind = "Spreadsheet (*.csv)" if fmt == "csv" else "Web page report (*.html)"
        title = "Save the outage as" if chosen is not None else "Save the outages as"

        def save_to(path: Path) -> None:
            self.export_requested.emit(fmt, ExportTarget(path, number, start, end))

        if self.ask_save_path is not None:
            path = self.ask_save_path(title, name, kind)
            if path is not None:
                save_to(path)
            return
        self._open_save_dialog(title, name, kind, save_to)

    def _open_save_dialog(self, title: str, name: str, kind: str, save_to: Callable[[Path], None]) -> None:
        """The "Save as" dialog, opened without waiting: the choice arrives by ``fileSelected``.

        One at a time: a second export click while it is open brings that one forward.
        """
        if self.save_dialog is not None:
            self.save_dialog.raise_()
            self.save_dialog.activateWindow()
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self._dialog_parent, title, folder, kind)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.selectFile(name)
        dialog.fileSelected.connect(lambda path: save_to(Path(path)) if path else None)

        def closed() -> None:
            self.save_dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        self.save_dialog = dialog
        dialog.open()
