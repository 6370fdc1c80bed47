"""The Incident tab: the facts, Copy and Open composer, the live count, ticks, "I'm on it", templates."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from outagetray.core.checklist import load_checklist
from outagetray.core.drafts import DraftLibrary, Template
from outagetray.core.http import Expect, HttpClient, Response
from outagetray.core.profile import Channel, Profile
from outagetray.core.records import Action, ActionKind
from outagetray.ui.cockpit.draft_editor import OVER_STYLE
from outagetray.ui.cockpit.incident_view import IncidentView
from outagetray.ui.window import StatusWindow
from tests.core.test_playbook import BERLIN, NOW, meta_incident, settings


class Cockpit:
    """A shown window on the Incident tab, with what it emitted and what the browser was asked."""

    def __init__(
        self, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: object
    ) -> None:
        self.window = StatusWindow(now=lambda: NOW, tz=BERLIN)
        qtbot.addWidget(self.window)
        self.window.show()
        self.library = DraftLibrary(tmp_path / "drafts.toml")
        incident = extra.pop("incident", None) or meta_incident()
        self.window.set_playbook(settings(**extra), self.library, load_checklist())
        self.actions: list[tuple[int, str, str]] = []
        self.window.action_taken.connect(lambda *args: self.actions.append(tuple(args)))
        self.opened: list[str] = []
        self.browser_works = True

        def open_url(url: QUrl) -> bool:
            self.opened.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
            return self.browser_works

        monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(open_url))
        self.window.show_incidents([incident], [incident])
        self.window.show_incident(7)
        assert self.window.incident_view is not None
        self.view: IncidentView = self.window.incident_view


@pytest.fixture
def cockpit(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cockpit:
    return Cockpit(qtbot, tmp_path, monkeypatch)


def test_the_incident_tab_shows_the_facts(cockpit: Cockpit) -> None:
    view = cockpit.view
    assert view.title.text() == "Facebook and Instagram: major outage"
    assert view.status.text() == "Going on since Wed 2 Dec 14:00"
    evidence = view.evidence_text()
    assert "Wed 2 Dec 14:00" in evidence and "Wed 2 Dec 14:10" in evidence  # started, confirmed
    assert "Wed 2 Dec 14:10: Facebook went from operational to major outage. 3 of 3 checks failed" in evidence
    assert "https://metastatus.com/" in evidence
    assert view.acknowledge.isVisible() and view.acknowledge.text() == "I'm on it"
    assert not view.setup_hint.isVisible()


def test_downdetector_opens_in_one_click(cockpit: Cockpit) -> None:
    buttons = [
        cockpit.view._downdetector.itemAt(i).widget() for i in range(cockpit.view._downdetector.count())
    ]
    # The site follows the computer's country (downdetector.com, allestörungen.de, ...).
    assert [b.text().split(" on ")[0] for b in buttons] == ["Facebook", "Instagram"]
    buttons[0].click()
    assert cockpit.opened and "facebook" in cockpit.opened[0]


def test_copy_puts_the_exact_text_on_the_clipboard_and_is_recorded(cockpit: Cockpit) -> None:
    QGuiApplication.clipboard().setText("before")
    card = cockpit.view.drafts.cards[0]
    assert card.entry.key == "notice.short.friendly@x"
    card.copy.click()
    assert QGuiApplication.clipboard().text() == card.entry.text
    assert cockpit.actions == [(7, "draft_copied", "notice.short.friendly@x")]
    assert card.feedback.text().startswith("Copied")


def test_an_edit_is_what_gets_copied_and_it_survives_a_new_round(cockpit: Cockpit) -> None:
    card = cockpit.view.drafts.cards[0]
    card.body.setPlainText("Our own words, with 🎉")
    cockpit.window.show_incidents([meta_incident()], [meta_incident()])  # the log answered again
    card = cockpit.view.drafts.cards[0]
    assert card.text() == "Our own words, with 🎉"
    card.copy.click()
    assert QGuiApplication.clipboard().text() == "Our own words, with 🎉"


def test_open_composer_opens_the_network_page_and_copies_the_text(cockpit: Cockpit) -> None:
    card = cockpit.view.drafts.cards[0]
    card.body.setPlainText("Down & out #FacebookDown")
    card.compose.click()
    assert cockpit.opened == ["https://x.com/intent/tweet?text=Down%20%26%20out%20%23FacebookDown"]
    assert QGuiApplication.clipboard().text() == "Down & out #FacebookDown"
    assert cockpit.actions[-1] == (7, "composer_opened", "notice.short.friendly@x")


def test_without_a_composer_it_only_copies_and_says_so(cockpit: Cockpit) -> None:
    instagram = cockpit.view.drafts.cards[2]
    assert instagram.entry.channel_type == "instagram"
    instagram.compose.click()
    assert cockpit.opened == []
    assert QGuiApplication.clipboard().text() == instagram.entry.text
    assert "has no page OutageTray can fill in" in instagram.feedback.text()
    assert cockpit.actions[-1] == (7, "draft_copied", instagram.entry.key)


def test_a_composer_without_a_browser_offers_the_link(cockpit: Cockpit, qtbot: QtBot) -> None:
    cockpit.browser_works = False
    cockpit.view.drafts.cards[0].compose.click()
    qtbot.waitUntil(lambda: cockpit.window.link_box is not None, timeout=2000)
    assert cockpit.window.link_box is not None
    assert "could not open your web browser" in cockpit.window.link_box.text()
    cockpit.window.link_box.close()


def test_the_live_count_follows_the_typing_and_turns_red_when_over(cockpit: Cockpit, qtbot: QtBot) -> None:
    card = cockpit.view.drafts.cards[0]
    card.body.clear()
    qtbot.keyClicks(card.body, "a" * 212)
    assert card.count.text() == "212 of 280"
    assert card.count.styleSheet() == ""
    card.body.setPlainText("a" * 317)
    assert card.count.text() == "317 of 280: 37 over"
    assert card.count.styleSheet() == OVER_STYLE
    assert "37 characters over X's limit of 280" in card.notes.text()


def test_an_unknown_placeholder_is_named_until_it_is_replaced(cockpit: Cockpit) -> None:
    cockpit.view.drafts.phase_buttons["opportunity"].click()
    card = cockpit.view.drafts.cards[0]
    assert "{offer}" in card.text()
    assert "OutageTray does not know {offer}" in card.notes.text() and card.notes.isVisible()
    card.body.setPlainText(card.text().replace("{offer}", "10% off with code WAIT"))
    assert "{offer}" not in card.notes.text()


def test_the_phase_selector_shows_that_phases_drafts(cockpit: Cockpit) -> None:
    drafts = cockpit.view.drafts
    assert drafts.phase_buttons["notice"].isChecked()
    drafts.phase_buttons["welcome_back"].click()
    assert [c.entry.phase for c in drafts.cards] == ["welcome_back"] * 3
    assert [c.entry.label for c in drafts.cards] == ["@bob", "Newsletter", "Bob on Instagram"]
    email = drafts.cards[1]
    assert email.subject.isVisibleTo(cockpit.window)  # the email's subject line
    email.copy_subject.click()
    assert QGuiApplication.clipboard().text() == email.entry.title
    assert cockpit.actions[-1] == (7, "draft_copied", email.entry.key)


def test_without_channels_there_is_a_draft_per_form(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cockpit = Cockpit(qtbot, tmp_path, monkeypatch, channels=())
    labels = [c.entry.label for c in cockpit.view.drafts.cards]
    assert labels == ["Short post", "Long post", "Email", "Blog"]
    assert not cockpit.view.drafts.cards[0].compose.isVisibleTo(cockpit.window)  # nowhere to open


def test_a_tick_emits_action_taken_and_the_log_answer_keeps_it(cockpit: Cockpit) -> None:
    boxes = cockpit.view.checklist.boxes
    assert cockpit.view.checklist.progress.text() == f"0 of {len(boxes)} done"
    boxes["report.downdetector"].click()
    assert cockpit.actions == [(7, "ticked", "report.downdetector")]
    ticked = meta_incident(actions=(Action(NOW, ActionKind.TICKED, "report.downdetector"),))
    cockpit.window.show_incidents([ticked], [ticked])
    assert boxes["report.downdetector"].isChecked()
    assert cockpit.view.checklist.progress.text() == f"1 of {len(boxes)} done"
    assert cockpit.view.sections.tabText(1) == f"Checklist (1 of {len(boxes)} done)"
    boxes["report.downdetector"].click()
    assert cockpit.actions[-1] == (7, "unticked", "report.downdetector")


def test_checklist_links_open_in_one_click(cockpit: Cockpit) -> None:
    from PySide6.QtWidgets import QPushButton

    links = [
        b for b in cockpit.view.checklist.findChildren(QPushButton) if b.toolTip().startswith("https://")
    ]
    assert links
    links[0].click()
    assert cockpit.opened == [QUrl(links[0].toolTip()).toString(QUrl.ComponentFormattingOption.FullyEncoded)]


def test_im_on_it_is_recorded_and_then_shown_as_done(cockpit: Cockpit) -> None:
    cockpit.view.acknowledge.click()
    assert cockpit.actions == [(7, "acknowledged", "")]
    assert not cockpit.view.acknowledge.isEnabled()
    acknowledged = meta_incident(acknowledged_at=NOW)
    cockpit.window.show_incidents([acknowledged], [acknowledged])
    assert cockpit.view.acknowledge.text() == "You're on it"
    assert "You were on it" in cockpit.view.evidence_text()


def test_edit_template_saves_or_resets_through_the_window(cockpit: Cockpit, qtbot: QtBot) -> None:
    card = cockpit.view.drafts.cards[0]
    card.template_button.click()
    dialog = cockpit.view.template_dialog
    assert dialog is not None and dialog.body.toPlainText().startswith("There's trouble on {platforms}")
    assert not dialog.reset_button.isEnabled()  # nothing to reset yet
    dialog.body.setPlainText("{brand}: {platforms} is down.")
    with qtbot.waitSignal(cockpit.window.template_saved) as saved:
        dialog._save()
    template = saved.args[0]
    assert isinstance(template, Template)
    assert template.id == "notice.short.friendly" and template.body == "{brand}: {platforms} is down."
    cockpit.library.save(template)  # what the app does off the UI thread
    card.template_button.click()
    dialog = cockpit.view.template_dialog
    assert dialog is not None and dialog.reset_button.isEnabled()
    with qtbot.waitSignal(cockpit.window.template_reset) as reset:
        dialog.reset_button.click()
    assert reset.args == ["notice.short.friendly"]


def test_until_the_profile_is_done_the_incident_offers_the_setup(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cockpit = Cockpit(qtbot, tmp_path, monkeypatch, profile=Profile())
    assert cockpit.view.setup_hint.isVisible()
    with qtbot.waitSignal(cockpit.window.setup_requested):
        cockpit.view.setup_button.click()


def test_network_text_stays_plain(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = meta_incident(evidence="<b>bold</b>\x1b[31m red", names=("<i>Face</i>", "Insta\u202egram"))
    cockpit = Cockpit(qtbot, tmp_path, monkeypatch, incident=hostile)
    assert cockpit.view.title.text() == "<i>Face</i> and Instagram: major outage"
    assert "<b>bold</b> red" in cockpit.view.evidence_text()
    assert "\x1b" not in cockpit.view.evidence_text()
    assert cockpit.view.title.textFormat() == Qt.TextFormat.PlainText


def test_a_source_address_with_markup_is_shown_literally_in_its_tooltip(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QPushButton

    url = "https://status.example/<img src=x>"
    incident = meta_incident()
    change = replace(incident.changes[0], sources=(url,))
    cockpit = Cockpit(qtbot, tmp_path, monkeypatch, incident=replace(incident, changes=(change,)))
    [button] = [b for b in cockpit.view._evidence_box.findChildren(QPushButton) if b.text() == url]
    assert button.toolTip() == "<p style='white-space:pre-wrap'>https://status.example/&lt;img src=x&gt;</p>"
    button.click()
    assert cockpit.opened == [QUrl(url).toString(QUrl.ComponentFormattingOption.FullyEncoded)]


def test_no_incident_says_what_the_page_is_for(qtbot: QtBot) -> None:
    window = StatusWindow(now=lambda: NOW, tz=BERLIN)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(1)
    assert window.incident_view is not None
    assert window.incident_view.empty.isVisible()
    assert window.incident_view.empty.text().startswith("No outage right now.")


# -- a Mastodon server's own limit -------------------------------------------------------------


class RecordingClient(HttpClient):
    """The app's client, noting whether each fetch ran on the UI thread."""

    on_ui_thread: list[bool]

    def fetch(self, url: str, expect: Expect = "any", *, deadline: float | None = None) -> Response:
        self.on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return super().fetch(url, expect, deadline=deadline)


