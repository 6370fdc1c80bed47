"""Wall time of one monitoring round over 50 sources: one hanging host, then five at once.

A host that hangs costs one read timeout. With a fixed pool of four workers, five
hanging hosts cost two (21 s against 11 s for one): detection slowed down on a day like
2025-11-18, when one CDN failed and many platforms hung together. Goal: the round with
five hanging hosts within 1.2x of the round with one, and both about one timeout.
The hanging hosts come first in the round, the worst case: they take the workers first.
"""

from __future__ import annotations

import threading
import time

from bench.peers import Peer, hosts
from outagetray.core.http import HttpClient
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.monitor import Monitor, MonitorConfig

SOURCES = 50
GOAL = 1.2


def timed_round(monitor: Monitor, peers: list[Peer], hanging: int) -> float:
    for index, peer in enumerate(peers):
        peer.hang = index < hanging
    started = time.perf_counter()
    monitor.run_round()
    wall = time.perf_counter() - started
    for peer in peers:
        peer.hang = False
    return wall


def run(read_timeout: float = 10.0) -> dict[str, float]:
    peers = [Peer(host) for host in hosts(SOURCES)]
    platforms = [
        Platform(
            f"p{i}", f"P{i}", f"Owner {i}", sources=(SourceSpec("statuspage", f"{peer.base}/summary.json"),)
        )
        for i, peer in enumerate(peers)
    ]
    client = HttpClient(read_timeout=read_timeout)
    monitor = Monitor(platforms, MonitorConfig(interval=60), lambda changes: None, client=client)
    try:
        monitor.run_round()  # warm-up, nothing hanging: imports and connection set-up
        one = timed_round(monitor, peers, 1)
        five = timed_round(monitor, peers, 5)
    finally:
        monitor.stop()
        stopping = [threading.Thread(target=peer.stop) for peer in peers]  # each waits up to 0.5 s
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
    return {
        "sources": SOURCES,
        "timeout_s": read_timeout,
        "one_s": one,
        "five_s": five,
        "ratio": five / one,
    }


def report() -> str:
    r = run()
    verdict = "met" if r["ratio"] <= GOAL else "MISSED"
    return (
        f"round over {r['sources']:.0f} sources (read timeout {r['timeout_s']:.0f} s): "
        f"1 hanging host {r['one_s']:.2f} s, 5 hanging hosts {r['five_s']:.2f} s, "
        f"ratio {r['ratio']:.2f} (goal: at most {GOAL}, {verdict})"
    )


if __name__ == "__main__":
    print(report())
