"""The "Platforms" tab: search the catalog and tick the platforms to watch."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from outagetray.core.redact import one_line
from outagetray.ui.settings.draft import Draft
from outagetray.ui.settings.fields import label


class PlatformsTab(QWidget):
    """Lists the catalog and the user's platforms; ticks write ``draft.watch``.

    ``watch_changed`` tells the other tabs (the mute list) that the watch list changed.
    """

    watch_changed = Signal()

    def __init__(self, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._draft = draft
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search by name, owner or id")
        self.search_edit.setClearButtonEnabled(True)
        self.platform_list = QListWidget()
        self.watched_label = label()
        self.no_match_label = label("No platform matches your search.")
        self.no_match_label.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(label("Tick the platforms your work depends on; OutageTray watches those."))
        layout.addWidget(self.search_edit)
        layout.addWidget(self.platform_list, 1)
        layout.addWidget(self.no_match_label)
        layout.addWidget(self.watched_label)
        self.search_edit.textChanged.connect(self._apply_search)
        self.platform_list.itemChanged.connect(self._platform_toggled)

    def fill(self) -> None:
        """List the catalog and the user's platforms; called again whenever those change."""
        draft = self._draft
        platforms = draft.platforms()
        known = set(platforms)
        draft.watch = [pid for pid in draft.watch if pid in known]
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
            checked = platform.id in draft.watch
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
        watch = self._draft.watch
        if item.checkState() == Qt.CheckState.Checked:
            if pid not in watch:
                watch.append(pid)  # newly watched go last; the user's order is kept
        elif pid in watch:
            watch.remove(pid)
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
        count = len(self._draft.watch)
        self.watched_label.setText(
            "No platform is watched." if not count else f"{count} platform{'s' * (count != 1)} watched."
        )
        self.watch_changed.emit()
