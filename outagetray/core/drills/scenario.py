"""Fire-drill scenarios: TOML files saying what every DNS name, web address and status source
answers at each moment of a famous outage (resources/drills/README.md documents the format).

A scenario is data a user or an agency may write, so every mistake in it is answered with words
naming the file, the step and the key and what to write instead, never a traceback. A file is
checked once, whole, so the players that serve it at high speed only ask ``state_at`` and
``connection_at`` and never meet a surprise in the middle of a drill.
"""

from __future__ import annotations

import difflib
import itertools
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from outagetray.assets import resource
from outagetray.core.catalog import builtin_platforms, guess_id

if TYPE_CHECKING:
    from outagetray.core.model import Platform

SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: Larger than any honest scenario by far; a bigger file is a mistake or an attack, not a drill.
MAX_BYTES = 256 * 1024
MAX_STEPS = 500
#: At the default speed (180) two days of scenario time take 16 real minutes: longer is no drill.
MAX_DURATION = timedelta(hours=48)
DNS_ANSWERS = ("ok", "servfail", "nxdomain", "timeout")
WEB_WORDS = ("ok", "reset", "timeout", "cloudflare", "challenge")
STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
CONNECTIONS = ("ok", "down", "captive")
VERDICTS = ("partial_outage", "major_outage", "degraded")
#: Meta Status words that OutageTray's reader understands (sources/meta_orgs.py), as Meta writes them.
HINT_WORDS: tuple[str, ...] = ("No known issues", "Resolved", "Low disruptions", "Medium disruptions")
HINT_WORDS += ("High disruptions", "Major disruptions")
_TOP_KEYS = ("id", "title", "summary", "source", "start", "end", "platforms", "steps", "truth", "expect")
_STEP_KEYS = ("from", "until", "platforms", "dns", "web", "web_share", "status", "hints", "connection")
_TRUTH_KEYS = ("platform", "down", "up", "verdict")
_EXPECT_KEYS = ("incidents", "false_alarms", "alerts")
_OPEN_PROBLEMS: dict[type[OSError], str] = {
    FileNotFoundError: "there is no such file",
    IsADirectoryError: "it is a folder; give the path of a drill file (.toml) in it",
    PermissionError: "OutageTray is not allowed to read it",
}


class ScenarioError(ValueError):
    """A drill file cannot be used; ``str()`` names the file, the place and what to write instead."""


@dataclass(frozen=True)
class PlatformState:
    """What one platform's servers answer at one moment; the defaults are a healthy platform.

    ``web_share``: the share of web requests that get ``web`` (on and off, as on 2019-03-13).
    ``hints``: Meta Status words by org id; an org not named says "No known issues".
    """

    dns: str = "ok"
    web: int | str = "ok"
    web_share: float = 0.0
    status: str = "operational"
    hints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Step:
    """One change, from ``start`` (inclusive) to ``until`` (exclusive; the drill's end when not written)."""

    number: int
    start: datetime
    until: datetime
    platforms: tuple[str, ...]
    state: PlatformState
    connection: str | None = None


@dataclass(frozen=True)
class Truth:
    """What really happened to one platform, for the drill's report; ``up`` None: not back by the end."""

    platform: str
    down: datetime
    up: datetime | None
    verdict: str


@dataclass(frozen=True)
class Expect:
    """What a well-behaved monitor shows; None: the file makes no promise about it."""

    incidents: int | None = None
    false_alarms: int | None = None
    alerts: bool | None = None


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario's id and words for a list (``outagetray drill --list``); ``path`` when on disk."""

    id: str
    title: str
    summary: str
    path: Path | None


@dataclass(frozen=True)
class Scenario:
    """A whole checked scenario; times are UTC."""

    id: str
    title: str
    summary: str
    source: str
    start: datetime
    end: datetime
    platforms: tuple[str, ...]
    steps: tuple[Step, ...]
    truth: tuple[Truth, ...]
    expect: Expect
    path: Path | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def state_at(self, platform_id: str, when: datetime) -> PlatformState:
        """What ``platform_id`` answers at ``when``: its step's state, or healthy when none applies."""
        for step in self.steps:
            if platform_id in step.platforms and step.start <= when < step.until:
                return step.state
        return PlatformState()

    def connection_at(self, when: datetime) -> str:
        """The user's own connection at ``when``: "ok", "down" or "captive"."""
        for step in self.steps:
            if step.connection is not None and step.start <= when < step.until:
                return step.connection
        return "ok"

    def truth_for(self, platform_id: str) -> Truth | None:
        return next((t for t in self.truth if t.platform == platform_id), None)


