"""The "Your own platforms" tab: add, edit and remove the user's platform tables."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from outagetray.core.catalog import builtin_platforms
from outagetray.core.redact import one_line
from outagetray.ui.settings.draft import Draft
from outagetray.ui.settings.fields import label
from outagetray.ui.settings.platform_editor import PlatformEditor
from outagetray.ui.settings.source_row import TrialStarter


class CustomTab(QWidget):
    """Edits ``draft.custom``; ``platforms_changed`` fires after a platform was added, edited or removed.

    The dialog answers that signal by refilling the platform list, which in turn
    refills the mute list: this tab need not know either of them.
    """

    platforms_changed = Signal()

    def __init__(self, draft: Draft, start_trial: TrialStarter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._draft = draft
        self._start_trial = start_trial
        #: The platform editor currently open, if any (tests and the app may reach it here).
        self.editor: PlatformEditor | None = None
        self.custom_list = QListWidget()
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            label(
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

    def fill(self) -> None:
        self.custom_list.clear()
        for table in self._draft.custom:
            pid = str(table.get("id"))
            name = one_line(str(table.get("name") or pid))
            self.custom_list.addItem(QListWidgetItem(f"{name} ({pid})"))
        self._custom_selection_changed()

    def _custom_selection_changed(self) -> None:
        selected = 0 <= self.custom_list.currentRow() < len(self._draft.custom)
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def custom_platforms(self) -> list[dict[str, Any]]:
        """The user's platform tables as they stand in the dialog (copies)."""
        return copy.deepcopy(self._draft.custom)

    def open_editor(self, index: int | None = None) -> PlatformEditor:
        """Open the editor for a new platform (``None``) or the custom platform at ``index``.

        Opened window-modal with ``open()``, not ``exec()``, so no nested event loop runs
        and Test results keep arriving while it is shown.
        """
        custom = self._draft.custom
        table = custom[index] if index is not None else None
        taken = set(builtin_platforms()) | {str(t.get("id")) for i, t in enumerate(custom) if i != index}
        # Parented to the dialog, as before the split: window-modal over the whole Settings window.
        editor = PlatformEditor(table, taken, self._start_trial, self.window())
        editor.accepted.connect(lambda: self._editor_accepted(editor, index))
        editor.finished.connect(lambda _code: self._editor_closed(editor))
        self.editor = editor
        editor.open()
        return editor

    def _editor_accepted(self, editor: PlatformEditor, index: int | None) -> None:
        table = editor.result_table()
        if table is None:
            return
        draft = self._draft
        if index is None:
            draft.custom.append(table)
            if table["id"] not in draft.watch:
                draft.watch.append(table["id"])  # someone adding a platform wants it watched
        else:
            draft.custom[index] = table
        self.fill()
        self.platforms_changed.emit()

    def _editor_closed(self, editor: PlatformEditor) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    def _edit_selected(self) -> None:
        row = self.custom_list.currentRow()
        if 0 <= row < len(self._draft.custom):
            self.open_editor(row)

    def _remove_selected(self) -> None:
        draft = self._draft
        row = self.custom_list.currentRow()
        if not 0 <= row < len(draft.custom):
            return
        pid = str(draft.custom.pop(row).get("id"))
        if pid not in builtin_platforms():
            # A platform that no longer exists must not stay in the lists: the file would not load.
            draft.watch = [p for p in draft.watch if p != pid]
            draft.muted = [p for p in draft.muted if p != pid]
        self.fill()
        self.platforms_changed.emit()
