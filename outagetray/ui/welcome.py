"""The first-run welcome: who the user is, where their audience is, which channels they own.

Four short pages, each skippable ("Skip for now" closes the welcome, Escape too): what
OutageTray does and the brand name; where the audience is and roughly how many
followers; the channels the user owns (email list, blog, website, other networks);
a signature, a tone, and what will be watched. Finishing hands the new settings to
whoever opened it (:attr:`WelcomeDialog.finished_with`); the dialog itself never
touches the disk, so it can run inside the Settings window (which saves on its own
Save) as well as at first start (:class:`FirstRun` saves off the UI thread through the
app's one :class:`SettingsStore`, like the Settings window does).

Channels the welcome does not show (a second email list, a Matrix room, keys the
sending work added) are kept exactly as they were: the welcome edits only what it shows.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from outagetray.core.profile import (
    AUDIENCE_KINDS,
    MAX_TEXT,
    PROMISE,
    TYPE_PLATFORMS,
    Channel,
    Profile,
    Reach,
    channel_id,
    watch_from_answers,
    web_address,
)
from outagetray.core.reach import join_names
from outagetray.core.settings import Settings, validate_url

log = logging.getLogger(__name__)

#: The networks offered under "other networks", as channel type and the name people know.
NETWORKS = (
    ("facebook_page", "Facebook page"),
    ("instagram", "Instagram"),
    ("x", "X (Twitter)"),
    ("linkedin", "LinkedIn"),
    ("threads", "Threads"),
    ("tiktok", "TikTok"),
    ("youtube", "YouTube"),
    ("whatsapp", "WhatsApp"),
    ("bluesky", "Bluesky"),
    ("mastodon", "Mastodon"),
    ("telegram", "Telegram"),
    ("discord", "Discord"),
    ("slack", "Slack"),
)
_NETWORK_TYPES = tuple(kind for kind, _name in NETWORKS)
_BLOG_TYPES = ("blog", "wordpress", "ghost")
#: The spin boxes' top: QSpinBox is 32-bit, and no account has two billion followers.
_MOST_FOLLOWERS = 2_000_000_000
#: What each tone sounds like: the first line of its shipped short notice, Instagram filled in
#: (a test holds them to resources/drafts/notice.toml, so the promise matches what is sent).
TONE_EXAMPLES = {
    "friendly": "There's trouble on Instagram right now, so you may not reach us there.",
    "formal": "Service on Instagram is disrupted, so messages to us there may be delayed.",
}
PAGE_TITLES = ("Welcome", "Your audience", "Your own channels", "How you sound")


#: The Settings window's error colour (ui/settings/fields.py), not imported: the window builds the
#: setup offer at start, and the Settings package is loaded only when Settings opens.
ERROR_STYLE = "color: #c62828;"


def label(text: str = "", *, error: bool = False, wrap: bool = True) -> QLabel:
    """A label that never interprets markup: what it shows may be the user's own words."""
    widget = QLabel(text)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(wrap)
    if error:
        widget.setStyleSheet(ERROR_STYLE)
        widget.setMinimumHeight(widget.fontMetrics().lineSpacing())  # errors come and go; fields stay put
    return widget


def show_error(widget: QLabel, message: str) -> None:
    widget.setText(message)


def _title(text: str) -> QLabel:
    widget = label(text)
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    widget.setFont(font)
    return widget


def _entry(address_or_handle: str) -> tuple[str, str]:
    """What the user typed for a network, as (name, url).

    "@acme" is a handle, "instagram.com/acme" an address.
    """
    text = address_or_handle.strip()
    if not text or text.startswith("@") or " " in text:
        return text, ""
    if "://" in text or "/" in text:
        return "", web_address(text)
    return text, ""  # "acme.bsky.social": a handle that looks like a site name


class NetworkRow(QWidget):
    """One "other network" the user owns: which one, and its address or @handle."""

    removed = Signal(object)

    def __init__(self, origin: Channel | None = None) -> None:
        super().__init__()
        self.origin = origin
        self.network = QComboBox()
        for kind, name in NETWORKS:
            self.network.addItem(name, kind)
        self.network.setAccessibleName("Network")
        self.address = QLineEdit()
        self.address.setPlaceholderText("address or @handle")
        self.address.setAccessibleName("Address or handle")
        self.address.setMaxLength(MAX_TEXT)
        self.remove_button = QPushButton("Remove")
        self.error = label(error=True)
        if origin is not None:
            self.network.setCurrentIndex(max(0, self.network.findData(origin.type)))
            self.address.setText(origin.url or origin.name)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.network)
        top.addWidget(self.address, 1)
        top.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.error)
        self.remove_button.clicked.connect(lambda: self.removed.emit(self))

    def kind(self) -> str:
        return str(self.network.currentData())

    def problem(self) -> str | None:
        _name, url = _entry(self.address.text())
        return validate_url(url) if url else None


