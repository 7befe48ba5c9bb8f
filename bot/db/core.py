"""What both backends share: the `Database` and `Connection` interfaces, results, migrations, timestamps."""

from __future__ import annotations

import abc
import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# A statement's parameters: values for its `?` placeholders in order, or a mapping for its `:name` placeholders.
Params = Iterable[Any] | Mapping[str, Any]
Dialect = Literal["sqlite", "postgresql"]


class DatabaseError(Exception):
    """The database cannot be used (unreadable, unreachable, or newer than this code)."""


class StorageFull(Exception):
    """The disk (or SQLite's size limit) is full: nothing can be written until the operator frees space."""


class Row(Protocol):
    """A result row: its values by column name or position (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...  # noqa: D102 - the column names


def utc_iso(moment: datetime) -> str:
    """Format an aware datetime as the UTC ISO 8601 text stored in the database (sortable as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    """Parse a timestamp stored by `utc_iso`."""
    return datetime.fromisoformat(text)


def is_url(target: str | Path) -> bool:
    """Tell whether a database target is a PostgreSQL URL (otherwise it is a SQLite file's path)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


_FIRST_WORD = re.compile(r"^[\s(]*([A-Za-z]+)")
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_LITERALS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)


def code_only(sql: str) -> str:
    """Blank out string literals and comments, to search a statement's own words."""
    return _LITERALS.sub("''", sql)


@functools.lru_cache(maxsize=2048)
def returns_rows(sql: str) -> bool:
    """Tell whether a statement gives rows: a query, or a write with RETURNING (else only a count of changes)."""
    code = code_only(sql)
    first = _FIRST_WORD.match(code)
    verb = first.group(1).upper() if first else ""
    if verb in ("SELECT", "VALUES", "TABLE", "SHOW", "EXPLAIN", "PRAGMA"):
        return True
    if verb == "WITH":
        return bool(_RETURNING.search(code)) or not _WRITES.search(code)
    return bool(_RETURNING.search(code))


def bundled_migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str, str]]:
    """Return a dialect's bundled migrations as (version, name, sql), in order; versions run 1, 2, 3 and so on."""
    folder = resources.files("bot.db.migrations")
    if dialect == "postgresql":
        folder = folder.joinpath("postgres")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise DatabaseError(f"migration {name} is out of sequence (expected number {expected:03d})")
    return found


@dataclass(slots=True)
class Result:
    """What a statement returned: its rows (none for most writes) and how many rows it changed."""

    rows: list[Row]
    rowcount: int

    async def fetchone(self) -> Row | None:
        """Return the first row, if any."""
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[Row]:
        """Return every row."""
        return self.rows


class Statement:
    """A statement being run: await it for its `Result`, or use it as `async with conn.execute(…) as result`."""

    def __init__(self, running: Awaitable[Result]) -> None:
        self._running = running

    def __await__(self) -> Generator[Any, None, Result]:
        return self._running.__await__()

    async def __aenter__(self) -> Result:
        return await self._running

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connection(abc.ABC):
    """One database connection, as a transaction sees it: statements in SQLite's spelling."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Params = ()) -> Statement:
        """Run one statement; await the result (or `async with` it)."""

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter set."""

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one statement and return all its rows."""
        return (await self.execute(sql, params)).rows

    @abc.abstractmethod
    async def begin(self) -> None:
        """Start a transaction."""

    @abc.abstractmethod
    async def commit(self) -> None:
        """Commit the transaction."""

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Roll the transaction back."""


