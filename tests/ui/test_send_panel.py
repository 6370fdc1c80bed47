"""One-click send in the window: the drafts panel's Send, each card's state, and the send controller.

The controller runs against a real outbox (an outage log in tmp_path, opened beside the
test's own connection as the app does); the channels are scripted fakes handed to the
core Sender through ``build=``, each keeping the thread it was called on. The view and the
controller are connected here the way the app connects them (see :func:`wire`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from outagetray.core.channels import CANNOT_TELL, Health, Lookup, Receipt, SendRejected
from outagetray.core.incident_recorder import acquire_recording_lock
from outagetray.core.incidents import IncidentLog
from outagetray.core.judge import Change
from outagetray.core.model import Platform, Verdict
from outagetray.core.outbox import JobState, Outbox
from outagetray.core.playbook import DraftEntry, count_line
from outagetray.core.profile import Channel as Table
from outagetray.core.sending import SENDING_LOCK, Outgoing, Sender
from outagetray.ui.cockpit.draft_editor import DraftCard
from outagetray.ui.cockpit.incident_view import IncidentView
from outagetray.ui.send_controller import SendController
from tests.support.smtp_peer import SmtpPeer

T0 = datetime.now(UTC) - timedelta(minutes=40)
INSTAGRAM = Platform("instagram", "Instagram", "Meta")
NOTICE = "Instagram is down for everyone. We are still here: our newsletter has the news."
MAIL = "Dear customers,\n\nInstagram is down. We are still open as usual."
WAIT = 10_000


class Fake:
    """A scripted service: ``answer`` is ok, refuse or lost; ``gate`` holds the send until set."""

    resend_is_harmless = False

    def __init__(self, name: str, answer: str = "ok") -> None:
        self.name = name
        self.answer = answer
        self.gate: threading.Event | None = None
        self.sent: list[str] = []
        self.threads: list[threading.Thread] = []

    def send(self, text: str, key: str) -> Receipt:
        self.threads.append(threading.current_thread())
        if self.gate is not None:
            assert self.gate.wait(timeout=10)
        if self.answer == "refuse":
            raise SendRejected("The server refused the post: it is longer than this server allows.")
        self.sent.append(text)
        if self.answer == "lost":
            raise TimeoutError("the answer never came")
        return Receipt(f"https://{self.name}.example/posts/{len(self.sent)}", str(len(self.sent)))

    def check(self) -> Health:
        return Health(True, "fine")

    def lookup(self, key: str) -> Lookup:
        return CANNOT_TELL


TABLES = {
    "masto": Table("masto", "mastodon", "Mastodon", "mastodon", "https://social.example"),
    "sky": Table("sky", "bluesky", "Bluesky", "bluesky"),
    "news": Table("news", "email", "Newsletter", "email"),
    "gram": Table("gram", "instagram", "Bob on Instagram", "instagram"),
}


def entry(channel: str, text: str = NOTICE, title: str = "") -> DraftEntry:
    table = TABLES[channel]
    kind = table.type
    return DraftEntry(
        key=f"notice.short.friendly@{channel}",
        phase="notice",
        label=table.name,
        channel_type=kind,
        count_as=kind,
        template_id="notice.short.friendly",
        title=title,
        text=text,
        count=count_line(kind, text),
        notes=(),
    )


def incident_log(path: Path) -> int:
    """The log with one open Instagram outage (made once; a second window finds it)."""
    log = IncidentLog.open(path)
    if not log.open_incidents(drill=None):
        ok, down = Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE
        log.record([Change(T0, INSTAGRAM, ok, down, "Instagram is down", True, 1, (), 1)])
    incident = log.open_incidents(drill=None)[0].id
    log.close()
    return incident


class Keyring:
    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets

    def get(self, channel_id: str) -> str | None:
        return self.secrets.get(channel_id)


def wire(view: IncidentView, controller: SendController) -> None:
    """What the app does (app_playbook.py / tabs.py): the view asks, the controller answers."""
    view.send_requested.connect(controller.send)
    view.settle_requested.connect(controller.settle)
    view.incident_opened.connect(controller.refresh)
    controller.outcome.connect(view.show_send_outcome)
    controller.jobs.connect(view.show_send_jobs)
    controller.finished.connect(view.send_finished)
    controller.problem.connect(view.show_send_problem)


class Setup:
    """A shown Incident view with notice drafts, wired to a controller on a real outage log."""

    def __init__(self, qtbot: QtBot, tmp_path: Path, *channels: str, **answers: str) -> None:
        self.qtbot = qtbot
        self.path = tmp_path / "outages.sqlite"
        self.incident = incident_log(self.path)
        self.fakes = {cid: Fake(cid, answers.get(cid, "ok")) for cid in TABLES}
        self.keyring = Keyring({cid: "s3cret-token" for cid in TABLES})
        self.controller = SendController(self.path, self.keyring, build=self.build)
        self.view = IncidentView()
        qtbot.addWidget(self.view)
        wire(self.view, self.controller)
        self.problems: list[str] = []
        self.controller.problem.connect(self.problems.append)
        self.view.set_channels(list(TABLES.values()))
        self.view.show()
        self.entries = [entry(c) if c != "news" else entry(c, MAIL, "We are open") for c in channels]
        self.open()

    def build(self, table: Table, secret: str, **_: Any) -> Fake:
        assert secret == "s3cret-token"
        return self.fakes[table.id]

    def open(self) -> None:
        """Show the incident's drafts, and read the outbox for it (as opening the incident does)."""
        self.view.drafts.set_drafts(self.incident, {"notice": tuple(self.entries)}, "notice")
        self.view.incident_opened.emit(self.incident)

    @property
    def panel(self) -> Any:
        return self.view.drafts

    def card(self, channel: str) -> DraftCard:
        found = next(c for c in self.panel.cards if c.channel_id == channel)
        assert isinstance(found, DraftCard)
        return found

    def status(self, channel: str) -> str:
        return str(self.card(channel).send_status.text())

    def answer(self, yes: bool = True) -> str:
        """Answer the open question; returns what it asked."""
        box = self.panel.question
        assert isinstance(box, QMessageBox)
        asked = box.text()
        chosen = next(
            b
            for b in box.buttons()
            if (box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole) == yes and isinstance(b, QPushButton)
        )
        chosen.click()
        return asked

    def send(self) -> str:
        button = self.panel.send_button
        assert button.isEnabled(), button.toolTip()
        button.click()
        return self.answer()

    def until(self, channel: str, words: str) -> None:
        self.qtbot.waitUntil(lambda: self.status(channel).startswith(words), timeout=WAIT)

    def done(self) -> None:
        """The send is over (its last card may say Sent a moment before)."""
        self.qtbot.waitUntil(lambda: not self.panel.sending, timeout=WAIT)

    def jobs(self) -> dict[str, Any]:
        with IncidentLog.open_beside(self.path) as log:
            return {job.channel: job for job in Outbox(log).jobs(self.incident)}

    def close(self) -> None:
        for fake in self.fakes.values():
            if fake.gate is not None:
                fake.gate.set()
        self.controller.shutdown()


