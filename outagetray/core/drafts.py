"""The drafts library: what the user tells their audience in each phase of an outage.

The playbook has four moments to speak (:data:`PHASES`): the notice (we know, here is
where to find us), an opportunity (an offer or a light-hearted post), the welcome back,
and the catch-up reply to messages that came in meanwhile. Every channel gets the form
written for its kind (:func:`form_for`), because a post on X and an email to a list are
different pieces of writing, not one text cut to length.

Templates are filled by :func:`render` with the incident's facts. Rendering is a plain
search and replace of known names: no ``str.format``, no attribute or index access, no
code of any kind runs from a template, because users edit templates and may paste them
from anywhere. A name OutageTray does not know stays in the text exactly as written and
is reported, so a ``{promo_code}`` is never lost without the user seeing it.

The built-in templates live in ``resources/drafts/<phase>.toml``. The user's file keeps
only what the user changed (per template id) and the templates they added, so a later
version's better wording still reaches every template the user left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import tomllib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from outagetray.assets import read_text
from outagetray.core.atomic import NotARegularFileError, read_small, write_atomic
from outagetray.core.records import Incident

PHASES = ("notice", "opportunity", "welcome_back", "catch_up")
FORMS = ("short", "long", "email", "blog")
TONES = ("friendly", "formal")

#: The facts a template may name, in the order the editor lists them.
PLACEHOLDERS = (
    "brand",
    "platform",
    "platforms",
    "owner",
    "since",
    "duration",
    "alternatives",
    "blog_url",
    "signature",
)
#: Facts a draft can do without: a line naming one that has no value is left out whole,
#: so "Updates: {blog_url}" disappears for a user without a blog instead of reading "Updates: ".
#: Every other fact is the point of its sentence: without a value it stays visible and is reported.
OPTIONAL = frozenset({"alternatives", "blog_url", "signature"})

#: Channel types by the form their audience expects.
_FORM_OF = {
    kind: form
    for form, kinds in (
        ("short", "x bluesky threads mastodon"),
        ("long", "facebook_page linkedin telegram discord slack matrix apprise"),
        # Places the user posts to by hand (profile.PRESENCE_TYPES): captions and posts of a paragraph.
        ("long", "instagram whatsapp youtube tiktok"),
        ("email", "email"),
        ("blog", "blog wordpress ghost website"),
    )
    for kind in kinds.split()
}

#: Largest user drafts file read; a thousand long drafts fit many times over.
MAX_USER_FILE = 1 << 20
_FIELDS = ("name", "title", "body")
_USER_PREFIX = "user."
_HEADER = (
    "# Your OutageTray drafts: only what you changed, and the drafts you added.\n"
    "# Built-in drafts you did not touch are not listed, so they improve with each new version.\n"
)
_MONTHS = "January February March April May June July August September October November December".split()  # noqa: SIM905
#: ``{{`` and ``}}`` are literal braces; ``{name}`` is a placeholder (any text but braces and newlines).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")


def form_for(channel_type: str) -> str:
    """The form a channel gets. An unknown type gets ``short``: the one form that fits every limit."""
    return _FORM_OF.get(channel_type.strip().lower(), "short")


@dataclass(frozen=True)
class Template:
    """One draft as the library holds it; ``title`` is the subject (email) or title (blog), else ""."""

    id: str
    phase: str
    form: str
    tone: str
    title: str
    body: str
    name: str
    builtin: bool = False
    #: A built-in template the user changed (reset brings the shipped wording back).
    edited: bool = False


@dataclass(frozen=True)
class ChannelLink:
    """A place the audience can find the user: its name as the audience knows it, and where.

    ``platform`` is the platform id it lives on ("" for the user's own website or list),
    so a channel on a failing platform, or on another platform of the failing owner, is
    never suggested.
    """

    name: str
    url: str = ""
    platform: str = ""


class Linkable(Protocol):
    """Anything that names a place and where it is: a :class:`ChannelLink`, a profile's Channel."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def platform(self) -> str: ...


@dataclass(frozen=True)
class Facts:
    """Everything a draft can say about one incident, already chosen for the audience."""

    brand: str
    platforms: tuple[str, ...]
    owner: str
    since: datetime | None
    ended: datetime | None
    now: datetime
    alternatives: tuple[tuple[str, str], ...] = ()
    blog_url: str = ""
    signature: str = ""
    #: Zone for times shown to the audience; None is this computer's own zone.
    tz: tzinfo | None = None


@dataclass(frozen=True)
class Rendered:
    """A filled draft, with what the user must look at before sending it."""

    title: str
    body: str
    #: Placeholders OutageTray does not know, left in the text exactly as written.
    unknown: tuple[str, ...] = ()
    #: Plain words for everything else worth a look (a fact with no value, a line left out).
    problems: tuple[str, ...] = ()


def facts_for(
    incident: Incident,
    *,
    brand: str,
    now: datetime,
    channels: Iterable[Linkable] = (),
    down_platforms: Collection[str] = (),
    failing_owners: Collection[str] = (),
    owner_of: Callable[[str], str] = lambda _pid: "",
    blog_url: str = "",
    signature: str = "",
    tz: tzinfo | None = None,
) -> Facts:
    """The facts of an incident, with the user's channels that can be suggested right now.

    A channel is left out when its platform is down now, when its platform belongs to an
    owner that is failing now, and, while the incident is open, when it is on one of the
    incident's platforms or its owner's: pointing people from a broken Instagram to a
    broken WhatsApp would be worse than saying nothing.
    """
    owners = set(failing_owners)
    down = set(down_platforms)
    if incident.is_open:
        owners.add(incident.owner)
        down.update(incident.platforms)
    alternatives: list[tuple[str, str]] = []
    for channel in channels:
        if channel.platform:
            try:
                owner = owner_of(channel.platform)
            except KeyError:
                owner = ""
            if channel.platform in down or (owner and owner in owners):
                continue
        url = channel.url.strip()
        pair = (channel.name.strip() or url, url)  # a channel without a name is shown by its address
        if pair[0] and pair not in alternatives:
            alternatives.append(pair)
    return Facts(
        brand=brand,
        platforms=incident.names or incident.platforms,
        owner=incident.owner,
        since=incident.started_at,
        ended=incident.ended_at,
        now=now,
        alternatives=tuple(alternatives),
        blog_url=blog_url,
        signature=signature,
        tz=tz,
    )


def join_names(names: Sequence[str]) -> str:
    """Names as a sentence lists them: "Facebook, Instagram and WhatsApp"."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def duration_words(seconds: float) -> str:
    """A length of time as people say it: "45 minutes", "about an hour and a half", "about 2 days"."""
    seconds = max(0.0, seconds)
    minutes = round(seconds / 60)
    if seconds < 60:
        return "less than a minute"
    if minutes < 60:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    halves = round(seconds / 1800)
    if seconds < 48 * 3600:
        whole, half = divmod(halves, 2)
        if whole == 1:
            return "about an hour and a half" if half else "about an hour"
        return f"about {whole} and a half hours" if half else f"about {whole} hours"
    return f"about {round(seconds / 86400)} days"


def time_words(at: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """A moment as the audience reads it: "14:05 (CET)", with the day when it is not today."""
    local = at.astimezone(tz) if tz is not None else at.astimezone()
    today = now.astimezone(tz) if tz is not None else now.astimezone()
    zone = local.tzname()
    text = f"{local:%H:%M}" + (f" ({zone})" if zone else "")
    if local.date() != today.date():
        text += f" on {local.day} {_MONTHS[local.month - 1]}"
        if local.year != today.year:
            text += f" {local.year}"
    return text


def _one_line(text: str) -> str:
    """A value as one line: line breaks in a name must not split (or drop) the template's lines."""
    return " ".join(text.split())


def values_of(facts: Facts) -> dict[str, str]:
    """Each placeholder's text for these facts ("" where there is nothing to say)."""
    since = time_words(facts.since, facts.now, facts.tz) if facts.since else ""
    duration = ""
    if facts.since is not None:
        duration = duration_words(((facts.ended or facts.now) - facts.since).total_seconds())
    places = [f"{name} {url}" if url else name for name, url in facts.alternatives]
    values = {
        "brand": facts.brand,
        "platform": facts.platforms[0] if facts.platforms else "",
        "platforms": join_names(facts.platforms),
        "owner": facts.owner,
        "since": since,
        "duration": duration,
        "alternatives": join_names([_one_line(p) for p in places]),
        "blog_url": facts.blog_url,
        # Every sign-off needs a name under it: the brand signs when the user set no signature.
        "signature": facts.signature or facts.brand,
    }
    return {key: _one_line(value) for key, value in values.items()}


_MISSING = {
    "brand": "Your brand name is not set yet (Settings), so {brand} is still in the text.",
    "platform": "This incident names no platform, so {platform} is still in the text.",
    "platforms": "This incident names no platform, so {platforms} is still in the text.",
    "owner": "The company behind this platform is not known, so {owner} is still in the text.",
    "since": "When this outage started is not known, so {since} is still in the text.",
    "duration": "How long this outage lasted is not known, so {duration} is still in the text.",
}
_LEFT_OUT = {
    "alternatives": "There is no other channel to point people to right now (none is set up, "
    "or all of them are affected), so that line was left out.",
    "blog_url": "Your blog address is not set, so the line with {blog_url} was left out.",
    "signature": "There is no signature or brand name to sign with, so the signature line was left out.",
}


def _fill(text: str, values: dict[str, str], unknown: list[str], problems: list[str]) -> str:
    """One text filled in, line by line (a line naming an empty optional fact is left out)."""
    kept: list[str] = []
    for line in text.split("\n"):
        out: list[str] = []
        drop = False
        pos = 0
        for match in _TOKEN.finditer(line):
            out.append(line[pos : match.start()])
            pos = match.end()
            token = match.group(0)
            name = match.group(1)
            if name is None:  # "{{" or "}}"
                out.append(token[0])
            elif name not in values:
                out.append(token)
                if token not in unknown:
                    unknown.append(token)
            elif values[name]:
                out.append(values[name])
            else:
                note = _LEFT_OUT.get(name) or _MISSING[name]
                if note not in problems:
                    problems.append(note)
                drop = drop or name in OPTIONAL
                out.append(token)
        out.append(line[pos:])
        if not drop:
            kept.append("".join(out))
    # Leaving lines out must not leave gaps: one blank line at most, none at either end.
    tidy: list[str] = []
    for line in kept:
        if line.strip() or (tidy and tidy[-1].strip()):
            tidy.append(line)
    while tidy and not tidy[-1].strip():
        tidy.pop()
    return "\n".join(tidy)


def render(template: Template, facts: Facts) -> Rendered:
    """The template filled with these facts; nothing in the template is ever run or looked up."""
    values = values_of(facts)
    unknown: list[str] = []
    problems: list[str] = []
    title = _fill(template.title, values, unknown, problems)
    body = _fill(template.body, values, unknown, problems)
    for token in unknown:
        problems.append(
            f"OutageTray does not know {token}, so it was left as written: replace it before sending."
        )
    return Rendered(title, body, tuple(unknown), tuple(problems))


def _check(phase: str, form: str, tone: str) -> str:
    """ "" when the three are known, else what is wrong in plain words."""
    if phase not in PHASES:
        return f"unknown phase {phase!r}"
    if form not in FORMS:
        return f"unknown form {form!r}"
    if tone not in TONES:
        return f"unknown tone {tone!r}"
    return ""


def _text(table: dict[str, Any], key: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    return value


def load_defaults() -> tuple[tuple[Template, ...], tuple[str, ...]]:
    """The built-in templates of every phase, and plain words for any file that could not be read."""
    found: list[Template] = []
    problems: list[str] = []
    for phase in PHASES:
        try:
            data = tomllib.loads(read_text(f"drafts/{phase}.toml"))
            for entry in data.get("template", []):
                form, tone = _text(entry, "form"), _text(entry, "tone")
                wrong = _check(phase, form, tone)
                if wrong or not _text(entry, "id").startswith(f"{phase}.{form}.{tone}"):
                    raise ValueError(
                        wrong or f"id {entry.get('id')!r} does not match its phase, form and tone"
                    )
                found.append(
                    Template(
                        id=_text(entry, "id"),
                        phase=phase,
                        form=form,
                        tone=tone,
                        title=_text(entry, "title"),
                        body=_text(entry, "body"),
                        name=_text(entry, "name"),
                        builtin=True,
                    )
                )
        except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
            problems.append(
                f"The built-in {phase.replace('_', ' ')} drafts could not be read ({exc}). "
                "Reinstalling OutageTray should bring them back."
            )
    return tuple(found), tuple(problems)


def default_path() -> Path:
    """Where the user's drafts file lives: beside the settings file, in the user's config folder.

    Taken from the settings' own path so the two can never drift apart (a roaming folder
    on Windows, for one). An app started with another settings file should hand in
    ``that_path.with_name("drafts.toml")``.
    """
    from outagetray.core.settings import default_path as settings_path

    return settings_path().with_name("drafts.toml")


class DraftSaveError(Exception):
    """A change to the drafts was not written; ``str()`` says why in plain words."""


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _locked(
    method: Callable[Concatenate[DraftLibrary, _P], _R],
) -> Callable[Concatenate[DraftLibrary, _P], _R]:
    """One reader or writer at a time: edits are written on a worker while the window reads."""

    def wrapper(self: DraftLibrary, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class DraftLibrary:
    """The built-in templates with the user's changes on top, and the user's own templates.

    Loading never raises: a broken user file is set aside (renamed with the time) and the
    built-in drafts are used; each such event is described in :attr:`problems`. Saving
    raises :class:`DraftSaveError` with plain words, so the editor can keep the user's
    text on screen rather than pretend it was saved.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        defaults: Sequence[Template] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = path if path is not None else default_path()
        self._clock = clock
        self._lock = threading.RLock()
        problems: list[str] = []
        if defaults is None:
            loaded, trouble = load_defaults()
            problems.extend(trouble)
        else:
            loaded = tuple(defaults)
        self._defaults = {t.id: t for t in loaded}
        self._overrides: dict[str, dict[str, str]] = {}
        self._added: dict[str, Template] = {}
        #: False when the user's file exists but could not be read: writing would lose it.
        self._writable = True
        self.problems: tuple[str, ...] = ()
        self._load_user(problems)
        self.problems = tuple(problems)

    # -- reading -----------------------------------------------------------------

    def _read(self) -> str | None:
        """The user file's text; None when there is none. OSError when it cannot be read."""
        try:
            raw = read_small(self.path, MAX_USER_FILE)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return raw.decode("utf-8-sig")

    def _set_aside(self, why: str, problems: list[str]) -> None:
        """Rename a broken user file out of the way (keeping it for the user) and say so."""
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self._writable = False
            problems.append(
                f"Your drafts file has a mistake ({why}) and could not be moved aside "
                f"({exc.strerror or exc}). The built-in drafts are used and your file is left as it is."
            )
            return
        problems.append(
            f"Your drafts file had a mistake ({why}), so OutageTray kept it as {aside.name} "
            "and is using the built-in drafts. Your own wording is still in that file."
        )

    def _parse(self, problems: list[str]) -> dict[str, Any] | None:
        """The user file as data; None when there is none or it was set aside as broken."""
        try:
            text = self._read()
        except OSError as exc:
            reason = exc.kind if isinstance(exc, NotARegularFileError) else exc.strerror or str(exc)
            self._writable = False
            problems.append(
                f"Your drafts file could not be read ({reason}), so the built-in drafts are used."
            )
            return None
        except UnicodeDecodeError:
            self._set_aside("it is not UTF-8 text", problems)
            return None
        if text is None:
            return None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self._set_aside(str(exc), problems)
            return None
        drafts = data.get("drafts", {})
        if not isinstance(drafts, dict):
            self._set_aside("'drafts' is not a table", problems)
            return None
        return drafts

    def _load_user(self, problems: list[str]) -> None:
        drafts = self._parse(problems) or {}
        for tid, entry in drafts.items():
            try:
                if not isinstance(entry, dict):
                    raise ValueError("it is not a table")
                if tid in self._defaults:
                    change = {k: _text(entry, k) for k in _FIELDS if k in entry}
                    if change:
                        self._overrides[tid] = change
                    continue
                phase, form, tone = _text(entry, "phase"), _text(entry, "form"), _text(entry, "tone")
                wrong = _check(phase, form, tone)
                if wrong:
                    raise ValueError(wrong)
                self._added[tid] = Template(
                    tid,
                    phase,
                    form,
                    tone,
                    _text(entry, "title"),
                    _text(entry, "body"),
                    _text(entry, "name") or tid,
                )
            except ValueError as exc:
                problems.append(
                    f"The draft {tid!r} in your drafts file is not shown ({exc}); it is kept in the file."
                )

    # -- looking up ----------------------------------------------------------------

    def _merged(self, default: Template) -> Template:
        change = self._overrides.get(default.id)
        if not change:
            return default
        return replace(
            default,
            name=change.get("name", default.name),
            title=change.get("title", default.title),
            body=change.get("body", default.body),
            edited=True,
        )

    @_locked
    def get(self, template_id: str) -> Template | None:
        """The template as the user sees it now; None when there is no such id."""
        if template_id in self._defaults:
            return self._merged(self._defaults[template_id])
        return self._added.get(template_id)

    @_locked
    def templates(self, phase: str, form: str, tone: str) -> list[Template]:
        """The templates for one phase, form and tone: built-in ones first, then the user's own."""
        out = [
            self._merged(t)
            for t in self._defaults.values()
            if (t.phase, t.form, t.tone) == (phase, form, tone)
        ]
        out += [t for t in self._added.values() if (t.phase, t.form, t.tone) == (phase, form, tone)]
        return out

    # -- changing ----------------------------------------------------------------

    def _new_id(self, template: Template) -> str:
        stem = f"{_USER_PREFIX}{template.phase}.{template.form}.{template.tone}."
        number = 1
        while f"{stem}{number}" in self._added or f"{stem}{number}" in self._defaults:
            number += 1
        return f"{stem}{number}"

    @_locked
    def save(self, template: Template) -> Template:
        """Store an edit of a template, or a new one (an id not in the library gets a fresh one).

        For a built-in template only the fields that differ from the shipped wording are
        written; an edit back to the shipped wording removes the override altogether.
        Returns the template as stored (its id, ``edited``).
        """
        wrong = _check(template.phase, template.form, template.tone)
        if wrong:
            raise ValueError(wrong)
        default = self._defaults.get(template.id)
        if default is not None:
            change = {k: getattr(template, k) for k in _FIELDS if getattr(template, k) != getattr(default, k)}
            self._write(template.id, change or None)
            if change:
                self._overrides[template.id] = change
            else:
                self._overrides.pop(template.id, None)
            return self._merged(default)
        tid = template.id if template.id in self._added else self._new_id(template)
        stored = replace(template, id=tid, builtin=False, edited=False, name=template.name or tid)
        fields = {"phase": stored.phase, "form": stored.form, "tone": stored.tone}
        fields.update({k: getattr(stored, k) for k in _FIELDS})
        self._write(tid, fields)
        self._added[tid] = stored
        return stored

    @_locked
    def reset(self, template_id: str) -> Template | None:
        """Drop the user's change: a built-in template gets its shipped wording back (returned),
        a template the user added is deleted (None)."""
        if template_id in self._defaults:
            if template_id in self._overrides:
                self._write(template_id, None)
                del self._overrides[template_id]
            return self._defaults[template_id]
        if template_id in self._added:
            self._write(template_id, None)
            del self._added[template_id]
        return None

    def _write(self, template_id: str, fields: dict[str, str] | None) -> None:
        """Set (or with None remove) one entry in the user's file, leaving every other line as it is."""
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        if not self._writable:
            raise DraftSaveError(
                "Your drafts file could not be read earlier, so OutageTray did not write over it."
            )
        problems: list[str] = []
        try:
            text = self._read()
        except UnicodeDecodeError:
            self._set_aside("it is not UTF-8 text", problems)
            text = None
        except OSError as exc:
            raise DraftSaveError(f"Your drafts file could not be read ({exc.strerror or exc}).") from None
        doc: Any = None
        if text is not None:
            try:
                doc = tomlkit.parse(text)
                if not isinstance(doc.get("drafts", {}), dict):
                    raise ValueError("'drafts' is not a table")
            except (TOMLKitError, ValueError) as exc:
                self._set_aside(str(exc), problems)
                doc = None
                if not self._writable:
                    raise DraftSaveError(problems[-1]) from None
        if doc is None:
            doc = tomlkit.parse(_HEADER)
            # The file was missing or set aside: write back everything this library still holds.
            drafts = tomlkit.table(is_super_table=True)
            doc["drafts"] = drafts
            for tid, change in self._overrides.items():
                drafts[tid] = _table(change)
            for tid, added in self._added.items():
                whole = {"phase": added.phase, "form": added.form, "tone": added.tone}
                drafts[tid] = _table(whole | {k: getattr(added, k) for k in _FIELDS})
        if "drafts" not in doc:
            doc["drafts"] = tomlkit.table(is_super_table=True)
        drafts = doc["drafts"]
        if fields is None:
            with contextlib.suppress(KeyError):
                del drafts[template_id]
        else:
            drafts[template_id] = _table(fields)
        try:
            write_atomic(self.path, doc.as_string().encode("utf-8"))
        except OSError as exc:
            raise DraftSaveError(
                f"Your drafts could not be saved ({exc.strerror or exc}); your change is not stored yet."
            ) from None
        finally:
            self.problems = self.problems + tuple(problems)


def _table(fields: dict[str, str]) -> Any:
    """A table for the user file, long texts written as readable multi-line strings."""
    import tomlkit

    table = tomlkit.table()
    for key, value in fields.items():
        table[key] = tomlkit.string(value, multiline="\n" in value)
    return table
