"""One bot in its own process, as in production: the real bot, or a bare discord.py bot that is the floor.

The benchmark driver starts this module with the stand-in's REST base and talks to it over stdin/stdout in
JSON lines: it prints `{"event": "ready", ...}` once the bot is ready (with its start-up time and memory),
and on a `stop` line (or the end of stdin) it closes the bot and prints `{"event": "stats", ...}`: how late
the event loop ran (a 10 ms ticker), and how long the garbage collector paused it.

    python -m bench.botproc --api-base http://127.0.0.1:PORT/api/v10 --kind real --db /tmp/x.db [--pack DIR]…

The real bot starts the way `interview-bot run` does: config, content, then `bot.runner.serve` (database,
`InterviewBot`, what runs beside it). Only the token, the REST base and, for the daily fan-out, the clock differ.
The bare bot has the same intents and slash command names (`/define` with an autocompleted `term`) and answers
with constant replies: what any discord.py bot costs, with none of this bot's work.
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
        """Start measuring: the ticker task and the garbage collector's callback."""
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
        """Forget what was measured so far (after a warm-up)."""
        self.lags.clear()
        self.stalls.clear()
        for pauses in self.gc_pauses.values():
            pauses.clear()

    def report(self) -> dict[str, Any]:
        """Return the loop's lag (p99, worst), its stalls and the garbage collector's pauses per generation."""
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
    """Return the floor: discord.py with the real bot's intents and command shape, answering constants."""
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
        """Return the bot's current time."""
        return self.start + timedelta(seconds=time.monotonic() - self.origin)


class RealBot:
    """The real bot, started by `bot.runner.serve` as `interview-bot run` starts it, with the stand-in as Discord.

    Only the token, the REST base and, for the daily fan-out, the clock differ (and a seeded random source): the
    runner's `InterviewBot` is wrapped to pass them and to keep the instance, so that this process can wait for
    it to be ready and close it. Whatever `serve` does beside the bot (the heartbeat, freezing the start-up's
    objects out of the garbage collector's way) runs here too.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        from bot.config import parse_config

        data: dict[str, Any] = {
            "discord": {"api_base": args.api_base, "guild_ready_timeout": 0.5},
            "database": {"path": str(args.db)},
            "content": {"extra_dirs": [str(p) for p in args.pack]},
        }
        if args.rate is not None:
            data["rate"] = {"requests_per_second": args.rate}
        self.config = parse_config(data, Path(args.db).parent)
        self.library = compat.load_content(self.config)
        self.loaded = time.perf_counter() - STARTED
        # Measure the bot settled: the full-text index, where it is built in the background, done.
        compat.settle(self.library)
        self.clock = ShiftedClock(datetime.fromisoformat(args.clock)) if args.clock else None
        self.bot: discord.Client | None = None
        self.serving: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run `serve` in a task; `bot` is set once it has made the client."""
        from bot import runner

        made = runner.InterviewBot
        extra: dict[str, Any] = {"rng": random.Random(1234)}
        if self.clock is not None:
            extra["clock"] = self.clock
        owner = self

        class Measured(made):  # type: ignore[misc,valid-type]
            def __init__(self, **options: Any) -> None:
                super().__init__(**options, **extra)
                owner.bot = self

        runner.InterviewBot = Measured  # type: ignore[misc]
        self.serving = asyncio.get_running_loop().create_task(runner.serve(self.config, TOKEN, self.library))

    async def close(self) -> None:
        """Close the bot; `serve` then closes the database."""
        if self.bot is not None:
            await self.bot.close()
        if self.serving is not None:
            await asyncio.wait_for(self.serving, 30)


async def main(args: argparse.Namespace) -> None:
    """Start the bot, report when it is ready, then measure its event loop until told to stop."""
    if args.slow_callback_ms:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = args.slow_callback_ms / 1000
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    else:
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    watch = LoopWatch()
    discord.http.Route.BASE = args.api_base
    real: RealBot | None = None
    if args.kind == "bare":
        bare: discord.Client | None = bare_bot()
        loaded, terms = time.perf_counter() - STARTED, 0
        running = asyncio.create_task(bare.start(TOKEN))
    else:
        bare = None
        real = RealBot(args)
        loaded, terms = real.loaded, len(real.library.terms)
        real.start()
        assert real.serving is not None
        running = real.serving
    while (bot := bare or (real and real.bot)) is None or not bot.is_ready():
        if running.done():
            running.result()
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
    if real is not None:
        await real.close()
    else:
        await bot.close()
        await running
    emit("stats", rss_mib=round(max_rss_mib(), 1), **report)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line (see the module's docstring)."""
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
