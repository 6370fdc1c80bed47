"""The editor for one channel: its name, id, platform, the type's own fields and its password.

The form is built from what the channel's module asks for (``registry.fields``), so a
new channel type needs no change here. The password goes no further than this window
and the Settings window's memory: the Settings window hands it to the password store
when it is saved, never to the settings file.

A new or changed channel is checked before it is kept (issue 16: each is tested before
it is saved). The check runs off the UI thread; if it fails the editor says why and
offers "Save anyway" as an explicit choice, never silently.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.catalog import PLATFORM_ID
from outagetray.core.channels import Field
from outagetray.core.profile import CHANNEL_KEYS, OWN_PLACES, TYPE_PLATFORMS, Channel, channel_id
from outagetray.core.redact import one_line, shown
from outagetray.ui.channel_checks import ChannelChecks, EnteredSecret
from outagetray.ui.settings.fields import ERROR_STYLE, label, show_error

#: Each type in the words the Add menu and the list use.
TYPE_WORDS = {
    "email": "Email list",
    "wordpress": "WordPress blog",
    "ghost": "Ghost blog",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "matrix": "Matrix room",
    "telegram": "Telegram channel",
    "discord": "Discord (webhook)",
    "slack": "Slack (webhook)",
    "facebook_page": "Facebook Page",
    "x": "X",
    "apprise": "Other service (Apprise)",
    "blog": "Blog",
    "website": "Website",
    "linkedin": "LinkedIn",
    "threads": "Threads",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "whatsapp": "WhatsApp",
}
#: Where a channel of a type lives when the catalog has no platform for it.
_OWN_PLATFORM = {"email": "email", "wordpress": "blog", "ghost": "blog"}
PLACE_WORDS = {
    "email": "Email",
    "blog": "Own blog",
    "website": "Own website",
    "newsletter": "Newsletter",
    "shop": "Online shop",
}
SAVED_PLACEHOLDER = "Saved in your system's password store"
TESTING = "Testing…"


def place_words(platform: str, names: Mapping[str, str]) -> str:
    """A channel's platform as the user knows it: "Email", "Own blog", "Facebook"."""
    return PLACE_WORDS.get(platform) or names.get(platform) or TYPE_WORDS.get(platform, platform)


def _hint(text: str) -> QLabel:
    hint = label(text)
    hint.setStyleSheet("color: palette(mid);")
    return hint


def type_words(channel_type: str) -> str:
    return TYPE_WORDS.get(channel_type, channel_type.replace("_", " ").capitalize())


def default_platform(channel_type: str, known: Collection[str]) -> str:
    """The platform a new channel of this type lives on, so a channel on a failing platform is skipped."""
    found = TYPE_PLATFORMS.get(channel_type) or _OWN_PLATFORM.get(channel_type, "")
    if not found and channel_type in known:
        found = channel_type
    return found if found in known or found in OWN_PLACES else ""


def _shown_value(value: object, kind: str) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(str(item) for item in value)
    if value is None or isinstance(value, (dict, bool)):
        return "" if value is None else str(value).lower()
    return str(value)


