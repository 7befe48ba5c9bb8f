"""The SQLite backend: one aiosqlite connection in WAL mode; the schema version in `PRAGMA user_version`.

A database the bot can read but not write is refused at start, and one that holds data is backed up beside
itself (bot.db.backup) before a migration changes its schema.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.db.backup import BackupError, backup_database, utc_stamp
from bot.db.core import Connection, Database, DatabaseError, Params, Result, Row, Statement, returns_rows

log = logging.getLogger(__name__)


class SqliteConnection(Connection):
    """The aiosqlite connection, statement by statement."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Params = ()) -> Statement:
        """Run one statement; await the result (or `async with` it)."""
        return Statement(self._run(sql, params))

    async def _run(self, sql: str, params: Params) -> Result:
        cursor = await self.raw.execute(sql, _bind(params))
        # Each call is a trip to aiosqlite's thread: fetch only from a statement that gives rows.
        rows: list[Row] = list(await cursor.fetchall()) if returns_rows(sql) else []
        # After the rows: for INSERT … RETURNING, sqlite3 counts the rows as it hands them out.
        return Result(rows, cursor.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter set."""
        await self.raw.executemany(sql, [_bind(params) for params in rows])

    async def begin(self) -> None:
        """Start a transaction that holds the write lock from its start (no upgrade deadlock between writers)."""
        await self.raw.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        """Commit the transaction."""
        await self.raw.commit()

    async def rollback(self) -> None:
        """Roll the transaction back."""
        await self.raw.rollback()


class SqliteDatabase(Database):
    """A SQLite file: WAL, synchronous=NORMAL, foreign keys on, a busy timeout."""

    dialect = "sqlite"
    elsewhere = "point database.path at another file"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__(str(path))
        self.path = path
        self.conn = SqliteConnection(conn)

    @classmethod
    async def open_file(cls, path: Path) -> SqliteDatabase:
        """Open (creating if needed) and migrate the database at `path`; raise `DatabaseError` if it is unusable."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Try a plain connection first: when aiosqlite's connect fails, its worker thread outlives the
            # event loop and prints a traceback at exit.
            await asyncio.to_thread(lambda: sqlite3.connect(path).close())
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot open database {path}: {exc}") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
                await conn.execute(f"PRAGMA {pragma}")
            await db.migrate()
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                if exc.sqlite_errorname.startswith("SQLITE_READONLY"):  # e.g. a read-only directory (WAL files)
                    raise _read_only(path, exc) from None
                # "file is not a database", "database is locked" …
                raise DatabaseError(f"cannot use database {path}: {exc}") from None
            raise
        return db

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        yield self.conn

    async def close(self) -> None:
        """Close the connection (after the last transaction finished)."""
        async with self._lock:
            await self.conn.raw.close()

    async def version(self) -> int:
        """Return the schema version stored in the database (`PRAGMA user_version`)."""
        row = await self.fetchone("PRAGMA user_version")
        assert row is not None  # the pragma always answers
        return int(row[0])

    async def _apply(self, conn: Connection, version: int, sql: str) -> None:
        for statement in _statements(sql):
            await conn.execute(statement)
        await conn.execute(f"PRAGMA user_version = {version}")

    @asynccontextmanager
    async def _migrating(self) -> AsyncIterator[None]:
        # One process per SQLite file: nothing else migrates it meanwhile.
        yield

    def _is_backend_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.Error)

    async def _before_migrating(self, current: int, newest: int) -> None:
        await self._check_writable(current)
        if newest > current and (current > 0 or await self.fetchone("SELECT 1 FROM sqlite_master LIMIT 1")):
            await self._back_up_before_migrating(current, newest)

    async def _check_writable(self, version: int) -> None:
        """Refuse a database the bot can read but not write: its writes would fail later, at a first answer."""
        raw = self.conn.raw
        async with self._lock:
            try:
                await raw.execute("BEGIN IMMEDIATE")
                await raw.execute(f"PRAGMA user_version = {version}")  # a write that changes nothing
            except sqlite3.Error as exc:
                raise _read_only(self.path, exc) from None
            finally:
                if raw.in_transaction:
                    await raw.rollback()

    async def _back_up_before_migrating(self, current: int, newest: int) -> None:
        """Copy a database that holds data beside itself before migrations change its schema."""
        target = self.path.with_name(f"{self.path.name}.pre-v{newest}-{utc_stamp()}.bak")
        try:
            await asyncio.to_thread(backup_database, self.path, target)
        except BackupError as exc:
            raise DatabaseError(f"not migrating {self.path} without a backup: {exc}") from None
        log.info(
            "backed up %s (schema version %d) to %s before migrating it to version %d",
            self.path,
            current,
            target,
            newest,
        )


def _read_only(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """Say that the database cannot be written, and what to do about it."""
    return DatabaseError(
        f"cannot write to database {path} ({exc}): make the file and its directory writable by the user running "
        "the bot, or point database.path at another file"
    )


def _bind(params: Params) -> tuple[Any, ...] | Mapping[str, Any]:
    """Pass named parameters as they are and positional ones as a tuple."""
    return params if isinstance(params, Mapping) else tuple(params)


def _statements(sql: str) -> list[str]:
    """Split a migration file into complete statements (sqlite3 decides where one ends)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") for part in buffer.strip().splitlines()):
        raise DatabaseError(f"incomplete statement at the end of a migration: {buffer.strip()[:80]}")
    return statements
