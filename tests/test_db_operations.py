"""Operating the database: a read-only one is refused at start, a migration backs up first, and
`interview-bot db backup` copies it safely while the bot writes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import Database, DatabaseError, bundled_migrations
from botprocess import environment

NEWEST = bundled_migrations()[-1][0]


def make_read_only(path: Path) -> None:
    """Make SQLite open the database read-only for every user, root included.

    A file format write version above 2 (header byte 18) tells SQLite the file may be read but not written:
    what a read-only file or directory does, without depending on who runs the tests.
    """
    with path.open("r+b") as file:
        file.seek(18)
        file.write(bytes([3]))


def old_database(path: Path, version: int) -> None:
    """Create a database at schema `version` (the first `version` migrations) holding one fact."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for number, _, sql in bundled_migrations()[:version]:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=environment(), timeout=60
    )


async def test_a_read_only_database_is_refused_at_start(tmp_path):
    path = tmp_path / "bot.db"
    await (await Database.open(path)).close()
    make_read_only(path)
    with pytest.raises(DatabaseError) as refused:
        await Database.open(path)
    assert str(refused.value) == (
        f"cannot write to database {path} (attempt to write a readonly database): make the file and its directory "
        "writable by the user running the bot, or point database.path at another file"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only file anyway")
async def test_a_database_file_without_write_permission_is_refused_at_start(tmp_path):
    path = tmp_path / "bot.db"
    await (await Database.open(path)).close()
    path.chmod(0o444)
    with pytest.raises(DatabaseError, match=r"^cannot write to database .*: make the file and its directory writable"):
        await Database.open(path)


def test_run_on_a_read_only_database_stops_with_one_line(tmp_path):
    path = tmp_path / "bot.db"
    old_database(path, NEWEST)
    make_read_only(path)
    (tmp_path / "config.toml").write_text(
        '[database]\npath = "bot.db"\n[discord]\napi_base = "http://127.0.0.1:9/api/v10"\n'
    )
    result = cli("run", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: cannot write to database {path} (attempt to write a readonly database): make the file and its "
        "directory writable by the user running the bot, or point database.path at another file"
    ]


async def test_a_migration_backs_up_the_database_first(tmp_path, caplog):
    path = tmp_path / "bot.db"
    old_database(path, NEWEST - 1)
    with caplog.at_level(logging.INFO, logger="bot.db"):
        db = await Database.open(path)
    await db.close()
    (backup,) = tmp_path.glob("*.bak")
    assert re.fullmatch(rf"bot\.db\.pre-v{NEWEST}-\d{{8}}T\d{{6}}Z\.bak", backup.name)
    with contextlib.closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("PRAGMA user_version").fetchone() == (NEWEST - 1,)
        assert copy.execute("SELECT value FROM meta WHERE key = 'kept'").fetchone() == ("yes",)
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    said = [r.getMessage() for r in caplog.records if r.name == "bot.db"]
    assert (
        said[0] == f"backed up {path} (schema version {NEWEST - 1}) to {backup} before migrating it to version {NEWEST}"
    )


async def test_no_backup_of_a_new_or_an_up_to_date_database(tmp_path):
    path = tmp_path / "bot.db"
    await (await Database.open(path)).close()  # created: nothing to keep
    await (await Database.open(path)).close()  # up to date: no migration runs
    assert list(tmp_path.glob("*.bak")) == []


async def test_db_backup_while_the_bot_writes(env, tmp_path):
    bot = await env.start()
    (tmp_path / "config.toml").write_text(f'[database]\npath = "{env.db_path.name}"\n')
    written = 0
    started = asyncio.Event()

    async def write() -> None:
        nonlocal written
        while True:
            await bot.db.set_meta(f"fact {written}", "x" * 200)
            written += 1
            if written == 200:
                started.set()

    writer = asyncio.create_task(write())
    try:
        await started.wait()
        before = written
        assert (tmp_path / "bot.db-wal").stat().st_size > 0  # the latest writes are still in the write-ahead log
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "db", "backup", "copy.db",
            cwd=tmp_path, env=environment(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output, errors = await process.communicate()
        after = written
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    assert process.returncode == 0, errors.decode()
    assert output.decode() == f"backed up {env.db_path} (schema version {NEWEST}) to copy.db\n"
    assert after > before, "the bot went on writing during the backup"
    with contextlib.closing(sqlite3.connect(tmp_path / "copy.db")) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        (copied,) = copy.execute("SELECT count(*) FROM meta WHERE key LIKE 'fact %'").fetchone()
    assert before <= copied <= after


def test_db_backup_into_a_directory_and_never_over_a_file(tmp_path):
    old_database(tmp_path / "bot.db", NEWEST)
    (tmp_path / "config.toml").write_text('[database]\npath = "bot.db"\n')
    (tmp_path / "backups").mkdir()
    result = cli("db", "backup", "backups", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (made,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"bot-\d{8}T\d{6}Z\.db", made.name)

    again = cli("db", "backup", str(made), cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [f"error: {made} exists: a backup never overwrites a file, choose another name"]

    (tmp_path / "config.toml").write_text('[database]\npath = "missing.db"\n')
    missing = cli("db", "backup", "x.db", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [f"error: no database at {tmp_path / 'missing.db'}: nothing to back up"]
    assert not (tmp_path / "missing.db").exists()
