"""Totals kept per period (member_totals) against a count from scratch, and the query plans that read them.

A seeded random series of answers, written in no particular order across ISO week, month and year
boundaries, must leave every total, every board and every member's own place exactly as a from-scratch
count of the same answers says; a database upgraded from the schema before the totals must back-fill the
same rows. The plans show that boards and /stats read the indexes meant for them, never the history.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from bot.core.periods import Period, period_bounds
from bot.db import Database, bundled_migrations, utc_iso
from bot.repos import leaderboard, stats
from bot.repos.leaderboard import MIN_GRADED, LeaderboardRepo, Metric
from bot.repos.scores import PERIODS, ScoreEvent, insert_score, insert_scores
from bot.repos.stats import StatsRepo

GUILDS = (10, 20)
USERS = range(1, 13)
# From Monday 21 Dec 2026 to Sunday 14 Feb 2027: the ISO week of 28 Dec 2026 runs into January 2027.
FIRST_DAY = datetime(2026, 12, 21, tzinfo=UTC)
DAYS = 56
BEFORE_TOTALS = 4  # the last schema version without member_totals


@dataclass(frozen=True)
class Answer:
    guild: int
    user: int
    points: int
    correct: bool | None
    at: datetime


def random_answers(rng: random.Random, count: int) -> list[Answer]:
    """Answers at 00, 06, 12 or 18 h (so that times tie) with round points (so that totals tie), in random order."""
    answers = []
    for _ in range(count):
        at = FIRST_DAY + timedelta(hours=6 * rng.randrange(DAYS * 4))
        correct = rng.choice([True, True, False, None])
        points = 0 if correct is False else rng.choice([0, 100, 200, 300])
        answers.append(Answer(rng.choice(GUILDS), rng.choice(USERS), points, correct, at))
    return answers


def in_period(answer: Answer, period: Period, now: datetime) -> bool:
    start, end = period_bounds(period, now)
    return start is None or end is None or start <= answer.at < end


@dataclass(frozen=True)
class Expected:
    user_id: int
    place: int | None
    value: int
    graded: int | None
    reached_at: datetime


def expected_board(answers: list[Answer], guild: int, metric: Metric, period: Period, now: datetime) -> list[Expected]:
    """Rank from scratch: every member of the board with their place (None: shown but not ranked)."""
    mine = defaultdict(list)
    for a in answers:
        if a.guild == guild and in_period(a, period, now):
            mine[a.user].append(a)
    lines = []
    for user, theirs in mine.items():
        if metric == "points":
            total = sum(a.points for a in theirs)
            if total > 0:
                reached = max(a.at for a in theirs if a.points > 0)
                lines.append((Fraction(total), reached, user, total, None, True))
        else:
            graded = [a for a in theirs if a.correct is not None]
            if graded:
                right = sum(1 for a in graded if a.correct)
                reached = max(a.at for a in graded)
                lines.append(
                    (Fraction(right, len(graded)), reached, user, right, len(graded), len(graded) >= MIN_GRADED)
                )
    ranked = sorted((line for line in lines if line[5]), key=lambda line: (-line[0], line[1], line[2]))
    places = {line[2]: n for n, line in enumerate(ranked, start=1)}
    return [Expected(user, places.get(user), value, graded, at) for _, at, user, value, graded, _ in lines]


async def write(db: Database, answers: list[Answer]) -> None:
    """Score the answers one by one or many to a call (as a battle round's close does), each answer once."""
    events = [
        ScoreEvent(a.guild, a.user, "battle", f"battle:1:{n}", a.points, a.correct, a.at) for n, a in enumerate(answers)
    ]
    rng = random.Random(len(events))
    sizes = [320]  # more than one statement's worth of events in one call
    while sum(sizes) < len(events):
        sizes.append(rng.randint(1, 40))
    for n, size in enumerate(sizes):
        chunk, events = events[:size], events[size:]
        async with db.transaction() as conn:
            if n % 2 == 0:
                # The same answer twice in one call, and again later: written once, counted once.
                assert await insert_scores(conn, [*chunk, chunk[0]]) == [True] * len(chunk) + [False]
                assert await insert_scores(conn, chunk[:3]) == [False] * len(chunk[:3])
            else:
                for event in chunk:
                    assert await insert_score(conn, event)
                    assert not await insert_score(conn, event)


async def totals_rows(db: Database) -> list[tuple]:
    rows = await db.fetchall("SELECT * FROM member_totals ORDER BY guild_id, period, period_start, user_id")
    return [tuple(r) for r in rows]


def expected_totals(answers: list[Answer]) -> list[tuple]:
    """Return member_totals' rows counted from scratch, in the order of its primary key."""
    groups = defaultdict(list)
    for a in answers:
        for period in PERIODS:
            start, _ = period_bounds(period, a.at)
            groups[(a.guild, period, "" if start is None else start.date().isoformat(), a.user)].append(a)
    rows = []
    for (guild, period, start, user), theirs in sorted(groups.items()):
        earned = [a.at for a in theirs if a.points > 0]
        graded = [a for a in theirs if a.correct is not None]
        rows.append(
            (
                guild,
                user,
                period,
                start,
                sum(a.points for a in theirs),
                len(theirs),
                len(graded),
                sum(1 for a in graded if a.correct),
                utc_iso(max(earned)) if earned else None,
                utc_iso(max(a.at for a in graded)) if graded else None,
            )
        )
    return sorted(rows, key=lambda r: (r[0], r[2], r[3], r[1]))


async def test_totals_and_boards_equal_a_count_from_scratch_across_week_and_month_boundaries(db):
    answers = random_answers(random.Random(20261228), 600)
    await write(db, answers)
    assert await totals_rows(db) == expected_totals(answers)

    repo, totals = LeaderboardRepo(db), StatsRepo(db)
    checked = full_ties = 0
    # Every week of the span, and either side of the new year (mid-week), of a Monday and of a month.
    moments = [FIRST_DAY + timedelta(days=d, hours=12) for d in range(0, DAYS, 7)]
    moments += [datetime(2027, 1, 1, tzinfo=UTC) - timedelta(microseconds=1), datetime(2027, 1, 1, tzinfo=UTC)]
    moments += [datetime(2027, 1, 4, tzinfo=UTC) - timedelta(microseconds=1), datetime(2027, 2, 1, tzinfo=UTC)]
    for now in moments:
        for guild in GUILDS:
            for metric in ("points", "accuracy"):
                for period in ("week", "month", "all"):
                    expected = expected_board(answers, guild, metric, period, now)
                    top = sorted((e for e in expected if e.place is not None), key=lambda e: e.place)
                    full_ties += len(top) - len({(e.value, e.graded, e.reached_at) for e in top})
                    for me in USERS:
                        board = await repo.board(guild, metric, period, now, me, limit=3)
                        got_top = [(e.user_id, e.place, e.value, e.graded, e.reached_at) for e in board.top]
                        assert got_top == [(e.user_id, e.place, e.value, e.graded, e.reached_at) for e in top[:3]]
                        assert board.ranked == len(top)
                        mine = next((e for e in expected if e.user_id == me), None)
                        got_me = board.me and (board.me.place, board.me.value, board.me.graded, board.me.reached_at)
                        assert got_me == (mine and (mine.place, mine.value, mine.graded, mine.reached_at))
                        checked += 1
    assert checked == len(moments) * len(GUILDS) * 2 * 3 * len(USERS)
    assert full_ties > 0  # members with the same value reached at the same time: the user id decides

    for guild in GUILDS:
        for user in USERS:
            theirs = [a for a in answers if (a.guild, a.user) == (guild, user)]
            graded = [a for a in theirs if a.correct is not None]
            points = await totals.points(guild, user)
            assert (points.points, points.correct, points.graded) == (
                sum(a.points for a in theirs),
                sum(1 for a in graded if a.correct),
                len(graded),
            )


async def test_upgrading_a_database_back_fills_the_same_totals(tmp_path, db):
    answers = random_answers(random.Random(7), 400)
    await write(db, answers)
    # The same history in a database at the schema before the totals, upgraded by opening it.
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for version, _, sql in bundled_migrations()[:BEFORE_TOTALS]:
        conn.executescript(f"BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;")
    conn.executemany(
        "INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at)"
        " VALUES (?, ?, 'battle', ?, ?, ?, ?)",
        [
            (a.guild, a.user, f"battle:1:{n}", a.points, None if a.correct is None else int(a.correct), utc_iso(a.at))
            for n, a in enumerate(answers)
        ],
    )
    conn.commit()
    conn.close()
    upgraded = await Database.open(path)
    try:
        assert await totals_rows(upgraded) == await totals_rows(db) == expected_totals(answers)
        # The planner has statistics for the new tables and indexes at once.
        analyzed = await upgraded.fetchall("SELECT DISTINCT idx FROM sqlite_stat1 WHERE tbl = 'member_totals'")
        assert {"member_totals_by_points", "member_totals_by_accuracy"} <= {r["idx"] for r in analyzed}
    finally:
        await upgraded.close()


async def test_a_rolled_back_answer_leaves_no_totals(db):
    event = ScoreEvent(10, 1, "daily", "post:1", 100, True, FIRST_DAY)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await insert_score(conn, event)
            raise RuntimeError("the answer's transaction fails after its score")
    assert await totals_rows(db) == []
    assert (await StatsRepo(db).points(10, 1)).points == 0


# -- query plans ------------------------------------------------------------------------------------------

PERIOD_ROW = "PRIMARY KEY (guild_id=? AND period=? AND period_start=? AND user_id=?)"
# Per board: its query, the index its ranges read, and how it finds the caller's own row.
BOARDS = {
    "points": (leaderboard._POINTS, "member_totals_by_points", PERIOD_ROW),
    "accuracy": (leaderboard._ACCURACY, "member_totals_by_accuracy", PERIOD_ROW),
    "streak": (
        leaderboard._STREAK,
        "member_streaks_by_current",
        "INDEX sqlite_autoindex_member_streaks_1 (guild_id=? AND user_id=?)",
    ),
}
PARAMS = {"guild_id": 10, "period": "week", "start": "2026-12-28", "limit": 10, "me": 1, "min_graded": MIN_GRADED}
# Plan steps that read the query's own parts (CTEs, subqueries), not a table or an index.
OWN_PARTS = ("SCAN top", "SCAN mine", "SCAN ranked", "SCAN (subquery")


async def plan(db: Database, sql: str, params=PARAMS) -> list[str]:
    return [row["detail"] for row in await db.read_fetchall(f"EXPLAIN QUERY PLAN {sql}", params)]


async def check_plans(db: Database) -> None:
    for metric, (sql, index, own_row) in BOARDS.items():
        details = await plan(db, sql)
        reads = [d for d in details if d.startswith(("SEARCH ", "SCAN ")) and not d.startswith(OWN_PARTS)]
        # The caller's own row by its key, then four ranges of the board's index (the top rows, the count of
        # ranked members, the two counts of members ahead of the caller), and no table scanned.
        assert sorted(reads) == sorted([f"SEARCH t USING {own_row}"] + [r for r in reads if index in r]), (
            metric,
            details,
        )
        ranges = [r for r in reads if index in r]
        assert len(ranges) == 4 and all(r.startswith(f"SEARCH t USING COVERING INDEX {index} (") for r in ranges)
        # The top rows (read first) come out of the index in board order: no sort of the members.
        after_top = details[details.index(ranges[0]) + 1]
        assert not after_top.startswith("USE TEMP B-TREE"), (metric, details)

    # /stats points: one row of the totals by its primary key.
    assert await plan(db, stats._POINTS, (10, 1)) == [
        "SEARCH member_totals USING PRIMARY KEY (guild_id=? AND period=? AND period_start=? AND user_id=?)"
    ]
    # The activity calendar: the member's answers here since a day, from the index alone.
    activity = await plan(db, stats._ACTIVITY, (10, 1, "2026", 1, "2026", 1, "2026"))
    assert (
        "SEARCH score_events USING COVERING INDEX score_events_by_member (guild_id=? AND user_id=? AND created_at>?)"
        in activity
    )


async def test_boards_and_stats_read_the_indexes_meant_for_them(db):
    await check_plans(db)  # a new database: no statistics yet
    # A history of many members, analyzed as after a migration: the planner's choices stay the same.
    await write(db, random_answers(random.Random(3), 300))
    rng = random.Random(4)
    async with db.transaction() as conn:
        for user in range(1, 400):
            at = FIRST_DAY + timedelta(days=8)
            await insert_score(conn, ScoreEvent(10, user, "daily", f"post:{user}", rng.randrange(50), True, at))
            await conn.execute(
                "INSERT INTO member_streaks (guild_id, user_id, current, longest, freezes, updated_at, longest_at)"
                " VALUES (10, ?, ?, ?, 0, ?, ?)",
                (user, user % 30, user % 30, utc_iso(FIRST_DAY), utc_iso(FIRST_DAY)),
            )
    await db.execute("ANALYZE")
    await check_plans(db)
