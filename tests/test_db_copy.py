"""`interview-bot db copy --to URL`: a SQLite database with rows in every table, copied into PostgreSQL."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from bot.core import interview as iv
from bot.core.choices import MultipleChoice
from bot.db import bundled_migrations, open_database
from bot.repos.battle import BattleRepo
from bot.repos.daily import DailyRepo
from bot.repos.interview import InterviewRepo
from bot.repos.review import ReviewRepo
from bot.repos.solo import SoloRepo

NOW = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
GUILD = 1_234_567_890_123_456_789  # a real-sized Discord id: 64 bits


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


async def fill(path: Path, library) -> None:
    """Write rows into every table through the bot's own repositories."""
    db = await open_database(path)
    try:
        await db.set_meta("command_hash:global:1", "abc")
        daily = DailyRepo(db)
        channel = await daily.save_channel(
            channel_id=GUILD + 1, guild_id=GUILD, post_time=time(9), timezone="Europe/London", kind="definitions",
            chapters=(), set_by=7, now=NOW - timedelta(days=3), seed=42,
        )  # fmt: skip
        post = await daily.claim(channel, NOW.date(), "run", NOW)
        post = await daily.assign(post, library, random.Random(1))
        assert await daily.mark_posted(post, GUILD + 2, NOW)
        await daily.record_answer(post, 11, NOW, choice=post.answer, points=10)
        await daily.record_answer(post, 12, NOW, choice=(post.answer + 1) % 4, points=10)
        await ReviewRepo(db).rate(11, "relu", Rating.Good, NOW, "review", duration_ms=900)
        question = MultipleChoice("relu", "definition", "Outputs max(0, x).", ("relu", "gelu", "tanh", "elu"), 0)
        solo = SoloRepo(db)
        session, _ = await solo.create_session(
            user_id=11, guild_id=GUILD, chapter_key=None, mode="definition", questions=[question] * 3, now=NOW
        )
        await solo.answer(session.id, 11, 0, 0, NOW + timedelta(seconds=4))
        battles = BattleRepo(db)
        battle = await battles.create(
            guild_id=GUILD, channel_id=GUILD + 3, host_id=13, chapter_key=None, rounds=3, seconds=20,
            scoring="speed", now=NOW, lobby_until=NOW + timedelta(minutes=1),
        )  # fmt: skip
        for user in (15, 13, 14):  # joined in this order, which the ids do not follow
            await battles.join(battle.id, user, NOW)
        await battles.start(battle.id, NOW)
        await battles.open_round(battle.id, 1, question, NOW, NOW + timedelta(seconds=20))
        await battles.record_answer(battle.id, 1, 14, 0, NOW + timedelta(seconds=3))
        await battles.close_round(battle, 1, NOW + timedelta(seconds=20))
        interviews = InterviewRepo(db)
        await interviews.create(
            kind="solo", host_id=11, candidate_id=11, interviewer_id=None, guild_id=GUILD, channel_id=GUILD + 4,
            chapter_key=None, minutes=3, questions=iv.pick_questions(library, None, 3, random.Random(5)), now=NOW,
        )  # fmt: skip
    finally:
        await db.close()


async def everything(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order, as plain tuples."""
    names = [r["name"] for r in await open_tables(db)]
    found = {}
    for name in names:
        rows = await db.fetchall(f"SELECT * FROM {name}")
        columns = [k for k in row_keys(rows) if k != "rowid"]
        found[name] = sorted((tuple((k, row[k]) for k in columns) for row in rows), key=repr)
    return found


def row_keys(rows) -> list[str]:
    return list(rows[0].keys()) if rows else []


async def open_tables(db):
    if db.dialect == "sqlite":
        return await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return await db.fetchall(
        "SELECT table_name AS name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
    )


async def test_db_copy_moves_every_table_and_the_schema_version(tmp_path, postgres_url, library):
    source = tmp_path / "data" / "interview-bot.db"
    await fill(source, library)
    result = cli("db", "copy", "--to", postgres_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    newest = bundled_migrations()[-1][0]
    lite, server = await open_database(source), await open_database(postgres_url)
    try:
        expected = await everything(lite)
        assert all(expected.values()), [t for t, rows in expected.items() if not rows]  # every table has rows
        assert await everything(server) == expected
        assert await server.version() == newest
        total = sum(len(rows) for rows in expected.values())
        assert lines[0].startswith(
            f"copied {total} rows in {len(expected)} tables (schema version {newest}) from {source} to postgresql://"
        )
        assert sorted(lines[1:]) == sorted(f"  {table}: {len(rows)}" for table, rows in expected.items())
        # The copy goes on where the SQLite database left off: players in join order, new ids after the old.
        battles = BattleRepo(server)
        (battle_id,) = [row[0] for row in await server.fetchall("SELECT id FROM battles")]
        assert [p.user_id for p in await battles.players(battle_id)] == [15, 13, 14]
        await battles.end(battle_id, "finished", NOW)
        again = await battles.create(
            guild_id=GUILD, channel_id=GUILD + 3, host_id=13, chapter_key=None, rounds=3, seconds=20,
            scoring="flat", now=NOW, lobby_until=NOW,
        )  # fmt: skip
        assert again.id == battle_id + 1
    finally:
        await lite.close()
        await server.close()


async def test_db_copy_refuses_a_target_that_holds_rows(tmp_path, postgres_url, library):
    await fill(tmp_path / "data" / "interview-bot.db", library)
    server = await open_database(postgres_url)
    await server.set_meta("someone", "else")
    await server.close()
    result = cli("db", "copy", "--to", postgres_url, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: " + postgres_url + " is not empty (table meta has rows): copy into an empty database"
    ]
    server = await open_database(postgres_url)
    try:
        assert [tuple(r) for r in await server.fetchall("SELECT key, value FROM meta")] == [("someone", "else")]
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "sqlite:///x.db"], "error: --to must be a postgresql:// URL, not 'sqlite:///x.db'"),
        (["--to", "postgresql://bot:pw@127.0.0.1:9/iq"], "error: no database at {db}: nothing to copy"),
    ],
)
def test_db_copy_says_what_is_wrong_in_one_line(tmp_path, args, message):
    result = cli("db", "copy", *args, cwd=tmp_path)
    assert result.returncode in (1, 2)
    assert result.stderr.splitlines() == [message.format(db=tmp_path / "data" / "interview-bot.db")]
