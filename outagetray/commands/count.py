"""``outagetray count``: how long a text is for one channel, and whether it fits.

The same counter the draft editor shows, for scripts and for checking a draft by hand
before pasting it somewhere. Only the standard library is imported here at module level:
building the parser is on the tray's start path.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from outagetray.core.limits import Count

EXIT_FITS = 0
EXIT_TOO_LONG = 1
EXIT_USAGE = 2

#: The channel types ``count`` knows, kept here as well so that ``--help`` needs no import of the core.
#: tests/test_count_cli.py checks it against ``outagetray.core.limits.CHANNEL_TYPES``.
TYPES = (
    "x",
    "bluesky",
    "mastodon",
    "threads",
    "linkedin",
    "telegram",
    "discord",
    "slack",
    "matrix",
    "facebook_page",
    "email",
    "blog",
    "wordpress",
    "ghost",
    "apprise",
)


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "count",
        parents=[common],
        help="count a text the way a channel counts it, and say whether it fits",
        description="Count a text the way one channel counts it (X's weighted characters, Bluesky's "
        "characters and bytes, a Mastodon server's own limit, ...) and say whether it fits. "
        "The text is read from FILE, or from standard input when FILE is - or missing. "
        "Exit code: 0 it fits, 1 it is too long or empty, 2 usage error.",
    )
    parser.add_argument(
        "--channel",
        required=True,
        metavar="CHANNEL",
        help=f"a channel type ({', '.join(TYPES)}) or the id of one of your [[channels]]",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="the text, as UTF-8 (default: -)"
    )
    parser.set_defaults(run_command=run)


@dataclass(frozen=True)
class Target:
    """What a ``--channel`` names: the type to count for, and a Mastodon server to ask for its limit."""

    type: str
    base_url: str = ""
    label: str = ""


def resolve_channel(channel_id: str, config_path: Path | None) -> Target | None:
    """The user's ``[[channels]]`` entry with this id, from the settings file; None if there is none.

    A Mastodon channel's server is its ``base_url`` key (written by the sending work), else the
    address in its ``url``.
    """
    from urllib.parse import urlsplit

    from outagetray.core.settings import load

    result = load(config_path)
    for channel in result.settings.channels:
        if channel.id != channel_id:
            continue
        base = channel.extra.get("base_url")
        if not isinstance(base, str) or not base.strip():
            parts = urlsplit(channel.url) if channel.url else None
            base = f"{parts.scheme}://{parts.netloc}" if parts and parts.scheme and parts.netloc else ""
        return Target(channel.type, base.strip(), channel.name or channel.id)
    for problem in result.problems:
        _say(f"outagetray count: note: {problem}")
    return None


def _say(text: str) -> None:
    from outagetray.core.redact import shown

    print(shown(text), file=sys.stderr)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.buffer.read().decode("utf-8")
    return Path(name).read_bytes().decode("utf-8")


def _limit_for(target: Target) -> int | None:
    """A Mastodon channel's limit from its server; 500 when the server cannot tell (said on stderr)."""
    if target.type != "mastodon" or not target.label:
        return None  # a bare "mastodon": the usual 500, nothing to ask
    from outagetray.core.http import FetchError, HttpClient
    from outagetray.core.limits import MASTODON_DEFAULT, mastodon_instance_limit

    if not target.base_url:
        _say(
            f'outagetray count: your channel "{target.label}" names no Mastodon server (base_url or url); '
            f"counting against Mastodon's usual {MASTODON_DEFAULT}"
        )
        return MASTODON_DEFAULT

    try:
        return mastodon_instance_limit(HttpClient(), target.base_url)
    except (FetchError, ValueError) as error:
        _say(
            f"outagetray count: could not ask {target.base_url} for its post limit ({error}); "
            f"counting against Mastodon's usual {MASTODON_DEFAULT}"
        )
        return MASTODON_DEFAULT


def _line(channel: str, result: Count) -> str:
    # Graphemes are what people call characters (a family emoji is one); say it in their words.
    unit = "characters" if result.unit == "graphemes" else result.unit
    if result.limit is None:
        head = f"{channel}: {result.length:,} {unit}, no limit"
    else:
        head = f"{channel}: {result.length:,} of {result.limit:,} {unit}"
    if result.bytes is not None and result.byte_limit is not None:
        head += f", {result.bytes:,} of {result.byte_limit:,} bytes"
    verdict = "fits" if result.fits else "does not fit"
    why = f" ({'; '.join(result.problems)})" if result.problems else ""
    return f"{head}: {verdict}{why}"


def run(args: argparse.Namespace) -> int:
    from outagetray.core.limits import CHANNEL_TYPES, count

    config: Path | None = getattr(args, "config", None)
    channel: str = args.channel
    target = Target(channel) if channel in CHANNEL_TYPES else resolve_channel(channel, config)
    if target is None:
        _say(
            f'outagetray count: "{channel}" is neither a channel type nor one of your channels. '
            f"Channel types: {', '.join(CHANNEL_TYPES)}."
        )
        return EXIT_USAGE
    if target.type not in CHANNEL_TYPES:
        _say(
            f'outagetray count: your channel "{channel}" is of type "{target.type}", '
            f"which has no counter yet. Counted types: {', '.join(CHANNEL_TYPES)}."
        )
        return EXIT_USAGE
    try:
        text = _read(args.file)
    except OSError as error:
        _say(f"outagetray count: cannot read {args.file}: {error.strerror or error}")
        return EXIT_USAGE
    except UnicodeDecodeError as error:
        _say(f"outagetray count: {args.file} is not UTF-8 text (byte {error.start} is not valid UTF-8)")
        return EXIT_USAGE
    result = count(target.type, text, limit=_limit_for(target))
    if args.json:
        print(
            json.dumps(
                {"channel": channel, "length": result.length, "limit": result.limit, "fits": result.fits}
            )
        )
    else:
        print(_line(channel, result))
    return EXIT_FITS if result.fits else EXIT_TOO_LONG
