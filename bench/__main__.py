"""``python -m bench``: run every benchmark and print its figures."""

from __future__ import annotations

from bench import detection, hour_cpu, round_time

if __name__ == "__main__":
    for module in (round_time, hour_cpu, detection):
        print(module.report(), flush=True)