def mastodon_cockpit(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: HTTPServer
) -> tuple[Cockpit, RecordingClient, list[int]]:
    """A cockpit whose one channel is a Mastodon account on the loopback server, given the app's client."""
    account = Channel("m", "mastodon", "Bob on Mastodon", "mastodon", url=server.url_for("/@bob"))
    cockpit = Cockpit(qtbot, tmp_path, monkeypatch, channels=(account,))
    client = RecordingClient()
    client.on_ui_thread = []
    made: list[int] = []

    def factory() -> HttpClient:
        made.append(1)
        return client

    cockpit.window.set_client_factory(factory)
    return cockpit, client, made


def test_a_mastodon_draft_counts_against_its_servers_own_limit(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        {"uri": "social.example", "configuration": {"statuses": {"max_characters": 1000}}}
    )
    cockpit, client, made = mastodon_cockpit(qtbot, tmp_path, monkeypatch, httpserver)
    card = cockpit.view.drafts.cards[0]
    assert card.entry.server and card.entry.channel_type == "mastodon"
    card.body.setPlainText("a" * 600)
    qtbot.waitUntil(lambda: card.count.text() == "600 of 1,000", timeout=5000)  # redrawn when it came
    assert card.count.styleSheet() == "" and not card.notes.isVisibleTo(cockpit.view)
    assert client.on_ui_thread == [False]  # asked on a worker thread, never on the UI thread
    # Once per server for the run: other phases, a new round and more typing ask nothing again.
    cockpit.view.drafts.phase_buttons["welcome_back"].click()
    cockpit.window.show_incidents([meta_incident()], [meta_incident()])
    card = cockpit.view.drafts.cards[0]
    card.body.setPlainText("a" * 1001)
    assert card.count.text() == "1,001 of 1,000: 1 over"
    qtbot.wait(50)
    assert len(httpserver.log) == 1 and made == [1]


