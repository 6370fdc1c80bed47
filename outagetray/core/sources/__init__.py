"""Official status formats: one module per format, each a pure ``parse`` function.

Every format module exposes::

    def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading

with no I/O. Modules are imported on first use so that start-up does not pay for
formats nobody watches. ``parse`` here is the one entry point the rest of the app
uses: it also guards against a format module ever raising, because a bug in one
parser must cost one unknown reading, not the whole poll.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from outagetray.core.model import ROLES, Reading, Role, SourceSpec
from outagetray.core.sources._common import unknown
from outagetray.core.webaddress import host_problem

log = logging.getLogger(__name__)


class Parser(Protocol):
    def __call__(self, body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading: ...


@dataclass(frozen=True)
class Format:
    """A status format the config may name as a source ``type``."""

    type: str
    title: str
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    #: What the body should be, so the HTTP client can refuse an HTML page before parsing.
    expect: Literal["json", "xml"] = "json"


FORMATS: dict[str, Format] = {
    f.type: f
    for f in (
        Format("statuspage", "Atlassian Statuspage JSON (summary, status, incidents)"),
        Format("statuspage_feed", "Statuspage incident history feed (Atom or RSS)", expect="xml"),
        Format("slack", "Slack Status API v2"),
        Format("google_incidents", "Google status dashboard incidents.json", options=("product",)),
        Format("instatus", "Instatus summary.json"),
        Format("statusio", "status.io public status API"),
        Format("meta_orgs", "Meta Status orgs.json", options=("org",)),
        Format("rss_events", "Feed of open events (an open item means degraded)", expect="xml"),
        Format(
            "statusiq_rss",
            "Site24x7 StatusIQ component feed",
            options=("component_prefix",),
            expect="xml",
        ),
    )
}


def get_parser(source_type: str) -> Parser:
    """The parse function for a format; KeyError for a type that does not exist."""
    if source_type not in FORMATS:
        raise KeyError(source_type)
    module = importlib.import_module(f"{__name__}.{source_type}")
    parser: Parser = module.parse
    return parser


def parse(source_type: str, body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read one status document; never raises, never guesses "operational"."""
    try:
        parser = get_parser(source_type)
    except KeyError:
        return unknown(f"unknown source type {source_type!r}")
    try:
        return parser(body, headers, options)
    except Exception:
        log.exception("the %s parser failed on a %d-byte body", source_type, len(body))
        return unknown(f"the {source_type} answer could not be read")


def make_spec(table: object) -> SourceSpec:
    """Build a SourceSpec from a config table, or raise ValueError saying what is wrong.

    The built-in catalog and the user's config both describe sources this way, so
    both are checked by the same rules. Two keys are accepted for every format:
    ``role`` ("official", the default, or "hint" for a page about a neighbouring
    product) and ``label`` (the name of the product a hint is about).
    """
    if not isinstance(table, dict):
        raise ValueError('each source must be a table like { type = "statuspage", url = "https://…" }')
    source_type = table.get("type")
    if not isinstance(source_type, str) or source_type not in FORMATS:
        known = ", ".join([*sorted(FORMATS), "dns_probe", "http_probe"])
        raise ValueError(f"source type {source_type!r} is not one OutageTray knows (known: {known})")
    fmt = FORMATS[source_type]
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(
            f"a {source_type} source needs a url starting with https:// or http:// (found {url!r})"
        )
    problem = host_problem(url)
    if problem is not None:
        # Refused here, where it was typed: a host the HTTP library cannot parse must not reach a round.
        raise ValueError(f"the url of a {source_type} source cannot be checked: {problem}")
    role: Role = "official"
    if "role" in table:
        given = table["role"]
        if given not in ROLES:
            raise ValueError(f'role of a source must be "official" or "hint" (found {given!r})')
        role = given
    label = table.get("label", "")
    if not isinstance(label, str) or ("label" in table and not label.strip()):
        raise ValueError('label of a source must be a non-empty text, e.g. "Facebook Login"')
    options: dict[str, str] = {}
    for key, value in table.items():
        if key in ("type", "url", "role", "label"):
            continue
        if key not in fmt.options:
            allowed = ", ".join([*fmt.options, "role", "label"])
            raise ValueError(f"{key!r} is not an option of a {source_type} source (options: {allowed})")
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"option {key!r} of a {source_type} source must be a non-empty text")
        options[key] = value.strip()
    for key in fmt.required:
        if key not in options:
            raise ValueError(f"a {source_type} source needs the option {key!r}")
    return SourceSpec(source_type, url, options, role=role, label=label.strip())
