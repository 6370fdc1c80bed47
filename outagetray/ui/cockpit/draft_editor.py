"""The drafts panel: each channel's draft for the chosen phase, ready to copy or to post.

Editing a draft here changes this incident's copy only (kept while the window lives, so
a new round does not undo the user's words); "Edit template…" changes the template
itself, for every incident after this one, through a small dialog whose Save and Reset
are forwarded to the app, which writes them off the UI thread.

The count under each draft is the core's (core/playbook.py ``count_line``, which asks
core/limits.py), recounted as the user types: the same counter the sending will use. A
Mastodon draft counts against its server's own limit once the server has told it
(ui/cockpit/instance_limits.py asks, off the UI thread), and is recounted then.

Each card also says where its message stands (ui/cockpit/send_status.py), and the panel
has one Send button for the shown phase. What goes out is what the user sees: the card's
text as edited, with the subject or title field for an email or a blog. The states come
from the outbox only (through ui/send_controller.py): the panel keeps the last word it
heard per (incident, phase, channel) and never works one out itself. A draft over its
channel's limit is left out of Send rather than cut: a cut notice can say the wrong thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.drafts import PLACEHOLDERS, Template
from outagetray.core.playbook import PHASE_LABELS, DraftEntry, count_line
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.send_status import SendStatus, outcome_of_job
from outagetray.ui.cockpit.widgets import plain_label

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable
    from outagetray.core.sending import Outcome

OVER_STYLE = "QLabel { color: #c50f1f; font-weight: bold; }"
#: "Open composer" when a send failed for want of credentials: the one way out left, and the text is copied.
COMPOSE_STYLE = (
    "QPushButton { font-weight: bold; border: 2px solid #0f6cbd; border-radius: 3px; padding: 3px 8px; }"
)
FITS = "✓"
#: What the confirmation calls each phase's message ("Send this notice to ...").
PHASE_WORDS = {
    "notice": "notice",
    "opportunity": "post",
    "welcome_back": "welcome-back message",
    "catch_up": "catch-up message",
}


def _no_limit(_server: str) -> int | None:
    return None


class DraftCard(QFrame):
    """One draft: its channel, the editable text, the live count, where it stands, Copy and Open composer."""

    copy_clicked = Signal(str, str)  # key, text
    compose_clicked = Signal(str, str)  # key, text
    edit_template = Signal(str)  # template id
    edited = Signal(str, str)  # key, text ("" when back to the rendered text)
    link_requested = Signal(str)  # a receipt's address
    settle_clicked = Signal(str, bool)  # key; True "It was sent", False "Send again"

    def __init__(
        self,
        entry: DraftEntry,
        text: str | None = None,
        parent: QWidget | None = None,
        *,
        limit_for: Callable[[str], int | None] = _no_limit,
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        #: A Mastodon server's own limit once known (None: the counter's default).
        self._limit_for = limit_for
        #: Whether the text is over the channel's limit (left out of Send then).
        self.over = False
        from outagetray.core.channels.registry import sends

        #: OutageTray posts to this channel itself (the others are copied or composed by hand).
        self.can_send = bool(entry.channel_type) and sends(entry.channel_type)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = plain_label(one_line(shown(entry.label)))
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.subject = QLineEdit(entry.title)
        self.subject.setPlaceholderText("Subject")
        self.subject.setAccessibleName("Subject" if entry.count_as == "email" else "Title")
        self.copy_subject = QPushButton("Copy subject" if entry.count_as == "email" else "Copy title")
        self.copy_subject.clicked.connect(lambda: self.copy_clicked.emit(self.entry.key, self.subject.text()))
        for widget in (self.subject, self.copy_subject):
            widget.setVisible(bool(entry.title))
        self.body = QPlainTextEdit()
        self.body.setPlainText(entry.text if text is None else text)
        self.body.setAccessibleName(f"Draft for {one_line(shown(entry.label))}")
        self.body.setMinimumHeight(90)
        # Tall enough for a short post or an email's first lines; the card scrolls for the rest.
        self.body.setMaximumHeight(self.body.fontMetrics().lineSpacing() * 10 + 16)
        self.count = plain_label(wrap=False)
        #: The count line's check mark: it fits, and OutageTray can send it here.
        self.fits = plain_label(FITS, wrap=False)
        self.fits.setStyleSheet("QLabel { color: #107c10; font-weight: bold; }")
        self.fits.setToolTip("It fits, and OutageTray can send it here.")
        self.fits.setAccessibleName("Fits, ready to send")
        self.fits.setVisible(False)
        self.notes = plain_label()
        self.notes.setStyleSheet("QLabel { color: #8a5300; }")
        #: What the last button did ("Copied."), so the user sees the click land.
        self.feedback = plain_label()
        self.copy = QPushButton("Copy")
        self.copy.setToolTip("Put this text on the clipboard, to paste it wherever you post.")
        self.compose = QPushButton("Open composer")
        self.compose.setVisible(bool(entry.channel_type))
        self.compose.setToolTip(
            "Open the page where you post, with this text filled in (it is copied too)."
            if entry.composable
            else "There is no page that takes a ready text here: the text is copied for you to paste."
        )
        self.template_button = QPushButton("Edit template…")
        self.template_button.setToolTip("Change the wording used for every outage from now on.")
        self.template_button.setVisible(bool(entry.template_id))
        self.copy.clicked.connect(lambda: self.copy_clicked.emit(self.entry.key, self.text()))
        self.compose.clicked.connect(lambda: self.compose_clicked.emit(self.entry.key, self.text()))
        self.template_button.clicked.connect(lambda: self.edit_template.emit(self.entry.template_id))
        self.body.textChanged.connect(self._changed)
        self.send_status = SendStatus()
        self.send_status.setVisible(self.can_send)
        self.send_status.link_requested.connect(self.link_requested.emit)
        self.send_status.settle_clicked.connect(lambda sent: self.settle_clicked.emit(self.entry.key, sent))

        buttons = QHBoxLayout()
        buttons.addWidget(self.fits)
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.template_button)
        buttons.addWidget(self.compose)
        buttons.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        subject = QHBoxLayout()
        subject.addWidget(self.subject, 1)
        subject.addWidget(self.copy_subject)
        layout.addLayout(subject)
        layout.addWidget(self.body, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.send_status)
        layout.addWidget(self.notes)
        layout.addWidget(self.feedback)
        self._show_count()

    def text(self) -> str:
        return self.body.toPlainText()

    @property
    def channel_id(self) -> str:
        """The channel this draft is for ("" for a form entry, when no channel is set up)."""
        return self.entry.key.partition("@")[2]

    @property
    def name(self) -> str:
        return one_line(shown(self.entry.label))

    def words(self) -> str:
        """Exactly what Send sends: the text as edited, with the subject or title as edited."""
        from outagetray.core.sending import words_for

        title = self.subject.text().strip() if self.entry.title else ""
        return words_for(title, self.text(), self.entry.channel_type)

    @property
    def outcome(self) -> Outcome | None:
        return self.send_status.outcome

    def sendable(self) -> bool:
        """Send takes it: OutageTray posts here, it fits, and it is not sent, on its way or maybe sent."""
        state = self.outcome.state if self.outcome is not None else ""
        return self.can_send and not self.over and state not in ("confirmed", "sending", "unknown")

    def show_outcome(self, outcome: Outcome | None) -> None:
        """Where this draft's message stands, as the outbox or a send in progress says."""
        self.send_status.show_outcome(outcome, too_long_for=self.name if self.over else "")
        wanting = outcome is not None and outcome.needs_credentials and outcome.state != "confirmed"
        self.compose.setStyleSheet(COMPOSE_STYLE if wanting else "")
        self.compose.setProperty("highlighted", wanting)

    def is_edited(self) -> bool:
        return self.text() != self.entry.text

    def update_entry(self, entry: DraftEntry) -> None:
        """A newer rendering (the facts moved on): taken unless the user has changed the text."""
        edited = self.is_edited()
        self.entry = entry
        if not edited and self.body.toPlainText() != entry.text:
            self.body.setPlainText(entry.text)
        if self.subject.text() != entry.title and not self.subject.isModified():
            self.subject.setText(entry.title)
        self._show_count()

    def say(self, text: str) -> None:
        self.feedback.setText(text)

    def _changed(self) -> None:
        self._show_count()  # first: whoever hears ``edited`` sees whether it fits now
        self.edited.emit(self.entry.key, self.text() if self.is_edited() else "")

    def recount(self) -> None:
        """Count again: a server's own limit has arrived."""
        self._show_count()

    def _show_count(self) -> None:
        limit = self._limit_for(self.entry.server) if self.entry.server else None
        line = count_line(self.entry.count_as, self.text(), limit=limit)
        self.over = line.over
        self.count.setText(line.text)
        self.count.setStyleSheet(OVER_STYLE if line.over else "")
        self.fits.setVisible(self.can_send and not line.over)
        self.show_outcome(self.outcome)
        notes = [*self.entry.notes] if not self.is_edited() else [*line.problems]
        if self.is_edited():
            notes += [n for n in self.entry.notes if _still_unknown(n, self.text())]
        elif line.problems and line.over:
            notes = [*line.problems, *notes]
        self.notes.setText("\n".join(one_line(shown(n)) for n in dict.fromkeys(notes)))
        self.notes.setVisible(bool(notes))


