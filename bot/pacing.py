"""Pacing of the bot's own REST requests below Discord's global limit (50 requests per second)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class Pacer:
    """A sliding window: at most `rate` requests in any `window` seconds, spread evenly across it.

    Discord answers 429 beyond 50 requests in a second per bot, by its own clock, when the requests arrive.
    `acquire()` returns at once while the last `rate` requests began more than a window ago and the previous
    one more than `window / rate` ago, else waits until both hold. The even spread matters as much as the
    count: a window's worth sent at once, then the next window's worth exactly a window later, reaches
    Discord with enough jitter to put more than 50 into one of its seconds; spread out, a request would have
    to arrive a whole spacing (about 20 ms) earlier than its neighbours for that.

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
        self._sent: deque[float] = deque(maxlen=self.limit)  # when the last `limit` requests were let through
        self._lock = asyncio.Lock()  # waiters go in the order they came

    def delay(self, now: float) -> float:
        """Return how long a request arriving at `now` must wait (0 when it may go now)."""
        if not self._sent:
            return 0.0
        wait = self._sent[-1] + self.spacing - now
        if len(self._sent) == self.limit:
            wait = max(wait, self._sent[0] + self.window - now)
        return wait

    async def acquire(self) -> None:
        """Wait until one request may be sent, and count it as sent."""
        async with self._lock:
            while (wait := self.delay(now := self._clock())) > 0:
                await self._sleep(wait)
            self._sent.append(now)
