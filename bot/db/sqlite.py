"""The SQLite backend: a write connection and a read-only one in WAL mode; the schema version in `PRAGMA user_version`.

A database the bot can read but not write is refused at start, and one that holds data is backed up beside
itself (bot.db.backup) before a migration changes its schema. Every write waits out another process's lock (a
backup, an admin's `sqlite3` shell): SQLite waits up to the busy timeout in each attempt, and `_attempt` tries
again for up to `patience` seconds. "Database or disk is full" raises `StorageFull`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.db.backup import BackupError, backup_database, utc_stamp
from bot.db.core import (
    Connection,
    Database,
    DatabaseError,
    Params,
    Result,
    Row,
    Statement,
    StorageFull,
    returns_rows,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

_ANALYSIS_LIMIT = 1000  # rows that ANALYZE reads per index (PRAGMA analysis_limit)
# How long SQLite itself waits for another connection's write lock, by default (`database.busy_timeout_seconds`).
BUSY_TIMEOUT = 20.0
# How long a write refused as locked is tried again: as long as the answer to an interaction can still be sent
# (Discord keeps an interaction's token 15 minutes). Scheduled work that fails later is retried by its owner.
WRITE_PATIENCE = 14 * 60.0
_RETRY_PAUSE = 0.05  # between attempts, each of which has already waited up to the busy timeout


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

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, patience: float = WRITE_PATIENCE) -> None:
        super().__init__(str(path))
        self.path = path
        self.patience = patience
        self.conn = SqliteConnection(conn)
        # Opened once the schema is migrated. One reader is enough: its queries are index lookups of a few
        # milliseconds at most, and what matters is that they never queue behind the writer. Its lock lets
        # `close` wait for the read in progress (aiosqlite runs them one at a time anyway).
        self._reader: SqliteConnection | None = None
        self._read_lock = asyncio.Lock()

    @classmethod
    async def open_file(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> SqliteDatabase:
        """Open (creating if needed) and migrate the database at `path`; raise `DatabaseError` if it is unusable.

        `busy_timeout`: seconds SQLite waits for another connection's lock before an attempt fails.
        """
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
            busy = f"busy_timeout={busy_timeout * 1000:.0f}"
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", busy):
                await conn.execute(f"PRAGMA {pragma}")
            # ANALYZE (after migrations, and PRAGMA optimize on closing) samples this many rows per index, so
            # that it stays quick on a large database.
            await conn.execute(f"PRAGMA analysis_limit = {_ANALYSIS_LIMIT}")
            await db.migrate()
            db._reader = SqliteConnection(await _connect_reader(path))
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

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        if self._reader is None:
            raise DatabaseError("the read-only connection is not open: open the database with open_database")
        async with self._read_lock:
            yield self._reader

    async def close(self) -> None:
        """Close the connections (after the last transaction finished), refreshing the planner's statistics."""
        if self._reader is not None:
            async with self._read_lock:
                await self._reader.raw.close()
        async with self._lock:
            # SQLite's advice for long-lived connections: on closing, analyze again the tables that the
            # connection's queries would plan better with fresh statistics for (a history that grew, say).
            with contextlib.suppress(sqlite3.Error):
                await self.conn.raw.execute("PRAGMA optimize")
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

    async def _attempt(self, statement: Callable[[], Awaitable[T]]) -> T:
        """Run one statement (under the connection's lock), again while another connection holds the database.

        SQLite waits up to the busy timeout inside each attempt; a lock held longer gets more attempts, for up to
        `patience` seconds. A statement refused as locked had no effect, so running it again is safe.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.patience
        waiting_since: float | None = None
        while True:
            try:
                result = await statement()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or loop.time() >= deadline:
                    raise
                if waiting_since is None:
                    waiting_since = loop.time()
                    log.warning("%s: another process holds the database; retrying for up to %.0f s", exc, self.patience)
                await asyncio.sleep(_RETRY_PAUSE)
                continue
            if waiting_since is not None:
                log.info("the database took the write after %.1f s", loop.time() - waiting_since)
            return result

    @contextmanager
    def _storage(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_FULL:
                raise StorageFull(str(exc)) from exc
            raise

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


def _is_locked(exc: sqlite3.Error) -> bool:
    """Tell whether SQLite refused a statement because another connection holds the lock it needs."""
    return isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


async def _connect_reader(path: Path) -> aiosqlite.Connection:
    """Open a read-only connection to the (migrated, WAL-mode) database at `path`."""
    # A URI, so that SQLite itself refuses writes; as_uri() escapes the characters a URI reserves.
    uri = await asyncio.to_thread(lambda: path.resolve().as_uri())
    reader = await aiosqlite.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
    reader.row_factory = aiosqlite.Row
    await reader.execute("PRAGMA busy_timeout=5000")
    return reader


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
