"""Fire-drill scenario files: the six shipped ones hold their facts, and a user's mistakes get plain words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outagetray.assets import resource
from outagetray.core.catalog import builtin_platforms
from outagetray.core.drills import scenario
from outagetray.core.drills.scenario import PlatformState, ScenarioError, builtin_ids, list_scenarios, load

SIX = ["cdn-2025-11-18", "meta-2019-03-13", "meta-2021-10-04", "meta-2024-03-05", "wifi-drop", "x-2023-07-01"]
META = ["facebook", "instagram", "whatsapp", "messenger"]
HEALTHY = PlatformState()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def second_before(text: str) -> datetime:
    return at(text) - timedelta(seconds=1)


# A small valid file that the bad-file cases below each break in one way.
GOOD = """\
id = "my-drill"
title = "A test"
summary = "Instagram fails for an hour; the Wi-Fi drops."
start = 2025-01-01T10:00:00Z
end = 2025-01-01T13:00:00Z
platforms = ["instagram", "facebook", "discord"]

[[steps]]
from = 2025-01-01T11:00:00Z
until = 2025-01-01T12:00:00Z
platforms = ["instagram"]
web = 503
web_share = 0.5

[[steps]]
from = 2025-01-01T11:30:00Z
platforms = ["facebook"]
dns = "nxdomain"
hints = { "facebook-login" = "high disruptions" }

[[steps]]
from = 2025-01-01T10:30:00Z
until = 2025-01-01T10:45:00Z
connection = "down"

[[truth]]
platform = "instagram"
down = 2025-01-01T11:00:00Z
up = 2025-01-01T12:00:00Z
verdict = "partial_outage"

