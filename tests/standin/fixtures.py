"""Helpers for pytest fixtures: run a stand-in, run a bot against it, fail on logged errors.

discord.py only logs an exception raised in a command, view or modal; it never reaches the test. So a
test must fail on ERROR log records as well as on the stand-in's `problems()`, or a broken handler shows
up only as a time-out. A conftest might read:

    @pytest.fixture
    async def standin():
        with collect_errors() as errors:
            async with running_standin() as standin:
                yield standin
        assert not standin.problems() + errors.messages()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord

from .server import StandIn

TOKEN = "standin.bot.token"  # any token: the stand-in does not check it
ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_standin(**options: object) -> AsyncIterator[StandIn]:
    """Start a stand-in (options go to StandIn), and stop it afterwards."""
    standin = StandIn(**options)  # type: ignore[arg-type]
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@contextlib.asynccontextmanager
async def running_bot(
    bot: ClientT,
    *,
    token: str = TOKEN,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> AsyncIterator[ClientT]:
    """Log the bot in, connect it in a task until `on_ready`, yield the bot, then close it.

    `bot.start()` in two steps: `login()` (setup_hook, command sync) here, then `connect()` in a task. The
    bot must already point at the stand-in (`discord.http.Route.BASE = standin.api_base`). An error while
    starting (login, setup_hook, command sync, the gateway refusing it) is raised here instead of hanging.
    """
    if not discord.http.Route.BASE.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the bot would call {discord.http.Route.BASE}, not a stand-in")
    task: asyncio.Task[None] | None = None
    ready: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(timeout):
            await bot.login(token)
            task = asyncio.create_task(bot.connect(), name="standin-bot")
            ready = asyncio.create_task(bot.wait_until_ready(), name="standin-bot-ready")
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                task.result()  # raises what stopped the bot
                raise RuntimeError("the bot stopped before it was ready")
        yield bot
    finally:
        if ready is not None:
            ready.cancel()
        await bot.close()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task


class ErrorCollector(logging.Handler):
    """A logging handler that keeps ERROR (and worse) records."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record (and wake whoever waits for one; the record may come from another thread)."""
        self.records.append(record)
        waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)

    async def wait(self, count: int = 1, timeout: float = 5.0) -> list[logging.LogRecord]:  # noqa: ASYNC109
        """Wait until `count` records were kept; return them.

        For a test that expects an error the bot only logs: no request or gateway frame follows it.
        """
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while len(self.records) < count:
                    future = loop.create_future()
                    self._waiters.append((loop, future))
                    await future
        except TimeoutError:
            raise TimeoutError(f"{len(self.records)} of {count} error records within {timeout} s") from None
        return self.records[:count]

    def messages(self) -> list[str]:
        """Return each record as `logger: message` with its exception's last line."""
        found = []
        for record in self.records:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            found.append(text)
        return found


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@contextlib.contextmanager
def collect_errors(logger: str = "") -> Iterator[ErrorCollector]:
    """Collect ERROR records of `logger` (default: the root, so every library) while in the block."""
    collector = ErrorCollector()
    target = logging.getLogger(logger)
    target.addHandler(collector)
    try:
        yield collector
    finally:
        target.removeHandler(collector)
