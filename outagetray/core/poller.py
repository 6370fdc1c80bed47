"""One round of reading official status sources, concurrently.

A URL shared by several platforms (Meta's orgs.json serves Facebook and
WhatsApp; Automattic's feed serves WordPress.com and Tumblr) is fetched once per
round and parsed once per platform, so we never ask a status host twice at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from outagetray.core import sources
from outagetray.core.http import FetchError, HttpClient, Response
from outagetray.core.model import Reading, SourceSpec, Verdict
from outagetray.core.sources._common import unknown

MAX_WORKERS = 8


@dataclass(frozen=True)
class SourceResult:
    """What one source said this round, and whether it could be reached at all."""

    spec: SourceSpec
    reading: Reading
    error: FetchError | None = None
    not_modified: bool = False


def read_response(spec: SourceSpec, response: Response) -> Reading:
    """Parse a fetched body with the source's format."""
    options = dict(spec.options)
    options.setdefault("url", response.url)
    return sources.parse(spec.type, response.body, response.headers, options)


def poll_sources(
    client: HttpClient, specs: Iterable[SourceSpec], max_workers: int = MAX_WORKERS
) -> list[SourceResult]:
    """Fetch and read every source, each distinct URL once, in parallel; results in input order."""
    ordered = list(specs)
    by_url: dict[str, list[SourceSpec]] = {}
    for spec in ordered:
        by_url.setdefault(spec.url, []).append(spec)
    results: dict[tuple[str, str, tuple[tuple[str, str], ...]], SourceResult] = {}
    if not by_url:
        return []
    workers = max(1, min(max_workers, len(by_url)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
        for group in pool.map(lambda item: poll_url(client, item[0], item[1]), by_url.items()):
            for result in group:
                results[_key(result.spec)] = result
    return [results[_key(spec)] for spec in ordered]


def poll_url(client: HttpClient, url: str, specs: Sequence[SourceSpec]) -> list[SourceResult]:
    expect = sources.FORMATS[specs[0].type].expect if specs[0].type in sources.FORMATS else "any"
    try:
        response = client.fetch(url, expect)
    except FetchError as exc:
        return [SourceResult(spec, unknown(exc.message), error=exc) for spec in specs]
    results = []
    for spec in specs:
        reading = read_response(spec, response)
        if reading.verdict is Verdict.UNKNOWN:
            # Never let a conditional GET keep serving a body we could not read.
            client.forget(url)
        results.append(SourceResult(spec, reading, not_modified=response.not_modified))
    return results


def _key(spec: SourceSpec) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return (spec.type, spec.url, tuple(sorted(spec.options.items())))
