"""CPU seconds used by one hour of monitoring 25 platforms at a 60 s interval.

The peers run in a child process so only the monitor's own CPU is counted; an
injected clock makes the hour pass in seconds (the waits between rounds cost no
CPU in the real app either: the monitor thread sleeps on an Event).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

from bench.clock import FastClock
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.monitor import Monitor, MonitorConfig
from outagetray.core.probes import DnsConfig, parse_nameserver

PLATFORMS = 25
ROUNDS = 60


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run() -> dict[str, float]:
    peers = subprocess.Popen(
        [sys.executable, "-m", "bench.peers", str(PLATFORMS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert peers.stdout is not None
    info = json.loads(peers.stdout.readline())
    try:
        parse_nameserver(info["dns"])  # fails loudly if the peers came up without DNS
        platforms = []
        for index, base in enumerate(info["bases"]):
            probes = (
                SourceSpec("dns_probe", f"p{index}.bench.example"),
                SourceSpec("http_probe", f"{base}/"),
            )
            sources = (SourceSpec("statuspage", f"{base}/summary.json"),) if index % 2 == 0 else ()
            platforms.append(
                Platform(f"p{index}", f"P{index}", f"Owner {index}", sources=sources, probes=probes)
            )
        clock = FastClock()
        monitor = Monitor(
            platforms,
            MonitorConfig(interval=60, dns=DnsConfig((info["dns"],))),
            lambda changes: None,
            clock=clock,
        )
        monitor.run_round()  # warm-up outside the measurement: imports, first connections
        before = cpu()
        for _ in range(ROUNDS):
            monitor.run_round()
        used = cpu() - before
        monitor.stop()
    finally:
        assert peers.stdin is not None
        peers.stdin.close()
        peers.wait(5)
    checks = sum(len(p.sources) + len(p.probes) for p in platforms)
    return {
        "platforms": PLATFORMS,
        "checks_per_round": checks,
        "cpu_s_per_hour": used,
        "cpu_ms_per_round": used / ROUNDS * 1000,
    }


def report() -> str:
    r = run()
    return (
        f"an hour of monitoring {r['platforms']:.0f} platforms at 60 s "
        f"({r['checks_per_round']:.0f} checks a round): "
        f"{r['cpu_s_per_hour']:.2f} CPU s ({r['cpu_ms_per_round']:.1f} ms a round)"
    )


if __name__ == "__main__":
    print(report())
