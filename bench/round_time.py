"""Wall time of one monitoring round over 50 sources where one hangs until its timeout.

Goal: the slowest source's timeout plus a few hundred milliseconds, not the sum.
"""

from __future__ import annotations

import time

from bench.peers import Peer, hosts
from outagetray.core.http import HttpClient
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.monitor import Monitor, MonitorConfig

SOURCES = 50


def run(read_timeout: float = 10.0) -> dict[str, float]:
    peers = [Peer(host, hang=(index == 0)) for index, host in enumerate(hosts(SOURCES))]
    platforms = [
        Platform(
            f"p{i}", f"P{i}", f"Owner {i}", sources=(SourceSpec("statuspage", f"{peer.base}/summary.json"),)
        )
        for i, peer in enumerate(peers)
    ]
    client = HttpClient(read_timeout=read_timeout)
    monitor = Monitor(platforms, MonitorConfig(interval=60), lambda changes: None, client=client)
    monitor.run_round()  # warm-up: imports and connection set-up
    started = time.perf_counter()
    monitor.run_round()
    wall = time.perf_counter() - started
    monitor.stop()
    for peer in peers[1:]:
        peer.server.shutdown()
    return {
        "sources": SOURCES,
        "timeout_s": read_timeout,
        "round_s": wall,
        "over_timeout_s": wall - read_timeout,
    }


def report() -> str:
    r = run()
    return (
        f"round over {r['sources']:.0f} sources, one hanging: {r['round_s']:.2f} s "
        f"(read timeout {r['timeout_s']:.0f} s, so {r['over_timeout_s'] * 1000:.0f} ms "
        f"over the slowest source; "
        f"goal: a few hundred ms)"
    )


if __name__ == "__main__":
    print(report())