def builtin_ids() -> list[str]:
    """The ids of the drills shipped with OutageTray, sorted."""
    return sorted(n.name[: -len(".toml")] for n in resource("drills").iterdir() if n.name.endswith(".toml"))


def list_scenarios() -> list[ScenarioInfo]:
    """The shipped drills, for a list; a broken shipped file raises ScenarioError (tests forbid it)."""
    return [ScenarioInfo(s.id, s.title, s.summary, s.path) for s in map(load, builtin_ids())]


def load(id_or_path: str | Path, *, catalog: Mapping[str, Platform] | None = None) -> Scenario:
    """A shipped drill by its id ("meta-2021-10-04"), or the user's own file by its path.

    ``catalog`` (by default the built-in platforms) is what the platform ids are checked against.
    """
    text, ids, catalog = str(id_or_path), builtin_ids(), builtin_platforms() if catalog is None else catalog
    if isinstance(id_or_path, str) and text in ids:
        node = resource("drills") / f"{text}.toml"
        where, raw, path = f"{text}.toml", node.read_bytes(), node if isinstance(node, Path) else None
    elif isinstance(id_or_path, str) and SCENARIO_ID.fullmatch(text) and not Path(text).exists():
        drills = f"The drills are: {_names(ids)}; or give the path of your own drill file."
        raise ScenarioError(f'There is no drill called "{text}".{_close(text, ids)} {drills}')
    else:
        path = Path(id_or_path)
        where, raw = str(path), _read_file(path)
    return _Reader(where, catalog).scenario(_parse(raw, where), path)


