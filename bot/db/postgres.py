"""The PostgreSQL backend (asyncpg) and the dialect layer that lets repositories write SQL once.

Repositories spell SQL as SQLite does. `translate` turns a statement into PostgreSQL's spelling, once per
distinct text (cached):

- placeholders: `?` (in order) or `:name` become `$1`, `$2` …; a name used twice is one parameter;
- `CAST(x AS REAL)` becomes `CAST(x AS DOUBLE PRECISION)` (PostgreSQL's `real` has 6 digits, SQLite's 15);
- `INSERT OR IGNORE` becomes `INSERT … ON CONFLICT DO NOTHING` (`INSERT OR REPLACE` is refused: write an upsert).

String literals, quoted names and comments are left as they are. Everything else is common ground that both
databases read alike: `ON CONFLICT … DO UPDATE … WHERE`, `RETURNING`, window functions, `COUNT(*) FILTER`,
partial indexes. Results read like SQLite's too: rows by name or position, and `numeric` (what PostgreSQL
gives for a `SUM` of `bigint` or an `AVG`) as an int when whole, else a float.

Where the two differ beyond that, the repository writes the portable form: a parameter whose type nothing
around it tells (`? IS NULL`, a bare `VALUES (?)`) gets a `CAST`; an upsert's own columns are qualified with
the table's name or alias; a condition is a boolean (`TRUE`, not `1`); SQLite's two-argument `MAX(a, b)` is a
`CASE`; and one statement upserts a row once (PostgreSQL refuses a second update of it).

One connection writes (a pool of one, so a connection lost to a server restart is replaced), behind the
`Database` lock, as with SQLite; reads that need no transaction take one of a few read-only connections.
Migrations take a transaction-scoped advisory lock, so processes starting together on one database migrate it
once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.db.core import (
    Connection,
    Database,
    DatabaseError,
    Params,
    Result,
    Statement,
    StorageFull,
    code_only,
    returns_rows,
)

# Any constant would do: processes migrating the same database wait for each other on it.
_MIGRATION_LOCK = 0x1E7B_0D8B_2026

_TOKENS = re.compile(
    r"""
    (?P<literal> '(?:[^']|'')*' | "(?:[^"]|"")*" | --[^\n]* | /\*.*?\*/ )
    | (?P<cast> :: )
    | (?P<named> :[A-Za-z_][A-Za-z0-9_]* )
    | (?P<positional> \? )
    """,
    re.VERBOSE | re.DOTALL,
)
_AS_REAL = re.compile(r"\bAS\s+REAL\b", re.IGNORECASE)
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_OR_REPLACE = re.compile(r"\b(INSERT\s+OR\s+REPLACE|REPLACE)\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_READERS = 4  # read-only connections at most, beside the one that writes
_CONNECT_ERRORS = (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError)


@dataclass(frozen=True, slots=True)
class Query:
    """A statement in PostgreSQL's spelling and how to bind its parameters."""

    text: str
    names: tuple[str, ...] | None  # the `:name` parameters in `$n` order; None for `?` placeholders
    count: int  # how many `$n` there are
    returns_rows: bool  # fetch its rows (a query, or a write with RETURNING), else count the rows changed

    def bind(self, params: Params) -> list[Any]:
        """Return the arguments in `$n` order."""
        if self.names is not None:
            if not isinstance(params, Mapping):
                raise DatabaseError(f"named placeholders need a mapping of values: {self.text[:80]}")
            return [params[name] for name in self.names]
        values = list(params.values()) if isinstance(params, Mapping) else list(params)
        if len(values) != self.count:
            raise DatabaseError(f"{len(values)} values for {self.count} placeholders: {self.text[:80]}")
        return values


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> Query:
    """Return a statement written for SQLite in PostgreSQL's spelling (see the module's docstring)."""
    if _OR_REPLACE.search(code_only(sql)):
        raise DatabaseError(f"INSERT OR REPLACE has no PostgreSQL spelling; write an upsert: {sql.strip()[:80]}")
    names: list[str] = []
    positional = 0
    out: list[str] = []
    last = 0
    for match in _TOKENS.finditer(sql):
        out.append(_rewrite(sql[last : match.start()]))
        last = match.end()
        kind = match.lastgroup
        if kind in ("literal", "cast"):
            out.append(match.group())
        elif kind == "named":
            name = match.group()[1:]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
        else:
            positional += 1
            out.append(f"${positional}")
    out.append(_rewrite(sql[last:]))
    if names and positional:
        raise DatabaseError(f"a statement mixes ? and :name placeholders: {sql.strip()[:80]}")
    text = "".join(out)
    if _OR_IGNORE.search(code_only(text)):
        text = _OR_IGNORE.sub("INSERT INTO", text)
        returning = _RETURNING.search(text)
        body, tail = (text[: returning.start()], text[returning.start() :]) if returning else (text.rstrip(), "")
        text = f"{body.rstrip().rstrip(';')} ON CONFLICT DO NOTHING {tail}".rstrip()
    return Query(text, tuple(names) if names else None, len(names) or positional, returns_rows(text))


def _rewrite(code: str) -> str:
    """Rewrite the SQLite-only spellings in a stretch of SQL outside literals and comments."""
    return _AS_REAL.sub("AS DOUBLE PRECISION", code)