@pytest.fixture
def make(qtbot: QtBot, tmp_path: Path) -> Iterator[Any]:
    made: list[Setup] = []

    def build(*channels: str, **answers: str) -> Setup:
        setup = Setup(qtbot, tmp_path, *channels, **answers)
        made.append(setup)
        return setup

    yield build
    for setup in made:
        setup.close()


def test_send_asks_first_then_shows_sending_and_the_sent_link(make: Any, qtbot: QtBot) -> None:
    s = make("news", "masto", "sky")
    s.fakes["masto"].gate = threading.Event()
    assert [s.status(c) for c in ("news", "masto", "sky")] == ["Not sent yet"] * 3
    assert s.panel.send_button.text() == "Send to 3 channels"
    s.card("masto").body.setPlainText("Our own words, edited just now.")
    s.card("news").subject.setText("We are still open")

    asked = s.send()

    assert asked == "Send this notice to Newsletter, Mastodon and Bluesky now?"
    s.until("masto", "Sending…")
    assert s.panel.send_button.text() == "Sending…" and not s.panel.send_button.isEnabled()
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked), timeout=WAIT)  # the window answers while a server is slow
    s.until("sky", "Sent")
    s.fakes["masto"].gate.set()
    s.until("masto", "Sent · https://masto.example/posts/1")
    s.until("news", "Sent · https://news.example/posts/1")
    assert all(t is not threading.main_thread() for f in s.fakes.values() for t in f.threads)
    assert s.fakes["masto"].sent == ["Our own words, edited just now."]  # the user's edit is what went
    assert s.fakes["news"].sent == [f"Subject: We are still open\n\n{MAIL}"]
    label = s.card("masto").send_status.label.text()
    assert '<a href="https://masto.example/posts/1">' in label
    opened: list[str] = []
    s.view.link_requested.connect(opened.append)
    s.card("masto").send_status.label.linkActivated.emit("https://masto.example/posts/1")
    assert opened == ["https://masto.example/posts/1"]
    qtbot.waitUntil(lambda: s.panel.send_button.text() == "Send to 0 channels", timeout=WAIT)
    assert (
        not s.panel.send_button.isEnabled() and "every message has gone out" in s.panel.send_button.toolTip()
    )
    assert {c: j.state for c, j in s.jobs().items()} == dict.fromkeys(
        ("news", "masto", "sky"), JobState.CONFIRMED
    )


