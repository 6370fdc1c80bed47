"""Hint sources: a page about a neighbouring product is heard, never believed as an outage.

STATUS-SOURCES.md §1 ("Source roles") and issue 13 item 1. Both sides of 2024-03-05: the
Facebook Login page was the only machine-readable sign of a real login outage, while the
WhatsApp Business API trouble of the same day left the WhatsApp app itself fine.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from outagetray.core import sources
from outagetray.core.alerts import AlertPolicy
from outagetray.core.catalog import builtin_platforms, platform_from_table
from outagetray.core.check import assess
from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.judge import Change, Judge, JudgeConfig, Round
from outagetray.core.model import Platform, Reading, SourceSpec, Verdict
from outagetray.core.poller import SourceResult
from outagetray.core.probes import ProbeResult
from outagetray.core.settings import Notifications

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ONLINE = ConnectivityReport(Connectivity.ONLINE, "2 of 2 connection checks passed")
T0 = datetime(2024, 3, 5, 15, 17, tzinfo=UTC)
OUTAGES = (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)


def orgs(**statuses: str) -> bytes:
    """Meta Status orgs.json, all clear except the orgs named (org id → status of every service)."""
    data: list[dict[str, Any]] = json.loads((FIXTURES / "meta_orgs" / "orgs_all_clear.json").read_bytes())
    for org in data:
        status = statuses.get(org["id"].replace("-", "_"))
        if status:
            for service in org["services"]:
                service["status"] = status
    return json.dumps(data).encode()


def feed(open_events: bool) -> bytes:
    name = "whatsapp_business_api_open.rss" if open_events else "whatsapp_business_api_empty.rss"
    return (FIXTURES / "rss_events" / name).read_bytes()


def read(platform: Platform, orgs_body: bytes, feed_body: bytes = b"") -> list[SourceResult]:
    """Every status source of a catalog platform, read with the real parsers."""
    results = []
    for spec in platform.sources:
        body = orgs_body if spec.type == "meta_orgs" else feed_body
        results.append(SourceResult(spec, sources.parse(spec.type, body, {}, spec.options)))
    return results


def probes(platform: Platform, outcome: str, kind: str = "ok") -> list[ProbeResult]:
    return [
        ProbeResult(spec, outcome, kind, f"{spec.url}: {kind}", 0.05)  # type: ignore[arg-type]
        for spec in platform.probes
    ]


class Driver:
    def __init__(self, *platforms: Platform, **config: int) -> None:
        self.judge = Judge(platforms, JudgeConfig(**config))  # type: ignore[arg-type]
        self.n = 0
        self.changes: list[Change] = []

    def round(
        self,
        official: dict[str, list[SourceResult]] | None = None,
        probe_results: dict[str, list[ProbeResult]] | None = None,
    ) -> list[Change]:
        rnd = Round(
            T0 + timedelta(minutes=self.n), 60.0 * self.n, ONLINE, official or {}, probe_results or {}
        )
        self.n += 1
        out = [c for c in self.judge.observe(rnd) if isinstance(c, Change)]
        self.changes += out
        return out

    def status(self, pid: str) -> Any:
        return {s.platform.id: s for s in self.judge.statuses()}[pid]


def test_a_whatsapp_business_api_outage_with_healthy_probes_is_not_a_whatsapp_outage() -> None:
    whatsapp = builtin_platforms()["whatsapp"]
    d = Driver(whatsapp)
    down = read(whatsapp, orgs(whatsapp_business_api="High disruptions"), feed(open_events=True))
    for _ in range(10):
        d.round({"whatsapp": down}, {"whatsapp": probes(whatsapp, "healthy")})
        assert d.status("whatsapp").verdict not in OUTAGES
    assert all(c.new not in OUTAGES for c in d.changes)
    (alert,) = [c for c in d.changes if c.alert]
    assert alert.new is Verdict.DEGRADED
    assert alert.evidence == (
        "Meta Status reports major disruptions for the WhatsApp Business Platform; "
        "WhatsApp's own pages still load"
    )
    status = d.status("whatsapp")
    assert [r.spec.role for r in status.official] == ["hint", "hint"]
    assert status.affected and status.affected[0].startswith("WhatsApp Business Platform")


def test_the_facebook_login_hint_is_a_degraded_heads_up_at_normal_urgency() -> None:
    facebook = builtin_platforms()["facebook"]
    d = Driver(facebook)
    body = (FIXTURES / "meta_orgs" / "orgs_2024-03-05_facebook_login_high.json").read_bytes()
    (change,) = d.round({"facebook": read(facebook, body)}, {"facebook": probes(facebook, "healthy")})
    assert (change.new, change.alert) == (Verdict.DEGRADED, True)
    assert change.evidence == (
        "Meta Status reports major disruptions for Facebook Login; Facebook's own pages still load"
    )
    (note,) = AlertPolicy(Notifications(), UTC).decide([change], T0)
    assert (note.kind, note.urgency) == ("degraded", "normal")
    assert "Facebook Login" in note.body


def test_a_hint_shortens_the_probes_confirmation_by_one_round() -> None:
    facebook = builtin_platforms()["facebook"]
    servfail = {"facebook": probes(facebook, "unhealthy", "servfail")}
    quiet = Driver(facebook)
    clear = {"facebook": read(facebook, orgs())}
    assert [quiet.round(clear, servfail) for _ in range(2)][-1] == []
    assert [c.new for c in quiet.round(clear, servfail)] == [Verdict.MAJOR_OUTAGE]

    hinted = Driver(facebook)
    trouble = {"facebook": read(facebook, orgs(facebook_login="High disruptions"))}
    assert [c.new for c in hinted.round(trouble, servfail)] == [Verdict.DEGRADED]
    (outage,) = hinted.round(trouble, servfail)
    assert outage.new is Verdict.MAJOR_OUTAGE
    assert outage.evidence.startswith("5 of 5 checks failed since")
    assert outage.evidence.endswith("; Meta Status reports major disruptions for Facebook Login")


def test_never_fewer_than_two_rounds_and_never_more_than_configured() -> None:
    facebook = builtin_platforms()["facebook"]
    servfail = {"facebook": probes(facebook, "unhealthy", "servfail")}
    trouble = {"facebook": read(facebook, orgs(facebook_login="High disruptions"))}
    two = Driver(facebook, confirm_rounds=2)
    two.round(trouble, servfail)
    assert two.status("facebook").verdict is Verdict.DEGRADED  # one failed round is never enough
    one = Driver(facebook, confirm_rounds=1)
    one.round(trouble, servfail)
    assert one.status("facebook").verdict is Verdict.MAJOR_OUTAGE  # the user's own setting stands


def test_an_official_source_is_still_believed_at_once() -> None:
    spec = SourceSpec("statuspage", "https://discordstatus.com/api/v2/summary.json")
    discord = Platform("discord", "Discord", "Discord", sources=(spec,))
    d = Driver(discord)
    (change,) = d.round({"discord": [SourceResult(spec, Reading(Verdict.MAJOR_OUTAGE, "Major outage"))]})
    assert (change.new, change.alert) == (Verdict.MAJOR_OUTAGE, True)


def test_a_hint_without_probes_or_label_names_its_product_from_the_reading() -> None:
    spec = SourceSpec(
        "meta_orgs", "https://metastatus.com/data/orgs.json", {"org": "facebook-login"}, role="hint"
    )
    login = Platform("fb-login-watch", "My app's login", "Meta", sources=(spec,))
    d = Driver(login)
    reading = sources.parse("meta_orgs", orgs(facebook_login="High disruptions"), {}, spec.options)
    (change,) = d.round({login.id: [SourceResult(spec, reading)]})
    assert change.new is Verdict.DEGRADED
    assert change.evidence == "Meta Status reports major disruptions for Facebook Login"


# -- the catalog and the settings ----------------------------------------------------------------


def test_catalog_marks_business_product_pages_as_hints() -> None:
    catalog = builtin_platforms()
    roles = {(pid, s.type): s.role for pid, p in catalog.items() for s in p.sources}
    assert roles.pop(("facebook", "meta_orgs")) == "hint"
    assert roles.pop(("whatsapp", "meta_orgs")) == "hint"
    assert roles.pop(("whatsapp", "rss_events")) == "hint"
    assert roles.pop(("linkedin", "statuspage")) == "hint"
    assert set(roles.values()) == {"official"}  # every other page is the platform's own
    assert catalog["facebook"].sources[0].label == "Facebook Login"


@pytest.mark.parametrize("source_type", sorted(sources.FORMATS))
def test_every_format_takes_a_role_and_a_label(source_type: str) -> None:
    options = {key: "x" for key in sources.FORMATS[source_type].required}
    table = {"type": source_type, "url": "https://status.example.com/", **options}
    assert sources.make_spec(table).role == "official"
    spec = sources.make_spec({**table, "role": "hint", "label": " Example API "})
    assert (spec.role, spec.label, dict(spec.options)) == ("hint", "Example API", options)


@pytest.mark.parametrize(
    ("extra", "words"),
    [({"role": "rumour"}, 'role of a source must be "official" or "hint"'), ({"label": ""}, "label")],
)
def test_a_wrong_role_or_label_is_refused_in_plain_words(extra: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        sources.make_spec({"type": "statuspage", "url": "https://status.example.com/", **extra})


def test_a_users_platform_may_mark_a_source_as_a_hint(tmp_path: Path) -> None:
    from outagetray.core import settings

    path = tmp_path / "config.toml"
    path.write_text(
        "[[platforms]]\n"
        'id = "acme"\n'
        'name = "Acme"\n'
        'sources = [{ type = "statuspage", url = "https://api-status.acme.example/api/v2/summary.json", '
        'role = "hint", label = "the Acme API" }]\n',
        encoding="utf-8",
    )
    result = settings.load(path)
    assert result.ok, result.problems
    (spec,) = result.settings.platforms()["acme"].sources
    assert (spec.role, spec.label) == ("hint", "the Acme API")
    assert (
        platform_from_table({"id": "acme", "sources": [{"type": "statuspage", "url": spec.url}]})
        .sources[0]
        .role
        == "official"
    )


# -- outagetray check ----------------------------------------------------------------------------


def test_check_never_reports_a_hint_only_platform_worse_than_degraded() -> None:
    whatsapp = builtin_platforms()["whatsapp"]
    down = read(whatsapp, orgs(whatsapp_business_api="High disruptions"), feed(open_events=True))
    report = assess(whatsapp, down, ONLINE, probes(whatsapp, "healthy"))
    assert report.verdict is Verdict.DEGRADED
    assert report.summary == (
        "Meta Status reports major disruptions for the WhatsApp Business Platform; "
        "WhatsApp's own pages still load"
    )
    for probe_outcome in ("unhealthy", "ambiguous"):
        report = assess(whatsapp, down, ONLINE, probes(whatsapp, probe_outcome, "servfail"))
        assert report.verdict is Verdict.DEGRADED
    assert assess(whatsapp, down, ONLINE).verdict is Verdict.DEGRADED
    clear = read(whatsapp, orgs(), feed(open_events=False))
    assert assess(whatsapp, clear, ONLINE, probes(whatsapp, "healthy")).verdict is Verdict.OPERATIONAL


def test_check_still_believes_an_official_page_and_names_the_hint_beside_it() -> None:
    official = SourceSpec("statuspage", "https://status.example.com/api/v2/summary.json")
    hint = SourceSpec(
        "statuspage", "https://api-status.example.com/api/v2/summary.json", role="hint", label="the API"
    )
    platform = Platform("ex", "Example", "Example", sources=(official, hint))
    results = [
        SourceResult(official, Reading(Verdict.PARTIAL_OUTAGE, "Partial outage: Feed")),
        SourceResult(hint, Reading(Verdict.MAJOR_OUTAGE, "Major outage: API")),
    ]
    report = assess(platform, results, ONLINE)
    assert report.verdict is Verdict.PARTIAL_OUTAGE
    assert report.summary == "Partial outage: Feed; The status page for the API reports major disruptions"
