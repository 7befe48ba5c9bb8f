"""Another process holding the bot's SQLite database, as a backup tool or an admin's `sqlite3` shell does.

    async with other_process_writing(db_path) as holder:
        ...  # the bot's writes wait; its reads go on (WAL)
        holder.release()  # or leave the block

A real second process with a real write transaction (BEGIN IMMEDIATE): nothing of the bot's own connections
or locks is involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta (key, value) VALUES ('held-by', 'another process')")
print("holding", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
print("released", flush=True)
"""


class Holder:
    """The process holding the database's write lock."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.released = False

    async def release(self) -> None:
        """Roll the other process's transaction back and let it end."""
        if self.released:
            return
        self.released = True
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"\n")
        await self.process.stdin.drain()
        assert (await self.process.stdout.readline()).strip() == b"released"
        await self.process.wait()


@contextlib.asynccontextmanager
async def other_process_writing(path: Path) -> AsyncIterator[Holder]:
    """Start a process that holds a write transaction on the database at `path` until released."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, str(path), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    holder = Holder(process)
    try:
        assert process.stdout is not None
        assert (await asyncio.wait_for(process.stdout.readline(), 10)).strip() == b"holding"
        yield holder
    finally:
        if process.returncode is None:
            await holder.release()
