"""The cockpit's Channels tab: is every channel ready to send, and since when did it last work?

Nobody should find an expired token during an outage (issue 16 item 6). Each channel
shows its last check and the last time one worked, in local time (the core keeps UTC).
"Test all" runs every check at once off the UI thread; each result appears as it
arrives, through :class:`ChannelChecks`' signals, and is recorded in the state folder.

Places OutageTray cannot post to (LinkedIn, Instagram, ...) are listed too, as posted
by hand: the draft's Open composer is the one-click path there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from outagetray.core.profile import Channel
from outagetray.core.redact import one_line, shown
from outagetray.ui.channel_checks import ChannelChecks, check_words
from outagetray.ui.cockpit.widgets import plain_label
from outagetray.ui.when import since_text

if TYPE_CHECKING:
    from outagetray.core.readiness import CheckResult, Readiness, SecretSource

COLUMNS = ("Channel", "Last check", "Last worked")
BY_HAND = "Posted by hand (Open composer)"
FAILED_COLOUR = "#c62828"


class ReadinessView(QWidget):
    """Each channel with its last check; ``Test all`` checks them all at once.

    ``secrets`` and the :class:`Readiness` record are handed over by the cockpit; the
    record is read off the UI thread (it is a file), so it may arrive after the view.
    """

    #: The user asked to set up channels (the cockpit opens Settings on its Channels tab).
    setup_requested = Signal()

    def __init__(
        self,
        checks: ChannelChecks,
        secrets: SecretSource,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tz: tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.checks = checks
        self._secrets = secrets
        self._clock = clock
        self._tz = tz
        self._channels: tuple[Channel, ...] = ()
        self.readiness: Readiness | None = None
        #: Results of this session's checks, shown at once even before the record is read.
        self.results: dict[str, CheckResult] = {}
        self._ticket: int | None = None

        self.summary = plain_label()
        self.test_all_button = QPushButton("Test all")
        self.test_all_button.setToolTip("Check every channel now, without posting anything")
        self.setup_button = QPushButton("Set up channels…")
        self.channel_list = QTreeWidget()
        self.channel_list.setHeaderLabels(list(COLUMNS))
        self.channel_list.setRootIsDecorated(False)
        self.channel_list.setColumnWidth(0, 200)
        self.channel_list.setColumnWidth(1, 320)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.setup_button)
        top.addWidget(self.test_all_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.channel_list, 1)

        self.test_all_button.clicked.connect(self.test_all)
        self.setup_button.clicked.connect(self.setup_requested.emit)
        checks.checked.connect(self._checked)
        checks.finished.connect(self._finished)

    def set_readiness(self, readiness: Readiness) -> None:
        """The record of last checks, once read; results of this session still win."""
        self.readiness = readiness
        self.checks.readiness = readiness
        self.fill()

    def show_channels(self, channels: Iterable[Channel]) -> None:
        self._channels = tuple(channels)
        self.fill()

    def sending(self) -> list[Channel]:
        from outagetray.core.channels.registry import sends

        return [c for c in self._channels if sends(c.type)]

    @property
    def testing(self) -> bool:
        return self._ticket is not None

    def _last(self, cid: str) -> CheckResult | None:
        if cid in self.results:
            return self.results[cid]
        return self.readiness.last(cid) if self.readiness is not None else None

    def fill(self) -> None:
        from outagetray.core.channels.registry import sends

        self.channel_list.clear()
        now = self._clock()
        failing = 0
        for channel in self._channels:
            name = one_line(shown(channel.name or channel.id))
            if not sends(channel.type):
                item = QTreeWidgetItem([name, BY_HAND, ""])
            else:
                result = self._last(channel.id)
                if self._ticket is not None and channel.id not in self.results:
                    words, ok = "Checking…", None
                else:
                    words, ok = check_words(result, now, self._tz)
                last_ok = result.last_ok if result is not None else None
                worked = since_text(last_ok, now, self._tz) if last_ok is not None else "Never"
                item = QTreeWidgetItem([name, words, worked])
                item.setToolTip(1, words)
                if ok is False:
                    failing += 1
                    item.setForeground(1, QBrush(QColor(FAILED_COLOUR)))
            self.channel_list.addTopLevelItem(item)
        sending = len(self.sending())
        self.test_all_button.setEnabled(bool(sending) and self._ticket is None)
        self.test_all_button.setText("Testing…" if self._ticket is not None else "Test all")
        if not self._channels:
            text = "No channels yet. Set them up, and OutageTray can send your prepared words in an outage."
        elif not sending:
            text = "None of your channels can be posted to by OutageTray: you post there by hand."
        elif failing:
            text = (
                f"{failing} of {sending} channels did not work at their last check: "
                "fix them before an outage."
            )
        else:
            text = "Check that every channel still works before you need it."
        self.summary.setText(text)

    def test_all(self) -> None:
        """Check every channel OutageTray posts to, at once, off the UI thread."""
        chosen = self.sending()
        if self._ticket is not None or not chosen:
            return
        for channel in chosen:
            self.results.pop(channel.id, None)
        self._ticket = self.checks.test(chosen, self._secrets)
        self.fill()

    def _checked(self, ticket: int, result: object) -> None:
        if ticket != self._ticket:
            return
        cid = getattr(result, "channel", None)
        if isinstance(cid, str):
            self.results[cid] = result  # type: ignore[assignment]
            self.fill()

    def _finished(self, ticket: int, _results: object) -> None:
        if ticket != self._ticket:
            return
        self._ticket = None
        self.fill()
