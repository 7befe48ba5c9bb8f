"""Pacing of the bot's own REST requests below Discord's global limit (50 requests per second)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Pacer:
    """A token bucket: `acquire()` returns at once while tokens last, then spaces callers out evenly.

    Discord answers 429 beyond 50 requests/s per bot; pacing a little below that keeps a burst (many
    daily channels due in the same minute, a busy battle) from ever hitting the global limit. Any one-second
    window holds at most `rate + burst` requests, so the burst is kept small (a tenth of the rate).
    """

    def __init__(self, rate: float, burst: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate / 10)))
        self._tokens = self.capacity
        self._clock = clock
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one request may be sent."""
        async with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                await asyncio.sleep(wait)
                self._updated = self._clock()
                self._tokens = 0.0
            else:
                self._tokens -= 1
