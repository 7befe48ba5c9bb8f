"""The places where the benchmarks reach into the bot, in one module.

So the same benchmark runs against an older checkout of the bot (`--baseline REV`) as well as this one.

Each function runs in a process that imports `bot` from the code being measured. The driver, which imports
the bot of this checkout, asks that code what it needs to know through the command line:

    python -m bench.compat describe                   how /define's picked term values look (JSON)
    python -m bench.compat daily-db PATH CHANNELS     a database with a daily question due in each channel
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

# The moment the daily fan-out's questions are due (the bot's clock starts just after it).
DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def load_content(config: Any) -> Any:
    """Load the configured content exactly as `interview-bot run` does before it connects.

    Through `bot.cli.load_content` where the command line has it; else the packs `run` reads, with the parsed
    files cached where the configuration says (or beside the database) if the loader takes a `cache_dir`.
    """
    from bot import cli
    from bot.content.loader import load_library

    if hasattr(cli, "load_content"):
        return cli.load_content(config)
    roots = cli.content_roots(config)
    if "cache_dir" in inspect.signature(load_library).parameters:
        cache = getattr(config, "content_cache_dir", None) or config.database.path.parent / "content-cache"
        return load_library(roots, cache_dir=cache)
    return load_library(roots)


def load_packs(directories: list[Path], cache_dir: Path) -> list[Any]:
    """Read and validate pack directories (parsed files cached in `cache_dir` where the loader can)."""
    from bot.content.loader import load_packs as load

    if "cache_dir" in inspect.signature(load).parameters:
        return load(directories, cache_dir=cache_dir)
    return load(directories)


async def open_database(path: Path) -> Any:
    """Open and migrate the SQLite database at `path`: `open_database`, or `Database.open` before it."""
    import bot.db

    if hasattr(bot.db, "open_database"):
        return await bot.db.open_database(path)
    return await bot.db.Database.open(path)  # type: ignore[attr-defined]


def term_choices() -> Callable[[Any, str], Any]:
    """Return the function that answers /define's autocomplete: (library, text) → choices."""
    from bot.cogs.options import term_choices as choices

    return choices


def picked_term_prefix() -> str:
    """Return what /define's autocomplete puts before a term's id in a choice's value ("term:"; once nothing)."""
    from bot.cogs import options

    return str(getattr(options, "TERM_CHOICE", ""))


def define_answer() -> Callable[[Any, str], Any]:
    """Return what /define does with its option's value, up to the screen it sends: (library, value) → screen."""
    from bot.cogs import options
    from bot.cogs.study import _views

    resolve = getattr(options, "resolve_term", None)

    def answer(library: Any, value: str) -> Any:
        found = resolve(library, value) if resolve is not None else library.lookup(value)
        if found is None:
            return _views.suggestions_screen(library, value)
        return _views.term_screen(library, found)

    return answer


def settle(library: Any) -> None:
    """Build what the content builds after start-up (full-text index, term relations, quiz texts), as the bot would.

    The `warm_up` the runner uses (it runs it in a thread while the bot connects), wherever it lives; before
    there was one, a search, which waited for the index built in the background.
    """
    from bot import runner
    from bot.content import loader

    warm_up = getattr(runner, "warm_up", None) or getattr(loader, "warm_up", None)
    if warm_up is not None:
        warm_up(library)
    else:
        library.search("settle")


async def answer_writer(path: Path) -> tuple[Any, Callable[[int], Awaitable[None]]]:
    """Open a database; return it and a coroutine function that scores one battle answer for a user id."""
    from bot.repos.scores import ScoreEvent, insert_score

    db = await open_database(path)
    now = datetime.now(UTC)

    async def write(user: int) -> None:
        async with db.transaction() as conn:
            await insert_score(conn, ScoreEvent(1, user, "battle", "battle:1:1", 900, True, now))

    return db, write


async def daily_database(path: Path, channels: list[tuple[int, int]]) -> None:
    """Write a database with a daily question due at `DUE` in each (guild id, channel id)."""
    from bot.repos.daily import DailyRepo

    db = await open_database(path)
    try:
        repo = DailyRepo(db)
        for n, (guild_id, channel_id) in enumerate(channels):
            await repo.save_channel(
                channel_id=channel_id,
                guild_id=guild_id,
                post_time=day_time(DUE.hour, DUE.minute),
                timezone="UTC",
                kind="mixed",
                chapters=(),
                set_by=1,
                now=DUE - timedelta(days=1),
                seed=n,
            )
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    """Answer the driver's questions about the code under measurement (one JSON line)."""
    parser = argparse.ArgumentParser(prog="python -m bench.compat")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("describe", help="how /define's picked term values look")
    daily = commands.add_parser("daily-db", help="write a database with daily questions due")
    daily.add_argument("path", type=Path)
    daily.add_argument("channels", type=Path, help="a JSON list of [guild id, channel id]")
    args = parser.parse_args(argv)
    if args.command == "describe":
        print(json.dumps({"term_prefix": picked_term_prefix()}))
    else:
        targets = [(int(g), int(c)) for g, c in json.loads(args.channels.read_text(encoding="utf-8"))]
        asyncio.run(daily_database(args.path, targets))
        print(json.dumps({"channels": len(targets)}))


if __name__ == "__main__":
    main()
