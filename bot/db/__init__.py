"""The SQLite database: a write connection and a read-only one in WAL mode, numbered migrations, a transaction helper.

Writes share one connection behind one lock, so that a transaction's statements never interleave with
another's. Reads that need no transaction (leaderboards, statistics, status views) go through a second,
read-only connection (`read_fetchall`, `read_fetchone`): in WAL mode a reader sees the last committed state
and neither waits for a writer nor makes one wait, so a slow read never holds up an answer being recorded.

Migrations are the numbered `migrations/NNN_name.sql` files beside this module; the schema version is
`PRAGMA user_version`. Each migration runs in its own transaction. A database whose version is newer than
the newest migration the code knows is refused, so an old build never writes to a newer schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.db.backup import BackupError, backup_database, utc_stamp

log = logging.getLogger(__name__)
T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_ANALYSIS_LIMIT = 1000  # rows that ANALYZE reads per index (PRAGMA analysis_limit)

# A statement's parameters: values for its `?` placeholders in order, or a mapping for its `:name` placeholders.
Params = Iterable[Any] | Mapping[str, Any]


# How long SQLite itself waits for another connection's write lock, by default (`database.busy_timeout_seconds`).
BUSY_TIMEOUT = 20.0
# How long a write refused as locked is tried again: as long as the answer to an interaction can still be sent
# (Discord keeps an interaction's token 15 minutes). Scheduled work that fails later is retried by its owner.
WRITE_PATIENCE = 14 * 60.0
_RETRY_PAUSE = 0.05  # between attempts, each of which has already waited up to the busy timeout


class DatabaseError(Exception):
    """The database cannot be used (unreadable, or newer than this code)."""


class StorageFull(Exception):
    """The disk (or SQLite's size limit) is full: nothing can be written until the operator frees space."""


def _is_locked(exc: sqlite3.Error) -> bool:
    """Tell whether SQLite refused a statement because another connection holds the lock it needs."""
    return isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


@contextmanager
def _full_storage() -> Iterator[None]:
    """Raise `StorageFull` for SQLite's "database or disk is full" (SQLITE_FULL), whatever statement met it."""
    try:
        yield
    except sqlite3.Error as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_FULL:
            raise StorageFull(str(exc)) from exc
        raise


def utc_iso(moment: datetime) -> str:
    """Format an aware datetime as the UTC ISO 8601 text stored in the database (sortable as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    """Parse a timestamp stored by `utc_iso`."""
    return datetime.fromisoformat(text)


def bundled_migrations() -> list[tuple[int, str, str]]:
    """Return the bundled migrations as (version, name, sql), in order; versions must run 1, 2, 3 and so on."""
    found = []
    for entry in resources.files("bot.db.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise DatabaseError(f"migration {name} is out of sequence (expected number {expected:03d})")
    return found


class Database:
    """The shared write connection (write groups go through `transaction()`) and a read-only connection.

    Every write waits out another process's lock (a backup, an admin's `sqlite3` shell): SQLite waits up to the
    busy timeout in each attempt, and `_retrying` attempts again for up to `patience` seconds.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, patience: float = WRITE_PATIENCE) -> None:
        self.conn = conn
        self.path = path
        self.patience = patience
        # Coroutines share the connection: a lock keeps one transaction's statements from interleaving
        # with another's (SQLite would otherwise fold them into the same transaction).
        self._lock = asyncio.Lock()
        # Opened by `open` once the schema is migrated. One reader is enough: its queries are index lookups
        # of a few milliseconds at most, and what matters is that they never queue behind the writer. Its
        # lock lets `close` wait for the read in progress (aiosqlite runs them one at a time anyway).
        self._reader: aiosqlite.Connection | None = None
        self._read_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> Database:
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
            db._reader = await _connect_reader(path)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                if exc.sqlite_errorname.startswith("SQLITE_READONLY"):  # e.g. a read-only directory (WAL files)
                    raise _read_only(path, exc) from None
                # "file is not a database", "database is locked" …
                raise DatabaseError(f"cannot use database {path}: {exc}") from None
            raise
        return db

    async def close(self) -> None:
        """Close the connections (after the last transaction finished), refreshing the planner's statistics."""
        if self._reader is not None:
            async with self._read_lock:
                await self._reader.close()
        async with self._lock:
            # SQLite's advice for long-lived connections: on closing, analyze again the tables that the
            # connection's queries would plan better with fresh statistics for (a history that grew, say).
            with contextlib.suppress(sqlite3.Error):
                await self.conn.execute("PRAGMA optimize")
            await self.conn.close()

    async def version(self) -> int:
        """Return the schema version stored in the database."""
        row = await self.fetchone("PRAGMA user_version")
        assert row is not None  # the pragma always answers
        return int(row[0])

    async def migrate(self) -> None:
        """Apply every migration newer than the database's version, each in its own transaction."""
        known = bundled_migrations()
        newest = known[-1][0] if known else 0
        current = await self.version()
        if current > newest:
            raise DatabaseError(
                f"database {self.path} has schema version {current}, newer than this bot knows ({newest}): "
                "upgrade the bot, or point database.path at another file"
            )
        await self._check_writable(current)
        if newest > current and (current > 0 or await self.fetchone("SELECT 1 FROM sqlite_master LIMIT 1")):
            await self._back_up_before_migrating(current, newest)
        applied = False
        for version, name, sql in known:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            try:
                async with self.transaction() as conn:
                    for statement in _statements(sql):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {version}")
            except sqlite3.Error as exc:
                raise DatabaseError(f"migration {name} failed on {self.path}: {exc}") from exc
            applied = True
        if applied:
            # New tables and indexes have no statistics: without them the planner guesses, and may pick a wide
            # index that suits none of the query's terms.
            await self.execute("ANALYZE")

    async def _check_writable(self, version: int) -> None:
        """Refuse a database the bot can read but not write: its writes would fail later, at a first answer."""
        async with self._lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                await self.conn.execute(f"PRAGMA user_version = {version}")  # a write that changes nothing
            except sqlite3.Error as exc:
                raise _read_only(self.path, exc) from None
            finally:
                if self.conn.in_transaction:
                    await self.conn.rollback()

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

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a group of statements atomically: committed on success, rolled back on any exception.

        The transaction starts with the write lock (BEGIN IMMEDIATE), waited for as long as `_retrying` does:
        once it has it, no statement of the group can be refused as locked.
        """
        async with self._lock:
            with _full_storage():
                await self._retrying(lambda: self.conn.execute("BEGIN IMMEDIATE"))
                try:
                    yield self.conn
                except BaseException:
                    await self.conn.rollback()
                    raise
                try:
                    await self.conn.commit()
                except BaseException:
                    await self.conn.rollback()
                    raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own (autocommit) and return the number of rows it changed."""
        async with self._lock:
            with _full_storage():
                cursor = await self._retrying(lambda: self.conn.execute(sql, _bind(params)))
                return cursor.rowcount

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Run a query (or a write with RETURNING) and return its first row."""
        async with self._lock:
            with _full_storage():
                cursor = await self._retrying(lambda: self.conn.execute(sql, _bind(params)))
                async with cursor:
                    return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query (or a write with RETURNING) and return all rows."""
        async with self._lock:
            with _full_storage():
                cursor = await self._retrying(lambda: self.conn.execute(sql, _bind(params)))
                async with cursor:
                    return list(await cursor.fetchall())

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run one statement (under the connection's lock), again while another connection holds the database.

        SQLite waits up to the busy timeout inside each attempt; a lock held longer gets more attempts, for up to
        `patience` seconds. A statement refused as locked had no effect, so running it again is safe.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.patience
        waiting_since: float | None = None
        while True:
            try:
                result = await attempt()
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

    async def read_fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Run a query on the read-only connection (it never waits for a write) and return its first row."""
        async with self._read_lock, self._read_conn().execute(sql, _bind(params)) as cursor:
            return await cursor.fetchone()

    async def read_fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query on the read-only connection (it never waits for a write) and return all rows."""
        async with self._read_lock, self._read_conn().execute(sql, _bind(params)) as cursor:
            return list(await cursor.fetchall())

    def _read_conn(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise DatabaseError("the read-only connection is not open: open the database with Database.open")
        return self._reader

    async def get_meta(self, key: str) -> str | None:
        """Read one value of the bot's own key/value facts."""
        row = await self.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row["value"]

    async def set_meta(self, key: str, value: str) -> None:
        """Write one value of the bot's own key/value facts."""
        await self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
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
