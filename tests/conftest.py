"""Shared fixtures: the bundled content, an injectable clock, and the real bot running against the stand-in.

End-to-end tests use `env`: a Discord stand-in on 127.0.0.1 and a way to start, stop and restart the real
`InterviewBot` against it on a database of its own, with the clock and randomness injected:

    async def test_something(env):
        bot = await env.start()
        handle = await env.standin.slash("define", options={"term": "relu"})
        callback = await handle.response()

The test fails on any ERROR log record, any request the stand-in does not model, any request body that
breaks Discord's contract, and any interaction answered after Discord's 3-second deadline.

Backends: every test that touches the database (through `db`, `env` or `db_target`) runs on SQLite and, when
`INTERVIEW_BOT_TEST_POSTGRES` holds a PostgreSQL URL (`.ci/with-postgres` sets it), on PostgreSQL too, each
test in a fresh schema of that database. Without it the tests run on SQLite alone, with the names they always had.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import discord
import pytest

from bot.app import InterviewBot
from bot.config import Config, parse_config
from bot.content.index import Library
from bot.content.loader import bundled_content_dir, load_library, pack_directories
from bot.db import Database, open_database
from bot.runner import point_at_api
from standin import ErrorCollector, StandIn, collect_errors, running_bot, running_standin

POSTGRES_URL = os.environ.get("INTERVIEW_BOT_TEST_POSTGRES", "")
BACKENDS = ("sqlite", "postgresql") if POSTGRES_URL else ("sqlite",)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each database test once per backend (on SQLite alone, the test keeps its plain name)."""
    if "backend" in metafunc.fixturenames and len(BACKENDS) > 1:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend this run of the test uses: "sqlite" or "postgresql"."""
    return getattr(request, "param", "sqlite")


def with_schema(url: str, schema: str) -> str:
    """Return the URL with the schema as its search path (asyncpg passes the query on as a server setting)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, f"search_path={schema}") if q)
    return urlunsplit(parts._replace(query=query))


@contextlib.asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """Create an empty schema in the test database, yield a URL that works in it, then drop it."""
    import asyncpg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        yield with_schema(POSTGRES_URL, schema)
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


@pytest.fixture
async def db_target(backend: str, tmp_path: Path) -> AsyncIterator[Path | str]:
    """Where a test's database lives: a SQLite file in `tmp_path`, or a URL of a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield tmp_path / "bot.db"
        return
    async with postgres_schema() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh PostgreSQL schema, for tests of PostgreSQL alone (skipped without a server)."""
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set INTERVIEW_BOT_TEST_POSTGRES (.ci/with-postgres does)")
    async with postgres_schema() as url:
        yield url


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
    """The stand-in plus the real bot, restartable on the same database (a SQLite file or a PostgreSQL schema)."""

    def __init__(self, standin: StandIn, tmp_path: Path, library: Library, db_target: Path | str) -> None:
        self.standin = standin
        self.library = library
        self.tmp_path = tmp_path
        self.db_target = db_target
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

    @property
    def backend(self) -> str:
        """The database backend the bot runs on: "sqlite" or "postgresql"."""
        return "sqlite" if isinstance(self.db_target, Path) else "postgresql"

    @property
    def db_path(self) -> Path:
        """The SQLite file, for tests of SQLite itself (another process holding it); they skip on PostgreSQL."""
        if not isinstance(self.db_target, Path):
            pytest.skip("a SQLite file held by another process")
        return self.db_target

    def config(self, **sections: dict[str, Any]) -> Config:
        """Build the config the bot runs with: the stand-in as API, fast readiness, the test database."""
        database = {"url": self.db_target} if isinstance(self.db_target, str) else {"path": str(self.db_target)}
        data: dict[str, Any] = {
            "discord": {"api_base": self.standin.api_base, "guild_ready_timeout": 0.05},
            "database": database,
        }
        for name, values in sections.items():
            data[name] = data.get(name, {}) | values
        return parse_config(data, self.tmp_path)

    async def start(self, *, seed: int = 1234, **sections: dict[str, Any]) -> InterviewBot:
        """Start the bot (config sections override the defaults) and wait until it is ready."""
        if self.bot is not None:
            raise RuntimeError("the bot is running; stop() or restart() it first")
        config = self.config(**sections)
        point_at_api(config)
        stack = contextlib.AsyncExitStack()
        db = await open_database(config.database.target, busy_timeout=config.database.busy_timeout_seconds)
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
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    """A freshly migrated database (a SQLite file in `tmp_path`, or a PostgreSQL schema), for repository tests."""
    database = await open_database(db_target)
    yield database
    await database.close()


@pytest.fixture
async def env(tmp_path: Path, library: Library, db_target: Path | str) -> AsyncIterator[BotEnv]:
    """A stand-in and a (not yet started) bot environment; fails the test on any problem either records."""
    base = discord.http.Route.BASE
    with collect_errors() as errors:
        async with running_standin() as standin:
            bot_env = BotEnv(standin, tmp_path, library, db_target)
            bot_env.errors = errors
            try:
                yield bot_env
            finally:
                await bot_env.stop()
                discord.http.Route.BASE = base
    assert not standin.problems() + errors.messages()