def test_a_mastodon_server_that_cannot_tell_leaves_500_without_a_word(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_data("down for maintenance", status=503)
    cockpit, client, _made = mastodon_cockpit(qtbot, tmp_path, monkeypatch, httpserver)
    card = cockpit.view.drafts.cards[0]
    card.body.setPlainText("a" * 400)
    qtbot.waitUntil(lambda: len(httpserver.log) == 1, timeout=5000)
    qtbot.wait(100)  # the failed answer has come back by now
    assert card.count.text() == "400 of 500" and not card.notes.isVisibleTo(cockpit.view)
    card.body.setPlainText("a" * 501)
    assert card.count.text() == "501 of 500: 1 over"
    assert "Mastodon's limit of 500" in card.notes.text() and "server" not in card.notes.text()
    qtbot.wait(50)
    assert len(httpserver.log) == 1 and client.on_ui_thread == [False]  # not asked again on every key


def test_without_the_apps_client_no_server_is_asked(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    account = Channel("m", "mastodon", "Bob on Mastodon", "mastodon", url=httpserver.url_for("/"))
    cockpit = Cockpit(qtbot, tmp_path, monkeypatch, channels=(account,))
    card = cockpit.view.drafts.cards[0]
    card.body.setPlainText("a" * 600)
    qtbot.wait(50)
    assert card.count.text() == "600 of 500: 100 over" and not httpserver.log