class Database(abc.ABC):
    """The bot's database (`bot.db.open_database` opens one). Write groups go through `transaction()`."""

    dialect: Dialect
    # How to point the bot elsewhere, for messages about a database it cannot use.
    elsewhere: str

    def __init__(self, name: str) -> None:
        self.name = name  # for messages: the file's path, or the URL without its password
        # Coroutines share the writing connection: a lock keeps one transaction's statements from interleaving
        # with another's.
        self._lock = asyncio.Lock()

    @abc.abstractmethod
    def _connection(self) -> AbstractAsyncContextManager[Connection]:
        """Hold the writing connection (the caller holds the lock)."""

    @abc.abstractmethod
    def _reading(self) -> AbstractAsyncContextManager[Connection]:
        """Hold a read-only connection: it sees the last committed state and never waits for the writer."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the connections (after the last transaction finished)."""

    @abc.abstractmethod
    async def version(self) -> int:
        """Return the schema version stored in the database."""

    @abc.abstractmethod
    async def _apply(self, conn: Connection, version: int, sql: str) -> None:
        """Run one migration's SQL and record its version, inside the caller's transaction."""

    @abc.abstractmethod
    def _migrating(self) -> AbstractAsyncContextManager[None]:
        """Keep other processes from migrating while this one does."""

    @abc.abstractmethod
    def _is_backend_error(self, exc: BaseException) -> bool:
        """Tell whether an exception is the backend's own (a failed statement)."""

    async def _attempt(self, statement: Callable[[], Awaitable[T]]) -> T:
        """Run one statement on the writing connection (the caller holds the lock); SQLite retries it while locked."""
        return await statement()

    @contextmanager
    def _storage(self) -> Iterator[None]:
        """Raise `StorageFull` for the backend's "disk full", whatever statement met it."""
        yield

    async def _before_migrating(self, current: int, newest: int) -> None:  # noqa: B027 - a hook, empty by default
        """Check or prepare the database before migrations run (`current` < `newest` when some will)."""

    async def migrate(self) -> None:
        """Apply every migration newer than the database's version, each in its own transaction."""
        known = bundled_migrations(self.dialect)
        newest = known[-1][0] if known else 0
        async with self._migrating():
            current = await self.version()
            if current > newest:
                raise DatabaseError(
                    f"database {self.name} has schema version {current}, newer than this bot knows ({newest}): "
                    f"upgrade the bot, or {self.elsewhere}"
                )
            await self._before_migrating(current, newest)
            applied = False
            for version, name, sql in known:
                if version <= current:
                    continue
                log.info("applying migration %s", name)
                try:
                    async with self.transaction() as conn:
                        await self._apply(conn, version, sql)
                except Exception as exc:
                    if self._is_backend_error(exc):
                        raise DatabaseError(f"migration {name} failed on {self.name}: {exc}") from exc
                    raise
                applied = True
            if applied:
                # New tables and indexes have no statistics: without them the planner guesses, and may pick a
                # wide index that suits none of the query's terms.
                await self.execute("ANALYZE")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Run a group of statements atomically: committed on success, rolled back on any exception."""
        async with self._lock, self._connection() as conn:
            with self._storage():
                try:
                    await self._attempt(conn.begin)
                    yield conn
                except BaseException:
                    await conn.rollback()
                    raise
                try:
                    await conn.commit()
                except BaseException:
                    await conn.rollback()
                    raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own (autocommit) and return the number of rows it changed."""
        return (await self._run(sql, params)).rowcount

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query (or a write with RETURNING) and return its first row."""
        return await (await self._run(sql, params)).fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query (or a write with RETURNING) and return all rows."""
        return (await self._run(sql, params)).rows

    async def _run(self, sql: str, params: Params) -> Result:
        async with self._lock, self._connection() as conn:
            with self._storage():
                return await self._attempt(lambda: conn.execute(sql, params))

    async def read_fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query on a read-only connection (it never waits for a write) and return its first row."""
        async with self._reading() as conn:
            return await (await conn.execute(sql, params)).fetchone()

    async def read_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query on a read-only connection (it never waits for a write) and return all rows."""
        async with self._reading() as conn:
            return (await conn.execute(sql, params)).rows

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

    async def claim_meta(self, key: str, value: str) -> bool:
        """Set a value in one statement and return whether this call changed it (False: it held `value` already).

        Of two processes setting the same new value at once, exactly one gets True.
        """
        row = await self.fetchone(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            " WHERE meta.value <> excluded.value RETURNING key",
            (key, value),
        )
        return row is not None

    async def forget_meta(self, key: str, value: str) -> None:
        """Remove a value, if it still holds `value`."""
        await self.execute("DELETE FROM meta WHERE key = ? AND value = ?", (key, value))
