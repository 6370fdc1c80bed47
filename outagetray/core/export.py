"""Incident exports: CSV for spreadsheets and a self-contained HTML report for a claim.

What an advertiser attaches to a claim must say exactly what OutageTray saw and did,
in UTC and in the user's own time, and nothing more. Everything here is pure Python on
plain records (core/records.py): the log, the command line and the window hand in
incidents, a zone and the injectable clock's ``now``, and get text back.

Evidence and source addresses come from the network, so they are hostile text: in the
CSV a cell that a spreadsheet would run as a formula is defused, in the HTML every text
is escaped, only http(s) sources become links, and the page forbids scripts outright.
Both stay linear in the number of incidents (strings are built in lists and joined):
a year of a busy log must export in well under two seconds.

Time nobody watched is said, never hidden: an incident whose end OutageTray did not see
closely (``Incident.end_uncertain``: the computer asleep, offline, or OutageTray closed
before it found the platform working again) keeps its duration to that first check, and
every export says it ended somewhere between the last check that found it down and that
one (CSV columns ``last_seen_down_utc`` and ``end_uncertain``, words in the report).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from outagetray import __version__
from outagetray.core.model import Verdict
from outagetray.core.records import Action, ActionKind, Incident
from outagetray.core.timeline import Segment, problem_seconds, segments, ticks

CSV_COLUMNS = (
    "id",
    "platforms",
    "owner",
    "worst",
    "started_at_utc",
    "started_at_local",
    "confirmed_at_utc",
    "ended_at_utc",
    "ended_at_local",
    "duration_s",
    "duration",
    "evidence",
    "sources",
    "acknowledged_at_utc",
    "actions",
    "drill",
    "time_zone",
    "last_seen_down_utc",
    "end_uncertain",
)

CHANGE_COLUMNS = (
    "incident",
    "at_utc",
    "at_local",
    "platform",
    "platform_name",
    "old",
    "new",
    "evidence",
    "sources",
    "event",
)

#: First characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Characters XML 1.0 forbids (and HTML parsers mangle): C0 controls but tab, newline,
#: return; lone surrogates; the two non-characters. Hostile evidence may carry them.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_VERB = {
    ActionKind.ACKNOWLEDGED: "said they were on it",
    ActionKind.DRAFT_COPIED: "copied",
    ActionKind.COMPOSER_OPENED: "opened the composer for",
    ActionKind.DRAFT_SENT: "sent",
    ActionKind.TICKED: "ticked",
    ActionKind.UNTICKED: "unticked",
    ActionKind.NOTE: "noted",
}

#: Bar colours by verdict; they also print legibly in greyscale (light to dark by severity).
COLOURS = {
    Verdict.OPERATIONAL: "#7cc47f",
    Verdict.MAINTENANCE: "#64a6e8",
    Verdict.DEGRADED: "#f2c744",
    Verdict.PARTIAL_OUTAGE: "#e8832a",
    Verdict.MAJOR_OUTAGE: "#b3261e",
    Verdict.UNKNOWN: "#bdbdbd",
}


# -- shared wording -----------------------------------------------------------------------


def clean(text: str) -> str:
    """Text without the control characters no document format should carry."""
    return _BAD_CHARS.sub("\ufffd", text)


def duration_words(seconds: float) -> str:
    """A span as people write it: "3 h 12 min", "1 d 2 h 5 min", "45 s"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes_total = whole // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{minutes} min")
    return " ".join(parts)


def utc_text(moment: datetime | None) -> str:
    """'2026-03-10 14:05:00': exact to the second, and the column or label says UTC."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def local_text(moment: datetime | None, tz: tzinfo) -> str:
    """'2026-03-10 15:05:00+01:00': local wall time that still pins the instant."""
    if moment is None:
        return ""
    return moment.astimezone(tz).isoformat(sep=" ", timespec="seconds")


def zone_name(tz: tzinfo) -> str:
    """The zone as people look it up: "Europe/Berlin" (IANA key), else what the zone calls itself."""
    key = getattr(tz, "key", None)
    if isinstance(key, str) and key:
        return key
    return str(tz)


def _local_with_zone(moment: datetime, tz: tzinfo) -> str:
    """'2026-03-10 15:05:00 CET (Europe/Berlin, UTC+01:00)' for the report's readers."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    abbrev = local.tzname() or ""
    named = f" {abbrev}" if abbrev and abbrev[0] not in "+-" and abbrev != "UTC" else ""
    return f"{local.strftime('%Y-%m-%d %H:%M:%S')}{named} ({zone_name(tz)}, {offset})"


