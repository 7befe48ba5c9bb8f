"""One bot in its own process, as in production: the real bot, or a bare discord.py bot that is the floor.

The benchmark driver starts this module with the stand-in's REST base and talks to it over stdin/stdout in
JSON lines: it prints `{"event": "ready", ...}` once the bot is ready (with its start-up time and memory),
and on a `stop` line (or the end of stdin) it closes the bot and prints `{"event": "stats", ...}`: how late
the event loop ran (a 10 ms ticker), and how long the garbage collector paused it.

    python -m bench.botproc --api-base http://127.0.0.1:PORT/api/v10 --kind real --db /tmp/x.db [--pack DIR]…

The real bot starts the way `interview-bot run` does: config, content, database, `InterviewBot`. Only the
token, the REST base and, for the daily fan-out, the clock differ. The bare bot has the same intents and
slash command names (`/define` with an autocompleted `term`) and answers with constant replies: what any
discord.py bot costs, with none of this bot's work.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bench import compat

TOKEN = "bench.bot.token"
STARTED = time.perf_counter()
STALL = 0.1  # a loop more than this late counts as a stall


def emit(event: str, **data: Any) -> None:
    """Tell the driver something (one JSON line on stdout)."""
    print(json.dumps({"event": event, **data}), flush=True)


def max_rss_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class LoopWatch:
    """Measures how late the event loop runs a 10 ms ticker, and how long each GC pass takes."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.stalls: list[tuple[float, float]] = []  # (seconds since start, lag)
        self.gc_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._gc_start = 0.0
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_pauses[info["generation"]].append(time.perf_counter() - self._gc_start)

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lag = loop.time() - before - 0.01
            self.lags.append(lag)
            if lag >= STALL:
                self.stalls.append((round(time.perf_counter() - STARTED, 3), round(lag, 4)))

    def reset(self) -> None:
        self.lags.clear()
        self.stalls.clear()
        for pauses in self.gc_pauses.values():
            pauses.clear()

    def report(self) -> dict[str, Any]:
        lags = sorted(self.lags) or [0.0]
        return {
            "lag_p99_ms": round(lags[int(len(lags) * 0.99)] * 1e3, 2),
            "lag_max_ms": round(lags[-1] * 1e3, 2),
            "stalls": self.stalls,
            "gc": {
                str(g): {"count": len(p), "max_ms": round(max(p, default=0) * 1e3, 2), "sum_ms": round(sum(p) * 1e3)}
                for g, p in self.gc_pauses.items()
            },
        }


def bare_bot() -> commands.AutoShardedBot:
    """The floor: discord.py with the real bot's intents and command shape, answering constants."""
    intents = discord.Intents.none()
    intents.guilds = True
    bot = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned,
        help_command=None,
        intents=intents,
        guild_ready_timeout=0.5,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    choices = [app_commands.Choice(name=f"Choice {n}", value=f"choice-{n}") for n in range(25)]

    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return choices

    @app_commands.command(name="define")
    @app_commands.autocomplete(term=complete)
    async def define(interaction: discord.Interaction, term: app_commands.Range[str, 1, 100]) -> None:
        """Look up a term."""
        embed = discord.Embed(title=term[:256], description="A constant definition of a few words.")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def setup_hook() -> None:
        bot.tree.add_command(define)
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


class ShiftedClock:
    """The bot's clock starting at a given moment and running at the wall clock's pace (daily fan-out)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.origin = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.origin)


async def real_bot(args: argparse.Namespace) -> tuple[discord.Client, Any]:
    """Start the real bot as `interview-bot run` does, with the stand-in as Discord."""
    from bench import compat
    from bot.app import InterviewBot
    from bot.config import parse_config
    from bot.db import Database
    from bot.runner import point_at_api

    data: dict[str, Any] = {
        "discord": {"api_base": args.api_base, "guild_ready_timeout": 0.5},
        "database": {"path": str(args.db)},
        "content": {"extra_dirs": [str(p) for p in args.pack]},
    }
    if args.rate is not None:
        data["rate"] = {"requests_per_second": args.rate}
    config = parse_config(data, Path(args.db).parent)
    library = compat.load_content(config)
    loaded = time.perf_counter() - STARTED
    # Measure the bot settled: the full-text index, built in the background, done (it takes seconds here).
    compat.settle(library)
    point_at_api(config)
    db = await Database.open(config.database.path)
    clock = ShiftedClock(datetime.fromisoformat(args.clock)) if args.clock else None
    extra = {"clock": clock} if clock else {}
    bot = InterviewBot(config=config, db=db, library=library, rng=random.Random(1234), **extra)
    return bot, (db, loaded, len(library.terms))


async def main(args: argparse.Namespace) -> None:
    if args.slow_callback_ms:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = args.slow_callback_ms / 1000
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    else:
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    watch = LoopWatch()
    discord.http.Route.BASE = args.api_base
    extra: Any = None
    if args.kind == "bare":
        bot: discord.Client = bare_bot()
        loaded, terms = time.perf_counter() - STARTED, 0
    else:
        bot, extra = await real_bot(args)
        _, loaded, terms = extra
    runner = asyncio.create_task(bot.start(TOKEN))
    beside = compat.after_start(bot) if args.kind == "real" else None
    while not bot.is_ready():
        if runner.done():
            runner.result()
            raise RuntimeError("the bot stopped before it was ready")
        await asyncio.sleep(0.01)
    watch.start()
    emit("ready", kind=args.kind, loaded_s=round(loaded, 3), ready_s=round(time.perf_counter() - STARTED, 3),
         rss_mib=round(max_rss_mib(), 1), terms=terms)  # fmt: skip
    reader = asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    while True:
        line = (await reader).strip()
        if line == "reset":
            watch.reset()
            emit("reset")
            reader = asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            continue
        break
    report = watch.report()
    if beside is not None:
        beside.cancel()
    await bot.close()
    if extra is not None:
        await extra[0].close()
    emit("stats", rss_mib=round(max_rss_mib(), 1), **report)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.botproc")
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--kind", choices=["real", "bare"], default="real")
    parser.add_argument("--db", type=Path, default=Path("bench.db"))
    parser.add_argument("--pack", type=Path, action="append", default=[], help="an extra content pack")
    parser.add_argument("--rate", type=float, help="rate.requests_per_second (default: the config default)")
    parser.add_argument("--clock", help="start the bot's clock at this ISO time (daily fan-out)")
    parser.add_argument("--slow-callback-ms", type=float, default=0, help="asyncio debug: log callbacks this slow")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
