"""The database: created and migrated on first open, WAL, atomic transactions, newer schemas refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from bot.db import Database, DatabaseError, bundled_migrations
from bot.repos.scores import ScoreEvent, insert_score

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
