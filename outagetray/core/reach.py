"""Which of the user's channels work right now, where to reach people, and who holds them.

The playbook's "try other platforms" step: when one channel fails, the others that
are confirmed up are the ones to use. Email, blogs and shops are named with their
kind, because during a social-media outage they are often the best way out.

And its "preventive action" step: platforms of one owner fail together (Facebook,
Instagram and WhatsApp on 2019-03-13 and 2021-10-04), so :func:`reach_by_owner` adds up
the user's followers by owner and, when one company holds more than half, says so
with the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from outagetray.core.model import Platform, Verdict

if TYPE_CHECKING:
    # Only named in hints: the judge (and the connection checks under it) costs ~80 ms to
    # import, which the checklist and the reach figures should not pay.
    from outagetray.core.judge import PlatformStatus

NAMED_KINDS = ("email", "blog", "shop")


def channels_up(statuses: Sequence[PlatformStatus]) -> list[str]:
    """Names of the watched platforms confirmed working (maintenance counts as working)."""
    return [
        f"{s.platform.name} ({s.platform.kind})" if s.platform.kind in NAMED_KINDS else s.platform.name
        for s in statuses
        if s.verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE)
    ]


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C": how people list things."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def channels_line(statuses: Sequence[PlatformStatus]) -> str:
    """One plain sentence for the window: what is up, or, during an outage, where to go instead."""
    up = join_names(channels_up(statuses))
    down = [s.platform.name for s in statuses if s.verdict.is_problem]
    verb = "is" if len(down) == 1 else "are"
    if down and up:
        return f"{join_names(down)} {verb} having problems. Reach your audience on: {up}."
    if down:
        return f"{join_names(down)} {verb} having problems, and none of your other channels is confirmed up."
    if up:
        return f"Up right now: {up}."
    return "Waiting to learn which of your channels are up."


#: More than this share of the audience with one owner earns the playbook's advice.
ADVICE_SHARE = 0.5
#: Said when there are no numbers to weigh.
FILL_IN_HINT = (
    "Fill in roughly how many followers you have on each platform to see how much of your "
    "audience depends on one company."
)


@dataclass(frozen=True)
class OwnerReach:
    """The part of the audience one company holds: if it fails, all of these fail together."""

    owner: str
    followers: int
    #: Of the whole audience, 0.0 to 1.0.
    share: float
    #: Platform ids and display names under this owner, in the audience's order.
    platform_ids: tuple[str, ...]
    platform_names: tuple[str, ...]


@dataclass(frozen=True)
class ReachReport:
    """How the user's audience is spread over the companies that own the platforms."""

    total: int
    #: Largest share first.
    owners: tuple[OwnerReach, ...]
    #: The playbook's advice, with the numbers, when one owner holds more than half.
    advice: str | None = None
    #: What to do first when there is nothing to weigh (no numbers yet).
    hint: str | None = None
    #: Platform ids in the audience the catalog does not know; left out of the figures.
    unknown: tuple[str, ...] = ()

    @property
    def top(self) -> OwnerReach | None:
        return self.owners[0] if self.owners else None


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _advice(top: OwnerReach, total: int, kinds: set[str]) -> str:
    pct = round(top.share * 100)
    figures = f"{pct}% of your audience ({top.followers:,} of {total:,} followers)"
    # An owner that already holds the user's email list cannot be escaped through it.
    first = "a second platform from another company" if "email" in kinds else "your email list first"
    then = "" if "email" in kinds else ", then a second platform from another company"
    if len(top.platform_names) == 1:
        name = top.platform_names[0]
        where = name if name == top.owner else f"{name} ({top.owner})"
        return (
            f"{figures} is on {where}. When it fails, you can't reach them there. "
            f"Build up a channel {top.owner} doesn't own: {first}{then}."
        )
    return (
        f"{figures} is on {_possessive(top.owner)} platforms: {join_names(top.platform_names)}. "
        f"When {top.owner} fails, they all fail together. "
        f"Build up a channel {top.owner} doesn't own: {first}{then}."
    )


def reach_by_owner(audience: Sequence[tuple[str, int]], platforms: Mapping[str, Platform]) -> ReachReport:
    """Followers per owner, from (platform id, followers) pairs; the same platform twice adds up.

    Facebook, Instagram, WhatsApp, Messenger and Threads are all Meta's, so one outage
    can cut the user off from all of them at once: that is what the figures show. A
    platform the catalog does not know is reported in ``unknown``, not guessed at; a
    negative count (a slip) counts as zero.
    """
    totals: dict[str, int] = {}
    members: dict[str, dict[str, str]] = {}
    kinds: dict[str, set[str]] = {}
    unknown: list[str] = []
    for pid, followers in audience:
        platform = platforms.get(pid)
        if platform is None:
            if pid not in unknown:
                unknown.append(pid)
            continue
        count = max(int(followers), 0)
        totals[platform.owner] = totals.get(platform.owner, 0) + count
        members.setdefault(platform.owner, {})[pid] = platform.name
        kinds.setdefault(platform.owner, set()).add(platform.kind)
    total = sum(totals.values())
    owners = tuple(
        sorted(
            (
                OwnerReach(
                    owner=owner,
                    followers=count,
                    share=count / total if total else 0.0,
                    platform_ids=tuple(members[owner]),
                    platform_names=tuple(members[owner].values()),
                )
                for owner, count in totals.items()
            ),
            key=lambda o: (-o.followers, o.owner),
        )
    )
    if total == 0:
        return ReachReport(total=0, owners=owners, hint=FILL_IN_HINT, unknown=tuple(unknown))
    top = owners[0]
    advice = _advice(top, total, kinds[top.owner]) if top.share > ADVICE_SHARE else None
    return ReachReport(total=total, owners=owners, advice=advice, unknown=tuple(unknown))
