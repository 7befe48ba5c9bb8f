"""Per-member cooldowns: at most so many uses of an action in a period, with the time as an argument.

The uses are kept in memory, and only as long as they count: a member whose last use is older than the period
is forgotten, and at most `max_members` are remembered at all (the least recently active go first), so the
memory a cooldown takes is bounded whatever the load.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `uses` in any `per`."""

    uses: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.uses < 1 or self.per <= timedelta(0):
            raise ValueError("a rate needs at least one use in a positive period")


class Cooldown:
    """The recent uses of one action, per member."""

    def __init__(self, rate: Rate, *, max_members: int = 10_000) -> None:
        self.rate = rate
        self.max_members = max_members
        # By member, least recently used first: each member's use times, oldest first.
        self._uses: OrderedDict[int, deque[datetime]] = OrderedDict()

    def __len__(self) -> int:
        """Return how many members' uses are remembered."""
        return len(self._uses)

    def use(self, member: int, now: datetime) -> timedelta | None:
        """Count a use by `member` at `now` and return None; or, when the rate allows none now, return the wait."""
        self._forget_before(now - self.rate.per)
        uses = self._uses.setdefault(member, deque())
        while uses and uses[0] <= now - self.rate.per:
            uses.popleft()
        if len(uses) >= self.rate.uses:
            return uses[0] + self.rate.per - now  # a refused try does not count
        uses.append(now)
        self._uses.move_to_end(member)  # the members stay in the order of their last use
        while len(self._uses) > self.max_members:
            self._uses.popitem(last=False)
        return None

    def _forget_before(self, cutoff: datetime) -> None:
        """Drop the members whose last use no longer counts (they are first in line: least recently used)."""
        while self._uses:
            member, uses = next(iter(self._uses.items()))
            if uses and uses[-1] > cutoff:
                return
            del self._uses[member]
