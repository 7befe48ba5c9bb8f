"""End-to-end scenarios: a bot process against the project's Discord stand-in, driven from this process.

- `interaction_load`: open-loop load at a fixed rate (one interaction every 1/rate seconds, whether or not
  the earlier ones were answered), `/define` or its autocomplete; latency is the stand-in's own: from
  delivering the interaction to receiving the bot's callback.
- `daily_fanout`: N daily channels due at the same minute, Discord's global limit (50 requests/s) enforced
  by the stand-in; how long until every question and its thread are posted, compared with the floor
  (requests needed ÷ 50/s), the 429s, and the most requests the stand-in saw in any one second. The first 20
  requests are checked against Discord's contract; then the check is switched off (see `contract_checks`), so
  that the stand-in, busy checking, does not bunch up the times it records.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.compat import DUE
from bench.harness import REPO, BotProcess, CodeRoot, percentile, run_json

sys.path.insert(0, str(REPO / "tests"))

from standin import StandIn, running_standin

MISSING = 10.0  # seconds counted for an interaction never answered (it failed for the user)


@dataclass
class LoadResult:
    """Latencies of one open-loop run."""

    command: str
    rate: float
    sent: int
    latencies: list[float]
    missing: int
    behind_ms: float  # how far the sender fell behind its schedule at worst (the harness keeping up)
    stats: dict[str, Any]

    def p(self, fraction: float) -> float:
        """Return the latency at `fraction`, an unanswered interaction counting as `MISSING` seconds."""
        return percentile(self.latencies + [MISSING] * self.missing, fraction)


def contract_checks(standin: StandIn, on: bool) -> None:
    """Switch the stand-in's check of every request body against Discord's OpenAPI schema on or off.

    The check is jsonschema in Python: about 10 ms for an autocomplete answer of 25 choices, so at 200
    interactions/s it alone would need more than the machine's two cores, and the benchmark would measure
    the stand-in. The warm-up runs with the check on (a benchmark of answers Discord would refuse would be
    worthless); the measured part runs without it. The stand-in has no public switch for this: this replaces
    its REST side's per-request check on the instance (as bench/battle_burst.py does).
    """
    if on:
        standin.rest.__dict__.pop("_check", None)
    else:
        standin.rest._check = lambda record: []  # type: ignore[method-assign]


async def _warm_up(standin: StandIn, command: str, queries: list[str]) -> None:
    contract_checks(standin, True)
    for text in queries[:20]:
        handle = await _send(standin, command, text)
        await handle.response(timeout=30)
    if standin.violations:
        raise RuntimeError(f"the bot's answers break Discord's contract: {standin.violations[:3]}")
    contract_checks(standin, False)


async def _send(standin: StandIn, command: str, text: str) -> Any:
    if command == "autocomplete":
        return await standin.autocomplete("define", "term", text)
    return await standin.slash("define", {"term": text})


async def open_loop(standin: StandIn, command: str, rate: float, duration: float, queries: list[str]) -> dict:
    """Send `rate × duration` interactions on a fixed schedule; return the handles and how late sending ran.

    This process's garbage collector is paused meanwhile: the stand-in keeps every message and request, and a
    full collection of that here would delay the times it records, counted against the bot.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return await _open_loop(standin, command, rate, duration, queries)
    finally:
        gc.enable()
        gc.unfreeze()


async def _open_loop(standin: StandIn, command: str, rate: float, duration: float, queries: list[str]) -> dict:
    loop = asyncio.get_running_loop()
    count = max(1, int(rate * duration))
    start = loop.time() + 0.05
    handles = []
    behind = 0.0
    for n in range(count):
        due = start + n / rate
        now = loop.time()
        if due > now:
            await asyncio.sleep(due - now)
        behind = max(behind, loop.time() - due)
        handles.append(await _send(standin, command, queries[n % len(queries)]))
    with contextlib.suppress(TimeoutError):
        await standin.wait_until(lambda: all(h.callback is not None for h in handles), timeout=5.0)
    return {"handles": handles, "behind": behind}


