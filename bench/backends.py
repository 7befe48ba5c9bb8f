"""SQLite against PostgreSQL, and two bot processes (two shards) against one, under the same work.

    .ci/with-postgres .venv/bin/python bench/backends.py [--quick] [--json]
    .venv/bin/python bench/backends.py --postgres postgresql://user@host/db   (it makes a schema there, then drops it)

Without a PostgreSQL URL (`--postgres`, else INTERVIEW_BOT_TEST_POSTGRES) only the SQLite figures are measured.
Every figure is measured in the same run, so read the ratios more than the absolute times (the machine may be
shared and busy):

- answer writes: members answer a daily question all at once, each answer one transaction through the bot's
  repository (the answer, its score event, the member's streak): the time for all, each one's p50 and p99;
- leaderboards: the points and accuracy boards of a server, this week and of all time, over scored answers of
  many members in many servers (written through the bot's repository): p50 and p99 of repeated reads;
- interaction load: the real bot in its own process(es) against the project's Discord stand-in, servers on two
  shards, members answering their daily posts (a write each) and asking /leaderboard (a read), open loop at a
  fixed rate: one process running both shards on SQLite, one on PostgreSQL, and two processes (shard 0 and
  shard 1) on PostgreSQL; each interaction's time until its answer shows, p50 and p99, and any over 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bot.content.loader import bundled_content_dir, load_library, pack_directories  # noqa: E402
from bot.db import open_database  # noqa: E402
from bot.repos.daily import DailyRepo  # noqa: E402
from bot.repos.leaderboard import LeaderboardRepo  # noqa: E402
from bot.repos.scores import ScoreEvent, insert_score  # noqa: E402
from standin import StandIn, StoredMessage, running_standin  # noqa: E402

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    answers: int  # members answering one daily post at once
    events: int  # scored answers behind the leaderboards
    members: int  # members they are spread over
    servers: int  # servers they are spread over
    reads: int  # reads of each board
    rate: float  # interactions per second in the load runs
    seconds: float  # how long each load run lasts
    rounds: int  # load runs of each set-up, taken in turns; the report gives their medians


FULL = Plan(answers=400, events=40_000, members=2_000, servers=20, reads=50, rate=50.0, seconds=10.0, rounds=3)
QUICK = Plan(answers=50, events=2_000, members=200, servers=4, reads=10, rate=10.0, seconds=2.0, rounds=1)


def log(message: str) -> None:
    """Say on stderr what is being measured."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(samples: list[float], fraction: float) -> float:
    """Return the sample at `fraction` of the sorted samples, in milliseconds."""
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1e3, 2)


@contextlib.asynccontextmanager
async def schema(url: str) -> AsyncIterator[str]:
    """Create an empty schema in the PostgreSQL database at `url`; yield a URL that works in it; drop it."""
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {name}")
        yield url + ("&" if "?" in url else "?") + f"search_path={name}"
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await conn.close()


@contextlib.asynccontextmanager
async def database(kind: str, url: str | None, work: Path) -> AsyncIterator[str | Path]:
    """Yield a fresh database target of this kind: a SQLite file in `work`, or a new PostgreSQL schema."""
    if kind == "sqlite":
        yield work / f"{uuid.uuid4().hex[:8]}.db"
        return
    assert url is not None
    async with schema(url) as target:
        yield target


# -- answer writes and leaderboards, through the repositories ---------------------------------------------


