"""The Settings window: what to watch, how often, and when to be told.

A thin Qt shell over :mod:`outagetray.core.settings`: every rule about what a
valid value is lives in the core (the same ``make_spec`` / ``make_probe`` /
``platform_from_table`` checks the config file goes through), and this window
only shows those rules' messages next to the field they are about. Nothing here
touches the network or the disk on the UI thread: a source's "Test" and the
final save both run on worker threads, and their results come back as queued Qt
signals, so the window stays responsive even when a status host takes ten
seconds to answer or the settings folder sits on a slow network drive.

The dialog only stores ``start_at_login``; applying it (writing an autostart
entry) is the app's job once :attr:`SettingsDialog.saved` fires. "Open log folder"
(Monitoring tab) shows the log in the file manager, so a user can send it to
whoever helps them without knowing where platformdirs puts it.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTime, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.catalog import (
    KINDS,
    PLATFORM_ID,
    PROBE_TYPES,
    PlatformError,
    builtin_platforms,
    make_probe,
    platform_from_table,
)
from outagetray.core.http import HttpClient
from outagetray.core.logfile import log_folder
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.probes import DnsConfig
from outagetray.core.redact import one_line, shown
from outagetray.core.settings import MAX_INTERVAL, MIN_INTERVAL, Notifications, Settings, save
from outagetray.core.sources import FORMATS, make_spec
from outagetray.core.trial import TrialResult, try_source
from outagetray.ui.bridge import Jobs

#: Called with (spec, owner, on_done): run a trial off the UI thread, call ``on_done`` on it
#: with a TrialResult (or the exception) unless ``owner`` has been deleted meanwhile.
TrialStarter = Callable[[SourceSpec, QObject, Callable[[object], None]], None]

ERROR_STYLE = "color: #c62828;"
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
_KIND_LABELS = {
    "social": "Social network",
    "messaging": "Messaging",
    "video": "Video",
    "email": "Email",
    "blog": "Blog or newsletter",
    "shop": "Online shop",
    "community": "Community or forum",
    "other": "Other",
}
#: Keys of a platform table the editor writes; any other key (homepage, note) is kept as it was.
_EDITED_KEYS = ("id", "name", "owner", "kind", "sources", "probes")
_UNITS = (("seconds", 1), ("minutes", 60))


def _label(text: str = "", *, error: bool = False, wrap: bool = True) -> QLabel:
    """A label that never interprets markup: its text may come from the network or the user."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if error:
        label.setStyleSheet(ERROR_STYLE)
        label.setVisible(bool(text))
    return label


def _show_error(label: QLabel, message: str) -> None:
    """Set an error label; hidden when there is nothing to say, so the layout does not jump around."""
    label.setText(message)
    label.setVisible(bool(message))


def suggest_id(name: str) -> str:
    """An id the config accepts, made from a display name: "Acme Shop!" → "acme-shop"."""
    # Accents are dropped rather than the letters ("Café" → "cafe"): ids are plain ASCII.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:40].rstrip("-")


def _platforms(custom: Collection[Mapping[str, Any]]) -> dict[str, Platform]:
    """The catalog with the user's tables applied, like ``Settings.platforms`` but never raising.

    Tables reach the dialog already validated; a table that is somehow invalid is left
    out of the lists rather than crashing the window.
    """
    merged = dict(builtin_platforms())
    for table in custom:
        pid = str(table.get("id"))
        try:
            merged[pid] = platform_from_table(dict(table), merged.get(pid))
        except PlatformError:
            continue
    return merged


class SourceRow(QFrame):
    """One source of a custom platform: its type, address, options, and a Test button.

    Validated on every keystroke with the same rules as the config file, so a wrong
    address is refused here, next to the field, and not discovered later as a
    platform that silently never reads.
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
        self.error_label = _label(error=True)
        self.result_label = _label()
        self.result_label.setVisible(False)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Read this source once now and show what it says")
        self.remove_button = QPushButton("Remove")

        self._form = QFormLayout()
        self._form.addRow("Type", self.type_combo)
        self._target_label = _label("Address", wrap=False)
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

        if table:
            self._load(table)
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
        if not self.target_edit.text().strip():
            if self.source_type() == "dns_probe":
                raise ValueError("Enter the host name to look up, e.g. shop.example.com.")
            raise ValueError("Enter the address of the status data, starting with https://.")
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
        self._edited()

    def _edited(self) -> None:
        self._edits += 1
        self.result_label.setVisible(False)  # a result describes the address as it was
        self.refresh()
        self.changed.emit()

    def refresh(self) -> None:
        """Show the row's problem next to it and allow Test only for a valid source."""
        _show_error(self.error_label, self.problem())
        self.test_button.setEnabled(not self._testing and not self.error_label.text())

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


