"""The first-run welcome, driven as a person would: keyboard, clicks, Skip for now (offscreen Qt)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from outagetray.core import settings as s
from outagetray.core.catalog import DEFAULT_WATCH
from outagetray.core.profile import Channel, Profile, Reach, profile_done, welcome_skipped
from outagetray.core.settings_store import SettingsStore
from outagetray.ui.first_run import FirstRun
from outagetray.ui.welcome import SetupOffer, WelcomeDialog

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make(qtbot: QtBot, settings: s.Settings | None = None) -> WelcomeDialog:
    dialog = WelcomeDialog(settings or s.Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # mnemonics (Alt+N) reach only the active window
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_a_first_run_walked_with_the_keyboard_gives_a_profile_channels_and_a_watch_list(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert dialog.page() == 0 and dialog.focusWidget() is dialog.brand_edit
    qtbot.keyClicks(dialog.brand_edit, "Acme Bakery")
    qtbot.keyClick(dialog.brand_edit, Qt.Key.Key_Return)  # Enter is Next
    assert dialog.page() == 1
    dialog.audience_checks["instagram"].click()
    assert dialog.follower_spins["instagram"].isEnabled()
    assert not dialog.follower_spins["facebook"].isEnabled()
    dialog.follower_spins["instagram"].setValue(1200)
    dialog.audience_checks["tiktok"].click()  # followers left at "not sure"
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # from a tick box too
    assert dialog.page() == 2 and dialog.focusWidget() is dialog.email_edit
    qtbot.keyClicks(dialog.email_edit, "Acme news")
    qtbot.keyClicks(dialog.website_edit, "acme.example")  # no https://: people rarely type it
    dialog.add_network_button.click()
    row = dialog.network_rows[0]
    row.network.setCurrentIndex(row.network.findData("linkedin"))
    qtbot.keyClicks(row.address, "https://www.linkedin.com/company/acme")
    dialog.next_button.click()
    assert dialog.page() == 3 and dialog.next_button.text() == "&Finish"
    qtbot.keyClicks(dialog.signature_edit, "Jo at Acme")
    dialog.formal_radio.click()
    assert "TikTok" in dialog.summary_label.text() and "LinkedIn" in dialog.summary_label.text()
    with qtbot.waitSignal(dialog.finished_with) as done:
        dialog.next_button.click()
    new = done.args[0]
    assert new.profile == Profile(
        "Acme Bakery", "Jo at Acme", "formal", "", (Reach("instagram", 1200), Reach("tiktok", 0))
    )
    assert profile_done(new.profile)
    assert new.channels == (
        Channel("email-list", "email", "Acme news"),
        Channel("website", "website", "Acme Bakery", url="https://acme.example"),
        Channel("linkedin", "linkedin", "", "linkedin", "https://www.linkedin.com/company/acme"),
    )
    # what was watched stays; the audience's platforms and the channels' platforms are added
    assert new.watch == (*DEFAULT_WATCH, "tiktok", "linkedin")
    assert not dialog.isVisible()


@pytest.mark.parametrize("page", [0, 1, 2, 3])
def test_every_step_can_be_skipped_and_nothing_is_kept(qtbot: QtBot, page: int) -> None:
    dialog = make(qtbot)
    dialog.brand_edit.setText("Acme")
    for _ in range(page):
        dialog.next_button.click()
    assert dialog.page() == page and dialog.skip_button.isVisible()
    finished: list[object] = []
    dialog.finished_with.connect(finished.append)
    with qtbot.waitSignal(dialog.skipped):
        dialog.skip_button.click()
    assert finished == [] and not dialog.isVisible()


def test_escape_is_skip_too(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    with qtbot.waitSignal(dialog.skipped):
        qtbot.keyClick(dialog.brand_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_back_keeps_what_was_entered(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.brand_edit.setText("Acme")
    dialog.next_button.click()
    assert dialog.back_button.isEnabled()
    dialog.back_button.setFocus()  # reached with Tab
    qtbot.keyClick(dialog.back_button, Qt.Key.Key_Space)
    assert dialog.page() == 0 and dialog.brand_edit.text() == "Acme" and not dialog.back_button.isEnabled()


def test_a_broken_address_is_named_and_stops_the_step_until_fixed(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.next_button.click()
    dialog.next_button.click()
    dialog.blog_edit.setText("my blog.example")
    dialog.next_button.click()
    assert dialog.page() == 2
    assert "cannot contain spaces" in dialog.blog_error.text()
    dialog.blog_edit.setText("blog.example")
    dialog.next_button.click()
    assert dialog.page() == 3 and dialog.blog_error.text() == ""
    assert dialog.answers().profile.blog_url == "https://blog.example"
    assert dialog.answers().channels == (Channel("blog", "blog", "", url="https://blog.example"),)


def test_reopened_it_shows_the_answers_and_keeps_what_it_does_not_show(qtbot: QtBot) -> None:
    news = Channel("news", "email", "Acme news", extra={"host": "smtp.acme.example", "port": 587})
    room = Channel("room", "matrix", "Acme room", extra={"homeserver": "https://matrix.example"})
    insta = Channel("ig", "instagram", "@acme", "instagram")
    shop = Channel("shop", "website", "Shop", url="https://shop.example/")
    before = s.Settings(
        watch=("instagram",),
        profile=Profile("Acme", "Jo", "formal", "", (Reach("instagram", 50),)),
        channels=(news, room, insta, shop),
    )
    dialog = make(qtbot, before)
    assert dialog.brand_edit.text() == "Acme"
    assert (
        dialog.audience_checks["instagram"].isChecked() and dialog.follower_spins["instagram"].value() == 50
    )
    assert dialog.email_edit.text() == "Acme news" and dialog.website_edit.text() == "https://shop.example/"
    assert [r.address.text() for r in dialog.network_rows] == ["@acme"]
    assert dialog.formal_radio.isChecked() and dialog.signature_edit.toPlainText() == "Jo"
    assert dialog.answers() == before  # nothing touched, nothing changed

    dialog.email_edit.setText("Acme letters")
    dialog.website_edit.setText("")  # they closed the shop
    dialog.network_rows[0].remove_button.click()
    after = dialog.answers()
    assert after.channels == (replace(news, name="Acme letters"), room)
    assert after.channels[0].extra == {"host": "smtp.acme.example", "port": 587}


def test_every_label_shows_plain_text(qtbot: QtBot) -> None:
    dialog = make(qtbot, s.Settings(profile=Profile(brand="<b>Acme</b>")))
    labels = dialog.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    offer = SetupOffer()
    qtbot.addWidget(offer)
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in offer.findChildren(QLabel))


def test_it_fits_a_full_hd_screen_at_200_percent(qtbot: QtBot) -> None:
    """1920x1080 at 200% is 960x540 logical pixels: every page must fit (the lists scroll)."""
    dialog = make(qtbot)
    for page in range(4):
        dialog.pages.setCurrentIndex(page)
        hint = dialog.minimumSizeHint()
        assert hint.width() <= 960 and hint.height() <= 540, (page, hint)


def test_the_setup_offer_asks_for_the_welcome(qtbot: QtBot) -> None:
    offer = SetupOffer()
    qtbot.addWidget(offer)
    with qtbot.waitSignal(offer.setup_requested):
        offer.setup_button.click()
    assert "Tells you when Facebook" in offer.lines[0].text()


# -- first run, through the app's store -------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir()
    path.write_text("# mine\n[monitor]\nwatch = ['x']  # just X\n", encoding="utf-8")
    store = SettingsStore(path, tmp_path / "state")
    store.load()
    return store


def first_run(qtbot: QtBot, store: SettingsStore, marker: Path) -> FirstRun:
    run = FirstRun(store, marker)
    qtbot.waitUntil(lambda: True)  # an event loop exists for the workers' answers
    return run


def test_first_run_opens_the_welcome_and_saves_the_answers_into_the_users_file(
    qtbot: QtBot, store: SettingsStore, tmp_path: Path
) -> None:
    run = first_run(qtbot, store, tmp_path / "state" / "welcome-skipped")
    run.start()
    qtbot.waitUntil(lambda: run.dialog is not None and run.dialog.isVisible())
    dialog = run.dialog
    assert dialog is not None
    dialog.brand_edit.setText("Acme")
    dialog.audience_checks["facebook"].setChecked(True)
    for _ in range(3):
        dialog.next_button.click()
    with qtbot.waitSignal(run.saved, timeout=5000) as saved:
        dialog.next_button.click()
    text = store.path.read_text()
    assert text.startswith("# mine\n") and "# just X" in text and "[profile]" in text
    result = s.load(store.path)
    assert result.ok and saved.args == [result.settings] and store.current == result.settings
    assert result.settings.watch == ("x", "facebook")
    assert profile_done(result.settings.profile)


def test_a_skip_is_remembered_and_the_welcome_does_not_come_back_by_itself(
    qtbot: QtBot, store: SettingsStore, tmp_path: Path
) -> None:
    marker = tmp_path / "state" / "welcome-skipped"
    run = first_run(qtbot, store, marker)
    run.start()
    qtbot.waitUntil(lambda: run.dialog is not None)
    assert run.dialog is not None
    run.dialog.skip_button.click()
    qtbot.waitUntil(lambda: welcome_skipped(marker))
    assert "[profile]" not in store.path.read_text()  # the user's file is not written for a skip

    again = first_run(qtbot, store, marker)
    again.start()
    qtbot.wait(200)
    assert again.dialog is None
    again.open()  # still reachable: the window's offer and Settings open it on request
    assert again.dialog is not None and again.dialog.isVisible()
    again.dialog.reject()


def test_a_done_profile_opens_no_welcome(qtbot: QtBot, store: SettingsStore, tmp_path: Path) -> None:
    store.use(replace(store.current, profile=Profile("Acme", audience=(Reach("x", 5),))))
    run = first_run(qtbot, store, tmp_path / "marker")
    run.start()
    qtbot.wait(200)
    assert run.dialog is None


def test_a_refused_save_is_told_in_plain_words(qtbot: QtBot, store: SettingsStore, tmp_path: Path) -> None:
    run = first_run(qtbot, store, tmp_path / "marker")
    dialog = run.open()
    dialog.brand_edit.setText("Acme")
    store.path.write_text("[monitor\n", encoding="utf-8")  # broken by hand meanwhile: never written over
    for _ in range(3):
        dialog.next_button.click()
    with qtbot.waitSignal(run.failed, timeout=5000) as failed:
        dialog.next_button.click()
    assert failed.args[0].startswith("Your answers were not saved: your settings file has a mistake")
    assert store.path.read_text() == "[monitor\n"


def test_the_app_opens_the_welcome_by_itself_only_at_a_first_start(
    qtbot: QtBot, store: SettingsStore, tmp_path: Path
) -> None:
    """An upgrade must not pop a dialog up: an existing file means the window's offer does it."""
    run = first_run(qtbot, store, tmp_path / "marker")
    run.start(first_start_only=True)
    qtbot.wait(200)
    assert store.path.exists() and run.dialog is None
    store.path.unlink()
    fresh = first_run(qtbot, store, tmp_path / "marker")
    fresh.start(first_start_only=True)
    qtbot.waitUntil(lambda: fresh.dialog is not None and fresh.dialog.isVisible())
    assert fresh.dialog is not None
    fresh.dialog.reject()