class ChannelEditor(QDialog):
    """Adds or edits one channel; :meth:`result` gives the table, :meth:`entered_secret` the password.

    ``sending_fields`` is ``registry.fields(type)`` for a type OutageTray posts to, or
    None for a place the user posts to by hand (only its name, platform and address).
    ``secrets`` is where the saved password comes from (the Settings window's pending
    ones over the store's); it is read on a worker thread only.
    """

    def __init__(
        self,
        channel_type: str,
        table: Channel | None,
        taken: Collection[str],
        platforms: Mapping[str, str],
        sending_fields: tuple[tuple[Field, ...], Field | None] | None,
        checks: ChannelChecks,
        secrets: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.channel_type = channel_type
        self._original = table
        self._editing = table is not None
        self._taken = set(taken)
        self._checks = checks
        self._secrets = secrets
        self._fields, self._secret_field = sending_fields if sending_fields is not None else ((), None)
        self._sends = sending_fields is not None
        self._ticket: int | None = None
        self._saving = False
        #: The last check's result for the values as they are now (None after any edit).
        self.last_result: Any = None
        self._auto_id = ""
        #: Whether the user has left a field yet (the form's problem is shown from then on).
        self._left = False
        self.setWindowTitle(("Edit " if self._editing else "Add ") + type_words(channel_type))
        self.resize(600, 680)

        self.name_edit = QLineEdit(table.name if table else "")
        self.name_edit.setPlaceholderText("e.g. Newsletter")
        self.id_edit = QLineEdit(table.id if table else "")
        self.id_edit.setReadOnly(self._editing)  # drafts and the outbox refer to a channel by its id
        self.id_edit.setToolTip("A short name for the settings file: lower-case letters, digits, - or _")
        self.id_error = label(error=True)
        self.platform_combo = QComboBox()
        self.platform_combo.addItem("None of these", "")
        for place in OWN_PLACES:
            self.platform_combo.addItem(PLACE_WORDS.get(place, place), place)
        for pid, name in sorted(platforms.items(), key=lambda item: item[1].lower()):
            if pid not in OWN_PLACES:
                self.platform_combo.addItem(name, pid)
        wanted = table.platform if table else default_platform(channel_type, platforms)
        if wanted and self.platform_combo.findData(wanted) < 0:
            self.platform_combo.addItem(wanted, wanted)
        self.platform_combo.setCurrentIndex(max(self.platform_combo.findData(wanted), 0))
        self.platform_combo.setToolTip(
            "When this platform is down, OutageTray skips this channel and says so"
        )

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Id", self.id_edit)
        form.addRow("", self.id_error)
        form.addRow("Lives on", self.platform_combo)
        self.field_widgets: dict[str, QLineEdit | QComboBox | QPlainTextEdit] = {}
        extra: Mapping[str, Any] = table.extra if table else {}
        fields = self._fields if self._sends else (Field("url", "Address", "url", False, "Its public page"),)
        for spec in fields:
            if spec.kind == "secret":
                continue
            value = (table.url if table else "") if spec.key == "url" else extra.get(spec.key)
            widget = self._field_widget(spec, value)
            self.field_widgets[spec.key] = widget
            form.addRow(spec.label + ("" if spec.required else " (optional)"), widget)
            if spec.help:
                form.addRow("", _hint(spec.help))
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        if self._secret_field is not None:
            form.addRow(self._secret_field.label, self.secret_edit)
            if self._secret_field.help:
                form.addRow("", _hint(self._secret_field.help))
        self.secret_edit.setVisible(self._secret_field is not None)

        self.problem_label = label(error=True)
        self.result_label = label()
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip(
            "Check now, without posting anything, that OutageTray can use this channel"
        )
        self.test_button.setVisible(self._sends)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        self.save_button: QPushButton = save
        self.save_anyway_button = self.buttons.addButton(
            "Save anyway", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_anyway_button.setVisible(False)
        self.save_anyway_button.setToolTip("Keep this channel although the check did not work")
        tests = QHBoxLayout()
        tests.addWidget(self.test_button)
        tests.addStretch(1)
        fields_widget = QWidget()
        fields_widget.setLayout(form)
        scroll = QScrollArea()  # a type with many fields stays readable in a small window
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(fields_widget)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(tests)
        layout.addWidget(self.result_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

        self.name_edit.textChanged.connect(self._name_changed)
        for edit in (self.name_edit, self.id_edit, self.secret_edit):
            edit.textChanged.connect(self._edited)
        self.platform_combo.currentIndexChanged.connect(self._edited)
        for widget in self.field_widgets.values():
            if isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._edited)
            else:
                widget.textChanged.connect(self._edited)
        self.test_button.clicked.connect(self.start_test)
        edits: list[QLineEdit | QComboBox | QPlainTextEdit] = [self.name_edit, self.id_edit, self.secret_edit]
        for leaving in [*edits, *self.field_widgets.values()]:
            if isinstance(leaving, QLineEdit):
                leaving.editingFinished.connect(self._field_left)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_anyway_button.clicked.connect(self.save_anyway)
        self._checks.checked.connect(self._checked)
        self.finished.connect(lambda _code: self._checks.checked.disconnect(self._checked))
        self._unchanged = self.channel() if self._editing else None
        self.validate()

    # -- the form -------------------------------------------------------------------------------

    def _field_widget(self, spec: Field, value: object) -> QLineEdit | QComboBox | QPlainTextEdit:
        # An optional field left empty takes the service's usual value (shown greyed in it), so it
        # follows the others: the email port's usual value, say, depends on the security chosen.
        if value is not None:
            text = _shown_value(value, spec.kind)
        else:
            text = spec.default if spec.required and not self._editing else ""
        if spec.kind == "choice":
            combo = QComboBox()
            if not spec.required:
                combo.addItem("", "")
            for choice in spec.choices:
                combo.addItem(choice, choice)
            # A new channel shows the usual choice; a saved one without it keeps it unsaid.
            wanted = text if value is not None or self._editing else spec.default
            combo.setCurrentIndex(max(combo.findData(wanted), 0))
            combo.setToolTip(spec.help)
            return combo
        if spec.kind == "list":
            lines = QPlainTextEdit(text)
            lines.setPlaceholderText("One per line")
            lines.setToolTip(spec.help)
            lines.setFixedHeight(lines.fontMetrics().lineSpacing() * 5)
            return lines
        edit = QLineEdit(text)
        edit.setToolTip(spec.help)
        if spec.kind == "number":
            edit.setValidator(QIntValidator(0, 2_000_000_000, edit))
        if spec.default:
            edit.setPlaceholderText(spec.default)
        elif spec.kind == "url":
            edit.setPlaceholderText("https://…")
        return edit

    def set_secret_saved(self, saved: bool) -> None:
        """Say that a password is kept already, so an empty field keeps it (told by the tab)."""
        self.secret_edit.setPlaceholderText(SAVED_PLACEHOLDER if saved else "")

    def _name_changed(self, name: str) -> None:
        """Make the id from the name on a new channel, until the user types their own."""
        if self._editing or self.id_edit.text() not in ("", self._auto_id):
            return
        self._auto_id = channel_id(name, self._taken) if name.strip() else ""
        self.id_edit.setText(self._auto_id)

    def _field_left(self) -> None:
        if not self._left and self.isVisible():
            self._left = True
            self.validate()

    def _edited(self) -> None:
        self.last_result = None
        self._ticket = None  # a result still due describes the values as they were
        self._saving = False
        self.save_anyway_button.setVisible(False)
        self.result_label.setText("")
        self.test_button.setText("Test")
        self.validate()

    # -- what the editor holds ------------------------------------------------------------------

    def channel(self) -> Channel:
        """The channel as it will be written to the settings file (never with its password)."""
        original = self._original
        extra: dict[str, Any] = {
            k: copy.deepcopy(v)
            for k, v in (original.extra if original else {}).items()
            if k not in CHANNEL_KEYS
        }
        url = original.url if original else ""
        specs = {spec.key: spec for spec in self._fields} if self._sends else {"url": Field("url", "", "url")}
        for key, widget in self.field_widgets.items():
            value = self._value(specs[key], widget, extra.get(key))
            if key == "url":
                url = value if isinstance(value, str) else ""
            elif value in ("", [], None):
                extra.pop(key, None)
            else:
                extra[key] = value
        return Channel(
            self.id_edit.text().strip(),
            self.channel_type,
            self.name_edit.text().strip(),
            str(self.platform_combo.currentData() or ""),
            url.strip(),
            extra,
        )

    def _value(self, spec: Field, widget: QLineEdit | QComboBox | QPlainTextEdit, before: object) -> Any:
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        if isinstance(widget, QPlainTextEdit):
            lines = [line.strip() for line in widget.toPlainText().splitlines() if line.strip()]
            if isinstance(before, str) and len(lines) <= 1:
                return lines[0] if lines else ""  # a file's path stays one text, as it was written
            return lines
        text = widget.text().strip()
        if spec.kind == "number" and text:
            try:
                return int(text)
            except ValueError:
                return text
        return text

    def entered_secret(self) -> str:
        """The password typed here ("" keeps the saved one); it goes to the password store only."""
        return self.secret_edit.text()

    def problems(self) -> tuple[str, str]:
        """(problem with the id, problem with the rest); "" when fine."""
        cid = self.id_edit.text().strip()
        if not cid:
            return "Give the channel a name.", ""
        if not PLATFORM_ID.match(cid):
            return "Use lower-case letters, digits, - or _ (e.g. newsletter), at most 40 characters.", ""
        if not self._editing and cid in self._taken:
            return f"There is already a channel with the id “{cid}”; choose another.", ""
        specs = {spec.key: spec for spec in self._fields}
        for key, widget in self.field_widgets.items():
            spec = specs.get(key)
            if spec is None:
                continue
            value = self._value(spec, widget, None)
            if spec.required and value in ("", []):
                return "", f"Fill in {spec.label.lower()}."
            if spec.kind == "number" and isinstance(value, str) and value:
                return "", f"{spec.label} must be a whole number."
        return "", ""

    def validate(self) -> bool:
        id_problem, problem = self.problems()
        show_error(self.id_error, id_problem if self.id_edit.text() or self.name_edit.text() else "")
        # Shown once the user has left a field: not as a telling-off on a form nobody has touched.
        show_error(self.problem_label, problem if self._left else "")
        valid = not id_problem and not problem
        self.save_button.setEnabled(valid)
        self.test_button.setEnabled(valid and self._ticket is None)
        return valid

    @property
    def testing(self) -> bool:
        return self._ticket is not None

    # -- Test and Save ---------------------------------------------------------------------------

    def start_test(self) -> None:
        """Run the channel's check off the UI thread with the values and password entered here."""
        if self._ticket is not None or not self.validate() or not self._sends:
            return
        self.result_label.setStyleSheet("")
        self.result_label.setText("Checking…")
        self.test_button.setText(TESTING)
        self.test_button.setEnabled(False)
        secret = EnteredSecret(self.entered_secret(), self._secrets)
        self._ticket = self._checks.test([self.channel()], secret, record=False)

    def _checked(self, ticket: int, result: Any) -> None:
        if ticket != self._ticket:
            return
        self._ticket = None
        self.test_button.setText("Test")
        self.last_result = result
        ok = bool(result.ok)
        message = one_line(shown(result.message))
        if ok:
            self.result_label.setStyleSheet("")
            self.result_label.setText(f"✓ It works. {message}".strip())
        else:
            self.result_label.setStyleSheet(ERROR_STYLE)
            self.result_label.setText(f"✗ {message}")
        self.validate()
        if self._saving:
            self._saving = False
            if ok:
                self.accept()
            else:
                self._ask_anyway()

    def changed(self) -> bool:
        """Whether there is anything new to check: a new channel, other values, or a new password."""
        return not self._editing or self.channel() != self._unchanged or bool(self.entered_secret())

    def save(self) -> None:
        """Keep the channel once its check works; a failed check offers "Save anyway"."""
        if not self.validate():
            return
        if not self._sends or not self.changed():
            self.accept()
            return
        if self.last_result is not None and self.last_result.ok:
            self.accept()
            return
        if self.last_result is not None:  # tested just now and it failed: ask, do not check again
            self._ask_anyway()
            return
        self._saving = True
        self.start_test()

    def _ask_anyway(self) -> None:
        message = one_line(shown(self.last_result.message))
        self.result_label.setStyleSheet(ERROR_STYLE)
        self.result_label.setText(
            f"✗ This channel does not work yet: {message} Fix it and press Save, "
            "or keep it as it is with Save anyway."
        )
        self.save_anyway_button.setVisible(True)

    def save_anyway(self) -> None:
        """The user's explicit choice: keep a channel whose check did not work."""
        if self.validate():
            self.accept()
