"""Leaderboards and /stats over a long history: the totals kept per period against the old scans of the ledger.

Run: `.venv/bin/python bench/leaderboard.py [--answers N] [--members N] [--runs N]`. It builds a database at the
schema before the totals (migrations 1-4) in a temporary directory and fills it in one transaction with
`executemany` (default: 1,000,000 scored answers of 10,000 members of one server over a year, and a daily streak
for each), then times on it the queries the bot ran then, as it ran them (one connection, no ANALYZE ever run).
It then opens the file as the bot does (migration 005 back-fills the totals, ANALYZE runs) and times the current
repositories' calls, checking that every board is the same as before. Last, it times scored answers written
while all-time leaderboards are read without pause beside them: before on the one shared connection, after with
the reads on the read-only connection.

Figures, not pass/fail: timed assertions flake on shared machines, so a person reads the targets here:
every board <= 20 ms, /stats points <= 1 ms, and an answer never waits for a leaderboard.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import aiosqlite

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.periods import Period, period_bounds
from bot.db import Database, bundled_migrations, utc_iso
from bot.repos.leaderboard import MIN_GRADED, TOP, LeaderboardRepo, Metric
from bot.repos.scores import ScoreEvent, insert_score
from bot.repos.stats import StatsRepo

GUILD = 1
NOW = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # a Thursday, late in the month
PERIODS: tuple[Period, ...] = ("week", "month", "all")
METRICS: tuple[Metric, ...] = ("points", "accuracy", "streak")
BEFORE_SCHEMA = 4  # the last migration before the totals

# The queries of bot/repos/leaderboard.py and bot/repos/stats.py before the totals, as they were.
OLD_POINTS = """
WITH running AS (
    SELECT user_id, created_at,
           SUM(points) OVER (PARTITION BY user_id ORDER BY created_at, id ROWS UNBOUNDED PRECEDING) AS so_far,
           SUM(points) OVER (PARTITION BY user_id) AS total
    FROM score_events
    WHERE guild_id = :guild_id AND created_at >= :start AND created_at < :end
),
totals AS (
    SELECT user_id, total, MIN(created_at) AS reached_at FROM running WHERE so_far = total AND total > 0
    GROUP BY user_id
),
ranked AS (
    SELECT user_id, total AS value, NULL AS graded, reached_at,
           ROW_NUMBER() OVER (ORDER BY total DESC, reached_at, user_id) AS place,
           COUNT(*) OVER () AS ranked
    FROM totals
)
SELECT * FROM ranked WHERE place <= :limit OR user_id = :me ORDER BY place
"""
OLD_ACCURACY = """
WITH graded AS (
    SELECT user_id, SUM(correct) AS value, COUNT(*) AS graded, MAX(created_at) AS reached_at
    FROM score_events
    WHERE guild_id = :guild_id AND created_at >= :start AND created_at < :end AND correct IS NOT NULL
    GROUP BY user_id
),
ranked AS (
    SELECT user_id, value, graded, reached_at,
           ROW_NUMBER() OVER (ORDER BY CAST(value AS REAL) / graded DESC, reached_at, user_id) AS place,
           COUNT(*) OVER () AS ranked
    FROM graded WHERE graded >= :min_graded
)
SELECT * FROM ranked WHERE place <= :limit OR user_id = :me ORDER BY place
"""
OLD_MY_GRADED = """
SELECT user_id, SUM(correct) AS value, COUNT(*) AS graded, MAX(created_at) AS reached_at
FROM score_events
WHERE guild_id = :guild_id AND created_at >= :start AND created_at < :end AND correct IS NOT NULL AND user_id = :me
GROUP BY user_id
"""
OLD_STREAK = """
WITH ranked AS (
    SELECT user_id, current AS value, NULL AS graded, updated_at AS reached_at,
           ROW_NUMBER() OVER (ORDER BY current DESC, updated_at, user_id) AS place,
           COUNT(*) OVER () AS ranked
    FROM member_streaks WHERE guild_id = :guild_id AND current > 0
)
SELECT * FROM ranked WHERE place <= :limit OR user_id = :me ORDER BY place
"""
OLD_BOARDS = {"points": OLD_POINTS, "accuracy": OLD_ACCURACY, "streak": OLD_STREAK}
OLD_STATS_POINTS = (
    "SELECT COALESCE(SUM(points), 0) AS points, COALESCE(SUM(correct = 1), 0) AS correct,"
    " COUNT(correct) AS graded FROM score_events WHERE guild_id = ? AND user_id = ?"
)


def build(path: Path, answers: int, members: int, rng: random.Random) -> None:
    """Create the database at the schema before the totals and fill it, in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for version, _, sql in bundled_migrations()[:BEFORE_SCHEMA]:
        conn.executescript(f"BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;")
    start = NOW - timedelta(days=365)
    span = int((NOW - start).total_seconds())
    stamps = sorted(utc_iso(start + timedelta(seconds=rng.randrange(span))) for _ in range(answers))

    def events():
        for n, stamp in enumerate(stamps):
            graded = rng.random() < 0.85
            correct = (rng.random() < 0.7) if graded else None
            points = rng.randrange(100, 1001) if correct else (10 if correct is None else 0)
            source = "battle" if graded else "daily"
            yield GUILD, rng.randrange(members), source, f"bench:{n}", points, correct, stamp

    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        events(),
    )
    conn.executemany(
        "INSERT INTO member_streaks (guild_id, user_id, current, longest, freezes, last_date, updated_at, longest_at)"
        " VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
        (
            (GUILD, user, current, current, NOW.date().isoformat(), stamp, stamp)
            for user in range(members)
            for current in [rng.randrange(0, 60)]
            for stamp in [utc_iso(NOW - timedelta(minutes=rng.randrange(60 * 24 * 30)))]
        ),
    )
    conn.execute("COMMIT")
    conn.close()


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> float:
    """Return the median time of `runs` calls, in milliseconds, after one unmeasured call."""
    await call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def boards() -> list[tuple[Metric, Period]]:
    """Return every board: each metric over each period (the streak board has no period)."""
    return [(m, p) for m in METRICS for p in (PERIODS if m != "streak" else ("all",))]


