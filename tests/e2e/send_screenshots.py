"""Make the sending screenshots in docs/: ``python -m tests.e2e.send_screenshots docs``.

Real widgets, driven for real, on Qt's offscreen platform (no X session needed), for a
bakery ("Corner Bakery") during a Facebook and Instagram outage. Every channel talks to a
server on 127.0.0.1 that this script starts: an SMTP server for the newsletter, a Mastodon
server, a Discord webhook, a Facebook Graph API, and a real Bluesky PDS when it is
installed (``tests/peers/bluesky.sh``; without it the pictures show no Bluesky channel).
Nothing leaves the machine.

- readiness.png: the window's Channels tab after a click on "Test all"; the Facebook
  Page's token has expired, so that one check fails in plain words;
- channels.png: Settings on its Channels tab, listing those last checks, with the
  Mastodon channel's editor open beside it after a click on its Test button (two real
  windows, side by side in one picture);
- send.png: the Incident tab's drafts after a click on Send: the Mastodon server drops
  the line after posting (so the message "may have been sent" and both choices are
  offered), the Facebook Page is skipped because Facebook is down, the others are sent.

Why it is built this way: the pictures must show what a user sees, so nothing is painted
or faked; only the passwords come from a test password store in a throw-away folder
(tests/support/filekeyring.py), so no real keyring is read or written. The outage is
written into a throw-away outage log, and "what is down right now" is what the app's last
round would hand the send controller.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

#: The size of each picture of the window (pixels), as the other cockpit screenshots.
SIZE = (860, 620)
#: How much taller send.png is, so that every channel's card and its state show.
SEND_EXTRA = 1200
TZ = ZoneInfo("Europe/Berlin")
WAIT = 60.0
#: Made-up credentials of the loopback servers (nothing here is a real account).
SMTP_USER, SMTP_PASSWORD = "news@cornerbakery.test", "bakery-smtp-password"
MASTODON_TOKEN = "bakery-mastodon-token-0123456789"
DISCORD_ID, DISCORD_TOKEN = "1180000000000000001", "bakery-discord-webhook-token"
PAGE_ID, PAGE_TOKEN = "104812345678901", "EAAGbakery-page-token-0123456789"


def prepare(folder: Path) -> None:
    """Everything the app would read from the user's folders points into ``folder`` (set before Qt starts)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(folder / name.lower())
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.filekeyring.FileKeyring"
    os.environ["OUTAGETRAY_TEST_KEYRING"] = str(folder / "keyring.json")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Let Qt run (worker results arrive as queued signals) until ``condition`` holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def settle(ms: int = 200) -> None:
    """A moment for layouts and repaints, before a picture is taken."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def toml_value(value: Any) -> str:
    import json

    return json.dumps(value)


@contextmanager
def bluesky() -> Iterator[Any]:
    """A real PDS when it is installed, else None (the pictures then have no Bluesky channel)."""
    from tests.support import bluesky_peer

    if bluesky_peer.problem() is not None:
        print("Bluesky's test server is not installed (tests/peers/bluesky.sh): no Bluesky channel")
        yield None
        return
    with bluesky_peer.bluesky_peer("cornerbakery.test") as peer:
        yield peer


def config_text(smtp: Any, mastodon: Any, sky: Any, graph: Any) -> str:
    """The bakery's settings file, as Settings would write it (no secret in it)."""
    tables: list[tuple[str, str, str, str, dict[str, Any]]] = [
        (
            "newsletter",
            "email",
            "Newsletter",
            "email",
            smtp.table(to=["ana@example.test", "ben@example.test", "cleo@example.test"]),
        ),
        ("mastodon", "mastodon", "Mastodon", "mastodon", {"base_url": mastodon.base_url}),
    ]
    if sky is not None:
        tables.append(
            ("bluesky", "bluesky", "Bluesky", "bluesky", {"base_url": sky.base_url, "handle": sky.handle})
        )
    tables += [
        ("discord", "discord", "Discord community", "discord", {}),
        (
            "facebook",
            "facebook_page",
            "Facebook Page",
            "facebook",
            {"page_id": PAGE_ID, "graph_url": graph.base_url},
        ),
        ("instagram", "instagram", "Instagram", "instagram", {}),
    ]
    text = (
        "version = 1\n\n"
        '[monitor]\nwatch = ["facebook", "instagram", "whatsapp", "x"]\n\n'
        '[profile]\nbrand = "Corner Bakery"\nsignature = "Mia at Corner Bakery"\ntone = "friendly"\n'
        'blog_url = "https://cornerbakery.example/news"\n'
        'audience = [{ platform = "instagram", followers = 4200 },'
        ' { platform = "facebook", followers = 1800 }]\n\n'
    )
    for cid, kind, name, platform, keys in tables:
        text += f'[[channels]]\nid = "{cid}"\ntype = "{kind}"\nname = "{name}"\nplatform = "{platform}"\n'
        text += "".join(f"{key} = {toml_value(value)}\n" for key, value in keys.items()) + "\n"
    return text


