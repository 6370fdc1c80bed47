"""The outage playbook as a checklist: its steps by phase, ticked per incident.

The steps themselves are data (resources/checklist.toml), so their words can be
improved without touching code. What is code: the order of the phases, which steps
apply to which owner (Meta Ads Manager only when Meta fails), and filling in the
incident's facts, so a step links to the right Downdetector page on the user's own
country's site and names the hashtag people use ("#FacebookDown").

Ticks are not kept here. They are Actions of kind TICKED / UNTICKED in the incident
log, with the item's id as subject, and ``Incident.ticked()`` reads them back. That is
why item ids never change: a tick is found again by its id, and a tick whose id is no
longer in the list stays in the log but is neither shown nor counted.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from outagetray.assets import read_text
from outagetray.core.downdetector import page_url, site_for
from outagetray.core.model import Platform
from outagetray.core.reach import join_names
from outagetray.core.records import Incident

#: Stable ids: dotted lower-case words, e.g. "report.downdetector".
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")
#: What a text may ask to have filled in.
PLACEHOLDERS = ("platforms", "owner", "hashtags")
#: The one link that is not a fixed address: each affected platform's Downdetector page.
DOWNDETECTOR_LINK = "{downdetector}"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ITEM_KEYS = ("id", "phase", "text", "detail", "link", "link_label", "owners", "skip_owners")
_PHASE_KEYS = ("id", "title")
#: Address endings dropped from a hashtag: people write #WordPressDown, not #WordPressComDown.
_DOMAIN_WORDS = ("com", "net", "org", "io", "app", "tv")


class ChecklistError(ValueError):
    """The checklist file is wrong; the message says where, for whoever edits it."""


@dataclass(frozen=True)
class Phase:
    id: str
    title: str


@dataclass(frozen=True)
class Item:
    """One step as written in the file, before an incident's facts are filled in."""

    id: str
    phase: str
    text: str
    detail: str = ""
    #: A fixed https:// address, "{downdetector}", or empty.
    link: str = ""
    #: The words on a fixed link's button ("Open Meta Ads Manager"); its host when empty.
    link_label: str = ""
    #: Shown only for incidents of these owners (empty: every owner).
    owners: tuple[str, ...] = ()
    #: Shown for every owner but these.
    skip_owners: tuple[str, ...] = ()

    def applies_to(self, owner: str) -> bool:
        """Whether the step belongs to an incident of ``owner`` (names compared without case)."""
        wanted = owner.strip().casefold()
        if self.owners and wanted not in {o.casefold() for o in self.owners}:
            return False
        return wanted not in {o.casefold() for o in self.skip_owners}


@dataclass(frozen=True)
class Checklist:
    phases: tuple[Phase, ...]
    items: tuple[Item, ...]

    def phase_title(self, phase_id: str) -> str:
        return next((p.title for p in self.phases if p.id == phase_id), phase_id)


@dataclass(frozen=True)
class Link:
    """An address to open, with the words to show for it."""

    label: str
    url: str


@dataclass(frozen=True)
class ResolvedItem:
    """A step for one incident: its words filled in, its links ready to open."""

    id: str
    phase: str
    text: str
    detail: str = ""
    links: tuple[Link, ...] = ()

    @property
    def link(self) -> str:
        """The first address, or empty: one click for the common case of one platform."""
        return self.links[0].url if self.links else ""


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ChecklistError(f'{where} must be a list of names, e.g. ["Meta"]')
    return tuple(v.strip() for v in value)


def _text(table: Mapping[str, Any], key: str, where: str, required: bool) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ChecklistError(f"{where}: {key} must be a text")
    for name in _PLACEHOLDER.findall(value):
        if name not in PLACEHOLDERS:
            raise ChecklistError(f"{where}: {{{name}}} is not something OutageTray fills in")
    return value.strip()


def _phase(table: object, index: int) -> Phase:
    where = f"phase {index}"
    if not isinstance(table, dict):
        raise ChecklistError(f"{where} must be a [[phase]] table")
    extra = sorted(set(table) - set(_PHASE_KEYS))
    if extra:
        raise ChecklistError(f"{where}: {extra[0]!r} is not a phase setting")
    phase_id = table.get("id")
    if not isinstance(phase_id, str) or not ITEM_ID.match(phase_id):
        raise ChecklistError(f"{where}: id must be a short lower-case word")
    title = table.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ChecklistError(f"phase {phase_id!r}: title must be a text")
    return Phase(phase_id, title.strip())