def sources_of(incident: Incident) -> list[str]:
    """Every source that spoke in the incident, once each, in the order they first spoke."""
    seen: dict[str, None] = {}
    for change in incident.changes:
        for source in change.sources:
            seen.setdefault(source, None)
    return list(seen)


def _names(incident: Incident) -> dict[str, str]:
    names = dict(zip(incident.platforms, incident.names, strict=False))
    return {p: names.get(p) or p for p in incident.platforms}


def _platform_names(incident: Incident) -> list[str]:
    return list(_names(incident).values())


def action_text(action: Action, tz: tzinfo, day_of: datetime) -> str:
    """'14:05 copied notice/short': local clock time, with the date when it is another day."""
    local = action.at.astimezone(tz)
    when = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() != day_of.astimezone(tz).date():
        when = f"{local.strftime('%Y-%m-%d')} {when}"
    return f"{when} {action_words(action)}"


def action_words(action: Action) -> str:
    """'sent notice/long (email to 40 clients)': what the user did, in plain words."""
    what = " ".join(p for p in (_VERB.get(action.kind, str(action.kind)), action.subject) if p)
    return f"{what} ({action.detail})" if action.detail else what


# -- CSV ------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula starts defused with a leading apostrophe."""
    text = clean(str(value))
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _write(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def to_csv(incidents: Sequence[Incident], *, tz: tzinfo, now: datetime) -> str:
    """One row per incident (CSV_COLUMNS); an open incident's duration runs to ``now``."""
    zone = zone_name(tz)
    rows = []
    for inc in incidents:
        seconds = inc.duration_s(now)
        duration = duration_words(seconds) + (" so far" if inc.is_open else "")
        rows.append(
            (
                inc.id,
                ", ".join(_platform_names(inc)),
                inc.owner,
                inc.worst.label,
                utc_text(inc.started_at),
                local_text(inc.started_at, tz),
                utc_text(inc.confirmed_at),
                utc_text(inc.ended_at),
                local_text(inc.ended_at, tz),
                round(seconds),
                duration,
                inc.evidence,
                " ".join(sources_of(inc)),
                utc_text(inc.acknowledged_at),
                "; ".join(action_text(a, tz, inc.started_at) for a in inc.actions),
                "yes" if inc.drill else "no",
                zone,
                utc_text(inc.last_seen_down),
                "yes" if inc.end_uncertain else "no",
            )
        )
    return _write(CSV_COLUMNS, rows)


def to_csv_changes(incidents: Sequence[Incident], *, tz: tzinfo, now: datetime) -> str:
    """One row per state change (CHANGE_COLUMNS), for those who want every step.

    ``now`` is unused today and taken for the same call shape as :func:`to_csv`.
    """
    del now
    rows = []
    for inc in incidents:
        names = _names(inc)
        for change in inc.changes:
            rows.append(
                (
                    inc.id,
                    utc_text(change.at),
                    local_text(change.at, tz),
                    change.platform,
                    names.get(change.platform, change.platform),
                    change.old.label,
                    change.new.label,
                    change.evidence,
                    " ".join(change.sources),
                    change.event,
                )
            )
    return _write(CHANGE_COLUMNS, rows)


# -- SVG ------------------------------------------------------------------------------------


def _e(text: object) -> str:
    """Escaped for HTML text and attributes alike, and valid inside inline SVG (XML)."""
    return html.escape(clean(str(text)), quote=True)


def svg_bars(
    rows: Sequence[tuple[str, Sequence[Segment]]],
    start: datetime,
    end: datetime,
    *,
    tz: tzinfo,
    width: int = 720,
) -> str:
    """Bars, one per (label, segments) row over [start, end], with local time marks.

    Standalone SVG (it parses as XML) that also sits inline in HTML. Every text is
    escaped; each bar piece carries a <title> saying its verdict and times in plain words.
    """
    label_w, row_h, bar_h, top = 130, 26, 16, 6
    axis_y = top + row_h * len(rows)
    height = axis_y + 22
    span = max((end - start).total_seconds(), 1.0)
    plot_w = width - label_w - 10

    def x(moment: datetime) -> float:
        share = (moment - start).total_seconds() / span
        return label_w + plot_w * min(max(share, 0.0), 1.0)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{_e("Timeline, times in " + zone_name(tz))}" class="timeline">'
    ]
    for index, (label, parts) in enumerate(rows):
        y = top + index * row_h
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 3}" text-anchor="end" font-size="12">{_e(label)}</text>'
        )
        for part in parts:
            left = x(part.start)
            size = max(x(part.end) - left, 0.5)
            tip = (
                f"{part.verdict.label}: {_clock(part.start, tz)} to {_clock(part.end, tz)}"
                f" ({duration_words(part.seconds)})"
            )
            out.append(
                f'<rect x="{left:.2f}" y="{y}" width="{size:.2f}" height="{bar_h}" '
                f'fill="{COLOURS[part.verdict]}"><title>{_e(tip)}</title></rect>'
            )
    for moment, text in ticks(start, end, tz):
        tick_x = x(moment)
        out.append(
            f'<line x1="{tick_x:.2f}" y1="{top}" x2="{tick_x:.2f}" y2="{axis_y + 3}" '
            'stroke="#555" stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{tick_x:.2f}" y="{axis_y + 15}" text-anchor="middle" font-size="10">{_e(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _clock(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.strftime('%Y-%m-%d')} {local.hour:02d}:{local.minute:02d}"


def incident_window(incident: Incident, now: datetime) -> tuple[datetime, datetime]:
    """The incident's span with a margin each side (a sixth of it, at least five minutes)."""
    stop = incident.ended_at or now
    margin = max((stop - incident.started_at) / 6, timedelta(minutes=5))
    return incident.started_at - margin, stop + margin


def svg_timeline(incident: Incident, *, tz: tzinfo, now: datetime, width: int = 720) -> str:
    """One incident drawn as bars, a row per platform, over its span with some margin.

    Drawn from this incident alone: another incident in the margin does not show.
    """
    start, end = incident_window(incident, now)
    rows = [(name, segments([incident], pid, start, end, now=now)) for pid, name in _names(incident).items()]
    return svg_bars(rows, start, end, tz=tz, width=width)


# -- HTML -----------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;
max-width:60rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
.about{background:#f4f4f4;border-left:4px solid #888;padding:.5rem .8rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eee}th[scope=row]{width:11rem;font-weight:600}
.evidence{white-space:pre-wrap;overflow-wrap:anywhere}
.drill{color:#8a4b00;font-weight:600}
section.incident{border-top:2px solid #333;margin-top:1.4rem}
svg.timeline{max-width:100%;height:auto;display:block;margin:.4rem 0}
.legend span{display:inline-block;margin-right:1rem}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
a{color:#0645ad;overflow-wrap:anywhere}
@media print{body{margin:0;max-width:none;font-size:11pt}
section.incident{break-inside:avoid-page}a{color:#000}
a[href]::after{content:" (" attr(href) ")";font-size:9pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

#: No script may run in a report even if escaping ever failed; only inline styles.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

ABOUT = (
    "This report is a record kept by OutageTray on this computer. It was put together "
    "from the platforms' public status pages and from OutageTray's own checks of whether "
    "the platforms answered, as seen from this computer's internet connection. It shows "
    "what OutageTray saw and what the user did, with exact times. Platforms decide "
    "credits and refunds case by case; this report does not promise either."
)


def _link(source: str) -> str:
    """A source as a link when it is a plain http(s) address; anything else stays text."""
    text = clean(source)
    parts = urlsplit(text) if not any(c.isspace() for c in text) else None
    if parts is not None and parts.scheme.lower() in ("http", "https") and parts.netloc:
        return f'<a href="{_e(text)}" rel="noreferrer noopener">{_e(text)}</a>'
    return _e(text)


def _links(sources: Iterable[str]) -> str:
    items = [_link(s) for s in sources]
    return "<br>".join(items) if items else "none recorded"


def _row(head: str, value_html: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<tr><th scope="row">{_e(head)}</th><td{cls}>{value_html}</td></tr>'


def _legend() -> str:
    items = [f'<span><i style="background:{COLOURS[v]}"></i>{_e(v.label)}</span>' for v in Verdict]
    return f'<p class="legend">{"".join(items)}</p>'


def _summary(
    incidents: Sequence[Incident], start: datetime, end: datetime, now: datetime, tz: tzinfo
) -> list[str]:
    """Per platform: real incidents, time with problems and bars over the range (drills left out)."""
    real = [i for i in incidents if not i.drill]
    by_platform: dict[str, list[Incident]] = {}
    names: dict[str, str] = {}
    for inc in real:
        for pid, name in _names(inc).items():
            by_platform.setdefault(pid, []).append(inc)
            names.setdefault(pid, name)
    out = [
        "<table><thead><tr><th>Platform</th><th>Incidents</th>"
        "<th>Time degraded or worse</th><th>Longest incident</th></tr></thead><tbody>"
    ]
    bars: list[tuple[str, Sequence[Segment]]] = []
    for pid, own in sorted(by_platform.items(), key=lambda item: names[item[0]].lower()):
        parts = segments(own, pid, start, end, now=now)
        bars.append((names[pid], parts))
        problem = problem_seconds(parts)
        longest = max(i.duration_s(now) for i in own)
        out.append(
            f"<tr><td>{_e(names[pid])}</td><td>{len(own)}</td>"
            f"<td>{_e(duration_words(problem))}</td><td>{_e(duration_words(longest))}</td></tr>"
        )
    if not by_platform:
        out.append('<tr><td colspan="4">No outages recorded in this period.</td></tr>')
    out.append("</tbody></table>")
    drills = len(incidents) - len(real)
    count = f"{len(real)} incident{'s' if len(real) != 1 else ''}"
    if drills:
        count += f" (and {drills} fire drill{'s' if drills != 1 else ''}, not counted)"
    out.insert(0, f"<p><strong>{_e(count)}</strong> in this period.</p>")
    unseen = sum(1 for i in real if i.end_uncertain)
    if unseen:
        out.append(f"<p>{_e(unseen_words(unseen))}</p>")
    if bars:
        out.append(f"<h3>The whole period (times in {_e(zone_name(tz))})</h3>")
        out.append(svg_bars(bars, start, end, tz=tz))
    return out


def overlapping(
    incidents: Iterable[Incident], start: datetime, end: datetime, *, now: datetime
) -> list[Incident]:
    """The incidents that touch [start, end], for a date-range export; open ones run to ``now``.

    An outage that began before the range and ran into it belongs in the report: the
    claim is about the time the business could not post, not about when it started.
    """
    return [i for i in incidents if i.started_at < end and (i.ended_at or now) > start]


#: Why an end is not known closely, as the report and the window say it.
UNWATCHED_WHY = (
    "OutageTray did not check in between (the computer may have been asleep or offline, or OutageTray closed)"
)


def unseen_words(count: int) -> str:
    """The summary's sentence about incidents whose end OutageTray did not see closely."""
    which = "1 incident's end is" if count == 1 else f"{count} incidents' ends are"
    return (
        f"{which} not known closely: OutageTray did not check for a while before it found "
        "the platform working again. Durations run to that first check; each incident below "
        "says between which times it ended."
    )


def _ended_html(inc: Incident, tz: tzinfo, now: datetime) -> str:
    if inc.ended_at is None:
        return f"still going when this report was made ({_e(utc_text(now))} UTC)"
    end = f"{_e(utc_text(inc.ended_at))} UTC<br>{_e(_local_with_zone(inc.ended_at, tz))}"
    if not inc.end_uncertain or inc.last_seen_down is None:
        return end
    seen = f"{_e(utc_text(inc.last_seen_down))} UTC<br>{_e(_local_with_zone(inc.last_seen_down, tz))}"
    return (
        f"Somewhere between the last check that found it down,<br>{seen}<br>"
        f"and the first check that found it working again,<br>{end}.<br>"
        f"{_e(UNWATCHED_WHY)}, so the exact end is not known."
    )


def _duration_words(inc: Incident, now: datetime) -> str:
    """The duration to the end, and, when that end was not seen closely, how long it was seen down."""
    words = duration_words(inc.duration_s(now)) + (" so far" if inc.is_open else "")
    if inc.end_uncertain and inc.last_seen_down is not None:
        seen = duration_words((inc.last_seen_down - inc.started_at).total_seconds())
        words += (
            f", counted to the first check that found it working again; "
            f"OutageTray saw it down for {seen}, to its last failed check"
        )
    return words


def _incident_html(inc: Incident, tz: tzinfo, now: datetime) -> list[str]:
    names = _names(inc)
    heading = f"Incident {inc.id}: {', '.join(names.values())} ({inc.worst.label})"
    out = [f'<section class="incident" id="incident-{inc.id}"><h2>{_e(heading)}</h2>']
    if inc.drill:
        out.append('<p class="drill">Fire drill: a practice run started by the user, not a real outage.</p>')
    ended = _ended_html(inc, tz, now)
    duration = _duration_words(inc, now)
    acknowledged = (
        f"{_e(utc_text(inc.acknowledged_at))} UTC<br>{_e(_local_with_zone(inc.acknowledged_at, tz))}"
        if inc.acknowledged_at is not None
        else "not recorded"
    )
    out += [
        "<table><tbody>",
        _row("Platforms", _e(", ".join(names.values()))),
        _row("Owner", _e(inc.owner)),
        _row("Worst state", _e(inc.worst.label)),
        _row(
            "Started (first failed check)",
            f"{_e(utc_text(inc.started_at))} UTC<br>{_e(_local_with_zone(inc.started_at, tz))}",
        ),
        _row(
            "Confirmed (user told)",
            f"{_e(utc_text(inc.confirmed_at))} UTC<br>{_e(_local_with_zone(inc.confirmed_at, tz))}",
        ),
        _row("Ended (first clean check)" if not inc.end_uncertain else "Ended", ended),
        _row("Duration", _e(duration)),
        _row("Evidence", _e(inc.evidence) or "none recorded", "evidence"),
        _row("Sources", _links(sources_of(inc))),
        _row("Acknowledged", acknowledged),
        "</tbody></table>",
        f"<h3>Timeline (times in {_e(zone_name(tz))})</h3>",
        svg_timeline(inc, tz=tz, now=now),
    ]
    if inc.changes:
        out.append(
            "<h3>What changed</h3><table><thead><tr><th>Time (UTC)</th><th>Local time</th>"
            "<th>Platform</th><th>Change</th><th>Evidence</th><th>Sources</th></tr></thead><tbody>"
        )
        for change in inc.changes:
            out.append(
                f"<tr><td>{_e(utc_text(change.at))}</td><td>{_e(local_text(change.at, tz))}</td>"
                f"<td>{_e(names.get(change.platform, change.platform))}</td>"
                f"<td>{_e(change.old.label)} \u2192 {_e(change.new.label)}</td>"
                f'<td class="evidence">{_e(change.evidence)}</td><td>{_links(change.sources)}</td></tr>'
            )
        out.append("</tbody></table>")
    out.append("<h3>What the user did</h3>")
    if inc.actions:
        out.append(
            "<table><thead><tr><th>Time (UTC)</th><th>Local time</th><th>Action</th></tr></thead><tbody>"
        )
        for action in inc.actions:
            out.append(
                f"<tr><td>{_e(utc_text(action.at))}</td><td>{_e(local_text(action.at, tz))}</td>"
                f'<td class="evidence">{_e(action_words(action))}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>Nothing recorded.</p>")
    out.append("</section>")
    return out


def to_html(
    incidents: Sequence[Incident],
    *,
    tz: tzinfo,
    now: datetime,
    title: str = "OutageTray outage report",
    generated_by: str = f"OutageTray {__version__}",
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    """One self-contained HTML5 page: honest preface, summary, then each incident in full.

    ``start``/``end`` name the period asked for (a date range export); without them
    the period is the incidents' own span. The page loads nothing and runs nothing:
    inline CSS, inline SVG, and links only to the http(s) sources that spoke.
    """
    ordered = sorted(incidents, key=lambda i: (i.started_at, i.id))
    if start is None:
        start = ordered[0].started_at if ordered else now
    if end is None:
        end = max(((i.ended_at or now) for i in ordered), default=now)
    if end <= start:
        end = start + timedelta(seconds=1)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p>Period: {_e(utc_text(start))} UTC to {_e(utc_text(end))} UTC, "
        f"that is {_e(_local_with_zone(start, tz))} to {_e(_local_with_zone(end, tz))}.<br>"
        f"Made {_e(utc_text(now))} UTC by {_e(generated_by)}.</p>",
        f'<p class="about">{_e(ABOUT)}</p>',
        "<h2>Summary</h2>",
        *_summary(ordered, start, end, now, tz),
        _legend(),
    ]
    for inc in ordered:
        out += _incident_html(inc, tz, now)
    out.append("</body></html>\n")
    return "\n".join(out)
