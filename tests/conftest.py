"""Shared fixtures: the bundled content, an injectable clock, and the real bot running against the stand-in.

End-to-end tests use `env`: a Discord stand-in on 127.0.0.1 and a way to start, stop and restart the real
`InterviewBot` against it on a SQLite file in `tmp_path`, with the clock and randomness injected:

    async def test_something(env):
        bot = await env.start()
        handle = await env.standin.slash("define", options={"term": "relu"})
        callback = await handle.response()

The test fails on any ERROR log record, any request the stand-in does not model, any request body that
breaks Discord's contract, and any interaction answered after Discord's 3-second deadline.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import InterviewBot
from bot.config import Config, parse_config
from bot.content.index import Library
from bot.content.loader import bundled_content_dir, load_library, pack_directories
from bot.db import Database
from bot.runner import point_at_api
from standin import ErrorCollector, StandIn, collect_errors, running_bot, running_standin


@pytest.fixture(scope="session")
def library() -> Library:
    """The bundled content, loaded once for the whole run (it is immutable)."""
    return load_library(pack_directories([bundled_content_dir()]))


class FakeClock:
    """A clock the test moves by hand; the bot reads it through `bot.clock()`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        """Jump to `now` (aware)."""
        self.now = now

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta's keyword arguments and return the new time."""
        self.now += timedelta(**delta)
        return self.now


class BotEnv:
    """The stand-in plus the real bot, restartable on the same database."""

    def __init__(self, standin: StandIn, tmp_path: Path, library: Library) -> None:
        self.standin = standin
        self.library = library
        self.db_path = tmp_path / "bot.db"
        self.clock = FakeClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
        self.bot: InterviewBot | None = None
        self.starts = 0
        self._stack: contextlib.AsyncExitStack | None = None
        self.errors = ErrorCollector()  # the fixture's: ERROR records fail the test

    def expected_errors(self, text: str) -> list[logging.LogRecord]:
        """Take the ERROR records whose message contains `text` out of those that fail the test; return them."""
        taken = [r for r in self.errors.records if text in r.getMessage()]
        self.errors.records = [r for r in self.errors.records if r not in taken]
        return taken

    def config(self, **sections: dict[str, Any]) -> Config:
        """Build the config the bot runs with: the stand-in as API, fast readiness, the test database."""
        data: dict[str, Any] = {
            "discord": {"api_base": self.standin.api_base, "guild_ready_timeout": 0.05},
            "database": {"path": str(self.db_path)},
        }
        for name, values in sections.items():
            data[name] = data.get(name, {}) | values
        return parse_config(data, self.db_path.parent)

    async def start(self, *, seed: int = 1234, **sections: dict[str, Any]) -> InterviewBot:
        """Start the bot (config sections override the defaults) and wait until it is ready."""
        if self.bot is not None:
            raise RuntimeError("the bot is running; stop() or restart() it first")
        config = self.config(**sections)
        point_at_api(config)
        stack = contextlib.AsyncExitStack()
        db = await Database.open(config.database.path, busy_timeout=config.database.busy_timeout_seconds)
        stack.push_async_callback(db.close)
        bot = InterviewBot(config=config, db=db, library=self.library, clock=self.clock, rng=random.Random(seed))
        try:
            await stack.enter_async_context(running_bot(bot))
        except BaseException:
            await stack.aclose()
            raise
        # The scheduler runs on the wall clock: keep it from firing during a test (its jobs stay registered, and
        # tests run what a job would run, with the injected clock).
        bot.scheduler.pause()
        self._stack, self.bot = stack, bot
        self.starts += 1
        return bot

    async def stop(self) -> None:
        """Close the bot and its database (the stand-in's world and messages stay)."""
        if self._stack is not None:
            stack, self._stack, self.bot = self._stack, None, None
            await stack.aclose()

    async def restart(self, **kwargs: Any) -> InterviewBot:
        """Stop the bot and start a new one on the same database and stand-in."""
        await self.stop()
        return await self.start(**kwargs)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A freshly migrated SQLite database file in `tmp_path`, for repository tests."""
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


@pytest.fixture
async def env(tmp_path: Path, library: Library) -> AsyncIterator[BotEnv]:
    """A stand-in and a (not yet started) bot environment; fails the test on any problem either records."""
    base = discord.http.Route.BASE
    with collect_errors() as errors:
        async with running_standin() as standin:
            bot_env = BotEnv(standin, tmp_path, library)
            bot_env.errors = errors
            try:
                yield bot_env
            finally:
                await bot_env.stop()
                discord.http.Route.BASE = base
    assert not standin.problems() + errors.messages()
