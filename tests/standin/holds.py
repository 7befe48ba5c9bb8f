"""Answers held back: Discord did what a request asked, but the bot does not hear so until the test says.

The shape of a crash in the worst moment: a message was created, and the process died before it read the
answer. A test holds a route, waits until a request of it was handled (`caught`), then stops or restarts
the bot; `release()` lets the answers go (to a connection that may be gone, which is then left alone).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .records import RecordedRequest


@dataclass(eq=False)
class Hold:
    """Hold back the answers to every request of `method route` until `release()`."""

    method: str
    route: str
    held: list[RecordedRequest] = field(default_factory=list)
    caught: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def applies(self, record: RecordedRequest) -> bool:
        """Whether this hold keeps the answer to `record` back (it does until released)."""
        return record.method == self.method and record.route == self.route and not self.released.is_set()

    async def keep(self, record: RecordedRequest) -> None:
        """Note a handled request and wait until the test releases its answer."""
        self.held.append(record)
        self.caught.set()
        await self.released.wait()

    def release(self) -> None:
        """Let the held answers go, and stop holding."""
        self.released.set()
