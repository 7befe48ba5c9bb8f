"""The database beside another process: locked writes wait and go through, reads go on, a full disk is named."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from bot.db import Database, StorageFull, open_database
from dblock import other_process_writing


class Heard(logging.Handler):
    """Set an event when a log record containing `text` is emitted."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text, self.event = text, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


async def test_a_write_waits_for_another_processs_lock_and_then_goes_through(tmp_path):
    db = await open_database(tmp_path / "bot.db", busy_timeout=0.05)
    heard = Heard("another process holds the database")
    logging.getLogger("bot.db").addHandler(heard)
    try:
        async with other_process_writing(db.path) as holder:
            writing = asyncio.create_task(db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')"))
            transaction = asyncio.create_task(_in_a_transaction(db))
            # Refused as locked (each attempt gives up after the busy timeout), and tried again.
            await asyncio.wait_for(heard.event.wait(), 5)
            assert not writing.done() and not transaction.done()
            await holder.release()
            assert await writing == 1
            await transaction
        rows = await db.fetchall("SELECT key, value FROM meta WHERE key IN ('k', 't') ORDER BY key")
        assert [tuple(r) for r in rows] == [("k", "v"), ("t", "w")]
    finally:
        logging.getLogger("bot.db").removeHandler(heard)
        await db.close()


async def _in_a_transaction(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('t', 'w')")


async def test_a_lock_held_past_the_patience_fails_the_write(tmp_path):
    db = await open_database(tmp_path / "bot.db", busy_timeout=0.05)
    db.patience = 0.2
    try:
        async with other_process_writing(db.path):
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    finally:
        await db.close()


async def test_a_full_disk_raises_storage_full_and_rolls_back(tmp_path):
    db = await open_database(tmp_path / "bot.db")
    try:
        pages = (await db.fetchone("PRAGMA page_count"))[0]
        await db.fetchone(f"PRAGMA max_page_count = {pages}")  # SQLite's size limit stands for the disk's
        with pytest.raises(StorageFull, match="database or disk is full"):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('before', 'x')")
                await conn.execute("INSERT INTO meta (key, value) VALUES ('big', ?)", ("x" * 100_000,))
        with pytest.raises(StorageFull):
            await db.execute("INSERT INTO meta (key, value) VALUES ('big', ?)", ("x" * 100_000,))
        assert await db.fetchone("SELECT 1 FROM meta WHERE key = 'before'") is None
    finally:
        await db.close()