async def answer_writes(target: str | Path, plan: Plan) -> dict[str, Any]:
    """`plan.answers` members answer one daily post at once, each in its own transaction."""
    library = load_library(pack_directories([bundled_content_dir()]))
    db = await open_database(target)
    try:
        repo = DailyRepo(db)
        channel = await repo.save_channel(
            channel_id=1, guild_id=1, post_time=clock_time(9), timezone="UTC", kind="definitions", chapters=(),
            set_by=1, now=NOW - timedelta(days=1), seed=1,
        )  # fmt: skip
        post = await repo.claim(channel, NOW.date(), "bench", NOW)
        assert post is not None
        post = await repo.assign(post, library, random.Random(1))
        await repo.mark_posted(post, 1, NOW)
        latencies: list[float] = []

        async def answer(user: int) -> None:
            start = time.perf_counter()
            await repo.record_answer(post, user, NOW, choice=user % 4, points=10)
            latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(answer(user) for user in range(1000, 1000 + plan.answers)))
        total = time.perf_counter() - start
    finally:
        await db.close()
    return {"total_ms": round(total * 1e3), "p50_ms": ms(latencies, 0.5), "p99_ms": ms(latencies, 0.99)}


async def leaderboards(target: str | Path, plan: Plan) -> dict[str, Any]:
    """Read the boards of one server over `plan.events` scored answers written through the repository."""
    db = await open_database(target)
    try:
        rng = random.Random(7)
        week = NOW - timedelta(days=NOW.weekday())
        for start in range(0, plan.events, 1000):
            async with db.transaction() as conn:
                for n in range(start, min(start + 1000, plan.events)):
                    member = rng.randrange(plan.members)
                    at = NOW - timedelta(minutes=rng.randrange(60 * 24 * 90))  # the last 90 days
                    event = ScoreEvent(member % plan.servers, member, "daily", f"post:{n}", rng.choice((0, 10)),
                                       rng.random() < 0.7, min(at, NOW))  # fmt: skip
                    await insert_score(conn, event)
        repo = LeaderboardRepo(db)
        figures: dict[str, Any] = {}
        for metric, period in (("points", "week"), ("points", "all"), ("accuracy", "all")):
            samples = []
            for n in range(plan.reads):
                start = time.perf_counter()
                await repo.board(0, metric, period, max(NOW, week), me=n * plan.servers)  # type: ignore[arg-type]
                samples.append(time.perf_counter() - start)
            figures[f"{metric}_{period}"] = {"p50_ms": ms(samples, 0.5), "p99_ms": ms(samples, 0.99)}
    finally:
        await db.close()
    return figures


# -- interaction load: real bot processes against the stand-in --------------------------------------------


