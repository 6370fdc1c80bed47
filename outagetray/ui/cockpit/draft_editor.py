"""The drafts panel: each channel's draft for the chosen phase, ready to copy or to post.

Editing a draft here changes this incident's copy only (kept while the window lives, so
a new round does not undo the user's words); "Edit template…" changes the template
itself, for every incident after this one, through a small dialog whose Save and Reset
are forwarded to the app, which writes them off the UI thread.

The count under each draft is the core's (core/playbook.py ``count_line``, which asks
core/limits.py), recounted as the user types: the same counter the sending will use. A
Mastodon draft counts against its server's own limit once the server has told it
(ui/cockpit/instance_limits.py asks, off the UI thread), and is recounted then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.drafts import PLACEHOLDERS, Template
from outagetray.core.playbook import PHASE_LABELS, DraftEntry, count_line
from outagetray.core.redact import one_line, shown
from outagetray.ui.cockpit.widgets import plain_label

OVER_STYLE = "QLabel { color: #c50f1f; font-weight: bold; }"


def _no_limit(_server: str) -> int | None:
    return None


class DraftCard(QFrame):
    """One draft: its channel, the editable text, the live count, Copy and Open composer."""

    copy_clicked = Signal(str, str)  # key, text
    compose_clicked = Signal(str, str)  # key, text
    edit_template = Signal(str)  # template id
    edited = Signal(str, str)  # key, text ("" when back to the rendered text)

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

        buttons = QHBoxLayout()
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
        layout.addWidget(self.notes)
        layout.addWidget(self.feedback)
        self._show_count()

    def text(self) -> str:
        return self.body.toPlainText()

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
        self.edited.emit(self.entry.key, self.text() if self.is_edited() else "")
        self._show_count()

    def recount(self) -> None:
        """Count again: a server's own limit has arrived."""
        self._show_count()

    def _show_count(self) -> None:
        limit = self._limit_for(self.entry.server) if self.entry.server else None
        line = count_line(self.entry.count_as, self.text(), limit=limit)
        self.count.setText(line.text)
        self.count.setStyleSheet(OVER_STYLE if line.over else "")
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
    """The phase selector and one card per channel (or per form) for the chosen phase."""

    copy_clicked = Signal(str, str)
    compose_clicked = Signal(str, str)
    edit_template = Signal(str)

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
            self._cards_layout.insertWidget(self._cards_layout.count() - 1, card)
            card.show()  # now, not when the layout gets to it: a shown panel shows its cards at once
            self.cards.append(card)
        self.empty.setVisible(not entries)

    def recount(self, server: str = "") -> None:
        """Count the shown drafts again (all, or those for ``server``): its own limit has arrived."""
        for card in self.cards:
            if not server or card.entry.server == server:
                card.recount()

    def card(self, key: str) -> DraftCard | None:
        return next((c for c in self.cards if c.entry.key == key), None)

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