class PlatformEditor(QDialog):
    """Adds or edits one custom platform: id, name, owner, kind and its sources.

    The result is a TOML table (:meth:`result_table`) checked by
    ``platform_from_table``, the function that reads the config file, so what the
    editor accepts is exactly what the settings file will accept on the next start.
    Keys the editor does not show (``homepage``, ``note``) are kept as they were.
    """

    def __init__(
        self,
        table: Mapping[str, Any] | None,
        taken: Collection[str],
        start_trial: TrialStarter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._original: dict[str, Any] = copy.deepcopy(dict(table)) if table else {}
        self._editing = table is not None
        self._taken = set(taken)
        self._start_trial = start_trial
        self.rows: list[SourceRow] = []
        self.setWindowTitle("Edit platform" if self._editing else "Add a platform")
        self.resize(620, 640)

        self.id_edit = QLineEdit(str(self._original.get("id", "")))
        self.id_edit.setPlaceholderText("e.g. acme-shop")
        self.id_edit.setReadOnly(self._editing)  # settings refer to a platform by its id
        self.id_edit.setToolTip("A short name for the settings file: lower-case letters, digits, - or _")
        self.id_error = _label(error=True)
        self.name_edit = QLineEdit(str(self._original.get("name", "")))
        self.name_edit.setPlaceholderText("e.g. Acme Shop")
        self.owner_edit = QLineEdit(str(self._original.get("owner", "")))
        self.owner_edit.setPlaceholderText("the company behind it, e.g. Acme Inc.")
        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(_KIND_LABELS.get(kind, kind), kind)
        base = builtin_platforms().get(str(self._original.get("id")))
        kind_index = self.kind_combo.findData(self._original.get("kind", base.kind if base else "social"))
        self.kind_combo.setCurrentIndex(max(kind_index, 0))

        #: The id last filled in from the name; the name keeps filling it until the user types their own.
        self._auto_id = ""

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Id", self.id_edit)
        form.addRow("", self.id_error)
        form.addRow("Owner", self.owner_edit)
        form.addRow("Kind", self.kind_combo)

        self._rows_layout = QVBoxLayout()
        rows_widget = QWidget()
        rows_outer = QVBoxLayout(rows_widget)
        rows_outer.addLayout(self._rows_layout)
        rows_outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(rows_widget)
        self.add_source_button = QPushButton("Add a source")
        self.platform_error = _label(error=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            _label(
                "Where OutageTray reads its status: the status data of its official status page, "
                "or OutageTray's own check that its website answers. Press Test to see what it reads."
            )
        )
        layout.addWidget(scroll, 1)
        layout.addWidget(self.add_source_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.platform_error)
        layout.addWidget(self.buttons)

        items = [*self._original.get("sources", []), *self._original.get("probes", [])]
        for item in items or [None]:
            self.add_row(item if isinstance(item, Mapping) else None)
        self.add_source_button.clicked.connect(lambda: self.add_row(None))
        self.name_edit.textChanged.connect(self._name_changed)
        for edit in (self.id_edit, self.name_edit, self.owner_edit):
            edit.textChanged.connect(self.validate)
        self.kind_combo.currentIndexChanged.connect(self.validate)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        self.validate()

    def _name_changed(self, name: str) -> None:
        """Suggest an id from the name, so nobody has to invent a lower-case code themselves."""
        if self._editing or self.id_edit.text() not in ("", self._auto_id):
            return
        self._auto_id = suggest_id(name)
        self.id_edit.setText(self._auto_id)

    def add_row(self, table: Mapping[str, Any] | None) -> SourceRow:
        """Add a source row (empty, or showing ``table``)."""
        row = SourceRow(table, self._start_trial)
        row.changed.connect(self.validate)
        row.remove_requested.connect(self._remove_row)
        self.rows.append(row)
        self._rows_layout.addWidget(row)
        self.validate()
        return row

    def _remove_row(self, row: SourceRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        self.validate()

    def _table(self) -> dict[str, Any]:
        pid = self.id_edit.text().strip()
        table: dict[str, Any] = {"id": pid}
        for key, edit in (("name", self.name_edit), ("owner", self.owner_edit)):
            if edit.text().strip():
                table[key] = edit.text().strip()
        table["kind"] = str(self.kind_combo.currentData())
        for key, value in self._original.items():
            if key not in _EDITED_KEYS:
                table[key] = copy.deepcopy(value)
        official = [row.table() for row in self.rows if not row.is_probe()]
        probes = [row.table() for row in self.rows if row.is_probe()]
        # Written only when there is something to say, or when the user's file said it: for an
        # override of a built-in platform a missing key means "keep the built-in sources".
        if official or "sources" in self._original:
            table["sources"] = official
        if probes or "probes" in self._original:
            table["probes"] = probes
        return table

    def problems(self) -> tuple[str, str]:
        """(problem with the id, problem with the platform as a whole); "" when fine."""
        pid = self.id_edit.text().strip()
        if not pid:
            return "Give the platform a name or an id.", ""
        if not PLATFORM_ID.match(pid):
            return "Use lower-case letters, digits, - or _ (e.g. acme-shop), at most 40 characters.", ""
        if not self._editing and pid in self._taken:
            return f"There is already a platform with the id “{pid}”; choose another.", ""
        if not self.rows and not self._editing:
            return "", "Add at least one source."
        if any(not row.is_valid for row in self.rows):
            return "", "Fix the sources marked in red."
        try:
            platform_from_table(self._table(), builtin_platforms().get(pid))
        except PlatformError as exc:
            message = str(exc)
            return ("", message[:1].upper() + message[1:]) if exc.key != "id" else (message, "")
        return "", ""

    def validate(self) -> bool:
        """Show what is wrong next to the fields; OK is only possible for a valid platform."""
        id_problem, platform_problem = self.problems()
        _show_error(self.id_error, id_problem)
        _show_error(self.platform_error, platform_problem)
        valid = not id_problem and not platform_problem
        if self.ok_button is not None:
            self.ok_button.setEnabled(valid)
        return valid

    def result_table(self) -> dict[str, Any] | None:
        """The platform as a config table, or None while it is not valid."""
        return self._table() if self.validate() else None

    def _accept_if_valid(self) -> None:
        if self.validate():
            self.accept()


class SettingsDialog(QDialog):
    """Everything the user can set, saved atomically in one go.

    Nothing is written until Save; Cancel leaves the file as it was. ``saved``
    carries the new :class:`Settings` after the file was written, so the app can
    apply them (new watch list, interval, notification rules, autostart).
    """

    saved = Signal(object)

    def __init__(
        self,
        settings: Settings,
        path: Path | None = None,
        client_factory: Callable[[], HttpClient] = HttpClient,
        parent: QWidget | None = None,
        *,
        logs: Callable[[], Path] = log_folder,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("OutageTray settings")
        self._logs = logs
        self.resize(640, 560)
        self._settings = settings
        self._path = path
        self._client_factory = client_factory
        self._client: HttpClient | None = None
        self._dns = DnsConfig(settings.nameservers)
        self._custom: list[dict[str, Any]] = [copy.deepcopy(dict(t)) for t in settings.custom_platforms]
        self._watch: list[str] = list(settings.watch)
        self._muted: list[str] = list(settings.notifications.muted)
        self._saving = False
        self._trials = Jobs(4, "outagetray-trial", self)
        self._saver = Jobs(1, "outagetray-save", self)
        #: The platform editor currently open, if any (tests and the app may reach it here).
        self.editor: PlatformEditor | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_platforms_tab(), "Platforms")
        self.tabs.addTab(self._build_custom_tab(), "Your own platforms")
        self.tabs.addTab(self._build_monitoring_tab(), "Monitoring")
        self.tabs.addTab(self._build_notifications_tab(), "Notifications")

        self.problem_label = _label(error=True)
        self.save_error = _label(error=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert save_button is not None and cancel_button is not None
        self.save_button: QPushButton = save_button
        self.cancel_button: QPushButton = cancel_button
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.save_error)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(self._shut_down)
        self._fill_platform_list()
        self._fill_custom_list()
        self.validate()

    # -- Platforms ------------------------------------------------------------------------

    def _build_platforms_tab(self) -> QWidget:
        tab = QWidget()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search by name, owner or id")
        self.search_edit.setClearButtonEnabled(True)
        self.platform_list = QListWidget()
        self.watched_label = _label()
        self.no_match_label = _label("No platform matches your search.")
        self.no_match_label.setVisible(False)
        layout = QVBoxLayout(tab)
        layout.addWidget(_label("Tick the platforms your work depends on; OutageTray watches those."))
        layout.addWidget(self.search_edit)
        layout.addWidget(self.platform_list, 1)
        layout.addWidget(self.no_match_label)
        layout.addWidget(self.watched_label)
        self.search_edit.textChanged.connect(self._apply_search)
        self.platform_list.itemChanged.connect(self._platform_toggled)
        return tab

    def _fill_platform_list(self) -> None:
        """List the catalog and the user's platforms; called again whenever those change."""
        platforms = _platforms(self._custom)
        known = set(platforms)
        self._watch = [pid for pid in self._watch if pid in known]
        self.platform_list.blockSignals(True)
        self.platform_list.clear()
        for platform in platforms.values():
            name, owner = one_line(platform.name), one_line(platform.owner)
            text = name if owner == name else f"{name} — {owner}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, platform.id)
            item.setData(
                Qt.ItemDataRole.UserRole + 1, f"{platform.name}\n{platform.id}\n{platform.owner}".casefold()
            )
            item.setToolTip(f"{name}, by {owner} (id: {platform.id})")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = platform.id in self._watch
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.platform_list.addItem(item)
        self.platform_list.blockSignals(False)
        self._apply_search(self.search_edit.text())
        self._watch_changed()

    def _apply_search(self, text: str) -> None:
        needle = text.strip().casefold()
        shown = 0
        for index in range(self.platform_list.count()):
            item = self.platform_list.item(index)
            hidden = bool(needle) and needle not in str(item.data(Qt.ItemDataRole.UserRole + 1))
            item.setHidden(hidden)
            shown += not hidden
        self.no_match_label.setVisible(shown == 0)

    def visible_platform_ids(self) -> list[str]:
        """Ids of the platforms the search leaves visible, in list order."""
        items = (self.platform_list.item(i) for i in range(self.platform_list.count()))
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if not item.isHidden()]

    def _platform_toggled(self, item: QListWidgetItem) -> None:
        pid = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked:
            if pid not in self._watch:
                self._watch.append(pid)  # newly watched go last; the user's order is kept
        elif pid in self._watch:
            self._watch.remove(pid)
        self._watch_changed()

    def set_watched(self, pid: str, watched: bool) -> None:
        """Tick or untick a platform, as a click on it would."""
        for index in range(self.platform_list.count()):
            item = self.platform_list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == pid:
                item.setCheckState(Qt.CheckState.Checked if watched else Qt.CheckState.Unchecked)
                return
        raise KeyError(pid)

    def _watch_changed(self) -> None:
        count = len(self._watch)
        self.watched_label.setText(
            "No platform is watched." if not count else f"{count} platform{'s' * (count != 1)} watched."
        )
        if hasattr(self, "mute_list"):
            self._fill_mute_list()

    # -- Your own platforms ---------------------------------------------------------------

    def _build_custom_tab(self) -> QWidget:
        tab = QWidget()
        self.custom_list = QListWidget()
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(
            _label(
                "Add a service OutageTray does not know yet: give it the address of its status page's "
                "data, or let OutageTray check that its website answers."
            )
        )
        layout.addWidget(self.custom_list, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(self._edit_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.custom_list.itemDoubleClicked.connect(lambda _item: self._edit_selected())
        self.custom_list.currentRowChanged.connect(lambda _row: self._custom_selection_changed())
        return tab

    def _fill_custom_list(self) -> None:
        self.custom_list.clear()
        for table in self._custom:
            pid = str(table.get("id"))
            name = one_line(str(table.get("name") or pid))
            self.custom_list.addItem(QListWidgetItem(f"{name} ({pid})"))
        self._custom_selection_changed()

    def _custom_selection_changed(self) -> None:
        selected = 0 <= self.custom_list.currentRow() < len(self._custom)
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def custom_platforms(self) -> list[dict[str, Any]]:
        """The user's platform tables as they stand in the dialog (copies)."""
        return copy.deepcopy(self._custom)

    def open_editor(self, index: int | None = None) -> PlatformEditor:
        """Open the editor for a new platform (``None``) or the custom platform at ``index``.

        Opened window-modal with ``open()``, not ``exec()``, so no nested event loop runs
        and Test results keep arriving while it is shown.
        """
        table = self._custom[index] if index is not None else None
        taken = set(builtin_platforms()) | {
            str(t.get("id")) for i, t in enumerate(self._custom) if i != index
        }
        editor = PlatformEditor(table, taken, self._start_trial, self)
        editor.accepted.connect(lambda: self._editor_accepted(editor, index))
        editor.finished.connect(lambda _code: self._editor_closed(editor))
        self.editor = editor
        editor.open()
        return editor

    def _editor_accepted(self, editor: PlatformEditor, index: int | None) -> None:
        table = editor.result_table()
        if table is None:
            return
        if index is None:
            self._custom.append(table)
            if table["id"] not in self._watch:
                self._watch.append(table["id"])  # someone adding a platform wants it watched
        else:
            self._custom[index] = table
        self._fill_custom_list()
        self._fill_platform_list()

    def _editor_closed(self, editor: PlatformEditor) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    def _edit_selected(self) -> None:
        row = self.custom_list.currentRow()
        if 0 <= row < len(self._custom):
            self.open_editor(row)

    def _remove_selected(self) -> None:
        row = self.custom_list.currentRow()
        if not 0 <= row < len(self._custom):
            return
        pid = str(self._custom.pop(row).get("id"))
        if pid not in builtin_platforms():
            # A platform that no longer exists must not stay in the lists: the file would not load.
            self._watch = [p for p in self._watch if p != pid]
            self._muted = [p for p in self._muted if p != pid]
        self._fill_custom_list()
        self._fill_platform_list()

    def _start_trial(self, spec: SourceSpec, owner: QObject, on_done: Callable[[object], None]) -> None:
        """Run one trial poll off the UI thread with this dialog's HTTP client and DNS settings."""
        if self._client is None:
            self._client = self._client_factory()
        client, dns = self._client, self._dns
        self._trials.submit(lambda: try_source(spec, client, dns), owner, on_done)

    # -- Monitoring -----------------------------------------------------------------------

    def _build_monitoring_tab(self) -> QWidget:
        tab = QWidget()
        seconds = self._settings.interval_seconds
        self.interval_value = QSpinBox()
        self.interval_value.setRange(0, 10 * MAX_INTERVAL)
        self.interval_unit = QComboBox()
        for name, factor in _UNITS:
            self.interval_unit.addItem(name, factor)
        if seconds % 60 == 0:
            self.interval_unit.setCurrentIndex(1)
            self.interval_value.setValue(seconds // 60)
        else:
            self.interval_value.setValue(seconds)
        self.interval_error = _label(error=True)
        self.start_at_login = QCheckBox("Start OutageTray when I log in")
        self.start_at_login.setChecked(self._settings.start_at_login)
        row = QHBoxLayout()
        row.addWidget(_label("Check every", wrap=False))
        row.addWidget(self.interval_value)
        row.addWidget(self.interval_unit)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.interval_error)
        layout.addWidget(
            _label(
                f"From {MIN_INTERVAL} seconds to {MAX_INTERVAL // 3600} hours. Status pages are asked "
                "no more often than this, so a shorter time does not make them answer faster."
            )
        )
        layout.addSpacing(12)
        layout.addWidget(self.start_at_login)
        layout.addSpacing(12)
        self.log_button = QPushButton("Open log folder")
        self.log_button.setToolTip(
            "Where OutageTray writes down what it saw and every alert it sent or held back"
        )
        self.log_error = _label(error=True)
        log_row = QHBoxLayout()
        log_row.addWidget(
            _label(
                "OutageTray keeps a log of every change it saw and every alert it sent or held back, and why."
            )
        )
        log_row.addWidget(self.log_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(log_row)
        layout.addWidget(self.log_error)
        layout.addStretch(1)
        self.log_button.clicked.connect(self.open_log_folder)
        self.interval_value.valueChanged.connect(lambda _v: self.validate())
        self.interval_unit.currentIndexChanged.connect(lambda _i: self.validate())
        return tab

    def interval_seconds(self) -> int:
        return int(self.interval_value.value()) * int(self.interval_unit.currentData())

    def set_interval(self, value: int, unit: str = "seconds") -> None:
        """Enter an interval as the user would: a number and a unit ("seconds" or "minutes")."""
        self.interval_unit.setCurrentIndex([name for name, _ in _UNITS].index(unit))
        self.interval_value.setValue(value)

    def open_log_folder(self) -> None:
        """Show the log folder in the file manager, creating it first (off the UI thread) if missing."""
        find = self._logs

        def make() -> Path:
            folder = find()
            folder.mkdir(parents=True, exist_ok=True)
            return folder

        _show_error(self.log_error, "")
        self._saver.submit(make, self, self._log_folder_ready)

    def _log_folder_ready(self, outcome: object) -> None:
        if not isinstance(outcome, Path):
            reason = outcome.strerror if isinstance(outcome, OSError) and outcome.strerror else str(outcome)
            _show_error(self.log_error, f"The log folder could not be created: {reason}.")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(outcome))):
            _show_error(self.log_error, f"No file manager could open the log folder. It is {outcome}")

    # -- Notifications --------------------------------------------------------------------

    def _build_notifications_tab(self) -> QWidget:
        tab = QWidget()
        notes = self._settings.notifications
        self.notify_enabled = QCheckBox("Tell me when a watched platform has problems")
        self.notify_enabled.setChecked(notes.enabled)
        self.mute_list = QListWidget()
        self.quiet_check = QCheckBox("Quiet hours: hold back pop-ups from")
        self.quiet_check.setChecked(bool(notes.quiet_start and notes.quiet_end))
        self.quiet_start = QTimeEdit(QTime.fromString(notes.quiet_start or "22:00", "HH:mm"))
        self.quiet_end = QTimeEdit(QTime.fromString(notes.quiet_end or "07:00", "HH:mm"))
        for edit in (self.quiet_start, self.quiet_end):
            edit.setDisplayFormat("HH:mm")
        self.quiet_error = _label(error=True)
        self.sound_check = QCheckBox("Play a sound with each pop-up")
        self.sound_check.setChecked(notes.sound)
        self.cooldown = QSpinBox()
        self.cooldown.setRange(0, 1440)
        self.cooldown.setSuffix(" min")
        self.cooldown.setValue(notes.cooldown_minutes)

        quiet_row = QHBoxLayout()
        quiet_row.addWidget(self.quiet_check)
        quiet_row.addWidget(self.quiet_start)
        quiet_row.addWidget(_label("to", wrap=False))
        quiet_row.addWidget(self.quiet_end)
        quiet_row.addStretch(1)
        cooldown_row = QHBoxLayout()
        cooldown_row.addWidget(_label("Do not repeat a pop-up about the same platform within", wrap=False))
        cooldown_row.addWidget(self.cooldown)
        cooldown_row.addStretch(1)
        self._notification_parts = QWidget()
        parts = QVBoxLayout(self._notification_parts)
        parts.setContentsMargins(0, 0, 0, 0)
        parts.addWidget(_label("Show these in the window, but never pop up a message about them (mute):"))
        parts.addWidget(self.mute_list, 1)
        parts.addLayout(quiet_row)
        parts.addWidget(self.quiet_error)
        parts.addWidget(self.sound_check)
        parts.addLayout(cooldown_row)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.notify_enabled)
        layout.addWidget(self._notification_parts, 1)

        self._fill_mute_list()
        self.notify_enabled.toggled.connect(self._notifications_toggled)
        self._notifications_toggled(notes.enabled)
        self.mute_list.itemChanged.connect(self._mute_toggled)
        self.quiet_check.toggled.connect(lambda _on: self.validate())
        self.quiet_start.timeChanged.connect(lambda _t: self.validate())
        self.quiet_end.timeChanged.connect(lambda _t: self.validate())
        return tab

    def _notifications_toggled(self, enabled: bool) -> None:
        # Greyed out, not cleared: turning pop-ups back on restores every choice made before.
        self._notification_parts.setEnabled(enabled)

    def _fill_mute_list(self) -> None:
        """One line per watched platform, in watch order; ticked means muted."""
        platforms = _platforms(self._custom)
        self.mute_list.blockSignals(True)
        self.mute_list.clear()
        for pid in self._watch:
            platform = platforms.get(pid)
            if platform is None:
                continue
            item = QListWidgetItem(one_line(platform.name))
            item.setData(Qt.ItemDataRole.UserRole, pid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if pid in self._muted else Qt.CheckState.Unchecked)
            self.mute_list.addItem(item)
        self.mute_list.blockSignals(False)

    def _mute_toggled(self, item: QListWidgetItem) -> None:
        pid = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked:
            if pid not in self._muted:
                self._muted.append(pid)
        elif pid in self._muted:
            self._muted.remove(pid)

    def set_muted(self, pid: str, muted: bool) -> None:
        """Tick or untick a platform in the mute list, as a click would."""
        for index in range(self.mute_list.count()):
            item = self.mute_list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == pid:
                item.setCheckState(Qt.CheckState.Checked if muted else Qt.CheckState.Unchecked)
                return
        raise KeyError(pid)

    # -- validation and saving ------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """What stops the settings from being saved, by field; empty when all is well."""
        found: dict[str, str] = {}
        seconds = self.interval_seconds()
        if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
            found["interval"] = (
                f"Choose a time from {MIN_INTERVAL} seconds to {MAX_INTERVAL // 3600} hours "
                f"({seconds} seconds is {'too short' if seconds < MIN_INTERVAL else 'too long'})."
            )
        if self.quiet_check.isChecked() and self.quiet_start.time() == self.quiet_end.time():
            found["quiet_hours"] = "Quiet hours need a start and an end that differ."
        return found

    def validate(self) -> bool:
        """Show each problem next to its field, and allow Save only when there is none."""
        found = self.problems()
        _show_error(self.interval_error, found.get("interval", ""))
        _show_error(self.quiet_error, found.get("quiet_hours", ""))
        _show_error(self.problem_label, "Fix the marked fields to save." if found else "")
        self.save_button.setEnabled(not found and not self._saving)
        return not found

    def collect(self) -> Settings:
        """The settings as the dialog shows them. Settings it does not show are kept as they were."""
        known = set(_platforms(self._custom))
        quiet = self.quiet_check.isChecked()
        notes = Notifications(
            enabled=self.notify_enabled.isChecked(),
            muted=tuple(pid for pid in dict.fromkeys(self._muted) if pid in known),
            quiet_start=self.quiet_start.time().toString("HH:mm") if quiet else None,
            quiet_end=self.quiet_end.time().toString("HH:mm") if quiet else None,
            sound=self.sound_check.isChecked(),
            cooldown_minutes=int(self.cooldown.value()),
        )
        return replace(
            self._settings,
            watch=tuple(pid for pid in dict.fromkeys(self._watch) if pid in known),
            interval_seconds=self.interval_seconds(),
            custom_platforms=tuple(copy.deepcopy(self._custom)),
            notifications=notes,
            start_at_login=self.start_at_login.isChecked(),
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
        _show_error(self.save_error, "")
        self.save_button.setText("Saving…")
        self.save_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        path = self._path
        self._saver.submit(lambda: _save_settings(new, path), self, lambda outcome: self._saved(new, outcome))

    def _saved(self, new: Settings, outcome: object) -> None:
        self._saving = False
        self.save_button.setText("Save")
        self.cancel_button.setEnabled(True)
        if outcome is None:
            self._settings = new
            self.saved.emit(new)
            self.accept()
            return
        # Nothing is lost: every field still holds what the user entered; they may fix and retry.
        message = outcome if isinstance(outcome, str) else _save_failure(outcome)
        _show_error(self.save_error, message)
        self.validate()

    def reject(self) -> None:
        """Cancel, Escape and the close button; ignored while a save is under way."""
        if self._saving:
            return
        super().reject()

    def _shut_down(self, _result: int) -> None:
        self._trials.shutdown()
        self._saver.shutdown()


def _save_settings(settings: Settings, path: Path | None) -> str | None:
    """Runs on a worker thread: write the file, or say in plain words why it could not be written."""
    try:
        save(settings, path)
    except Exception as exc:  # noqa: BLE001 - any failure becomes a message; the dialog stays open
        return _save_failure(exc)
    return None


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
