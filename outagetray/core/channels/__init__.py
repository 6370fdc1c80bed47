"""Channels: where a prepared message goes (issue 16 item 1).

Each channel module keeps to the outbox's one small shape, re-exported here so a channel
imports from one place: ``send(text, key) -> Receipt``, ``check() -> Health`` and
``can_prove_not_sent(key)``. A refusal the service put into words is :class:`SendRejected`;
anything else raised from ``send`` means no answer came, and the outbox marks the job
unknown rather than sending it twice. No module here is imported at the tray's start.
"""

from __future__ import annotations

from outagetray.core.outbox import Channel, Health, Receipt, SendRejected

__all__ = ["Channel", "Health", "Receipt", "SendRejected"]