def _still_unknown(note: str, text: str) -> bool:
    """A note about a placeholder ("{offer}") still holds while the placeholder is in the text."""
    start, end = note.find("{"), note.find("}")
    return 0 <= start < end and note[start : end + 1] in text


class DraftsPanel(QWidget):
    """The phase selector, one Send button, and one card per channel (or per form) for the chosen phase."""

    copy_clicked = Signal(str, str)
    compose_clicked = Signal(str, str)
    edit_template = Signal(str)
    link_requested = Signal(str)
    #: incident id, phase, [(channel table, exact words)]: the user confirmed Send.
    send_requested = Signal(int, str, list)
    #: job id, sent, channel table (None for "It was sent"): the user settled a "may have been sent".
    settle_requested = Signal(int, bool, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._drafts: Mapping[str, tuple[DraftEntry, ...]] = {}
        self._incident: int | None = None
        self.phase = "notice"
        #: The user's edits of this incident's drafts, by (incident id, key): kept while the window lives.
        self.edits: dict[tuple[int, str], str] = {}
        self.cards: list[DraftCard] = []
        #: A Mastodon server's own limit, or None for the counter's default (ui/cockpit/tabs.py sets it).
        self.limit_for: Callable[[str], int | None] = _no_limit
        #: The user's channels by id (ui/cockpit/tabs.py hands them over with the settings).
        self.channels: dict[str, ChannelTable] = {}
        #: The last word on each message, by (incident, phase, channel id): from the outbox or a send.
        self.outcomes: dict[tuple[int, str, str], Outcome] = {}
        #: (incident, phase) sends on their way.
        self.sending: set[tuple[int, str]] = set()
        #: The open "Send now?" question, for tests.
        self.question: QMessageBox | None = None

        self.phase_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        row = QHBoxLayout()
        for phase, words in PHASE_LABELS.items():
            button = QPushButton(words)
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, p=phase: self.show_phase(p))
            group.addButton(button)
            row.addWidget(button)
            self.phase_buttons[phase] = button
        row.addStretch(1)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self._send_clicked)
        #: What the last send said as a whole ("Another outagetray send is sending ...").
        self.send_note = plain_label()
        self.send_note.setStyleSheet("QLabel { color: #c50f1f; }")
        self.send_note.hide()
        row.addWidget(self.send_button)
        self.empty = plain_label("Drafts are being prepared.")
        self.empty.hide()
        self._cards_box = QWidget()
        self._cards_layout = QVBoxLayout(self._cards_box)
        self._cards_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._cards_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.send_note)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)

    def set_drafts(self, incident: int, drafts: Mapping[str, tuple[DraftEntry, ...]], phase: str) -> None:
        """This incident's drafts; a new incident opens on ``phase``, the same one keeps the user's."""
        if incident != self._incident:
            self._incident = incident
            self.phase = phase
            self._drafts = drafts
            self.show_phase(phase)
            return
        self._drafts = drafts
        entries = drafts.get(self.phase, ())
        if [e.key for e in entries] == [c.entry.key for c in self.cards]:
            for card, entry in zip(self.cards, entries, strict=True):
                card.update_entry(entry)
        else:
            self.show_phase(self.phase)

    def show_phase(self, phase: str) -> None:
        self.phase = phase
        self.phase_buttons[phase].setChecked(True)
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        entries = self._drafts.get(phase, ())
        for entry in entries:
            card = DraftCard(
                entry, self.edits.get((self._incident or 0, entry.key)), limit_for=self.limit_for
            )
            card.copy_clicked.connect(self.copy_clicked.emit)
            card.compose_clicked.connect(self.compose_clicked.emit)
            card.edit_template.connect(self.edit_template.emit)
            card.edited.connect(self._remember)
            card.edited.connect(lambda *_: self._show_send_button())
            card.link_requested.connect(self.link_requested.emit)
            card.settle_clicked.connect(self._settle)
            card.show_outcome(self.outcomes.get((self._incident or 0, phase, card.channel_id)))
            self._cards_layout.insertWidget(self._cards_layout.count() - 1, card)
            card.show()  # now, not when the layout gets to it: a shown panel shows its cards at once
            self.cards.append(card)
        self.empty.setVisible(not entries)
        self._show_send_button()

    def recount(self, server: str = "") -> None:
        """Count the shown drafts again (all, or those for ``server``): its own limit has arrived."""
        for card in self.cards:
            if not server or card.entry.server == server:
                card.recount()
        self._show_send_button()

    def card(self, key: str) -> DraftCard | None:
        return next((c for c in self.cards if c.entry.key == key), None)

    # -- sending --------------------------------------------------------------------------------

    def set_channels(self, channels: Sequence[ChannelTable]) -> None:
        """The user's channels, so Send knows where each card goes."""
        self.channels = {c.id: c for c in channels}
        self._show_send_button()

    def show_outcome(self, incident: int, phase: str, outcome: Outcome) -> None:
        """A live word from a send. A message that wants credentials puts its text on the clipboard."""
        self.outcomes[(incident, phase, outcome.channel)] = outcome
        card = self._shown_card(incident, phase, outcome.channel)
        if card is None:
            return
        card.show_outcome(outcome)
        if outcome.needs_credentials and outcome.state == "failed":
            QGuiApplication.clipboard().setText(card.text())
            card.say("The text is on the clipboard: use Open composer, or paste it where you post.")
        self._show_send_button()

    def show_jobs(self, incident: int, jobs: Sequence[object]) -> None:
        """What the outbox holds for an incident (read when it is opened): the cards show it as it is.

        A word with no job behind it (a channel skipped because its platform is down, a
        password missing) is kept where the outbox has nothing for that channel.
        """
        from outagetray.core.outbox import Job

        found: dict[tuple[int, str, str], Outcome] = {}
        for job in jobs:
            if isinstance(job, Job) and job.incident_id == incident:
                table = self.channels.get(job.channel)
                name = (table.name or table.id) if table is not None else job.channel
                found[(incident, job.draft, job.channel)] = outcome_of_job(job, name)
        for where, outcome in list(self.outcomes.items()):
            if where[0] == incident and (outcome.job_id is not None or where in found):
                del self.outcomes[where]
        self.outcomes.update(found)
        if incident == self._incident:
            for card in self.cards:
                card.show_outcome(self.outcomes.get((incident, self.phase, card.channel_id)))
            self._show_send_button()

    def send_done(self, incident: int, phase: str, _outcomes: Sequence[object] = ()) -> None:
        self.sending.discard((incident, phase))
        self._show_send_button()

    def show_problem(self, text: str) -> None:
        """A send as a whole did not happen (another copy is sending...): said above the cards."""
        self.send_note.setText(one_line(shown(text)))
        self.send_note.setVisible(bool(text))

    def _shown_card(self, incident: int, phase: str, channel: str) -> DraftCard | None:
        if incident != self._incident or phase != self.phase:
            return None
        return next((c for c in self.cards if c.channel_id == channel), None)

    def _to_send(self) -> list[tuple[DraftCard, ChannelTable]]:
        return [
            (card, self.channels[card.channel_id])
            for card in self.cards
            if card.sendable() and card.channel_id in self.channels
        ]

    def _show_send_button(self) -> None:
        chosen = self._to_send()
        going = (self._incident or 0, self.phase) in self.sending
        count = len(chosen)
        self.send_button.setText(
            "Sending…" if going else f"Send to {count} channel" + ("" if count == 1 else "s")
        )
        self.send_button.setEnabled(bool(chosen) and not going and self._incident is not None)
        if going:
            tip = "Sending now: each card says how its message is doing."
        elif chosen:
            tip = "Send each message below to its channel, once. You are asked first."
        elif any(c.can_send and c.over for c in self.cards):
            tip = "Nothing to send: shorten the drafts that are too long first."
        elif any(c.can_send and c.channel_id in self.channels for c in self.cards):
            tip = "Nothing left to send here: every message has gone out or is waiting for you to check it."
        else:
            tip = (
                "None of these channels is one OutageTray posts to: copy the text, or use Open composer. "
                "Add a channel in Settings > Channels to send in one click."
            )
        self.send_button.setToolTip(tip)

    def _send_clicked(self) -> None:
        chosen = self._to_send()
        if not chosen or self._incident is None:
            return
        incident, phase = self._incident, self.phase
        names = [card.name for card, _table in chosen]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        what = PHASE_WORDS.get(phase, "message")
        self._ask(
            f"Send this {what} to {listed} now?",
            "Send",
            lambda: self._send(incident, phase),
        )

    def _send(self, incident: int, phase: str) -> None:
        if (incident, phase) != (self._incident, self.phase):
            return  # another outage or step is shown now: its cards were not what the user agreed to
        chosen = self._to_send()
        if not chosen:
            return
        self.sending.add((incident, phase))
        self.show_problem("")
        self._show_send_button()
        self.send_requested.emit(incident, phase, [(table, card.words()) for card, table in chosen])

    def _settle(self, key: str, sent: bool) -> None:
        card = self.card(key)
        outcome = card.outcome if card is not None else None
        if card is None or outcome is None or outcome.job_id is None:
            return
        job_id = outcome.job_id
        if sent:
            card.send_status.was_sent.setEnabled(False)
            self.settle_requested.emit(job_id, True, None)
            return
        table = self.channels.get(card.channel_id)

        def again() -> None:
            card.send_status.send_again.setEnabled(False)
            self.settle_requested.emit(job_id, False, table)

        self._ask(f"Send it to {card.name} again? It may arrive twice.", "Send again", again)

    def _ask(self, text: str, yes: str, then: Callable[[], None]) -> None:
        """A question that does not stop the window (the tray keeps watching meanwhile)."""
        box = QMessageBox(QMessageBox.Icon.Question, "OutageTray", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # channel names are the user's, never markup
        go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(go)
        box.buttonClicked.connect(lambda button: then() if button is go else None)
        box.finished.connect(lambda _result: setattr(self, "question", None))
        box.finished.connect(box.deleteLater)
        self.question = box
        box.open()

    def _remember(self, key: str, text: str) -> None:
        where = (self._incident or 0, key)
        if text:
            self.edits[where] = text
        else:
            self.edits.pop(where, None)


class TemplateDialog(QDialog):
    """Edit a template's name, subject and text; Save or Reset to the shipped wording."""

    saved = Signal(object)  # Template
    reset = Signal(str)  # template id

    def __init__(self, template: Template, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template = template
        self.setWindowTitle("Edit template")
        self.name = QLineEdit(template.name)
        self.title = QLineEdit(template.title)
        self.body = QPlainTextEdit()
        self.body.setPlainText(template.body)
        names = " ".join("{" + p + "}" for p in PLACEHOLDERS)
        help_text = plain_label(
            "This wording is used for every outage from now on. OutageTray fills in these blanks: "
            f"{names}. A line with {{alternatives}}, {{blog_url}} or {{signature}} is left out when "
            "there is nothing to put there."
        )
        form = QFormLayout()
        form.addRow("Name", self.name)
        if template.form in ("email", "blog"):
            form.addRow("Subject" if template.form == "email" else "Title", self.title)
        form.addRow("Text", self.body)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.reset_button = buttons.addButton("Reset to default", QDialogButtonBox.ButtonRole.ResetRole)
        self.reset_button.setEnabled(template.builtin and template.edited)
        self.reset_button.setVisible(template.builtin)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self._reset)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def _save(self) -> None:
        self.saved.emit(
            replace(
                self.template, name=self.name.text(), title=self.title.text(), body=self.body.toPlainText()
            )
        )
        self.accept()

    def _reset(self) -> None:
        self.reset.emit(self.template.id)
        self.accept()
