"""One source of a platform in the editor: its type, address, options and a Test button.

Its own module because it is the one part of the window that starts network work
(through the trial starter it is given, so it never holds a client itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.catalog import PROBE_TYPES, make_probe
from outagetray.core.model import SourceSpec
from outagetray.core.redact import shown
from outagetray.core.settings import validate_url
from outagetray.core.sources import FORMATS, make_spec
from outagetray.core.trial import TrialResult
from outagetray.ui.settings.fields import ERROR_STYLE, LeftFields, label, show_error

#: Called with (spec, owner, on_done): run a trial off the UI thread, call ``on_done`` on it
#: with a TrialResult (or the exception) unless ``owner`` has been deleted meanwhile.
TrialStarter = Callable[[SourceSpec, QObject, Callable[[object], None]], None]

TESTING = "Testing…"

_PROBE_TITLES = {
    "dns_probe": "OutageTray's own check: does its name resolve? (DNS)",
    "http_probe": "OutageTray's own check: does its website answer? (HTTP)",
}
_OPTION_LABELS = {
    "product": "Product",
    "org": "Organisation",
    "component_prefix": "Component prefix",
}
_OPTION_HINTS = {
    "product": "as the dashboard names it, e.g. Gmail",
    "org": "as Meta's status page names it, e.g. Facebook",
    "component_prefix": "e.g. Tumblr (only components starting with this count)",
}


class SourceRow(QFrame):
    """One source of a custom platform: its type, address, options, and a Test button.

    Checked on every keystroke with the same rules as the config file (Test and OK are
    only possible for a usable source), so a wrong address is refused here and not
    discovered later as a platform that silently never reads. The error itself is shown
    once the user leaves a field, not while they are still typing the address.
    """

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(
        self, table: Mapping[str, Any] | None, start_trial: TrialStarter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._start_trial = start_trial
        self._testing = False
        #: Bumped on every edit, so a test result for an address since changed is not shown.
        self._edits = 0

        self.type_combo = QComboBox()
        for source_type, fmt in FORMATS.items():
            self.type_combo.addItem(fmt.title, source_type)
        for source_type in PROBE_TYPES:
            self.type_combo.addItem(_PROBE_TITLES[source_type], source_type)
        self.target_edit = QLineEdit()
        self.target_edit.setClearButtonEnabled(True)
        self.option_edits: dict[str, QLineEdit] = {}
        self.error_label = label(error=True)
        self.result_label = label()
        self.result_label.setVisible(False)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Read this source once now and show what it says")
        self.remove_button = QPushButton("Remove")

        self._form = QFormLayout()
        self._form.addRow("Type", self.type_combo)
        self._target_label = label("Address", wrap=False)
        self._form.addRow(self._target_label, self.target_edit)
        options = dict.fromkeys(option for fmt in FORMATS.values() for option in fmt.options)
        for option in options:
            edit = QLineEdit()
            edit.setPlaceholderText(_OPTION_HINTS.get(option, ""))
            self.option_edits[option] = edit
            self._form.addRow(_OPTION_LABELS.get(option, option.replace("_", " ").capitalize()), edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        layout.addWidget(self.result_label)

        #: Any field of the row left once: its problem is shown from then on.
        self._left = LeftFields(self, self._was_left)
        self._left.watch("row", self.target_edit, *self.option_edits.values())
        if table:
            self._load(table)
            self._left.mark("row")  # what the file said is not being typed: say at once what is wrong
        self._type_changed()
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self.target_edit.textChanged.connect(self._edited)
        for edit in self.option_edits.values():
            edit.textChanged.connect(self._edited)
        self.test_button.clicked.connect(self.start_test)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

    def _load(self, table: Mapping[str, Any]) -> None:
        index = self.type_combo.findData(table.get("type"))
        if index >= 0:
            self.type_combo.setCurrentIndex(index)
        target = table.get("host") if table.get("type") == "dns_probe" else table.get("url")
        self.target_edit.setText(str(target or ""))
        for option, edit in self.option_edits.items():
            if option in table:
                edit.setText(str(table[option]))

    # -- what the row holds ---------------------------------------------------------------

    def source_type(self) -> str:
        return str(self.type_combo.currentData())

    def is_probe(self) -> bool:
        return self.source_type() in PROBE_TYPES

    def table(self) -> dict[str, Any]:
        """The row as a config table, exactly as it will be written to the settings file."""
        source_type = self.source_type()
        target = self.target_edit.text().strip()
        table: dict[str, Any] = {"type": source_type, "host" if source_type == "dns_probe" else "url": target}
        fmt = FORMATS.get(source_type)
        for option in fmt.options if fmt else ():
            value = self.option_edits[option].text().strip()
            if value:
                table[option] = value
        return table

    def spec(self) -> SourceSpec:
        """The source this row describes; ValueError in plain words when it is not valid."""
        if self.source_type() == "dns_probe":
            if not self.target_edit.text().strip():
                raise ValueError("Enter the host name to look up, e.g. shop.example.com.")
        else:
            problem = validate_url(self.target_edit.text())  # the core's rule for every address
            if problem is not None:
                raise ValueError(problem)
        table = self.table()
        return make_probe(table) if self.is_probe() else make_spec(table)

    def problem(self) -> str:
        """The reason this row cannot be used, or "" when it can."""
        try:
            self.spec()
        except ValueError as exc:
            message = str(exc)
            return message[:1].upper() + message[1:]
        return ""

    @property
    def is_valid(self) -> bool:
        return not self.problem()

    @property
    def testing(self) -> bool:
        return self._testing

    # -- reacting to edits ----------------------------------------------------------------

    def _type_changed(self) -> None:
        source_type = self.source_type()
        fmt = FORMATS.get(source_type)
        for option, edit in self.option_edits.items():
            self._form.setRowVisible(edit, bool(fmt and option in fmt.options))
        if source_type == "dns_probe":
            self._target_label.setText("Host name")
            self.target_edit.setPlaceholderText("shop.example.com")
        elif source_type == "http_probe":
            self._target_label.setText("Address")
            self.target_edit.setPlaceholderText("https://shop.example.com/")
        else:
            self._target_label.setText("Address")
            example = "/api/v2/summary.json" if source_type == "statuspage" else "/…"
            self.target_edit.setPlaceholderText(f"https://status.example.com{example}")
        # The same words as the error for a wrong address, so hint and error never disagree.
        self.target_edit.setToolTip(
            "" if source_type == "dns_probe" else "Starts with https:// (or http://), with no spaces"
        )
        self._edited()

    def _edited(self) -> None:
        self._edits += 1
        self.result_label.setVisible(False)  # a result describes the address as it was
        self.refresh()
        self.changed.emit()

    @property
    def left(self) -> bool:
        """Whether the user has left one of the row's fields (its problem is shown from then on)."""
        return bool(self._left)

    def leave(self) -> None:
        """Count the row as left, as moving on to another field would."""
        self._left.leave("row")

    def _was_left(self) -> None:
        self.refresh()
        self.changed.emit()  # the editor's own message about its sources may now be due

    def refresh(self) -> None:
        """Show the row's problem once it was left, and allow Test only for a valid source."""
        problem = self.problem()
        show_error(self.error_label, problem if self._left else "")
        self.test_button.setEnabled(not self._testing and not problem)

    # -- Test -----------------------------------------------------------------------------

    def start_test(self) -> None:
        """Poll this source once on a worker thread; the answer arrives in :meth:`_show_result`."""
        if self._testing:
            return
        try:
            spec = self.spec()
        except ValueError:
            self.refresh()
            return
        self._testing = True
        self.test_button.setText(TESTING)
        self.test_button.setEnabled(False)
        self.result_label.setVisible(False)
        edits = self._edits
        self._start_trial(spec, self, lambda outcome: self._show_result(outcome, edits))

    def _show_result(self, outcome: object, edits: int) -> None:
        self._testing = False
        self.test_button.setText("Test")
        self.refresh()
        if edits != self._edits:
            return  # the address changed while it was being tested
        if isinstance(outcome, TrialResult):
            mark = "✓" if outcome.ok else "✗"
            text = f"{mark} {shown(outcome.message)}"  # it quotes the status page: no control characters
            style = "" if outcome.ok else ERROR_STYLE
        else:
            text = "✗ The test stopped unexpectedly; this says nothing about the service."
            style = ERROR_STYLE
        self.result_label.setStyleSheet(style)
        self.result_label.setText(text)
        self.result_label.setVisible(True)