async def interaction_load(
    root: CodeRoot,
    *,
    kind: str,
    command: str,
    rate: float,
    duration: float,
    queries: list[str],
    packs: list[Path],
    work_dir: Path,
    slow_callback_ms: float = 0,
    profile: Path | None = None,
) -> LoadResult:
    """One bot process, one command at one rate, against a fresh stand-in (and a fresh database).

    With `profile`, py-spy samples the bot process while the load runs and writes folded stacks there.
    """
    label = f"{kind}-{command}-{rate:g}-{'x'.join(p.name for p in packs) or 'bundled'}"
    async with running_standin(interaction_deadline=None) as standin:
        bot = await BotProcess.start(
            root,
            standin.api_base,
            kind=kind,
            db=fresh_database(work_dir, root, packs),
            packs=packs,
            slow_callback_ms=slow_callback_ms,
            log=work_dir / f"bot-{label}.log",
        )
        spy = None
        try:
            await _warm_up(standin, command, queries[::-1])
            await bot.reset()
            if profile is not None:
                spy = await asyncio.create_subprocess_exec(
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "-p",
                    str(bot.proc.pid),
                    "-o",
                    str(profile / f"{label}.folded"),
                    "-f",
                    "raw",
                    "-r",
                    "100",
                    "-d",
                    str(int(duration) + 1),
                    "--nonblocking",
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            run = await open_loop(standin, command, rate, duration, queries)
        finally:
            if spy is not None:
                await spy.wait()
            stats = await bot.stop()
        handles = run["handles"]
        latencies = [h.latency for h in handles if h.callback is not None]
        return LoadResult(
            command,
            rate,
            len(handles),
            latencies,
            len(handles) - len(latencies),
            round(run["behind"] * 1e3, 1),
            stats,
        )


def fresh_database(work_dir: Path, root: CodeRoot, packs: list[Path]) -> Path:
    """Return a new database path for a bot.

    Its directory (and so the bot's content cache) is kept between runs, as a deployed bot keeps it between
    restarts.
    """
    directory = work_dir / "bots" / f"{root.path.name}-{len(packs)}"
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("bot.db*"):
        old.unlink()
    return directory / "bot.db"


# -- daily fan-out -------------------------------------------------------------------------------------------


async def _daily_database(root: CodeRoot, path: Path, channels: list[tuple[int, int]]) -> None:
    """Write a database with a daily question due at `DUE` in each (guild id, channel id).

    Written by the code being measured (in a child process), so that its schema is the one that bot expects.
    """
    listing = path.with_suffix(".channels.json")
    listing.write_text(json.dumps(channels), encoding="utf-8")
    await asyncio.to_thread(run_json, root, "bench.compat", "daily-db", str(path), str(listing))


async def daily_fanout(
    root: CodeRoot, *, channels: int, rate: float | None, work_dir: Path, per_guild: int = 100
) -> dict[str, Any]:
    """`channels` daily questions due in the same minute; the stand-in enforces Discord's global limit."""
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        async with running_standin(interaction_deadline=None) as standin:
            standin.set_global_limit(50, 1.0)
            targets = []
            guild = standin.guild
            for n in range(channels):
                if n and n % per_guild == 0:
                    guild = standin.world.add_guild(f"Guild {n // per_guild}")
                targets.append((guild.id, guild.add_text_channel(f"daily-{n}").id))
            db = Path(tmp) / "bot.db"
            await _daily_database(root, db, targets)
            label = "default" if rate is None else f"{rate:g}"
            bot = await BotProcess.start(
                root,
                standin.api_base,
                kind="real",
                db=db,
                rate=rate,
                clock=(DUE + timedelta(seconds=30)).isoformat(),
                log=work_dir / f"bot-fanout-{label}.log",
            )
            ready = time.monotonic()
            checked = len(standin.records) + 20
            try:
                wanted = 2 * channels  # each question, then its discussion thread

                def done() -> bool:
                    if len(standin.records) > checked:
                        contract_checks(standin, False)  # the first posts were checked: the rest are alike
                    if len(standin.records) < checked + wanted - 20:
                        return False  # cheap: this runs on every request the stand-in gets
                    posted = standin.requests("POST", "/channels/{channel_id}/messages")
                    threads = standin.requests("POST", "/channels/{channel_id}/messages/{message_id}/threads")
                    ok = [r for r in posted + threads if r.status == 200 and r.answered.is_set()]
                    return len(ok) >= wanted

                await standin.wait_until(done, timeout=channels * 0.5 + 60)
            finally:
                await bot.stop()
            routes = ("/channels/{channel_id}/messages", "/channels/{channel_id}/messages/{message_id}/threads")
            fanout = [r for r in standin.requests("POST") if r.route in routes]
            answered = [r for r in fanout if r.status == 200]
            first, last = min(r.time for r in fanout), max(r.time for r in answered)
            floor = len(answered) / 50
            return {
                "channels": channels,
                "rate": label,
                "requests": len(answered),
                "from_ready_s": round(last - ready, 3),
                "span_s": round(last - first, 3),
                "floor_s": floor,
                "ratio": round((last - ready) / floor, 3),
                "global_429": sum(1 for r in fanout if r.status == 429),
                "max_per_second": standin.max_requests_per_second("POST"),
            }
