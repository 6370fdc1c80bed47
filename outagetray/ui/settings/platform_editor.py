"""The editor for one custom platform: id, name, owner, kind and its source rows.

A window of its own (opened from the "Your own platforms" tab), so it lives in
its own module and knows nothing of the Settings dialog that opens it.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.catalog import KINDS, PLATFORM_ID, PlatformError, builtin_platforms, platform_from_table
from outagetray.ui.settings.fields import LeftFields, label, show_error
from outagetray.ui.settings.source_row import SourceRow, TrialStarter

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
_FIX_SOURCES = "Fix the sources marked in red."
#: Keys of a platform table the editor writes; any other key (homepage, note) is kept as it was.
_EDITED_KEYS = ("id", "name", "owner", "kind", "sources", "probes")


def suggest_id(name: str) -> str:
    """An id the config accepts, made from a display name: "Acme Shop!" → "acme-shop"."""
    # Accents are dropped rather than the letters ("Café" → "cafe"): ids are plain ASCII.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:40].rstrip("-")


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
        self.id_error = label(error=True)
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
        self.platform_error = label(error=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            label(
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
        #: The id's error shows once the name or id field was left (or at once when editing).
        self._left = LeftFields(self, self.validate)
        self._left.watch("id", self.id_edit, self.name_edit)
        if self._editing:
            self._left.mark("id")
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
            return "", _FIX_SOURCES
        try:
            platform_from_table(self._table(), builtin_platforms().get(pid))
        except PlatformError as exc:
            message = str(exc)
            return ("", message[:1].upper() + message[1:]) if exc.key != "id" else (message, "")
        return "", ""

    def validate(self) -> bool:
        """Show what is wrong next to the fields; OK is only possible for a valid platform."""
        id_problem, platform_problem = self.problems()
        left = getattr(self, "_left", None)  # rows are added (and validate) before it exists
        show_error(self.id_error, id_problem if left is not None and "id" in left else "")
        if platform_problem == _FIX_SOURCES and not any(r.left and not r.is_valid for r in self.rows):
            platform_problem_shown = ""  # no row shows its red mark yet: the user is still filling it in
        else:
            platform_problem_shown = platform_problem
        show_error(self.platform_error, platform_problem_shown)
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