def outage(path: Path) -> None:
    """The outage log with one open Meta outage: Facebook and Instagram down for 40 minutes."""
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.model import Platform, Verdict

    began = datetime.now(UTC) - timedelta(minutes=40)
    ok, down = Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE
    why = "3 of 3 checks failed; DNS answers, the pages do not load; your connection is fine"
    log = IncidentLog.open(path)
    try:
        log.record(
            [
                Change(
                    began,
                    Platform("facebook", "Facebook", "Meta"),
                    ok,
                    down,
                    why,
                    True,
                    1,
                    (),
                    1,
                    began=began,
                ),
                Change(
                    began,
                    Platform("instagram", "Instagram", "Meta"),
                    ok,
                    down,
                    why,
                    True,
                    1,
                    (),
                    1,
                    began=began,
                ),
            ]
        )
    finally:
        log.close()


def grab(widget: Any, path: Path) -> None:
    settle()
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path}")


def side_by_side(left: Any, right: Any, path: Path) -> None:
    """Two real windows in one picture, as they stand on a desktop (the editor over Settings' right)."""
    from PySide6.QtGui import QColor, QPainter, QPixmap

    settle()
    first, second = left.grab(), right.grab()
    gap = 16
    canvas = QPixmap(first.width() + gap + second.width(), max(first.height(), second.height()))
    canvas.fill(QColor("#d9dde3"))
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, first)
    painter.drawPixmap(first.width() + gap, 0, second)
    painter.end()
    if not canvas.save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path}")


def accept(box: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="outagetray-send-shots-") as name:
        folder = Path(name)
        prepare(folder)
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setApplicationName("OutageTray")
        with ExitStack() as stack:
            photograph(out.resolve(), folder, stack)
        del app