class WelcomeDialog(QDialog):
    """The four pages. ``finished_with`` carries the new Settings; ``skipped`` a "Skip for now"."""

    finished_with = Signal(object)
    skipped = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to OutageTray")
        self._settings = settings
        self._platforms = settings.platforms()
        self._done = False
        self.pages = QStackedWidget()
        self.pages.addWidget(self._intro_page())
        self.pages.addWidget(self._audience_page())
        self.pages.addWidget(self._channels_page())
        self.pages.addWidget(self._voice_page())

        self.skip_button = QPushButton("&Skip for now")
        self.back_button = QPushButton("&Back")
        self.next_button = QPushButton("&Next")
        self.next_button.setDefault(True)
        self.step_label = label(wrap=False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.step_label)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.skip_button.clicked.connect(self.skip)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self._show_page(0)

    # -- the pages -----------------------------------------------------------------------

    def _intro_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(_title("Welcome to OutageTray"))
        layout.addWidget(label("What OutageTray does for you:"))
        self.promise_labels = [label(f"•  {line}") for line in PROMISE]
        for line in self.promise_labels:
            layout.addWidget(line)
        layout.addSpacing(layout.spacing() * 2)
        layout.addWidget(label("A few questions make its posts and alerts yours. Every one can be skipped."))
        brand_label = label("Your brand or business name")
        self.brand_edit = QLineEdit(self._settings.profile.brand)
        self.brand_edit.setMaxLength(MAX_TEXT)
        self.brand_edit.setPlaceholderText("e.g. Acme Bakery")
        brand_label.setBuddy(self.brand_edit)
        layout.addWidget(brand_label)
        layout.addWidget(self.brand_edit)
        layout.addStretch(1)
        return page

    def _audience_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(_title("Where is your audience?"))
        layout.addWidget(
            label(
                "Tick the platforms your followers are on and say roughly how many. OutageTray watches these."
            )
        )
        followers = {r.platform: r.followers for r in self._settings.profile.audience}
        self.audience_checks: dict[str, QCheckBox] = {}
        self.follower_spins: dict[str, QSpinBox] = {}
        grid_holder = QWidget()
        grid = QGridLayout(grid_holder)
        for row, platform in enumerate(p for p in self._platforms.values() if p.kind in AUDIENCE_KINDS):
            check = QCheckBox(platform.name)
            spin = QSpinBox()
            spin.setRange(0, _MOST_FOLLOWERS)
            spin.setSpecialValueText("not sure")
            spin.setSuffix(" followers")
            spin.setGroupSeparatorShown(True)
            spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            spin.setAccessibleName(f"Followers on {platform.name}, roughly")
            checked = platform.id in followers
            check.setChecked(checked)
            spin.setValue(min(followers.get(platform.id, 0), _MOST_FOLLOWERS))
            spin.setEnabled(checked)
            check.toggled.connect(spin.setEnabled)
            grid.addWidget(check, row, 0)
            grid.addWidget(spin, row, 1)
            self.audience_checks[platform.id] = check
            self.follower_spins[platform.id] = spin
        grid.setColumnStretch(2, 1)
        scroll = QScrollArea()
        scroll.setWidget(grid_holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(scroll, 1)
        return page

    def _channels_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(_title("Your own channels"))
        layout.addWidget(
            label(
                "When a platform fails, these are where you can still reach people. "
                "Fill in the ones you have; leave the rest empty."
            )
        )
        channels = self._settings.channels
        self._email = next((c for c in channels if c.type == "email"), None)
        self._blog = next((c for c in channels if c.type in _BLOG_TYPES), None)
        self._website = next((c for c in channels if c.type == "website"), None)
        blog_url = self._blog.url if self._blog is not None else self._settings.profile.blog_url
        self.email_edit = self._field(
            layout, "Your email list's name", "e.g. Acme news", self._email.name if self._email else ""
        )
        self.blog_edit = self._field(layout, "Your blog's address", "e.g. blog.acme.com", blog_url)
        self.blog_error = label(error=True)
        layout.addWidget(self.blog_error)
        website = self._website.url if self._website is not None else ""
        self.website_edit = self._field(layout, "Your website's address", "e.g. acme.com", website)
        self.website_error = label(error=True)
        layout.addWidget(self.website_error)
        self._prefilled = {
            "email": self.email_edit.text(),
            "blog": self.blog_edit.text(),
            "website": self.website_edit.text(),
        }
        layout.addWidget(label("Other networks where you have an account"))
        self.network_rows: list[NetworkRow] = []
        self._networks_layout = QVBoxLayout()
        layout.addLayout(self._networks_layout)
        self.add_network_button = QPushButton("&Add a network")
        self.add_network_button.clicked.connect(lambda: self.add_network().network.setFocus())
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_network_button)
        add_row.addStretch(1)
        layout.addLayout(add_row)
        layout.addStretch(1)
        shown = {id(c) for c in (self._email, self._blog, self._website) if c is not None}
        for channel in channels:
            if id(channel) not in shown and channel.type in _NETWORK_TYPES:
                self.add_network(channel)
        self.blog_edit.editingFinished.connect(self._check_addresses)
        self.website_edit.editingFinished.connect(self._check_addresses)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        return scroll

    @staticmethod
    def _field(layout: QVBoxLayout, text: str, hint: str, value: str | None) -> QLineEdit:
        caption = label(text)
        edit = QLineEdit(value or "")
        edit.setPlaceholderText(hint)
        edit.setMaxLength(MAX_TEXT)
        caption.setBuddy(edit)
        layout.addWidget(caption)
        layout.addWidget(edit)
        return edit

    def add_network(self, origin: Channel | None = None) -> NetworkRow:
        """Add a row for another network (``origin``: a channel from the file it stands for)."""
        row = NetworkRow(origin)
        row.removed.connect(self._remove_network)
        row.address.editingFinished.connect(self._check_addresses)
        self.network_rows.append(row)
        self._networks_layout.addWidget(row)
        return row

    def _remove_network(self, row: object) -> None:
        if isinstance(row, NetworkRow) and row in self.network_rows:
            self.network_rows.remove(row)
            row.hide()
            row.deleteLater()
            self.add_network_button.setFocus()

    def _voice_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(_title("How you sound"))
        profile = self._settings.profile
        caption = label("Your signature, at the end of emails and posts")
        self.signature_edit = QPlainTextEdit(profile.signature)
        self.signature_edit.setPlaceholderText("e.g. Jo and the Acme team")
        self.signature_edit.setTabChangesFocus(True)
        self.signature_edit.setAccessibleName("Signature")
        self.signature_edit.setMaximumHeight(self.signature_edit.fontMetrics().lineSpacing() * 5)
        caption.setBuddy(self.signature_edit)
        self.signature_error = label(error=True)
        layout.addWidget(caption)
        layout.addWidget(self.signature_edit)
        layout.addWidget(self.signature_error)
        layout.addWidget(label("The tone of the ready-made posts"))
        self.friendly_radio = QRadioButton(f"F&riendly: \u201c{TONE_EXAMPLES['friendly']}\u201d")
        self.formal_radio = QRadioButton(f"F&ormal: \u201c{TONE_EXAMPLES['formal']}\u201d")
        (self.formal_radio if profile.tone == "formal" else self.friendly_radio).setChecked(True)
        layout.addWidget(self.friendly_radio)
        layout.addWidget(self.formal_radio)
        layout.addSpacing(layout.spacing() * 2)
        self.summary_label = label()
        layout.addWidget(self.summary_label)
        layout.addStretch(1)
        return page

    # -- moving between pages ------------------------------------------------------------

    def page(self) -> int:
        return self.pages.currentIndex()

    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        last = index == self.pages.count() - 1
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("&Finish" if last else "&Next")
        self.step_label.setText(f"Step {index + 1} of {self.pages.count()}")
        self.setWindowTitle(f"Welcome to OutageTray: {PAGE_TITLES[index].lower()}")
        if last:
            self.summary_label.setText(self.summary())
        first = {
            0: self.brand_edit,
            1: next(iter(self.audience_checks.values()), None),
            2: self.email_edit,
            3: self.signature_edit,
        }[index]
        if first is not None:
            first.setFocus()

    def go_next(self) -> None:
        """Next page, or Finish on the last; a page with a mistake stays, with the mistake shown."""
        if self.page() == 2 and not self._check_addresses():
            return
        if self.page() < self.pages.count() - 1:
            self._show_page(self.page() + 1)
        else:
            self.finish()

    def go_back(self) -> None:
        if self.page() > 0:
            self._show_page(self.page() - 1)

    def skip(self) -> None:
        """ "Skip for now": close without keeping any answer; the welcome stays in Settings."""
        self.reject()

    def reject(self) -> None:
        """Skip, Escape and the close button: the caller remembers the skip (``skipped``)."""
        if not self._done:
            self._done = True
            self.skipped.emit()
        super().reject()

    def finish(self) -> None:
        if not self._check_addresses():
            self._show_page(2)
            return
        if len(self.signature_edit.toPlainText()) > MAX_TEXT:
            show_error(self.signature_error, f"Keep the signature under {MAX_TEXT} characters.")
            return
        new = self.answers()
        self._done = True
        self.finished_with.emit(new)
        self.accept()

    # -- what the answers mean -----------------------------------------------------------

    def _check_addresses(self) -> bool:
        """Show what is wrong with the addresses on the channels page; True when nothing is."""
        fine = True
        for edit, error in ((self.blog_edit, self.blog_error), (self.website_edit, self.website_error)):
            address = web_address(edit.text())
            problem = validate_url(address) if address else None
            show_error(error, problem or "")
            fine = fine and problem is None
        for row in self.network_rows:
            problem = row.problem()
            show_error(row.error, problem or "")
            fine = fine and problem is None
        return fine

    def profile(self) -> Profile:
        audience = tuple(
            Reach(pid, self.follower_spins[pid].value())
            for pid, check in self.audience_checks.items()
            if check.isChecked()
        )
        kept = {
            r.platform: r for r in self._settings.profile.audience if r.platform not in self.audience_checks
        }
        return Profile(
            brand=self.brand_edit.text().strip(),
            signature=self.signature_edit.toPlainText().strip(),
            tone="formal" if self.formal_radio.isChecked() else "friendly",
            blog_url=web_address(self.blog_edit.text()),
            audience=(*audience, *kept.values()),
        )

    def channels(self) -> tuple[Channel, ...]:
        """The user's channels after the welcome: the ones it shows as edited, the others as they were.

        A channel from the file stays where it was in the list (and keeps its id and every key
        the welcome does not show); it goes only when the user emptied its field or removed
        its row. New ones come last.
        """
        edited: dict[int, Channel | None] = {}  # id() of a channel from the file: its new self, or None
        added: list[Channel] = []
        taken = {c.id for c in self._settings.channels}
        brand = self.brand_edit.text().strip()

        def add(kind: str, name: str = "", platform: str = "", url: str = "") -> None:
            channel = Channel(
                channel_id("email-list" if kind == "email" else kind, taken), kind, name, platform, url
            )
            taken.add(channel.id)
            added.append(channel)

        for key, origin, edit in (
            ("email", self._email, self.email_edit),
            ("blog", self._blog, self.blog_edit),
            ("website", self._website, self.website_edit),
        ):
            value = edit.text().strip() if key == "email" else web_address(edit.text())
            if origin is None:
                if value:
                    add(key, value, url="") if key == "email" else add(key, brand, url=value)
            elif not value:
                if self._prefilled[key]:
                    edited[id(origin)] = None  # the user emptied the field: they no longer have it
            else:
                edited[id(origin)] = (
                    replace(origin, name=value) if key == "email" else replace(origin, url=value)
                )
        in_rows = {id(row.origin) for row in self.network_rows if row.origin is not None}
        for channel in self._settings.channels:
            if channel.type in _NETWORK_TYPES and id(channel) not in in_rows:
                edited[id(channel)] = None  # its row was removed
        for row in self.network_rows:
            name, url = _entry(row.address.text())
            kind, origin = row.kind(), row.origin
            if origin is not None and origin.type == kind:
                edited[id(origin)] = replace(origin, url=url) if url else replace(origin, name=name, url="")
                continue
            if origin is not None:
                edited[id(origin)] = None  # now another network: a new channel takes its place
            add(kind, name, TYPE_PLATFORMS.get(kind, ""), url)
        kept = [edited.get(id(c), c) for c in self._settings.channels]
        return (*(c for c in kept if c is not None), *added)

    def answers(self) -> Settings:
        """The settings the welcome ends with: profile, channels, and the watch list they lead to."""
        profile, channels = self.profile(), self.channels()
        watch = watch_from_answers(self._settings.watch, profile, channels, self._platforms)
        return replace(self._settings, profile=profile, channels=channels, watch=watch)

    def summary(self) -> str:
        """What will happen, in a sentence or two, on the last page."""
        new = self.answers()
        names = [self._platforms[pid].name for pid in new.watch if pid in self._platforms]
        added = [self._platforms[pid].name for pid in new.watch if pid not in self._settings.watch]
        lines = [
            f"OutageTray will watch {join_names(names)}." if names else "OutageTray will watch nothing yet."
        ]
        if added:
            lines.append(f"New on the list: {join_names(added)}.")
        own = len(new.channels)
        if own:
            lines.append(f"Your drafts can go to {own} channel{'s' if own != 1 else ''} of your own.")
        return " ".join(lines)


class SetupOffer(QWidget):
    """For the main window until the profile is done: what OutageTray will do, and a button to set it up."""

    setup_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.heading = label("Tell OutageTray about your business, and it will:")
        layout.addWidget(self.heading)
        self.lines = [label(f"•  {line}") for line in PROMISE]
        for line in self.lines:
            layout.addWidget(line)
        self.setup_button = QPushButton("Set &up for your business…")
        row = QHBoxLayout()
        row.addWidget(self.setup_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.setup_button.clicked.connect(self.setup_requested)