def _item(table: object, index: int, phases: Collection[str]) -> Item:
    where = f"item {index}"
    if not isinstance(table, dict):
        raise ChecklistError(f"{where} must be an [[item]] table")
    extra = sorted(set(table) - set(_ITEM_KEYS))
    if extra:
        raise ChecklistError(f"{where}: {extra[0]!r} is not an item setting")
    item_id = table.get("id")
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
        raise ChecklistError(f'{where}: id must be dotted lower-case words, e.g. "report.downdetector"')
    where = f"item {item_id!r}"
    phase = table.get("phase")
    if phase not in phases:
        raise ChecklistError(f"{where}: phase must be one of {', '.join(phases)}")
    link = table.get("link", "")
    if not isinstance(link, str) or (link and link != DOWNDETECTOR_LINK and not link.startswith("https://")):
        raise ChecklistError(f'{where}: link must start with https:// or be "{DOWNDETECTOR_LINK}"')
    owners = _strings(table["owners"], f"{where}: owners") if "owners" in table else ()
    skip = _strings(table["skip_owners"], f"{where}: skip_owners") if "skip_owners" in table else ()
    return Item(
        id=item_id,
        phase=str(phase),
        text=_text(table, "text", where, required=True),
        detail=_text(table, "detail", where, required=False),
        link=link,
        link_label=_text(table, "link_label", where, required=False),
        owners=owners,
        skip_owners=skip,
    )


def parse_checklist(text: str) -> Checklist:
    """A checklist from TOML text; ChecklistError says what is wrong and where."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"the checklist is not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"phase", "item"})
    if extra:
        raise ChecklistError(f"{extra[0]!r} is not a checklist section")
    phases = tuple(_phase(t, i) for i, t in enumerate(data.get("phase", []), start=1))
    if not phases:
        raise ChecklistError("the checklist needs at least one [[phase]]")
    phase_ids = [p.id for p in phases]
    if len(set(phase_ids)) != len(phase_ids):
        raise ChecklistError("a phase id is used twice")
    items = [_item(t, i, phase_ids) for i, t in enumerate(data.get("item", []), start=1)]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ChecklistError(f"item id {item.id!r} is used twice (ticks are stored by id)")
        seen.add(item.id)
    # Phase order first, the file's order inside a phase.
    items.sort(key=lambda item: phase_ids.index(item.phase))
    return Checklist(phases, tuple(items))


@lru_cache(maxsize=1)
def load_checklist() -> Checklist:
    """The built-in checklist (resources/checklist.toml). Read once per process."""
    return parse_checklist(read_text("checklist.toml"))


def hashtag_words(name: str) -> list[str]:
    """The hashtags people use for a platform's outage: "#FacebookDown"; "X (Twitter)" gives two."""
    tags: list[str] = []
    for part in re.split(r"[()]", name):
        words = [w for w in re.split(r"[^0-9A-Za-z]+", part) if w]
        while len(words) > 1 and words[-1].lower() in _DOMAIN_WORDS:
            words.pop()
        if words:
            tag = "#" + "".join(w[0].upper() + w[1:] for w in words) + "Down"
            if tag not in tags:
                tags.append(tag)
    return tags


def _platform(incident: Incident, index: int, platforms: Mapping[str, Platform]) -> Platform:
    """The catalog's platform, or a stand-in named as the log names it (its link is then a search)."""
    pid = incident.platforms[index]
    known = platforms.get(pid)
    if known is not None:
        return known
    name = incident.names[index] if index < len(incident.names) and incident.names[index] else pid
    return Platform(id=pid, name=name, owner=incident.owner)


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def items_for(
    checklist: Checklist,
    incident: Incident,
    platforms: Mapping[str, Platform],
    country: str | None,
) -> list[ResolvedItem]:
    """The steps for this incident, in order, with its facts and links filled in."""
    affected = [_platform(incident, i, platforms) for i in range(len(incident.platforms))]
    names = [p.name for p in affected]
    tags: list[str] = []
    for name in names:
        tags.extend(t for t in hashtag_words(name) if t not in tags)
    values = {
        "platforms": join_names(names) or "the platform",
        "owner": incident.owner or "one company",
        "hashtags": join_names(tags) or "the outage's hashtag",
    }
    site = site_for(country)
    resolved: list[ResolvedItem] = []
    for item in checklist.items:
        if not item.applies_to(incident.owner):
            continue
        if item.link == DOWNDETECTOR_LINK:
            links = tuple(Link(f"{p.name} on {site.host}", page_url(p, country)) for p in affected)
        elif item.link:
            links = (Link(item.link_label or urlsplit(item.link).netloc, item.link),)
        else:
            links = ()
        resolved.append(
            ResolvedItem(
                id=item.id,
                phase=item.phase,
                text=_fill(item.text, values),
                detail=_fill(item.detail, values),
                links=links,
            )
        )
    return resolved


def progress(items: Sequence[ResolvedItem], ticked: Collection[str]) -> tuple[int, int]:
    """(done, total) over the steps shown; ticks of steps not shown do not count."""
    return sum(1 for item in items if item.id in ticked), len(items)


def by_phase(checklist: Checklist, items: Sequence[ResolvedItem]) -> list[tuple[Phase, list[ResolvedItem]]]:
    """The steps grouped under their phases, in order, leaving out phases with no step."""
    groups = [(phase, [item for item in items if item.phase == phase.id]) for phase in checklist.phases]
    return [(phase, group) for phase, group in groups if group]