[expect]
incidents = 2
false_alarms = 0
alerts = true
"""


def write(tmp_path: Path, text: str, name: str = "my-drill.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_six_are_shipped_and_listed() -> None:
    assert builtin_ids() == SIX
    infos = list_scenarios()
    assert [i.id for i in infos] == SIX
    for info in infos:
        assert info.title and info.summary
        assert info.path is not None and info.path.name == f"{info.id}.toml"


@pytest.mark.parametrize("scenario_id", SIX)
def test_every_shipped_file_is_complete_and_honest(scenario_id: str) -> None:
    drill = load(scenario_id)
    assert drill.id == scenario_id
    assert drill.source, "a shipped drill says where its facts come from"
    assert drill.start.tzinfo is UTC and drill.duration <= timedelta(hours=8)
    assert None not in (drill.expect.incidents, drill.expect.false_alarms, drill.expect.alerts)
    assert drill.expect.false_alarms == 0
    assert drill.steps and drill.truth
    assert {t.platform for t in drill.truth} <= set(drill.platforms)
    raw = (resource("drills") / f"{scenario_id}.toml").read_text(encoding="utf-8")
    assert raw.startswith("# "), "each file begins with a comment citing its facts"
    if scenario_id != "wifi-drop":
        assert "STATUS-SOURCES.md §6" in raw
    else:
        assert "made up" in drill.summary.lower() and "Made up" in raw


def test_meta_2021_dns_gone_for_all_four_from_1539_to_2105() -> None:
    drill = load("meta-2021-10-04")
    assert list(drill.platforms) == META
    for pid in META:
        assert drill.state_at(pid, second_before("2021-10-04T15:39:00Z")) == HEALTHY
        assert drill.state_at(pid, at("2021-10-04T15:39:00Z")).dns == "servfail"
        assert drill.state_at(pid, second_before("2021-10-04T21:05:00Z")).dns == "servfail"
        assert drill.state_at(pid, at("2021-10-04T21:05:00Z")) == HEALTHY
        truth = drill.truth_for(pid)
        assert truth is not None and truth.verdict == "major_outage"
        assert (truth.down, truth.up) == (at("2021-10-04T15:39:00Z"), at("2021-10-04T21:05:00Z"))
    assert drill.expect.incidents == 1 and drill.expect.alerts is True
    assert drill.connection_at(at("2021-10-04T18:00:00Z")) == "ok"


def test_meta_2019_is_5xx_on_and_off_with_dns_fine() -> None:
    drill = load("meta-2019-03-13")
    assert drill.duration <= timedelta(hours=6) and "14 hours" in drill.summary
    for pid in META:
        state = drill.state_at(pid, at("2019-03-13T17:00:00Z"))
        assert state.dns == "ok" and isinstance(state.web, int) and 500 <= state.web <= 599
        assert 0.3 <= state.web_share <= 0.7
        assert drill.truth_for(pid) is not None and drill.truth_for(pid).verdict == "partial_outage"  # type: ignore[union-attr]
    assert drill.state_at("facebook", at("2019-03-13T17:00:00Z")).hints == {
        "facebook-login": "Medium disruptions"
    }
    assert drill.expect.incidents == 1


def test_meta_2024_only_the_login_hint_speaks() -> None:
    drill = load("meta-2024-03-05")
    during = at("2024-03-05T16:00:00Z")
    assert drill.state_at("facebook", during) == PlatformState(hints={"facebook-login": "Major disruptions"})
    assert drill.state_at("facebook", second_before("2024-03-05T15:17:00Z")) == HEALTHY
    assert drill.state_at("facebook", at("2024-03-05T17:07:00Z")) == HEALTHY
    for pid in drill.platforms:
        if pid != "facebook":
            assert drill.state_at(pid, during) == HEALTHY
        assert drill.truth_for(pid).verdict == "degraded"  # type: ignore[union-attr]
    assert drill.expect.incidents == 0


def test_x_2023_is_429_all_day_and_never_an_alert() -> None:
    drill = load("x-2023-07-01")
    assert drill.platforms == ("x",)
    assert drill.state_at("x", second_before("2023-07-01T12:00:00Z")) == HEALTHY
    assert drill.state_at("x", at("2023-07-01T12:00:00Z")) == PlatformState(web=429, web_share=1.0)
    assert drill.state_at("x", second_before("2023-07-01T18:00:00Z")).web == 429
    assert drill.truth_for("x").up is None  # type: ignore[union-attr]
    assert (drill.expect.incidents, drill.expect.alerts) == (0, False)


def test_cdn_2025_hits_several_owners_at_once_and_not_the_connection() -> None:
    drill = load("cdn-2025-11-18")
    catalog = builtin_platforms()
    owners = {catalog[p].owner for p in drill.platforms}
    assert "x" in drill.platforms and len(owners) == len(drill.platforms) >= 3
    for pid in drill.platforms:
        assert drill.state_at(pid, at("2025-11-18T11:20:00Z")) == PlatformState(
            web="cloudflare", web_share=1.0
        )
        assert drill.state_at(pid, second_before("2025-11-18T11:20:00Z")) == HEALTHY
    assert all(s.connection is None for s in drill.steps)
    assert drill.expect.incidents == len(owners)


def test_wifi_drop_happens_inside_the_outage() -> None:
    drill = load("wifi-drop")
    (outage,) = [s for s in drill.steps if s.platforms]
    (drop,) = [s for s in drill.steps if s.connection == "down"]
    assert outage.start < drop.start and drop.until < outage.until
    assert drill.connection_at(drop.start) == "down"
    assert drill.connection_at(drop.until) == "ok"
    assert drill.connection_at(drop.start - timedelta(seconds=1)) == "ok"
    assert drill.expect.incidents == 1 and drill.expect.alerts is True


def test_a_users_file_loads_by_path_and_answers_at_the_edges(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    for given in (path, str(path)):
        drill = load(given)
        assert drill.id == "my-drill" and drill.path == path
    assert drill.duration == timedelta(hours=3)
    # from is inclusive, until exclusive; healthy outside every step.
    assert drill.state_at("instagram", second_before("2025-01-01T11:00:00Z")) == HEALTHY
    assert drill.state_at("instagram", at("2025-01-01T11:00:00Z")) == PlatformState(web=503, web_share=0.5)
    assert drill.state_at("instagram", second_before("2025-01-01T12:00:00Z")).web == 503
    assert drill.state_at("instagram", at("2025-01-01T12:00:00Z")) == HEALTHY
    # A step without until lasts to the end; hint words are kept as Meta writes them.
    late = drill.state_at("facebook", at("2025-01-01T12:59:59Z"))
    assert late == PlatformState(dns="nxdomain", hints={"facebook-login": "High disruptions"})
    assert late.web_share == 0.0
    assert drill.state_at("facebook", at("2025-01-01T13:00:00Z")) == HEALTHY
    assert drill.state_at("discord", at("2025-01-01T11:30:00Z")) == HEALTHY
    assert drill.state_at("youtube", at("2025-01-01T11:30:00Z")) == HEALTHY
    assert drill.connection_at(second_before("2025-01-01T10:30:00Z")) == "ok"
    assert drill.connection_at(at("2025-01-01T10:30:00Z")) == "down"
    assert drill.connection_at(second_before("2025-01-01T10:45:00Z")) == "down"
    assert drill.connection_at(at("2025-01-01T10:45:00Z")) == "ok"
    assert drill.truth_for("facebook") is None
    with pytest.raises(AttributeError):
        drill.id = "other"  # type: ignore[misc]


def replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD = {
    "unknown top key": (replace("summary =", "sumary ="), ['"sumary"', 'Did you mean "summary"?']),
    "unknown step key": (replace("until = 2025-01-01T12", "untill = 2025-01-01T12"), ["step 1", '"until"']),
    "time before the start": (
        replace("from = 2025-01-01T11:00:00Z", "from = 2025-01-01T09:00:00Z"),
        ["step 1", '"from"', "outside the drill", "2025-01-01T10:00:00Z to 2025-01-01T13:00:00Z"],
    ),
    "time after the end": (
        replace("up = 2025-01-01T12:00:00Z", "up = 2025-01-02T12:00:00Z"),
        ["truth 1", '"up"'],
    ),
    "until before from": (replace("until = 2025-01-01T12:00:00Z", "until = 2025-01-01T10:59:00Z"), ["after"]),
    "overlapping steps": (
        GOOD + '[[steps]]\nfrom = 2025-01-01T11:59:00Z\nplatforms = ["instagram"]\ndns = "timeout"\n',
        ["steps 1 and 4", "instagram", "2025-01-01T11:59:00Z"],
    ),
    "overlapping connection": (
        GOOD
        + '[[steps]]\nfrom = 2025-01-01T10:40:00Z\nuntil = 2025-01-01T10:50:00Z\nconnection = "captive"\n',
        ["steps 3 and 4", "connection"],
    ),
    "unknown platform": (
        replace('"instagram", "facebook"', '"instagran", "facebook"'),
        ['Did you mean "instagram"?'],
    ),
    "step platform not watched": (
        replace('platforms = ["instagram"]', 'platforms = ["youtube"]'),
        ["step 1"],
    ),
    "wrong type of web": (replace("web = 503", 'web = "five hundred"'), ['"web"', "400 to 599"]),
    "web code out of range": (replace("web = 503", "web = 200"), ['"web"']),
    "wrong type of dns": (replace('dns = "nxdomain"', "dns = 5"), ['"dns"', "servfail"]),
    "close dns word": (replace('dns = "nxdomain"', 'dns = "servfial"'), ['Did you mean "servfail"?']),
    "share above one": (replace("web_share = 0.5", "web_share = 2"), ['"web_share"']),
    "share as text": (replace("web_share = 0.5", 'web_share = "half"'), ['"web_share"']),
    "no time zone": (replace("start = 2025-01-01T10:00:00Z", "start = 2025-01-01T10:00:00"), ["Z"]),
    "a date only": (replace("start = 2025-01-01T10:00:00Z", "start = 2025-01-01"), ['"start"', "UTC"]),
    "id not the file name": (replace('id = "my-drill"', 'id = "other"'), ["my-drill.toml", "same"]),
    "status without a status page": (replace('dns = "nxdomain"', 'status = "major_outage"'), ['"status"']),
    "unknown hint org": (
        replace('"facebook-login" =', '"facebook-logon" ='),
        ['Did you mean "facebook-login"?'],
    ),
    "unknown hint words": (replace('"high disruptions"', '"on fire"'), ["Major disruptions"]),
    "a step saying nothing": (replace('connection = "down"', ""), ["step 3", "says nothing"]),
    "alerts false with incidents": (replace("alerts = true", "alerts = false"), ["incidents = 0"]),
    "alerts as text": (replace("alerts = true", 'alerts = "yes"'), ['"alerts"', "true or false"]),
    "negative incidents": (replace("incidents = 2", "incidents = -1"), ['"incidents"']),
    "platform twice": (replace('"instagram", "facebook"', '"instagram", "instagram"'), ["twice"]),
    "too long": (replace("end = 2025-01-01T13:00:00Z", "end = 2025-01-04T13:00:00Z"), ["48 hours"]),
    "not toml at all": ("<html><body>Not a drill</body></html>\n", ["TOML"]),
    "deeply nested": ("x = " + "[" * 5000 + "]" * 5000 + "\n", ["my-drill.toml"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_gets_plain_words_naming_file_and_place(tmp_path: Path, case: str) -> None:
    text, words = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, message
    assert "Traceback" not in message and "Error" not in message and "\n" not in message


def test_truth_twice_names_the_platform(tmp_path: Path) -> None:
    truth = GOOD[GOOD.index("[[truth]]") : GOOD.index("[expect]")]
    with pytest.raises(ScenarioError, match=r'truth 2: "instagram" already has a truth'):
        load(write(tmp_path, GOOD.replace("[expect]", truth + "[expect]")))


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "# filler\n" * 40_000)
    assert path.stat().st_size > scenario.MAX_BYTES
    with pytest.raises(ScenarioError, match=r"over 256 KB"):
        load(path)


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    binary = tmp_path / "my-drill.toml"
    binary.write_bytes(b'id = "\xff\xfe"\n')
    with pytest.raises(ScenarioError, match=r"not a text file"):
        load(binary)
    with pytest.raises(ScenarioError, match=r"no such file"):
        load(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match=r"is a folder"):
        load(tmp_path)


def test_an_unknown_drill_name_offers_the_nearest() -> None:
    with pytest.raises(ScenarioError) as caught:
        load("meta-2021-10-05")
    message = str(caught.value)
    assert 'Did you mean "meta-2021-10-04"?' in message
    assert all(sid in message for sid in SIX)


def test_the_readme_example_loads_and_names_every_platform(tmp_path: Path) -> None:
    readme = (resource("drills") / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    drill = load(write(tmp_path, example, "our-launch-day.toml"))
    assert drill.expect.incidents == 2 and len(drill.steps) == 3
    for pid in builtin_platforms():
        assert f"`{pid}`" in readme, pid
    for key in (*scenario._TOP_KEYS, *scenario._STEP_KEYS, *scenario._TRUTH_KEYS, *scenario._EXPECT_KEYS):
        assert f"`{key}`" in readme or f"[{key}]" in readme, key
    for sid in SIX:
        assert f"`{sid}`" in readme
