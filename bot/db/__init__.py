"""The database: SQLite (a file, the default) or PostgreSQL (a server), behind one interface.

Repositories write their SQL once, in SQLite's spelling with `?` or `:name` placeholders, and run it through
`Database` (statements on their own) or the `Connection` a `transaction()` yields. The PostgreSQL backend
translates what differs (bot/db/postgres.py): placeholders become `$n`, `CAST(… AS REAL)` double precision,
`INSERT OR IGNORE` an `ON CONFLICT DO NOTHING`. What both spell alike (upserts, `RETURNING`, window functions,
partial indexes) is written once. Timestamps are UTC ISO 8601 text (`utc_iso`) and booleans 0 or 1 on both, so
rows read the same whichever backend stored them.

Both backends keep the model the repositories were written for: in one process, one connection writes, and a
lock lets one statement or transaction through at a time, so a transaction's reads and writes never interleave
with another's. Reads that need no transaction (leaderboards, statistics, status views) go through read-only
connections (`read_fetchall`, `read_fetchone`): they see the last committed state and neither wait for the
writer nor make it wait (SQLite: a second connection in WAL mode; PostgreSQL: a small pool of its own).
Between processes sharing a PostgreSQL database, single-statement claims decide (a daily post's claim, a first
answer's unique key); each process owns its shards' servers (bot.core.shards) for the rest.

Migrations are numbered SQL files: `migrations/NNN_name.sql` for SQLite and `migrations/postgres/NNN_name.sql`
for PostgreSQL, the same numbers and names in both. The schema version lives in the database (SQLite: `PRAGMA
user_version`; PostgreSQL: the table `schema_version`). Each migration runs in its own transaction, and a
database whose version is newer than the newest migration the code knows is refused, so an old build never
writes to a newer schema.
"""

from __future__ import annotations

from pathlib import Path

from bot.db.core import (
    Connection,
    Database,
    DatabaseError,
    Dialect,
    Params,
    Result,
    Row,
    Statement,
    StorageFull,
    bundled_migrations,
    from_iso,
    is_url,
    utc_iso,
)
from bot.db.sqlite import BUSY_TIMEOUT, SqliteDatabase

__all__ = [
    "Connection",
    "Database",
    "DatabaseError",
    "Dialect",
    "Params",
    "Result",
    "Row",
    "Statement",
    "StorageFull",
    "bundled_migrations",
    "from_iso",
    "is_url",
    "open_database",
    "utc_iso",
]


async def open_database(
    target: Path | str, *, password: str | None = None, busy_timeout: float = BUSY_TIMEOUT
) -> Database:
    """Open and migrate a database: a SQLite file's path, or a `postgresql://` URL (with `password` if given).

    `busy_timeout`: for SQLite, the seconds it waits for another process's lock before an attempt fails.

    Raise `DatabaseError` if it is unusable: unreadable, unreachable, or of a newer schema than the code's.
    """
    if is_url(target):
        from bot.db.postgres import PostgresDatabase  # imported here: asyncpg is loaded only when it is used

        return await PostgresDatabase.connect(str(target), password=password)
    return await SqliteDatabase.open_file(Path(target), busy_timeout=busy_timeout)