@pytest.mark.parametrize("tone", ["friendly", "formal"])
def test_each_tone_example_is_a_line_of_that_tones_shipped_notice(qtbot: QtBot, tone: str) -> None:
    """The example promises nothing the drafts do not say: it is the shipped notice's first line."""
    import tomllib

    from outagetray.ui.welcome import TONE_EXAMPLES

    dialog = make(qtbot)
    radio = dialog.friendly_radio if tone == "friendly" else dialog.formal_radio
    example = TONE_EXAMPLES[tone]
    assert f"\u201c{example}\u201d" in radio.text()
    notice = Path(__file__).resolve().parents[2] / "resources" / "drafts" / "notice.toml"
    templates = tomllib.loads(notice.read_text(encoding="utf-8"))["template"]
    (shipped,) = [t for t in templates if t["form"] == "short" and t["tone"] == tone]
    first_line = shipped["body"].strip().splitlines()[0]
    assert example == first_line.replace("{platforms}", "Instagram")
    for promise in ("keep you posted", "update you", "will "):
        assert promise not in radio.text()


def test_quitting_with_the_welcome_open_is_not_a_skip(
    qtbot: QtBot, store: SettingsStore, tmp_path: Path
) -> None:
    marker = tmp_path / "state" / "welcome-skipped"
    run = first_run(qtbot, store, marker)
    dialog = run.open()
    assert dialog.isVisible()
    run.shutdown()  # the app quits (SIGTERM, the menu's Quit) with the welcome on screen
    qtbot.wait(100)
    from shiboken6 import isValid

    assert run.dialog is None and not (isValid(dialog) and dialog.isVisible())
    assert not welcome_skipped(marker), "it comes back at the next start"