def test_cancel_sends_nothing(make: Any) -> None:
    s = make("masto")
    s.panel.send_button.click()
    assert s.answer(yes=False) == "Send this notice to Mastodon now?"
    assert s.jobs() == {} and s.fakes["masto"].threads == []
    assert s.status("masto") == "Not sent yet" and s.panel.send_button.isEnabled()


def test_a_refusal_shows_its_reason_and_only_that_card_fails(make: Any) -> None:
    s = make("masto", "sky", masto="refuse")
    s.send()
    s.until("masto", "Not sent: The server refused the post: it is longer than this server allows.")
    s.until("sky", "Sent")
    assert s.jobs()["masto"].state is JobState.FAILED
    assert "Traceback" not in s.status("masto") and "SendRejected" not in s.status("masto")


def test_a_missing_password_offers_the_composer_with_the_text_on_the_clipboard(
    make: Any, qtbot: QtBot
) -> None:
    s = make("masto", "sky")
    del s.keyring.secrets["masto"]
    QGuiApplication.clipboard().setText("something else")
    s.card("masto").body.setPlainText("Words for Mastodon, pasted by hand.")
    s.send()
    s.until("masto", "Not sent: No access token is saved for Mastodon.")
    compose = s.card("masto").compose
    assert compose.property("highlighted") is True and "bold" in compose.styleSheet()
    assert QGuiApplication.clipboard().text() == "Words for Mastodon, pasted by hand."
    assert "clipboard" in s.card("masto").feedback.text()
    assert s.card("sky").compose.property("highlighted") is not True
    assert s.fakes["masto"].threads == []  # never tried without its password


def test_an_unknown_message_offers_both_choices_and_it_was_sent_confirms_it(make: Any, qtbot: QtBot) -> None:
    s = make("news", news="lost")
    s.send()
    s.until("news", "May have been sent: No answer came back, so it may or may not have gone out.")
    buttons = s.card("news").send_status
    assert not buttons.was_sent.isHidden() and not buttons.send_again.isHidden()
    s.done()
    assert s.panel.send_button.text() == "Send to 0 channels"  # never sent again by a click on Send
    buttons.was_sent.click()
    s.until("news", "Sent")
    assert s.jobs()["news"].state is JobState.CONFIRMED
    assert buttons.was_sent.isHidden() and buttons.send_again.isHidden()
    assert s.fakes["news"].sent == [f"Subject: We are open\n\n{MAIL}"]  # once


def test_send_again_warns_it_may_arrive_twice_then_sends_it_once_more(make: Any) -> None:
    s = make("news", news="lost")
    s.send()
    s.until("news", "May have been sent")
    s.fakes["news"].answer = "ok"
    s.card("news").send_status.send_again.click()
    assert s.answer(yes=False) == "Send it to Newsletter again? It may arrive twice."
    assert s.jobs()["news"].state is JobState.UNKNOWN
    s.card("news").send_status.send_again.click()
    s.answer()
    s.until("news", "Sent · https://news.example/posts/2")
    assert len(s.fakes["news"].sent) == 2 and s.jobs()["news"].state is JobState.CONFIRMED


def test_reopening_the_incident_shows_what_the_outbox_holds(make: Any, tmp_path: Path) -> None:
    first = make("masto", "sky", "news", sky="refuse", news="lost")
    first.send()
    first.until("news", "May have been sent")
    first.until("sky", "Not sent")
    first.until("masto", "Sent")
    first.close()

    again = make("masto", "sky", "news")  # a new window and controller on the same log
    again.until("masto", "Sent · https://masto.example/posts/1")
    again.until("sky", "Not sent: The server refused the post")
    again.until("news", "May have been sent: No answer came back")
    assert not again.card("news").send_status.was_sent.isHidden()
    assert again.panel.send_button.text() == "Send to 1 channel"  # only the refused one is left


def test_the_outbox_is_the_one_truth_when_the_incident_is_opened(make: Any, tmp_path: Path) -> None:
    """A message sent from the command line meanwhile shows as sent in the window."""
    s = make("masto")
    with IncidentLog.open_beside(s.path) as log:
        sender = Sender(Outbox(log), s.keyring, lock_folder=None, build=s.build)
        sender.send(s.incident, "notice", [Outgoing(TABLES["masto"], NOTICE)])
    assert s.status("masto") == "Not sent yet"
    s.view.incident_opened.emit(s.incident)
    s.until("masto", "Sent · https://masto.example/posts/1")
    assert not s.panel.send_button.isEnabled()


