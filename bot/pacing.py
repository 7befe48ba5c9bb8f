"""Pacing of the bot's own REST requests below Discord's global limit (50 requests per second)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class Pacer:
    """A sliding window: at most `rate` requests in any `window` seconds, spread evenly across it.

    Discord answers 429 beyond 50 requests in a second per bot, by its own clock, when the requests arrive.
    Each request gets a slot: at least `window / rate` after the previous slot, and at least a window after the
    slot `rate` requests before; it goes the moment the event loop wakes it there. A wake-up a millisecond or so
    late (a busy loop) does not push the later slots back, so the pace stays `rate`, not a little under it; a
    much later one does, so that requests never bunch up after a stall (never closer than 3/4 of the spacing).
    The even spread matters as much as the count: a window's worth sent at once, then the next window's worth
    exactly a window later, reaches Discord with enough jitter to put more than 50 into one of its seconds;
    spread out at 48 per second, a request would have to arrive 40 ms earlier than its neighbours for that.

    Time comes from `clock` (monotonic seconds) and waiting from `sleep`, both injectable for tests.
    """

    def __init__(
        self,
        rate: float,
        *,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("a pacer needs a rate of at least 1 request per window, and a positive window")
        self.limit = int(rate)
        self.window = window
        self.spacing = window / rate
        self._clock = clock
        self._sleep = sleep
        self.tolerance = min(self.spacing / 4, 0.005)  # the lateness of a wake-up absorbed without delaying others
        self._slots: deque[float] = deque(maxlen=self.limit)  # the slots of the last `limit` requests
        self._sent = float("-inf")  # when the last request actually went
        self._lock = asyncio.Lock()  # requests take their slots in the order they came

    def next_slot(self, now: float) -> float:
        """Return the slot of a request that is next in line at `now` (`now` itself when it may go at once)."""
        if not self._slots:
            return now
        slot = max(now, self._slots[-1] + self.spacing, self._sent + self.spacing - self.tolerance)
        if len(self._slots) == self.limit:
            slot = max(slot, self._slots[0] + self.window)
        return slot

    async def acquire(self) -> None:
        """Wait for this request's slot, and take it."""
        async with self._lock:
            slot = self.next_slot(self._clock())
            while (wait := slot - (now := self._clock())) > 0:
                await self._sleep(wait)
            self._slots.append(slot)
            self._sent = now