def old_params(metric: Metric, period: Period, me: int) -> dict[str, object]:
    """Return the named parameters of the old board queries (ISO text bounds, "0" and "9" for all time)."""
    start, end = period_bounds(period, NOW) if metric != "streak" else (None, None)
    return {
        "guild_id": GUILD,
        "start": utc_iso(start) if start else "0",
        "end": utc_iso(end) if end else "9",
        "limit": TOP,
        "me": me,
        "min_graded": MIN_GRADED,
    }


Line = tuple[int, int | None, int, int | None, str | None]  # user, place, value, graded, reached at


async def old_board(conn: aiosqlite.Connection, metric: Metric, period: Period, me: int) -> tuple[list[Line], int]:
    """Run an old board query; return its lines (the top ones, then the caller's if below) and the ranked count."""
    params = old_params(metric, period, me)
    async with conn.execute(OLD_BOARDS[metric], params) as cursor:
        rows = list(await cursor.fetchall())
    lines = [(r[0], r[4], r[1], r[2], r[3]) for r in rows]
    if metric == "accuracy" and all(line[0] != me for line in lines):
        async with conn.execute(OLD_MY_GRADED, params) as cursor:
            lines += [(r[0], None, r[1], r[2], r[3]) for r in await cursor.fetchall()]
    return lines, rows[0][5] if rows else 0


async def new_board(repo: LeaderboardRepo, metric: Metric, period: Period, me: int) -> tuple[list[Line], int]:
    """Run a board as the bot does now; return it in the shape of `old_board`'s answer."""
    board = await repo.board(GUILD, metric, period, NOW, me)
    entries = board.top + ([board.me] if board.me and board.me not in board.top else [])
    stamp = [e.reached_at.isoformat(timespec="microseconds") if e.reached_at else None for e in entries]
    return [(e.user_id, e.place, e.value, e.graded, at) for e, at in zip(entries, stamp, strict=True)], board.ranked


async def before(path: Path, me: int, runs: int) -> tuple[dict[str, float], dict[str, object]]:
    """Time the old queries on the old schema; return the figures and the boards they gave."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    figures: dict[str, float] = {}
    answers: dict[str, object] = {}
    for metric, period in boards():
        name = f"{metric} {period}"
        figures[name] = await timed(partial(old_board, conn, metric, period, me), runs)
        answers[name] = await old_board(conn, metric, period, me)

    async def stats() -> None:
        async with conn.execute(OLD_STATS_POINTS, (GUILD, me)) as cursor:
            await cursor.fetchall()

    figures["/stats points"] = await timed(stats, runs * 10)
    await conn.close()
    return figures, answers


async def after(db: Database, me: int, runs: int) -> tuple[dict[str, float], dict[str, object]]:
    """Time the repositories' calls as the bot makes them now; return the figures and the boards they gave."""
    repo, stats = LeaderboardRepo(db), StatsRepo(db)
    figures: dict[str, float] = {}
    answers: dict[str, object] = {}
    for metric, period in boards():
        name = f"{metric} {period}"
        figures[name] = await timed(partial(new_board, repo, metric, period, me), runs)
        answers[name] = await new_board(repo, metric, period, me)
    figures["/stats points"] = await timed(partial(stats.points, GUILD, me), runs * 10)
    return figures, answers


