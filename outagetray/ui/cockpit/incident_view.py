"""The Incident tab: the open (or chosen) outage's playbook in one place.

What is going on and since when, "I'm on it", where to reach people now, Downdetector,
the drafts for each phase, the checklist, and the evidence a compensation claim needs.
It lays out a :class:`outagetray.core.playbook.IncidentPage` and forwards what the user
did as ``action`` (an ActionKind value and its subject), which the window turns into
``action_taken`` with the incident's id and the app writes into the incident log.

Copy and "Open composer" put the text on the clipboard here: most users have no API
keys, and pasting is how their post gets out.

For the rest, the drafts panel's Send goes through the app's send controller
(ui/send_controller.py), which this view never holds: it asks with ``send_requested`` and
``settle_requested``, says which outcome it opened with ``incident_opened`` (so the app
reads the outbox back), and shows what comes back through the ``show_send_*`` methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.drafts import Template
from outagetray.core.playbook import IncidentPage
from outagetray.core.records import ActionKind
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.checklist_view import ChecklistView
from outagetray.ui.cockpit.draft_editor import DraftsPanel, TemplateDialog
from outagetray.ui.cockpit.widgets import link_button, plain_label

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

EMPTY = (
    "No outage right now.\n\n"
    "When a platform you watch really fails, this page has everything for it: messages ready "
    "for your audience, a checklist of what to do, and a record of what happened.\n\n"
    "Past outages are in the History tab: double-click one to open it here."
)


class IncidentView(QWidget):
    action = Signal(str, str)  # ActionKind value, subject
    link_requested = Signal(str)
    export_clicked = Signal(str)  # "csv" or "html" for this incident
    template_saved = Signal(object)
    template_reset = Signal(str)
    setup_requested = Signal()
    #: incident id, phase, [(channel table, exact words)]: the user confirmed Send.
    send_requested = Signal(int, str, list)
    #: job id, sent, channel table or None: the user settled a message that may have been sent.
    settle_requested = Signal(int, bool, object)
    #: Another incident is shown: its messages' states are to be read from the outbox.
    incident_opened = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: IncidentPage | None = None
        #: Looks a template up for "Edit template…" (the window hands the library's ``get``).
        self.template_source: Callable[[str], Template | None] | None = None
        #: The open "Edit template" dialog, for tests.
        self.template_dialog: TemplateDialog | None = None

        self.empty = plain_label(EMPTY)
        self.title = plain_label()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.status = plain_label()
        self.acknowledge = QPushButton("I'm on it")
        self.acknowledge.setToolTip("Tell OutageTray you are handling this, so the tray stops flagging it.")
        self.acknowledge.clicked.connect(self._acknowledge)
        self.setup_hint = plain_label()
        self.setup_button = QPushButton("Set up")
        self.setup_button.clicked.connect(self.setup_requested.emit)
        self.alternatives = plain_label()
        self._downdetector = QHBoxLayout()

        self.drafts = DraftsPanel()
        self.drafts.copy_clicked.connect(self._copy)
        self.drafts.compose_clicked.connect(self._compose)
        self.drafts.edit_template.connect(self._edit_template)
        self.drafts.link_requested.connect(self.link_requested.emit)
        self.drafts.send_requested.connect(self.send_requested.emit)
        self.drafts.settle_requested.connect(self.settle_requested.emit)
        self.checklist = ChecklistView()
        self.checklist.toggled.connect(self._ticked)
        self.checklist.link_requested.connect(self.link_requested.emit)
        self._evidence_box = QWidget()
        self._evidence = QVBoxLayout(self._evidence_box)
        evidence = QScrollArea()
        evidence.setWidgetResizable(True)
        evidence.setWidget(self._evidence_box)
        self.sections = QTabWidget()
        self.sections.addTab(self.drafts, "Messages")
        self.sections.addTab(self.checklist, "Checklist")
        self.sections.addTab(evidence, "What happened")

        self.export_csv = QPushButton("Export spreadsheet (CSV)…")
        self.export_csv.clicked.connect(lambda: self.export_clicked.emit("csv"))
        self.export_html = QPushButton("Export report…")
        self.export_html.setToolTip("A report with the exact times, for a claim or your records.")
        self.export_html.clicked.connect(lambda: self.export_clicked.emit("html"))

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.status)
        head.addLayout(titles, 1)
        head.addWidget(self.acknowledge, 0, Qt.AlignmentFlag.AlignTop)
        setup = QHBoxLayout()
        setup.addWidget(self.setup_hint, 1)
        setup.addWidget(self.setup_button)
        detector = QHBoxLayout()
        detector.addWidget(plain_label("What other people report:"))
        detector.addLayout(self._downdetector)
        detector.addStretch(1)
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_csv)
        exports.addWidget(self.export_html)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(head)
        body.addLayout(setup)
        body.addWidget(self.alternatives)
        body.addLayout(detector)
        body.addWidget(self.sections, 1)
        body.addLayout(exports)
        layout = QVBoxLayout(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.body, 1)
        self.show_page(None)

    def show_page(self, page: IncidentPage | None) -> None:
        """Show an incident, or say there is none; the same incident again updates in place."""
        previous, self.page = self.page, page
        self.empty.setVisible(page is None)
        self.body.setVisible(page is not None)
        if page is None:
            return
        self.title.setText(one_line(shown(page.title)))
        self.status.setText(page.status)
        self.acknowledge.setVisible(page.is_open or not page.acknowledged)
        self.acknowledge.setEnabled(not page.acknowledged)
        self.acknowledge.setText("You're on it" if page.acknowledged else "I'm on it")
        self.setup_hint.setText(page.setup_hint)
        self.setup_hint.setVisible(bool(page.setup_hint))
        self.setup_button.setVisible(bool(page.setup_hint))
        self.alternatives.setText(one_line(shown(page.alternatives)))
        self.alternatives.setVisible(bool(page.alternatives))
        # Each round redraws the page: rebuild the link and evidence widgets only when they changed.
        if previous is None or previous.downdetector != page.downdetector:
            self._show_links(page.downdetector)
        self.drafts.set_drafts(page.incident_id, page.drafts, page.phase)
        if previous is None or previous.incident_id != page.incident_id:
            self.incident_opened.emit(page.incident_id)
        self.checklist.show_groups(page.checklist, page.progress)
        self.sections.setTabText(1, f"Checklist ({page.progress})" if page.progress else "Checklist")
        if previous is None or (previous.facts, previous.changes) != (page.facts, page.changes):
            self._show_evidence(page)

    def _show_links(self, links: tuple[tuple[str, str], ...]) -> None:
        while self._downdetector.count():
            taken = self._downdetector.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        for words, url in links:
            button = link_button(words, url)
            button.clicked.connect(lambda _checked=False, u=url: self.link_requested.emit(u))
            self._downdetector.addWidget(button)

    def _show_evidence(self, page: IncidentPage) -> None:
        while self._evidence.count():
            taken = self._evidence.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        facts = QWidget()
        form = QFormLayout(facts)
        for fact in page.facts:
            form.addRow(plain_label(fact.label, wrap=False), plain_label(one_line(shown(fact.text))))
        self._evidence.addWidget(facts)
        if page.changes:
            self._evidence.addWidget(plain_label("Each change OutageTray saw:"))
        for change in page.changes:
            line = plain_label(one_line(shown(f"{change.when}: {change.text}. {change.evidence}")))
            self._evidence.addWidget(line)
            for url in change.sources:
                button = link_button(url, url)
                button.clicked.connect(lambda _checked=False, u=url: self.link_requested.emit(u))
                self._evidence.addWidget(button)
        self._evidence.addStretch(1)

    # -- sending (answers from ui/send_controller.py) -----------------------------------------------

    def set_channels(self, channels: Sequence[ChannelTable]) -> None:
        """The user's channels from the settings: where Send sends each card."""
        self.drafts.set_channels(channels)

    def show_send_outcome(self, incident_id: int, phase: str, outcome: object) -> None:
        from outagetray.core.sending import Outcome

        if isinstance(outcome, Outcome):
            self.drafts.show_outcome(incident_id, phase, outcome)

    def show_send_jobs(self, incident_id: int, jobs: Sequence[object]) -> None:
        self.drafts.show_jobs(incident_id, jobs)

    def send_finished(self, incident_id: int, phase: str, outcomes: Sequence[object] = ()) -> None:
        self.drafts.send_done(incident_id, phase, outcomes)

    def show_send_problem(self, text: str) -> None:
        self.drafts.show_problem(text)

    def evidence_text(self) -> str:
        """Everything the evidence section says, for tests and screen readers."""
        texts = []
        for index in range(self._evidence.count()):
            item = self._evidence.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel | QPushButton):
                texts.append(widget.text())
            elif widget is not None:
                texts += [label.text() for label in widget.findChildren(QLabel)]
        return "\n".join(texts)

    # -- what the user did -------------------------------------------------------------------

    def _acknowledge(self) -> None:
        self.acknowledge.setEnabled(False)
        self.acknowledge.setText("You're on it")
        self.action.emit(ActionKind.ACKNOWLEDGED.value, "")

    def _copy(self, key: str, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        card = self.drafts.card(key)
        if card is not None:
            card.say("Copied. Paste it where you post.")
        self.action.emit(ActionKind.DRAFT_COPIED.value, key)

    def _compose(self, key: str, text: str) -> None:
        """Copy the text and open the channel's composer; with no composer, copy and say so."""
        card = self.drafts.card(key)
        QGuiApplication.clipboard().setText(text)
        url = card.entry.composer(text) if card is not None else None
        if url is None:
            if card is not None:
                card.say(
                    f"Copied. {one_line(shown(card.entry.label))} has no page OutageTray can fill in: "
                    "paste the text there yourself."
                )
            self.action.emit(ActionKind.DRAFT_COPIED.value, key)
            return
        if card is not None:
            card.say("Opened in your browser, and copied in case the page comes up empty.")
        self.action.emit(ActionKind.COMPOSER_OPENED.value, key)
        self.link_requested.emit(url)

    def _ticked(self, item: str, done: bool) -> None:
        self.action.emit((ActionKind.TICKED if done else ActionKind.UNTICKED).value, item)

    def _edit_template(self, template_id: str) -> None:
        template = self.template_source(template_id) if self.template_source is not None else None
        if template is None:
            return
        dialog = TemplateDialog(template, self)
        dialog.saved.connect(self.template_saved.emit)
        dialog.reset.connect(self.template_reset.emit)
        dialog.finished.connect(lambda _result: setattr(self, "template_dialog", None))
        dialog.finished.connect(dialog.deleteLater)
        self.template_dialog = dialog
        dialog.open()
