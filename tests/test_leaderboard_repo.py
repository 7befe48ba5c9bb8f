"""Leaderboard queries on a real migrated SQLite file: UTC periods, order, ties, the caller's own rank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import utc_iso
from bot.repos.leaderboard import LeaderboardRepo
from bot.repos.scores import ScoreEvent, insert_score

GUILD = 10
NOW = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # a Thursday


@pytest.fixture
def repo(db):
    return LeaderboardRepo(db)


async def add(db, user, points, at, correct=True, guild=GUILD, source="battle"):
    """Add one score event (each with its own ref)."""
    async with db.transaction() as conn:
        ref = f"battle:1:{add.count}"
        add.count += 1
        await insert_score(conn, ScoreEvent(guild, user, source, ref, points, correct, at))


add.count = 0


async def test_points_rank_by_total_and_ties_go_to_whoever_reached_it_first(db, repo):
    t = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    await add(db, 1, 500, t)
    await add(db, 1, 500, t + timedelta(hours=3))  # user 1 reaches 1000 at +3 h
    await add(db, 2, 1000, t + timedelta(hours=1))  # user 2 reaches 1000 at +1 h …
    await add(db, 2, 0, t + timedelta(hours=5), correct=False)  # … and a later miss does not move that
    await add(db, 3, 1200, t + timedelta(hours=6))
    await add(db, 4, 0, t, correct=False)  # no points: not on the board
    await add(db, 5, 9000, datetime(2026, 11, 22, 23, 59, tzinfo=UTC))  # last week (Sunday)
    await add(db, 6, 9000, t, guild=99)  # another server
    board = await repo.board(GUILD, "points", "week", NOW, me=1)
    assert [(e.user_id, e.place, e.value) for e in board.top] == [(3, 1, 1200), (2, 2, 1000), (1, 3, 1000)]
    assert board.top[1].reached_at == t + timedelta(hours=1)
    assert (board.ranked, board.me.place, board.me.value) == (3, 3, 1000)
    month = await repo.board(GUILD, "points", "month", NOW, me=5)
    assert [(e.user_id, e.value) for e in month.top][:1] == [(5, 9000)]
    assert month.start == datetime(2026, 11, 1, tzinfo=UTC)
    nobody = await repo.board(GUILD, "points", "week", NOW, me=4)
    assert nobody.me is None


async def test_the_caller_outside_the_top_ten_gets_their_own_rank(db, repo):
    t = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    for user in range(1, 16):
        await add(db, user, 100 * user, t)
    board = await repo.board(GUILD, "points", "all", NOW, me=2)
    assert [e.user_id for e in board.top] == list(range(15, 5, -1))
    assert (board.me.user_id, board.me.place, board.me.value, board.ranked) == (2, 14, 200, 15)


async def test_accuracy_needs_five_graded_answers_and_ties_go_to_the_earlier_last_answer(db, repo):
    t = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    for n, correct in enumerate([True, True, True, True, False]):  # 4/5 = 80 %, last answer at +4 min
        await add(db, 1, 0, t + timedelta(minutes=n), correct=correct)
    for n, correct in enumerate([True] * 8 + [False, False]):  # 8/10 = 80 %, last answer at +9 min
        await add(db, 2, 0, t + timedelta(minutes=n), correct=correct)
    for n in range(5):  # 100 %
        await add(db, 3, 0, t + timedelta(minutes=30 + n))
    for n in range(3):  # 100 % but only 3 graded answers
        await add(db, 4, 0, t + timedelta(minutes=n))
    await add(db, 4, 0, t, correct=None, source="daily")  # an ungraded open answer does not count
    board = await repo.board(GUILD, "accuracy", "week", NOW, me=4)
    assert [(e.user_id, e.place, e.value, e.graded) for e in board.top] == [(3, 1, 5, 5), (1, 2, 4, 5), (2, 3, 8, 10)]
    assert (board.me.place, board.me.value, board.me.graded, board.ranked) == (None, 3, 3, 3)


async def test_streak_board_reads_member_streaks_and_ignores_the_period(db, repo):
    early, late = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    rows = [(1, 4, late), (2, 9, late), (3, 4, early), (4, 0, early)]
    for user, current, at in rows:
        await db.execute(
            "INSERT INTO member_streaks (guild_id, user_id, current, longest, freezes, last_date, updated_at,"
            " longest_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            (GUILD, user, current, current, at.date().isoformat(), utc_iso(at), utc_iso(at)),
        )
    board = await repo.board(GUILD, "streak", "week", NOW, me=4)
    assert [(e.user_id, e.place, e.value) for e in board.top] == [(2, 1, 9), (3, 2, 4), (1, 3, 4)]
    assert (board.period, board.me) == ("all", None)
