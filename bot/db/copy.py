"""Moving up: copy a SQLite database, every table and its schema version, into an empty PostgreSQL database.

Both ends are first brought to the code's newest schema (the SQLite file is backed up beside itself if a
migration runs), so the same tables with the same columns stand on either side. A target that holds any row is
refused: the copy never merges. Rows go over in batches through PostgreSQL's COPY, parents before the tables
that refer to them, in one transaction (all or nothing); then the identity columns continue after the copied
ids, and the row counts of both sides are compared.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from bot.db.core import DatabaseError
from bot.db.postgres import PostgresConnection, PostgresDatabase, redact
from bot.db.sqlite import SqliteConnection, SqliteDatabase

_BATCH = 5000  # rows read from SQLite and sent to PostgreSQL at a time


@dataclass(frozen=True, slots=True)
class Copied:
    """What a copy moved: rows per table (in the order copied), the schema version, how long it took."""

    source: str
    target: str
    version: int
    rows: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        """Return the rows copied in all."""
        return sum(self.rows.values())


async def copy_database(source: Path, target: str, *, password: str | None = None) -> Copied:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at `target`; say what was copied.

    Raise `DatabaseError` when there is no source, the target is unreachable or holds rows, or the counts differ.
    """
    if not await asyncio.to_thread(source.is_file):
        raise DatabaseError(f"no database at {source}: nothing to copy")
    started = time.monotonic()
    lite = await SqliteDatabase.open_file(source)
    try:
        server = await PostgresDatabase.connect(target, password=password)
        try:
            rows = await _copy(lite, server)
            version = await lite.version()
            if await server.version() != version:
                raise DatabaseError(f"{server.name} has schema version {await server.version()}, not {version}")
        finally:
            await server.close()
    finally:
        await lite.close()
    return Copied(str(source), redact(target), version, rows, time.monotonic() - started)


async def _copy(lite: SqliteDatabase, server: PostgresDatabase) -> dict[str, int]:
    tables = await _tables_in_order(lite)
    for table in tables:
        row = await server.fetchone(f"SELECT EXISTS (SELECT 1 FROM {table}) AS taken")
        if row is not None and row["taken"]:
            raise DatabaseError(f"{server.name} is not empty (table {table} has rows): copy into an empty database")
    copied: dict[str, int] = {}
    # One read transaction on the source (a consistent picture of every table) and one write on the target.
    async with lite.transaction() as source, server.transaction() as conn:
        assert isinstance(source, SqliteConnection) and isinstance(conn, PostgresConnection)
        for table in tables:
            copied[table] = await _copy_table(source, conn, table)
        await _continue_identities(conn)
    for table, count in copied.items():
        row = await server.fetchone(f"SELECT count(*) FROM {table}")
        if row is None or row[0] != count:
            raise DatabaseError(f"table {table}: {count} rows copied, but the target holds {row and row[0]}")
    return copied


async def _tables_in_order(lite: SqliteDatabase) -> list[str]:
    """Return the bot's tables, each after the tables its foreign keys refer to."""
    rows = await lite.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    parents = {}
    for row in rows:
        keys = await lite.fetchall(f"PRAGMA foreign_key_list({row['name']})")
        parents[row["name"]] = {key["table"] for key in keys} - {row["name"]}
    ordered: list[str] = []
    while len(ordered) < len(parents):
        ready = sorted(t for t, needs in parents.items() if t not in ordered and needs <= set(ordered))
        if not ready:
            raise DatabaseError(f"foreign keys go round in a circle among {sorted(set(parents) - set(ordered))}")
        ordered += ready
    return ordered


async def _copy_table(source: SqliteConnection, conn: PostgresConnection, table: str) -> int:
    """Copy one table's rows in batches; return how many."""
    found = await conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
        " ORDER BY ordinal_position",
        (table,),
    )
    columns = [row["column_name"] for row in await found.fetchall()]
    if not columns:
        raise DatabaseError(f"table {table} is missing from the target")
    have = {row["name"] for row in await (await source.execute(f"PRAGMA table_info({table})")).fetchall()}
    missing = [c for c in columns if c not in have and c != "rowid"]
    if missing or have - set(columns):
        raise DatabaseError(f"table {table} has other columns in the target: {sorted(set(columns) ^ have)}")
    # PostgreSQL spells out `rowid` where SQLite keeps it implicit (see migrations/postgres): copy it as it is.
    select = ", ".join(columns)
    count = 0
    async with source.raw.execute(f"SELECT {select} FROM {table}") as cursor:
        while batch := [tuple(row) for row in await cursor.fetchmany(_BATCH)]:
            await conn.raw.copy_records_to_table(table, records=batch, columns=columns)
            count += len(batch)
    return count


async def _continue_identities(conn: PostgresConnection) -> None:
    """Make each identity column continue after the largest id copied into it."""
    found = await conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for row in await found.fetchall():
        table, column = row["table_name"], row["column_name"]
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({column}), 0) + 1, false) FROM {table}",
            (table, column),
        )
