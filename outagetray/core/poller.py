"""Reading official status sources: fetch a URL once, parse it for every platform that uses it.

A URL shared by several platforms (Meta's orgs.json serves Facebook and WhatsApp;
Automattic's feed serves WordPress.com and Tumblr) is fetched once per round and
parsed once per platform, so we never ask a status host twice at once. The monitor
decides when and on which thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from outagetray.core import sources
from outagetray.core.http import FetchError, HttpClient, Response
from outagetray.core.model import Reading, SourceSpec, Verdict
from outagetray.core.sources._common import unknown


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


def poll_url(
    client: HttpClient, url: str, specs: Sequence[SourceSpec], *, deadline: float | None = None
) -> list[SourceResult]:
    """Fetch ``url`` once and read it for each spec; ``deadline`` is on the client's clock.

    The fetch ends by ``deadline`` (the round's, when the monitor gives one), so one slow
    status host cannot hold the round; it then reads "unknown" with the reason.
    """
    expect = sources.FORMATS[specs[0].type].expect if specs[0].type in sources.FORMATS else "any"
    try:
        response = client.fetch(url, expect, deadline=deadline)
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