def write_config(folder: Path, standin: StandIn, target: str | Path, shard_ids: list[int] | None) -> Path:
    """Write a bot's config: the stand-in as its API, the database, its shards (None: every shard)."""
    folder.mkdir(parents=True, exist_ok=True)
    database = f'url = "{target}"' if isinstance(target, str) else f'path = "{target}"'
    shards = "" if shard_ids is None else f"shard_count = 2\nshard_ids = {shard_ids}\n"
    config = folder / "config.toml"
    config.write_text(
        f'[discord]\napi_base = "{standin.api_base}"\nguild_ready_timeout = 0.1\n{shards}'
        f'[database]\n{database}\n[logging]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    return config


async def start_bot(config: Path) -> asyncio.subprocess.Process:
    """Start `interview-bot run` in its own process, its log beside its config."""
    env = dict(os.environ, DISCORD_TOKEN="bench.bot.token", PYTHONPATH=str(REPO))
    log_file = (config.parent / "bot.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=config.parent, env=env,
        stdout=log_file, stderr=log_file,
    )  # fmt: skip


def daily_post(standin: StandIn, channel: Any) -> StoredMessage | None:
    """Return the channel's daily post, once it is there."""
    found = [m for m in standin.channel_messages(channel) if m.embeds and "Daily" in m.embeds[0].get("title", "")]
    return found[0] if found else None


async def answered_in(handle: Any) -> float:
    """Wait until the interaction's answer shows (a deferred one: its edit); return the seconds it took."""
    message = await handle.original_message(timeout=30)
    return message.last_request.time - handle.delivered_at


async def interaction_load(setup: str, target: str | Path, plan: Plan, work: Path) -> dict[str, Any]:
    """Run the bot as `setup` ("one" process, or "two" processes one shard each) under the open-loop load."""
    async with running_standin(shard_count=2, interaction_deadline=None) as standin:
        servers = [standin.world.add_guild(f"server {n}", shard=(n % 2, 2)) for n in range(4)]
        channels = {g.id: g.add_text_channel("daily") for g in servers}
        members = {g.id: [g.add_member(f"member-{g.id % 97}-{n}") for n in range(200)] for g in servers}
        db = await open_database(target)
        try:
            due = NOW - timedelta(minutes=10)
            for guild in servers:
                await DailyRepo(db).save_channel(
                    channel_id=channels[guild.id].id, guild_id=guild.id, post_time=clock_time(due.hour, due.minute),
                    timezone="UTC", kind="definitions", chapters=(), set_by=1, now=NOW - timedelta(days=2), seed=3,
                )  # fmt: skip
        finally:
            await db.close()
        layout = [None] if setup == "one" else [[0], [1]]
        bots = [
            await start_bot(write_config(work / f"{setup}-{n}", standin, target, shards))
            for n, shards in enumerate(layout)
        ]
        try:
            await standin.wait_until(lambda: all(daily_post(standin, c) for c in channels.values()), 60)
            await asyncio.sleep(0.5)
            # The stand-in's check of every body against Discord's schema would cost it more than the bots their
            # answers (the end-to-end tests check those bodies).
            standin.rest._check = lambda record: []  # type: ignore[method-assign]
            handles: list[tuple[str, Any]] = []
            begin = time.monotonic()
            tasks = []
            while (sent := len(handles)) < plan.rate * plan.seconds:
                await asyncio.sleep(max(0.0, begin + sent / plan.rate - time.monotonic()))
                guild = servers[sent % len(servers)]
                member = members[guild.id][(sent // len(servers)) % len(members[guild.id])]
                if sent % 2 == 0:
                    handle = await standin.slash("quiz solo", {"questions": 5}, user=member)
                    handles.append(("quiz", handle))
                else:
                    handle = await standin.slash("leaderboard", {"period": "all"}, user=member)
                    handles.append(("leaderboard", handle))
                tasks.append(asyncio.ensure_future(answered_in(handle)))
            sending = time.monotonic() - begin  # more than plan.seconds: this process fell behind the rate
            times = await asyncio.gather(*tasks)
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.terminate()
                    await bot.wait()
        errors = [
            line
            for n in range(len(layout))
            for line in (work / f"{setup}-{n}" / "bot.log").read_text(encoding="utf-8").splitlines()
            if "ERROR" in line
        ]
        by_kind: dict[str, list[float]] = {"quiz": [], "leaderboard": []}
        for (kind, _), taken in zip(handles, times, strict=True):
            by_kind[kind].append(taken)
        return {
            "sent": len(handles),
            "p50_ms": ms(list(times), 0.5),
            "p99_ms": ms(list(times), 0.99),
            "quiz_p99_ms": ms(by_kind["quiz"], 0.99),
            "leaderboard_p99_ms": ms(by_kind["leaderboard"], 0.99),
            "over_3s": sum(t > 3 for t in times),
            "errors": errors[:3],
            "sending_s": round(sending, 2),
        }


# -- the report ---------------------------------------------------------------------------------------------


async def measure(plan: Plan, url: str | None) -> dict[str, Any]:
    """Run every measurement on SQLite and, with a URL, on PostgreSQL; return the figures."""
    results: dict[str, Any] = {"plan": plan.__dict__, "started": NOW.isoformat(timespec="seconds")}
    kinds = ["sqlite"] + (["postgresql"] if url else [])
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
        work = Path(tmp)
        for kind in kinds:
            async with database(kind, url, work) as target:
                log(f"answer writes on {kind}")
                results.setdefault("answers", {})[kind] = await answer_writes(target, plan)
            async with database(kind, url, work) as target:
                log(f"leaderboards on {kind}")
                results.setdefault("leaderboards", {})[kind] = await leaderboards(target, plan)
        runs: list[tuple[str, str, str]] = [("sqlite", "one", "SQLite, 1 process")]
        if url:
            runs += [("postgresql", "one", "PostgreSQL, 1 process"), ("postgresql", "two", "PostgreSQL, 2 processes")]
        measured: dict[str, list[dict[str, Any]]] = {label: [] for _, _, label in runs}
        for turn in range(plan.rounds):  # in turns, so that a busy spell of the machine falls on every set-up
            for kind, setup, label in runs:
                async with database(kind, url, work) as target:
                    log(f"interaction load: {label} ({turn + 1} of {plan.rounds})")
                    measured[label].append(await interaction_load(setup, target, plan, work / f"{turn}"))
        results["load"] = {label: median_run(each) for label, each in measured.items()}
    return results


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the median of each timing over the runs, and the counts and errors of all of them."""
    timings = ("p50_ms", "p99_ms", "quiz_p99_ms", "leaderboard_p99_ms", "sending_s")
    merged: dict[str, Any] = {key: statistics.median(run[key] for run in runs) for key in timings}
    merged |= {key: sum(run[key] for run in runs) for key in ("sent", "over_3s")}
    merged["errors"] = [line for run in runs for line in run["errors"]][:3]
    merged["runs"] = runs
    return merged


def markdown(results: dict[str, Any]) -> str:
    """Return the figures as the README's tables."""
    plan = results["plan"]
    sqlite, postgres = "sqlite", "postgresql"
    answers, boards, load = results["answers"], results["leaderboards"], results["load"]

    def cell(data: dict[str, Any], kind: str, *keys: str) -> str:
        value: Any = data.get(kind)
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return "–" if value is None else f"{value:,}" if isinstance(value, int) else f"{value}"

    lines = [
        "| Measurement | SQLite | PostgreSQL |",
        "| --- | ---: | ---: |",
        f"| {plan['answers']} answers at once: all written, ms | {cell(answers, sqlite, 'total_ms')} | "
        f"{cell(answers, postgres, 'total_ms')} |",
        f"| … one answer, p50 / p99 ms | {cell(answers, sqlite, 'p50_ms')} / {cell(answers, sqlite, 'p99_ms')} | "
        f"{cell(answers, postgres, 'p50_ms')} / {cell(answers, postgres, 'p99_ms')} |",
    ]
    for board, label in (("points_week", "points, this week"), ("points_all", "points, all time"),
                         ("accuracy_all", "accuracy, all time")):  # fmt: skip
        lines.append(
            f"| leaderboard ({label}; {plan['events']:,} answers), p50 / p99 ms | "
            f"{cell(boards, sqlite, board, 'p50_ms')} / {cell(boards, sqlite, board, 'p99_ms')} | "
            f"{cell(boards, postgres, board, 'p50_ms')} / {cell(boards, postgres, board, 'p99_ms')} |"
        )
    lines += [
        "",
        f"Interaction load: {plan['rate']:g} interactions/s for {plan['seconds']:g} s (half /quiz solo, a session "
        "written, half /leaderboard, a read), servers on two shards; time until the answer shows, the median of "
        f"{plan['rounds']} runs of each set-up taken in turns:",
        "",
        "| Set-up | p50 ms | p99 ms | /quiz solo p99 ms | /leaderboard p99 ms | over 3 s | bot errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, run in load.items():
        lines.append(
            f"| {label} | {run['p50_ms']} | {run['p99_ms']} | {run['quiz_p99_ms']} | {run['leaderboard_p99_ms']} | "
            f"{run['over_3s']} of {run['sent']} | {len(run['errors'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure, then print the tables (or the figures as JSON)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("INTERVIEW_BOT_TEST_POSTGRES"))
    parser.add_argument("--quick", action="store_true", help="a smoke run: small figures, a few seconds each")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = asyncio.run(measure(QUICK if args.quick else FULL, args.postgres or None))
    print(json.dumps(results, indent=2) if args.json else markdown(results))


if __name__ == "__main__":
    main()