def test_a_draft_over_the_limit_is_left_out_and_says_so(make: Any) -> None:
    s = make("masto", "sky")
    assert not s.card("sky").fits.isHidden() and not s.card("masto").fits.isHidden()
    s.card("sky").body.setPlainText("x" * 301)
    assert s.card("sky").fits.isHidden()
    assert s.status("sky") == "Too long for Bluesky: shorten it to send"
    assert s.panel.send_button.text() == "Send to 1 channel"
    assert s.send() == "Send this notice to Mastodon now?"
    s.until("masto", "Sent")
    assert "sky" not in s.jobs()
    s.done()
    s.card("sky").body.setPlainText("Short again.")
    assert s.status("sky") == "Not sent yet" and s.panel.send_button.text() == "Send to 1 channel"


def test_no_channel_to_send_to_leaves_send_disabled_with_a_reason(make: Any) -> None:
    s = make("gram")
    assert not s.panel.send_button.isEnabled() and s.panel.send_button.text() == "Send to 0 channels"
    assert "Open composer" in s.panel.send_button.toolTip()
    assert s.card("gram").fits.isHidden() and s.card("gram").send_status.isHidden()


def test_a_channel_on_a_platform_that_is_down_is_skipped_in_plain_words(make: Any) -> None:
    s = make("masto", "gram")
    s.controller.down_source = lambda: {"mastodon": "Mastodon"}
    s.send()
    s.until("masto", "Skipped: Mastodon is down right now. Send it to this channel when it is back.")
    assert s.fakes["masto"].threads == []


def test_another_copy_sending_is_said_plainly_and_send_comes_back(make: Any, tmp_path: Path) -> None:
    s = make("masto")
    held = acquire_recording_lock(tmp_path, "outagetray send", name=SENDING_LOCK)
    assert held is not None
    try:
        s.send()
        s.qtbot.waitUntil(lambda: bool(s.problems), timeout=WAIT)
        s.qtbot.waitUntil(lambda: s.panel.send_button.isEnabled(), timeout=WAIT)
    finally:
        held.release()
    assert s.problems == [
        "Another outagetray send is sending messages from this outage log right now. "
        "Try again when it has finished."
    ]
    assert s.panel.send_note.text() == s.problems[0] and not s.panel.send_note.isHidden()
    assert s.status("masto") == "Not sent yet" and s.fakes["masto"].threads == []


def test_a_missing_log_is_a_plain_problem(qtbot: QtBot, tmp_path: Path) -> None:
    controller = SendController(tmp_path / "none.sqlite", Keyring({}))
    problems: list[str] = []
    controller.problem.connect(problems.append)
    controller.refresh(1)
    qtbot.waitUntil(lambda: bool(problems), timeout=WAIT)
    controller.shutdown()
    assert problems == [
        "The messages already sent could not be read: There is no outage log yet to note this in."
    ]


def test_a_real_email_list_gets_the_notice_once_from_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    """No fakes: the registry builds the email channel and it talks to an SMTP server on loopback."""
    path = tmp_path / "outages.sqlite"
    incident = incident_log(path)
    with SmtpPeer("news@shop.test", "Planted-Secret-7f3a9c") as smtp:
        table = Table("news", "email", "Newsletter", "email", extra=smtp.table(to=["ana@example.test"]))
        controller = SendController(path, Keyring({"news": "Planted-Secret-7f3a9c"}))
        view = IncidentView()
        qtbot.addWidget(view)
        wire(view, controller)
        view.set_channels([table])
        view.drafts.set_drafts(incident, {"notice": (entry("news", MAIL, "We are open"),)}, "notice")
        view.show()
        try:
            view.drafts.send_button.click()
            box = view.drafts.question
            assert box is not None and box.text() == "Send this notice to Newsletter now?"
            next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()
            card = view.drafts.cards[0]
            qtbot.waitUntil(lambda: card.send_status.text().startswith("Sent"), timeout=WAIT)
            qtbot.waitUntil(lambda: not view.drafts.sending, timeout=WAIT)
            view.drafts.send_button.click()  # nothing left: a second click sends nothing
            assert view.drafts.question is None
        finally:
            controller.shutdown()
        assert len(smtp.messages) == 1 and b"Subject: We are open" in smtp.messages[0][2]
        assert "Planted-Secret" not in card.send_status.text()
