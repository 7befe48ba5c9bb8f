"""The database in trouble, end to end: full."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.db import StorageFull
from bot.ui import STORAGE_FULL

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def setup_daily(env, admin, channel, kind: str) -> None:
    options = {"channel": channel, "time": "09:00", "timezone": "Etc/UTC", "kind": kind}
    reply = (await (await env.standin.slash("daily setup", options, user=admin)).response()).message
    assert "Daily question set up" in reply.content


def custom_ids(message) -> list[str]:
    return [c["custom_id"] for c in message.all_components() if "custom_id" in c]


async def test_a_full_disk_is_named_to_every_member_and_logged_once(env):
    members = [env.standin.guild.add_member(f"member-{n}") for n in range(40)]
    bot = await env.start()
    await fill_solo_storage(bot)
    for member in members:
        handle = await env.standin.slash("quiz solo", user=member)
        reply = (await handle.response()).message
        assert reply.ephemeral and reply.content == STORAGE_FULL
    [logged] = env.expected_errors("the bot's storage is full")
    assert "database or disk is full" in logged.getMessage() and logged.exc_info is None
    assert (await bot.db.fetchone("SELECT count(*) FROM solo_sessions"))[0] == 1  # only the filler's


async def fill_solo_storage(bot) -> None:
    """Fill the database up to a size limit, the last pages with solo questions: a new quiz then finds it full.

    SQLite's own limit (PRAGMA max_page_count) stands for the disk: it fails the same way, SQLITE_FULL.
    """
    db = bot.db
    pages = (await db.fetchone("PRAGMA page_count"))[0]
    await db.fetchone(f"PRAGMA max_page_count = {pages + 4}")
    session = await db.fetchone(
        "INSERT INTO solo_sessions (user_id, guild_id, mode, total, started_at, last_activity)"
        " VALUES (1, NULL, 'definition', 1, '2026-03-02', '2026-03-02') RETURNING id"
    )
    position = 0
    while True:
        try:
            await db.execute(
                "INSERT INTO solo_questions (session_id, position, term_id, mode, prompt, options, answer)"
                " VALUES (?, ?, 'x', 'definition', 'x', '[]', 0)",
                (session[0], position),
            )
        except StorageFull:
            return
        position += 1
        await asyncio.sleep(0)