def _rowcount(status: str) -> int:
    """Read the rows changed from a command status ("INSERT 0 1", "UPDATE 3"); -1 when it gives none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def _number(text: str) -> int | float:
    """Decode `numeric` as SQLite would give it: an int when whole, else a float."""
    value = Decimal(text)
    return int(value) if value.is_finite() and value == value.to_integral_value() else float(value)


def redact(url: str) -> str:
    """Return the URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresConnection(Connection):
    """An asyncpg connection that takes statements in SQLite's spelling."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Params = ()) -> Statement:
        """Run one statement; await the result (or `async with` it)."""
        return Statement(self._run(sql, params))

    async def _run(self, sql: str, params: Params) -> Result:
        query = translate(sql)
        args = query.bind(params)
        if query.returns_rows:
            rows = await self.raw.fetch(query.text, *args)
            return Result(rows, len(rows))
        return Result([], _rowcount(await self.raw.execute(query.text, *args)))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter set."""
        query = translate(sql)
        await self.raw.executemany(query.text, [query.bind(params) for params in rows])

    async def script(self, sql: str) -> None:
        """Run several statements in PostgreSQL's own spelling (a migration file), without parameters."""
        await self.raw.execute(sql)

    async def begin(self) -> None:
        """Start a transaction (read committed)."""
        await self.raw.execute("BEGIN")

    async def commit(self) -> None:
        """Commit the transaction."""
        await self.raw.execute("COMMIT")

    async def rollback(self) -> None:
        """Roll the transaction back; if the connection cannot (a statement cut short), it is dropped instead."""
        with contextlib.suppress(*_CONNECT_ERRORS):
            await self.raw.execute("ROLLBACK")


async def _set_up(conn: asyncpg.Connection) -> None:
    """Prepare a new connection: `numeric` results as SQLite gives them."""
    await conn.set_type_codec("numeric", encoder=str, decoder=_number, schema="pg_catalog", format="text")


async def _keep(conn: asyncpg.Connection) -> None:
    """Hand a connection back to the pool as it is: nothing here changes session state that must be reset."""


class PostgresDatabase(Database):
    """A PostgreSQL database reached through a URL; the schema version in the table `schema_version`."""

    dialect = "postgresql"
    elsewhere = "point database.url at another database"

    def __init__(self, pool: asyncpg.Pool, readers: asyncpg.Pool, name: str) -> None:
        super().__init__(name)
        self._pool = pool
        self._readers = readers
        # Reads in progress (from before they have a connection): `close` waits for them, as for a transaction.
        self._reads = 0
        self._no_reads = asyncio.Event()
        self._no_reads.set()

    @classmethod
    async def connect(cls, url: str, *, password: str | None = None) -> PostgresDatabase:
        """Connect to and migrate the database at `url`; raise `DatabaseError` if it is unusable."""
        name = redact(url)
        options: dict[str, Any] = {} if password is None else {"password": password}
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=1, init=_set_up, reset=_keep, timeout=10, **options
            )
        except _CONNECT_ERRORS as exc:
            raise DatabaseError(f"cannot connect to database {name}: {exc}") from None
        # Reads that need no transaction: a few connections of their own, opened as needed, that refuse writes.
        readers = asyncpg.create_pool(
            url, min_size=0, max_size=_READERS, init=_set_up, timeout=10,
            server_settings={"default_transaction_read_only": "on"}, **options,
        )  # fmt: skip
        db = cls(pool, readers, name)
        try:
            await readers
            await db.migrate()
        except BaseException as exc:
            await readers.close()
            await pool.close()
            if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
                raise DatabaseError(f"cannot use database {name}: {exc}") from None
            raise
        return db

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        raw = await self._pool.acquire()
        try:
            yield PostgresConnection(raw)
        finally:
            if raw.is_in_transaction():
                # A transaction cut short (its task cancelled mid-statement) that could not roll back: the pool
                # replaces the connection rather than hand it on with the transaction open.
                raw.terminate()
            await self._pool.release(raw)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        self._reads += 1
        self._no_reads.clear()
        try:
            async with self._readers.acquire() as raw:
                yield PostgresConnection(raw)
        finally:
            self._reads -= 1
            if not self._reads:
                self._no_reads.set()

    async def close(self) -> None:
        """Close the connections (after the last read and transaction finished)."""
        await self._no_reads.wait()
        await self._readers.close()
        async with self._lock:
            await self._pool.close()

    async def version(self) -> int:
        """Return the schema version stored in the database (0 before the first migration)."""
        exists = await self.fetchone("SELECT to_regclass('schema_version') IS NOT NULL AS found")
        if exists is None or not exists["found"]:
            return 0
        row = await self.fetchone("SELECT version FROM schema_version")
        return 0 if row is None else int(row["version"])

    @asynccontextmanager
    async def _migrating(self) -> AsyncIterator[None]:
        async with self.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            await conn.execute(
                "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)"
            )
        yield

    async def _apply(self, conn: Connection, version: int, sql: str) -> None:
        assert isinstance(conn, PostgresConnection)
        # Another process may have applied it since this one read the version: check again under the lock.
        await conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        row = await (await conn.execute("SELECT version FROM schema_version")).fetchone()
        if row is not None and row["version"] >= version:
            return
        await conn.script(sql)
        await conn.execute("UPDATE schema_version SET version = ?", (version,))

    def _is_backend_error(self, exc: BaseException) -> bool:
        return isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError)

    @contextmanager
    def _storage(self) -> Iterator[None]:
        try:
            yield
        except asyncpg.DiskFullError as exc:
            raise StorageFull(str(exc)) from exc
