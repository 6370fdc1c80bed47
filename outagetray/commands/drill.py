"""``outagetray drill``: rehearse a famous outage through the real monitor, alerts and incident log.

``outagetray drill --list`` lists the built-in drills; ``outagetray drill SCENARIO`` plays
one (an id from the list, or the path of the user's own drill file) at ``--speed``
scenario seconds per real second, printing what happens on stderr as it happens, in the
scenario's own time, and the report at the end (``--json`` for scripts).

Exit codes: 0 the drill ran and went as its scenario expects (or the scenario expects
nothing); 1 it ran but something differed from the scenario's ``[expect]`` (the report
says what), so a script or a scheduled rehearsal notices; 2 a usage mistake or a drill file
that cannot be used (its words say what to write instead); 130 stopped with Ctrl+C (the
report of what was played so far is still printed).

Only the standard library is imported at module level: building the parser is on the
tray's start path.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from typing import Any

from outagetray.commands.incidents import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say, stdout

EXIT_STOPPED = 130
DEFAULT_SPEED = 180.0
MAX_SPEED = 1_000_000.0


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "drill",
        parents=[common],
        help="rehearse a real outage, sped up, without touching your real channels",
        description="Play a famous outage through OutageTray's real monitor, notifications and "
        "outage log, sped up, against small servers on this computer: nothing reaches the real "
        "platforms. Give a drill's name (see --list) or the path of your own drill file. Times "
        "are shown on the drill's own clock (UTC). Exit code: 0 as the drill expects, 1 something "
        "went differently (the report says what), 2 a mistake in the command or the drill file.",
    )
    parser.add_argument(
        "scenario", nargs="?", metavar="SCENARIO", help="a drill's name, or a drill file's path"
    )
    parser.add_argument("--list", action="store_true", help="list the built-in drills")
    parser.add_argument(
        "--speed",
        metavar="N",
        type=_speed,
        default=DEFAULT_SPEED,
        help=f"scenario seconds per real second (default {DEFAULT_SPEED:g}: six hours in two minutes)",
    )
    parser.add_argument("--json", action="store_true", help="print the list or the report as JSON")
    parser.set_defaults(run_command=run)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; try --speed 180") from None
    if not 0 < value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"the speed must be above 0 and at most {MAX_SPEED:,.0f}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args.json)
    if not args.scenario:
        say(
            "outagetray drill: name a drill (outagetray drill --list shows them)"
            " or give the path of your own drill file"
        )
        return EXIT_USAGE
    from outagetray.core.drills.scenario import ScenarioError, load

    try:
        scenario = load(args.scenario)
    except ScenarioError as error:
        say(str(error))
        return EXIT_USAGE
    return _play(scenario, args.speed, args.json)


def _list(as_json: bool) -> int:
    from outagetray.core.drills.scenario import ScenarioError, list_scenarios

    try:
        drills = list_scenarios()
    except ScenarioError as error:  # a damaged installation: the words name the file
        say(str(error))
        return EXIT_FAILED
    out = stdout()
    if as_json:
        items = [{"id": d.id, "title": d.title, "summary": d.summary} for d in drills]
        out.write(json.dumps(items, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    width = max((len(d.id) for d in drills), default=0)
    for drill in drills:
        out.write(f"{drill.id:<{width}}  {drill.title}\n")
    return EXIT_OK


def _play(scenario: Any, speed: float, as_json: bool) -> int:
    from outagetray.core.drills.report import DrillReport
    from outagetray.core.drills.runner import run_drill
    from outagetray.core.incidents import IncidentLogError

    minutes = scenario.duration.total_seconds() / speed / 60
    length = (
        "under a minute" if minutes < 1 else f"about {minutes:.0f} minute{'' if round(minutes) == 1 else 's'}"
    )
    say(f"Fire drill: {scenario.title}. It plays at {speed:g}x, so it takes {length}. Ctrl+C stops it.")
    stop = threading.Event()
    previous = _on_ctrl_c(stop)
    try:
        result = run_drill(scenario, speed=speed, on_progress=say, stop=stop)
    except IncidentLogError as error:
        say(f"The fire drill could not keep its log: {error}")
        return EXIT_FAILED
    finally:
        _restore(previous)
    report = DrillReport.of(result)
    out = stdout()
    if as_json:
        out.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(report.describe() + "\n")
    if result.stopped:
        return EXIT_STOPPED
    return EXIT_OK if report.all_met else EXIT_FAILED


def _on_ctrl_c(stop: threading.Event) -> Any:
    """Ctrl+C ends the drill at its next round (the report still comes); the old handler is returned."""
    try:
        return signal.signal(signal.SIGINT, lambda *_: stop.set())
    except ValueError:  # not the main thread (a test calling run): Ctrl+C is not ours to catch
        return None


def _restore(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
