"""``python -m bench``: run every benchmark and print its figures."""

from __future__ import annotations

from bench import detection, hour_cpu, idle, playbook, round_time, sending, startup, ui_memory

if __name__ == "__main__":
    for module in (round_time, hour_cpu, detection, startup, idle, ui_memory, playbook, sending):
        print(module.report(), flush=True)