def _read_file(path: Path) -> bytes:
    """At most MAX_BYTES of a user's file, with plain words for every way reading can fail."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        why = _OPEN_PROBLEMS.get(type(exc), exc.strerror or "it could not be read")
        raise ScenarioError(f"The drill file {path} cannot be opened: {why}.") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{path} is over {MAX_BYTES // 1024} KB, far too large for a drill file.")
    return raw


def _parse(raw: bytes, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{where} is not a text file: save it as UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where} is not written as a TOML drill file ({exc}).") from None
    except RecursionError:
        raise ScenarioError(f"{where} nests lists or tables far too deeply for a drill file.") from None


def _names(items: Collection[str]) -> str:
    return ", ".join(items)


def _close(word: object, options: Collection[str]) -> str:
    """' Did you mean "x"?' for the option nearest ``word``, or "" when none is near."""
    close = difflib.get_close_matches(word, list(options), n=1) if isinstance(word, str) else []
    return f' Did you mean "{close[0]}"?' if close else ""


def _utc(when: datetime) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%SZ}"


class _Reader:
    """Reads one parsed file into a Scenario; every complaint names the file and the ``place`` in it."""

    def __init__(self, where: str, catalog: Mapping[str, Platform]) -> None:
        self.where = where
        self.catalog = catalog
        self.place = ""

    def fail(self, words: str) -> ScenarioError:
        where = f"{self.where}, {self.place}" if self.place else self.where
        return ScenarioError(f"{where}: {words}")

    def keys(self, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                said = f'"{key}" is not a key OutageTray knows here.{_close(key, allowed)}'
                raise self.fail(f"{said} The keys are: {_names(allowed)}.")

    def text(self, table: Mapping[str, Any], key: str, *, required: bool = True) -> str:
        value = table.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f'"{key}" must be words in quotes, like {key} = "…".')
        return value.strip()

    def moment(self, table: Mapping[str, Any], key: str, span: tuple[datetime, ...] = ()) -> datetime:
        value = table.get(key)
        if not isinstance(value, datetime) or value.tzinfo is None:
            what = "needs a date, a time and a zone" if isinstance(value, date | time) else "must be a moment"
            raise self.fail(f'"{key}" {what}: a UTC time ending in Z, like {key} = 2021-10-04T15:39:00Z.')
        when = value.astimezone(UTC)
        if span and not span[0] <= when <= span[1]:
            drill = f"{_utc(span[0])} to {_utc(span[1])}"
            raise self.fail(f'"{key}" ({_utc(when)}) is outside the drill, which runs {drill}.')
        return when

    def choice(self, table: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
        value = table.get(key)
        if not isinstance(value, str) or value not in allowed:
            said = f'"{key}" must be one of {_names(allowed)} (found {value!r}).'
            raise self.fail(said + _close(value, allowed))
        return value

    def platform(self, value: object, known: Collection[str], key: str) -> str:
        if not isinstance(value, str) or value not in known:
            guess = guess_id(value, known) if isinstance(value, str) else None
            hint = f' Did you mean "{guess}"?' if guess else ""
            raise self.fail(f'"{key}" names {value!r}, not one of {_names(sorted(known))}.{hint}')
        return value

    def scenario(self, data: dict[str, Any], path: Path | None) -> Scenario:
        self.keys(data, _TOP_KEYS)
        scenario_id = self.text(data, "id")
        if not SCENARIO_ID.fullmatch(scenario_id):
            raise self.fail('"id" may hold only lower-case letters, digits and "-", like "my-drill".')
        stem = Path(self.where).name.removesuffix(".toml")
        if stem != scenario_id:
            raise self.fail(f'"id" is "{scenario_id}" but the file is {stem}.toml: make them the same.')
        span = (self.moment(data, "start"), self.moment(data, "end"))
        if not span[0] < span[1] <= span[0] + MAX_DURATION:
            raise self.fail('"end" must come after "start", and a drill may last at most 48 hours.')
        platforms = data.get("platforms")
        if not isinstance(platforms, list) or not platforms:
            raise self.fail('"platforms" must list platform ids, like platforms = ["facebook", "x"].')
        watched = tuple(self.platform(p, self.catalog, "platforms") for p in platforms)
        if len(set(watched)) != len(watched):
            raise self.fail('"platforms" names a platform twice.')
        steps_data = data.get("steps", [])
        if not isinstance(steps_data, list) or len(steps_data) > MAX_STEPS:
            raise self.fail(f"write each step as its own [[steps]] table, at most {MAX_STEPS} of them.")
        steps = tuple(self.step(s, n, span, watched) for n, s in enumerate(steps_data, 1))
        self.no_overlaps(steps, watched)
        truth = self.truths(data.get("truth", []), span, watched)
        self.place = ""
        title, summary = self.text(data, "title"), self.text(data, "summary")
        source, expect = self.text(data, "source", required=False), self.expect(data.get("expect", {}))
        return Scenario(scenario_id, title, summary, source, *span, watched, steps, truth, expect, path)

    def step(self, table: object, number: int, span: tuple[datetime, ...], watched: tuple[str, ...]) -> Step:
        self.place = f"step {number}"
        if not isinstance(table, dict):
            raise self.fail("write each step as its own [[steps]] table.")
        self.keys(table, _STEP_KEYS)
        begins = self.moment(table, "from", span)
        until = self.moment(table, "until", span) if "until" in table else span[1]
        if not begins < until:
            raise self.fail('"until" must come after "from".')
        names = table.get("platforms", [])
        if not isinstance(names, list):
            raise self.fail('"platforms" must be a list, like platforms = ["facebook"].')
        platforms = tuple(self.platform(p, watched, "platforms") for p in names)
        says = [k for k in ("dns", "web", "web_share", "status", "hints") if k in table]
        if says and not platforms:
            raise self.fail(f'it sets {_names(says)} but "platforms" does not say for which.')
        if platforms and not says:
            raise self.fail("it names platforms but says nothing of them (dns, web, status, hints).")
        if not platforms and "connection" not in table:
            raise self.fail('it says nothing: give "platforms" and what they answer, or "connection".')
        connection = self.choice(table, "connection", CONNECTIONS) if "connection" in table else None
        return Step(number, begins, until, platforms, self.state(table, platforms), connection)

    def state(self, table: Mapping[str, Any], platforms: tuple[str, ...]) -> PlatformState:
        dns = self.choice(table, "dns", DNS_ANSWERS) if "dns" in table else "ok"
        web = table.get("web", "ok")
        code = isinstance(web, int) and not isinstance(web, bool) and 400 <= web <= 599
        if not code and not (isinstance(web, str) and web in WEB_WORDS):
            raise self.fail(f'"web" must be a code from 400 to 599 or one of {_names(WEB_WORDS)}.')
        share = table.get("web_share", 1.0)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise self.fail('"web_share" must be a number from 0 to 1, like web_share = 0.5.')
        if "web_share" in table and web == "ok":
            raise self.fail('"web_share" says how often "web" fails, so it needs "web" too.')
        status = self.choice(table, "status", STATUSES) if "status" in table else "operational"
        if "status" in table and not any(not s.is_hint for p in platforms for s in self.catalog[p].sources):
            raise self.fail(
                f'"status" is what a platform\'s own status page says, and {_names(platforms)} has none in '
                'OutageTray\'s catalog, so nothing would show it: leave it out (Meta Status is "hints").'
            )
        hints = self.hints(table.get("hints", {}), platforms)
        return PlatformState(dns, web, 0.0 if web == "ok" else float(share), status, hints)

    def hints(self, value: object, platforms: tuple[str, ...]) -> Mapping[str, str]:
        if not isinstance(value, dict):
            raise self.fail('"hints" must be a table: hints = { "facebook-login" = "High disruptions" }.')
        sources = [s for p in platforms for s in self.catalog[p].sources if s.type == "meta_orgs"]
        orgs = sorted({s.options.get("org", "") for s in sources} - {""})
        wanted = {w.lower(): w for w in HINT_WORDS}
        hints: dict[str, str] = {}
        for org, words in value.items():
            if org not in orgs:
                known = f"these platforms have {_names(orgs)}" if orgs else "these platforms have none"
                raise self.fail(f'"hints" names the Meta Status org "{org}": {known}.{_close(org, orgs)}')
            if not isinstance(words, str) or words.lower() not in wanted:
                raise self.fail(f'"hints" for "{org}" must be one of: {_names(HINT_WORDS)}.')
            hints[org] = wanted[words.lower()]
        return MappingProxyType(hints)

    def no_overlaps(self, steps: tuple[Step, ...], watched: tuple[str, ...]) -> None:
        """Two steps for one platform (or the connection) at one moment: which one to play is a guess."""
        tracks = [(p, [s for s in steps if p in s.platforms]) for p in watched]
        tracks.append(("the connection", [s for s in steps if s.connection is not None]))
        for what, track in tracks:
            for before, after in itertools.pairwise(sorted(track, key=lambda s: s.start)):
                if after.start < before.until:
                    self.place = f"steps {before.number} and {after.number}"
                    raise self.fail(
                        f"both say what {what} does at {_utc(after.start)}: end step {before.number} "
                        f'("until") no later than step {after.number} begins.'
                    )

    def truths(self, value: object, span: tuple[datetime, ...], ids: tuple[str, ...]) -> tuple[Truth, ...]:
        found: list[Truth] = []
        for number, table in enumerate(value if isinstance(value, list) else [value], 1):
            self.place = f"truth {number}"
            if not isinstance(table, dict):
                raise self.fail("write each truth as its own [[truth]] table.")
            self.keys(table, _TRUTH_KEYS)
            platform = self.platform(table.get("platform"), ids, "platform")
            if any(t.platform == platform for t in found):
                raise self.fail(f'"{platform}" already has a truth: give each platform one.')
            down = self.moment(table, "down", span)
            up = self.moment(table, "up", span) if "up" in table else None
            if up is not None and not down < up:
                raise self.fail('"up" must come after "down".')
            found.append(Truth(platform, down, up, self.choice(table, "verdict", VERDICTS)))
        return tuple(found)

    def expect(self, table: object) -> Expect:
        self.place = "[expect]"
        if not isinstance(table, dict):
            raise self.fail("write it as an [expect] table.")
        self.keys(table, _EXPECT_KEYS)
        for key in ("incidents", "false_alarms"):
            value = table.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self.fail(f'"{key}" must be a whole number, 0 or more, like {key} = 1.')
        alerts = table.get("alerts")
        if alerts is not None and not isinstance(alerts, bool):
            raise self.fail('"alerts" must be true or false (without quotes).')
        if alerts is False and table.get("incidents", 0) > 0:
            raise self.fail("no incident opens without an alert: with alerts = false, incidents = 0.")
        return Expect(table.get("incidents"), table.get("false_alarms"), alerts)
