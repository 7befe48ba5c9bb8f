"""The database: created and migrated on first open, WAL, atomic transactions, newer schemas refused, reads beside
writes on the read-only connection."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from bot.db import Database, DatabaseError, bundled_migrations
from bot.repos.leaderboard import LeaderboardRepo
from bot.repos.scores import ScoreEvent, insert_score
from bot.repos.stats import Points, StatsRepo

BOT_DIR = Path(bot.__file__).parent


async def test_first_open_creates_and_migrates(tmp_path):
    db = await Database.open(tmp_path / "sub" / "bot.db")
    try:
        assert await db.version() == bundled_migrations()[-1][0]
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    finally:
        await db.close()


async def test_reopen_keeps_data_and_applies_nothing_twice(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    await db.set_meta("answer", "42")
    await db.close()
    db = await Database.open(tmp_path / "bot.db")
    try:
        assert await db.get_meta("answer") == "42"
    finally:
        await db.close()


async def test_database_newer_than_the_code_is_refused(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    await db.execute("PRAGMA user_version = 999")
    await db.close()
    with pytest.raises(DatabaseError, match="schema version 999, newer than this bot knows"):
        await Database.open(tmp_path / "bot.db")


async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "bot.db"
    path.write_bytes(b"notes, not a database\n" * 200)
    with pytest.raises(DatabaseError, match=re.escape(f"cannot use database {path}: file is not a database")):
        await Database.open(path)
    assert path.read_bytes() == b"notes, not a database\n" * 200


async def test_transaction_rolls_back_on_error_and_scores_are_unique(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    event = ScoreEvent(1, 2, "daily", "post:1", 10, True, datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                assert await insert_score(conn, event)
                raise RuntimeError("crash mid-way")
        assert (await db.fetchone("SELECT count(*) FROM score_events"))[0] == 0
        async with db.transaction() as conn:
            assert await insert_score(conn, event)
            assert not await insert_score(conn, event)  # the same answer is never scored twice
        row = await db.fetchone("SELECT points, correct, created_at FROM score_events")
        assert tuple(row) == (10, 1, "2026-11-22T09:00:00.000000+00:00")
    finally:
        await db.close()


async def test_statements_take_question_marks_or_named_parameters(db):
    await db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ["a", "1"])
    await db.execute("INSERT INTO meta (key, value) VALUES (:key, :value)", {"key": "b", "value": "2", "unused": 3})
    rows = await db.fetchall("SELECT key, value FROM meta WHERE key IN (:x, :y) ORDER BY key", {"x": "a", "y": "b"})
    assert [tuple(r) for r in rows] == [("a", "1"), ("b", "2")]
    assert tuple(await db.fetchone("SELECT value FROM meta WHERE key = ?", ("b",))) == ("2",)


def test_no_sql_in_the_bot_uses_numbered_placeholders():
    # `?1` bound to a sequence warns from Python 3.12 and raises from 3.14: only `?` and `:name` are used.
    numbered = re.compile(r"\?\d")
    found = [
        f"{path.relative_to(BOT_DIR.parent)}:{n}"
        for path in sorted(BOT_DIR.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if numbered.search(line)
    ]
    assert found == []


async def test_reads_complete_while_a_write_transaction_is_held_open(db):
    boards, stats = LeaderboardRepo(db), StatsRepo(db)
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    async with db.transaction() as conn:
        await insert_score(conn, ScoreEvent(1, 2, "battle", "battle:1:1", 500, True, at))
        # The write connection is locked until this transaction ends: reads that queued behind it would wait
        # for ever here. The read-only connection answers at once, with the last committed state.
        board = await asyncio.wait_for(boards.board(1, "points", "week", at, me=2), timeout=5)
        points = await asyncio.wait_for(stats.points(1, 2), timeout=5)
        assert (board.top, board.me, points) == ([], None, Points(0, 0, 0))
    board = await boards.board(1, "points", "week", at, me=2)
    assert [(e.user_id, e.place, e.value) for e in board.top] == [(2, 1, 500)]
    assert await stats.points(1, 2) == Points(500, 1, 1)


async def test_the_read_connection_refuses_writes(db):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.read_fetchall("INSERT INTO meta (key, value) VALUES ('a', '1')")
    assert await db.get_meta("a") is None


async def test_migrations_leave_statistics_for_the_planner(tmp_path):
    path = tmp_path / "bot.db"
    conn = sqlite3.connect(path)  # a database of the bot's previous version, with some data
    for version, _, sql in bundled_migrations()[:-1]:
        conn.executescript(f"BEGIN; {sql}; PRAGMA user_version = {version}; COMMIT;")
    conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1'), ('b', '2')")
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        assert await db.version() == bundled_migrations()[-1][0]
        stats = await db.fetchall("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'meta'")
        assert [tuple(r) for r in stats] == [("meta", "sqlite_autoindex_meta_1", "2 1")]
    finally:
        await db.close()


async def test_closing_waits_for_the_read_in_progress(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT COUNT(*) FROM n"
    read = asyncio.create_task(db.read_fetchall(count))
    await asyncio.sleep(0)  # the read has started (as a scheduled job's may when the bot shuts down)
    await db.close()
    assert [tuple(r) for r in await read] == [(300000,)]
