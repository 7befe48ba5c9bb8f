"""The database on both backends: created and migrated on first open, atomic transactions, newer schemas refused,
reads beside writes on the read-only connections.

SQLite-only behaviour (WAL, a file that is not a database) and PostgreSQL-only behaviour (the dialect layer, an
unreachable server, processes migrating at once) have tests of their own below.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from bot.db import DatabaseError, bundled_migrations, open_database
from bot.repos.leaderboard import LeaderboardRepo
from bot.repos.scores import ScoreEvent, insert_score
from bot.repos.stats import Points, StatsRepo

BOT_DIR = Path(bot.__file__).parent


async def set_version(db, version: int) -> None:
    """Write a schema version the way each backend keeps it."""
    if db.dialect == "sqlite":
        await db.execute(f"PRAGMA user_version = {version}")
    else:
        await db.execute("UPDATE schema_version SET version = ?", (version,))


async def test_first_open_creates_and_migrates(db_target):
    db = await open_database(db_target)
    try:
        assert await db.version() == bundled_migrations(db.dialect)[-1][0]
        assert await db.fetchall("SELECT * FROM score_events") == []
    finally:
        await db.close()


async def test_sqlite_is_set_up_for_a_server(tmp_path):
    db = await open_database(tmp_path / "sub" / "bot.db")
    try:
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    finally:
        await db.close()


async def test_reopen_keeps_data_and_applies_nothing_twice(db_target):
    db = await open_database(db_target)
    await db.set_meta("answer", "42")
    await db.close()
    db = await open_database(db_target)
    try:
        assert await db.get_meta("answer") == "42"
    finally:
        await db.close()


async def test_database_newer_than_the_code_is_refused(db_target):
    db = await open_database(db_target)
    await set_version(db, 999)
    await db.close()
    with pytest.raises(DatabaseError, match="schema version 999, newer than this bot knows") as refused:
        await open_database(db_target)
    assert "another file" in str(refused.value) if isinstance(db_target, Path) else "database.url" in str(refused.value)


async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "bot.db"
    path.write_bytes(b"notes, not a database\n" * 200)
    with pytest.raises(DatabaseError, match=re.escape(f"cannot use database {path}: file is not a database")):
        await open_database(path)
    assert path.read_bytes() == b"notes, not a database\n" * 200


async def test_transaction_rolls_back_on_error_and_scores_are_unique(db):
    event = ScoreEvent(1, 2, "daily", "post:1", 10, True, datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
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


async def test_statements_take_question_marks_or_named_parameters(db):
    await db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ["a", "1"])
    await db.execute("INSERT INTO meta (key, value) VALUES (:key, :value)", {"key": "b", "value": "2", "unused": 3})
    rows = await db.fetchall("SELECT key, value FROM meta WHERE key IN (:x, :y) ORDER BY key", {"x": "a", "y": "b"})
    assert [tuple(r) for r in rows] == [("a", "1"), ("b", "2")]
    assert tuple(await db.fetchone("SELECT value FROM meta WHERE key = ?", ("b",))) == ("2",)
    # A name used twice is one value; a literal that looks like a placeholder is left alone.
    row = await db.fetchone("SELECT :v AS a, :v AS b, 'x?:y' AS c", {"v": "same"})
    assert tuple(row) == ("same", "same", "x?:y")


async def test_results_read_alike_on_both_backends(db):
    """Sums are ints, averages and exact ratios floats, counts of changed rows as SQLite gives them."""
    for n, (user, points) in enumerate([(1, 10), (1, 5), (2, 0)]):
        event = ScoreEvent(7, user, "daily", f"post:{n}", points, points > 0, datetime(2026, 1, 1, tzinfo=UTC))
        async with db.transaction() as conn:
            await insert_score(conn, event)
    row = await db.fetchone(
        "SELECT SUM(points) AS total, AVG(points) AS mean, CAST(SUM(correct) AS REAL) / COUNT(*) AS ratio,"
        " COUNT(*) AS n FROM score_events"
    )
    assert (row["total"], row["n"]) == (15, 3) and type(row["total"]) is int and type(row["n"]) is int
    assert row["mean"] == 5.0 and row["ratio"] == pytest.approx(2 / 3, rel=1e-12)
    assert await db.execute("UPDATE score_events SET points = points + 1 WHERE user_id = ?", (1,)) == 2
    changed = await db.fetchall("UPDATE score_events SET points = 0 WHERE user_id = ? RETURNING id", (2,))
    assert len(changed) == 1
    assert await db.claim_meta("k", "v") and not await db.claim_meta("k", "v") and await db.claim_meta("k", "w")


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
    with pytest.raises(Exception, match=r"(?i)read-?only"):
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
    db = await open_database(path)
    try:
        assert await db.version() == bundled_migrations()[-1][0]
        stats = await db.fetchall("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'meta'")
        assert [tuple(r) for r in stats] == [("meta", "sqlite_autoindex_meta_1", "2 1")]
    finally:
        await db.close()


async def test_closing_waits_for_the_read_in_progress(db_target):
    db = await open_database(db_target)
    count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT COUNT(*) FROM n"
    read = asyncio.create_task(db.read_fetchall(count))
    await asyncio.sleep(0)  # the read has started (as a scheduled job's may when the bot shuts down)
    await db.close()
    assert [tuple(r) for r in await read] == [(300000,)]


def test_every_migration_has_its_postgresql_spelling():
    sqlite = [(version, name) for version, name, _ in bundled_migrations("sqlite")]
    postgres = [(version, name) for version, name, _ in bundled_migrations("postgresql")]
    assert postgres == sqlite


# -- PostgreSQL -------------------------------------------------------------------------------------------


def test_the_dialect_layer_translates_sqlite_spellings():
    from bot.db.postgres import translate

    query = translate("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ? -- d = ?")
    assert query.text == "SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2 -- d = ?"
    assert (query.count, query.names, query.returns_rows) == (2, None, True)
    named = translate("UPDATE t SET a = :x, b = CAST(:y AS REAL) WHERE c = :x AND d = 'a:b'")
    assert named.text == "UPDATE t SET a = $1, b = CAST($2 AS DOUBLE PRECISION) WHERE c = $1 AND d = 'a:b'"
    assert (named.names, named.returns_rows) == (("x", "y"), False)
    assert named.bind({"y": 2, "x": 1, "z": 3}) == [1, 2]
    ignored = translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a")
    assert ignored.text == "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a"
    assert translate("WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c").returns_rows is False
    assert translate("WITH c AS (SELECT 1) SELECT * FROM c").returns_rows is True
    assert translate("SELECT x::text FROM t").text == "SELECT x::text FROM t"
    with pytest.raises(DatabaseError, match="write an upsert"):
        translate("INSERT OR REPLACE INTO t VALUES (1)")
    with pytest.raises(DatabaseError, match="mixes"):
        translate("SELECT ?, :a")


def test_a_password_never_shows_in_what_is_said_about_the_database():
    from bot.db.postgres import redact

    assert redact("postgresql://bot:s3cret@db:5432/iq") == "postgresql://bot:***@db:5432/iq"
    assert redact("postgresql://bot@db/iq") == "postgresql://bot@db/iq"


async def test_an_unreachable_server_is_refused_in_one_line_without_the_password():
    with pytest.raises(DatabaseError, match=r"cannot connect to database postgresql://bot:\*\*\*@127.0.0.1:9/iq") as e:
        await open_database("postgresql://bot:s3cret@127.0.0.1:9/iq")
    assert "s3cret" not in str(e.value)


@pytest.fixture
def postgres_target(backend, db_target):
    if backend != "postgresql":
        pytest.skip("a PostgreSQL behaviour")
    return db_target


async def test_processes_starting_together_migrate_once(postgres_target):
    opened = await asyncio.gather(*(open_database(postgres_target) for _ in range(3)))
    try:
        newest = bundled_migrations("postgresql")[-1][0]
        assert [await db.version() for db in opened] == [newest] * 3
        assert (await opened[0].fetchone("SELECT count(*) FROM schema_version"))[0] == 1
    finally:
        for db in opened:
            await db.close()


async def test_the_schemas_of_both_backends_have_the_same_tables_and_columns(tmp_path, postgres_target):
    sqlite = await open_database(tmp_path / "bot.db")
    postgres = await open_database(postgres_target)
    try:
        tables = [
            r["name"]
            for r in await sqlite.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        lite = {t: [r["name"] for r in await sqlite.fetchall(f"PRAGMA table_info({t})")] for t in tables}
        rows = await postgres.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " ORDER BY table_name, ordinal_position"
        )
        pg: dict[str, list[str]] = {}
        for row in rows:
            pg.setdefault(row["table_name"], []).append(row["column_name"])
        assert pg.pop("schema_version") == ["version"]
        assert pg["battle_players"].pop() == "rowid"  # SQLite's implicit join order, spelt out
        assert pg == lite
    finally:
        await sqlite.close()
        await postgres.close()
