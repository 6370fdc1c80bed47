"""The Reach tab: the audience's shares by owner, the advice, and the setup offer when empty."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from outagetray.core.checklist import load_checklist
from outagetray.core.drafts import DraftLibrary
from outagetray.core.playbook import REACH_EMPTY
from outagetray.core.profile import Profile
from outagetray.ui.window import TABS, StatusWindow
from tests.core.test_playbook import BERLIN, NOW, settings


def reach_window(qtbot: QtBot, tmp_path: Path, **extra: object) -> StatusWindow:
    window = StatusWindow(now=lambda: NOW, tz=BERLIN)
    qtbot.addWidget(window)
    window.show()
    window.set_playbook(settings(**extra), DraftLibrary(tmp_path / "d.toml"), load_checklist())
    window.tabs.setCurrentIndex(TABS.index("Reach"))
    assert window.reach_view is not None
    return window


def test_the_owner_shares_and_the_advice(qtbot: QtBot, tmp_path: Path) -> None:
    window = reach_window(qtbot, tmp_path)
    view = window.reach_view
    assert view is not None
    assert [b.accessibleName() for b in view.bars] == ["Meta", "X Corp"]
    assert [b.value() for b in view.bars] == [89, 11]
    assert view.bars[0].toolTip() == "89% · 4,000 followers on Facebook and Instagram"
    assert view.advice.text().startswith("89% of your audience")
    assert not view.setup.isVisible()


def test_an_empty_profile_offers_the_setup(qtbot: QtBot, tmp_path: Path) -> None:
    window = reach_window(qtbot, tmp_path, profile=Profile())
    view = window.reach_view
    assert view is not None and view.bars == []
    assert view.advice.text() == REACH_EMPTY
    assert view.setup.isVisible()
    with qtbot.waitSignal(window.setup_requested):
        view.setup.click()


def test_a_changed_profile_redraws_the_tab(qtbot: QtBot, tmp_path: Path) -> None:
    window = reach_window(qtbot, tmp_path, profile=Profile())
    window.set_playbook(settings(), DraftLibrary(tmp_path / "d.toml"), load_checklist())
    assert window.reach_view is not None and len(window.reach_view.bars) == 2