def photograph(out: Path, folder: Path, stack: ExitStack) -> None:
    from outagetray.core.checklist import load_checklist
    from outagetray.core.drafts import DraftLibrary
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.readiness import Readiness
    from outagetray.core.secrets import Secrets
    from outagetray.core.settings import load
    from outagetray.ui.send_controller import SendController
    from outagetray.ui.settings.dialog import SettingsDialog
    from outagetray.ui.window import TABS, StatusWindow
    from tests.support.api_peers import GraphPeer
    from tests.support.chat_peers import DiscordPeer
    from tests.support.mastodon_peer import MastodonPeer
    from tests.support.smtp_peer import SmtpPeer

    smtp = stack.enter_context(SmtpPeer(SMTP_USER, SMTP_PASSWORD))
    mastodon = stack.enter_context(MastodonPeer(token=MASTODON_TOKEN, username="cornerbakery"))
    discord = stack.enter_context(DiscordPeer(DISCORD_ID, DISCORD_TOKEN))
    graph = GraphPeer(PAGE_ID, PAGE_TOKEN, page_name="Corner Bakery")
    graph.start()
    stack.callback(graph.stop)
    sky = stack.enter_context(bluesky())

    config = folder / "config.toml"
    config.write_text(config_text(smtp, mastodon, sky, graph), encoding="utf-8")
    loaded = load(config)
    if loaded.problems or loaded.warnings:
        raise SystemExit(f"the bakery's settings do not load cleanly: {loaded.problems + loaded.warnings}")
    settings = loaded.settings
    secrets = Secrets()
    secrets.set("newsletter", SMTP_PASSWORD)
    secrets.set("mastodon", MASTODON_TOKEN)
    secrets.set("discord", discord.url)
    secrets.set("facebook", PAGE_TOKEN)
    if sky is not None:
        secrets.set("bluesky", sky.password)
    # The Page token expired last night: Graph's own answer for that (code 190, subcode 463).
    graph.fail_with(
        190,
        "Error validating access token: Session has expired on Tuesday, 01-Dec-26 23:00:00 PST.",
        subcode=463,
    )
    log_path = folder / "outages.sqlite3"
    outage(log_path)
    checks_path = folder / "channel-checks.json"

    window = StatusWindow(tz=TZ)
    window.resize(*SIZE)
    controller = SendController(log_path, secrets)
    stack.callback(controller.shutdown)
    window.cockpit.set_channel_sources(secrets, lambda: Readiness(checks_path), lambda: None)
    window.cockpit.set_sending(lambda: controller)
    window.set_playbook(settings, DraftLibrary(folder / "drafts.toml"), load_checklist())
    window.show()

    # -- readiness.png: the Channels tab after "Test all" -------------------------------------
    window.tabs.setCurrentIndex(TABS.index("Channels"))
    view = window.cockpit.readiness_view
    assert view is not None
    wait_until(lambda: view.readiness is not None, "the record of last checks")
    view.test_all_button.click()
    wait_until(lambda: not view.testing, "the channel checks")
    grab(window, out / "readiness.png")

    # -- channels.png: Settings > Channels, with one channel's editor open ---------------------
    dialog = SettingsDialog(
        path=config, settings=settings, secrets=secrets, readiness=lambda: Readiness(checks_path)
    )
    dialog.resize(*SIZE)
    dialog.show_channels_tab()
    dialog.show()
    tab = dialog.channels_tab
    wait_until(lambda: tab.readiness is not None, "the last checks in Settings")
    tab.select(1)  # Mastodon
    tab.edit_button.click()
    editor = tab.editor
    assert editor is not None
    editor.resize(560, SIZE[1])
    editor.show()
    wait_until(lambda: editor.isVisible(), "the channel editor")
    editor.test_button.click()  # a harmless call with the saved token: nothing is posted
    wait_until(lambda: editor.last_result is not None, "the editor's Test")
    side_by_side(dialog, editor, out / "channels.png")
    editor.reject()
    dialog.reject()

    # -- send.png: the Incident tab after a click on Send ---------------------------------------
    with IncidentLog.open(log_path, read_only=True) as log:
        incidents = log.open_incidents(drill=None)
    window.show_incidents(incidents, incidents)
    window.show_incident(incidents[0].id, "notice")
    incident_view = window.incident_view
    assert incident_view is not None
    # What the app's last round hands the controller: Facebook and Instagram are down.
    controller.down_source = lambda: {"facebook": "Facebook", "instagram": "Instagram"}
    panel = incident_view.drafts
    wait_until(lambda: panel.send_button.isEnabled(), "the Send button")
    mastodon.fault = "drop_after_post"  # the post is made, then the line goes dead
    panel.send_button.click()
    box = panel.question
    assert box is not None
    accept(box)
    wait_until(lambda: not panel.sending and not controller.busy, "the send")
    for card in panel.cards:
        print(f"  {card.name}: {card.send_status.text()}")
    # Every card at once: the window as tall as its drafts (its width stays that of the other pictures).
    window.resize(SIZE[0], SIZE[1] + SEND_EXTRA)
    scroll_to_top(incident_view)
    grab(window, out / "send.png")
    window.close()


def scroll_to_top(view: Any) -> None:
    from PySide6.QtWidgets import QScrollArea

    for area in view.findChildren(QScrollArea):
        area.verticalScrollBar().setValue(0)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