async def answers_beside_boards(
    write: Callable[[int], Awaitable[object]], read: Callable[[], Awaitable[object]], count: int
) -> list[float]:
    """Time `count` scored answers, one after another, while two tasks read leaderboards without pause."""
    stop = asyncio.Event()

    async def reader() -> None:
        while not stop.is_set():
            await read()

    readers = asyncio.gather(reader(), reader())
    await asyncio.sleep(0.05)
    samples = []
    for n in range(count):
        start = time.perf_counter()
        await write(n)
        samples.append(time.perf_counter() - start)
        await asyncio.sleep(0.005)  # answers arrive apart, as clicks do
    stop.set()
    await readers
    return samples


async def contention_before(path: Path, count: int) -> list[float]:
    """Answers and the old all-time points board sharing one connection behind one lock, as before."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    lock = asyncio.Lock()

    async def write(n: int) -> None:
        async with lock:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute(
                "INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at)"
                " VALUES (?, ?, 'battle', ?, 500, 1, ?)",
                (GUILD, n, f"bench-before:{n}", utc_iso(NOW)),
            )
            await conn.commit()

    async def read() -> None:
        async with lock, conn.execute(OLD_POINTS, old_params("points", "all", 0)) as cursor:
            await cursor.fetchall()

    samples = await answers_beside_boards(write, read, count)
    await conn.execute("DELETE FROM score_events WHERE ref LIKE 'bench-before:%'")  # the same history after
    await conn.close()
    return samples


async def contention_after(db: Database, count: int) -> list[float]:
    """Answers (with their totals) on the write connection, all-time points boards on the read-only one."""
    repo = LeaderboardRepo(db)

    async def write(n: int) -> None:
        async with db.transaction() as conn:
            await insert_score(conn, ScoreEvent(GUILD, n, "battle", f"bench-after:{n}", 500, True, NOW))

    return await answers_beside_boards(write, partial(repo.board, GUILD, "points", "all", NOW, 0), count)


def spread(samples: list[float]) -> str:
    """Return the median and the slowest of some timings, in milliseconds."""
    return f"median {statistics.median(samples) * 1e3:8.2f} ms, slowest {max(samples) * 1e3:8.2f} ms"


async def run(answers: int, members: int, runs: int) -> None:
    """Build the database, time before and after, and print the figures."""
    rng = random.Random(20261126)
    me = members // 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        build(path, answers, members, rng)
        print(f"{answers:,} answers of {members:,} members written in {time.perf_counter() - start:.1f} s")
        old, old_boards = await before(path, me, runs)
        # Each answer waits for whole board queries here: a few are enough to see it.
        slow = await contention_before(path, 5)

        start = time.perf_counter()
        db = await Database.open(path)
        print(f"opened as the bot does: migration 005 (back-fill) and ANALYZE in {time.perf_counter() - start:.1f} s")
        try:
            new, new_boards = await after(db, me, runs)
            fast = await contention_after(db, 50)
        finally:
            await db.close()

    same = [name for name in old_boards if old_boards[name] == new_boards[name]]
    print(f"boards identical before and after (top {TOP}, ranked count, member {me}'s line): ", end="")
    print(f"{len(same)} of {len(old_boards)}")
    print()
    print("| query | before (ms) | after (ms) | before / after |")
    print("| --- | ---: | ---: | ---: |")
    for name, then in old.items():
        print(f"| {name} | {then:.2f} | {new[name]:.3f} | {then / new[name]:,.0f}× |")
    print()
    print("a scored answer while two tasks read all-time points boards without pause:")
    print(f"  before, one shared connection ({len(slow)} answers): {spread(slow)}")
    print(f"  after, reads on the read-only connection ({len(fast)} answers): {spread(fast)}")


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description="Leaderboards over a long history, before and after the totals.")
    parser.add_argument("--answers", type=int, default=1_000_000, help="scored answers in the history")
    parser.add_argument("--members", type=int, default=10_000, help="members of the server")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each board query (the median is shown)")
    args = parser.parse_args()
    asyncio.run(run(args.answers, args.members, args.runs))


if __name__ == "__main__":
    main()
