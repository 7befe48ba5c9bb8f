"""Member streaks in the database: recomputed from answered post dates by bot.core.streaks' rules.

These run inside the caller's transaction, so an answer, its points and the streak it makes commit together.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from bot.core.daily import over_through
from bot.core.streaks import Streak, compute_streak
from bot.db import Connection, utc_iso


async def over_through_date(conn: Connection, guild_id: int) -> date | None:
    """Return the server's last date that is over: no post of it can be answered any more (bot.core.daily)."""
    cursor = await conn.execute(
        "SELECT p.channel_id, max(p.local_date) AS latest FROM daily_posts p"
        " JOIN daily_channels c ON c.channel_id = p.channel_id"
        " WHERE p.guild_id = ? AND p.state = 'posted' AND c.enabled = 1 GROUP BY p.channel_id",
        (guild_id,),
    )
    return over_through({r["channel_id"]: date.fromisoformat(r["latest"]) for r in await cursor.fetchall()})


async def refresh_streaks(conn: Connection, guild_id: int, users: list[int], now: datetime) -> dict[int, Streak]:
    """Recompute members' streaks from their answered days and store them (inside the caller's transaction)."""
    cursor = await conn.execute(
        "SELECT DISTINCT local_date FROM daily_posts WHERE guild_id = ? AND state = 'posted'", (guild_id,)
    )
    post_dates = [date.fromisoformat(r["local_date"]) for r in await cursor.fetchall()]
    through = await over_through_date(conn, guild_id)
    results: dict[int, Streak] = {}
    # SQLite allows a limited number of parameters: look members up in chunks.
    for start in range(0, len(users), 500):
        chunk = users[start : start + 500]
        marks = ",".join("?" * len(chunk))
        cursor = await conn.execute(
            "SELECT DISTINCT a.user_id, p.local_date FROM daily_answers a JOIN daily_posts p ON p.id = a.post_id"
            f" WHERE a.guild_id = ? AND a.user_id IN ({marks})",
            (guild_id, *chunk),
        )
        answered: dict[int, list[date]] = defaultdict(list)
        for row in await cursor.fetchall():
            answered[row["user_id"]].append(date.fromisoformat(row["local_date"]))
        for user_id in chunk:
            streak = compute_streak(answered[user_id], post_dates, through)
            results[user_id] = streak
            await conn.execute(
                "INSERT INTO member_streaks"
                " (guild_id, user_id, current, longest, freezes, last_date, updated_at, longest_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                " updated_at = CASE WHEN member_streaks.current != excluded.current THEN excluded.updated_at"
                " ELSE member_streaks.updated_at END,"
                " longest_at = CASE WHEN member_streaks.longest != excluded.longest THEN excluded.longest_at"
                " ELSE member_streaks.longest_at END,"
                " current = excluded.current, longest = excluded.longest, freezes = excluded.freezes,"
                " last_date = excluded.last_date",
                (
                    guild_id,
                    user_id,
                    streak.current,
                    streak.longest,
                    streak.freezes,
                    None if streak.last_date is None else streak.last_date.isoformat(),
                    utc_iso(now),
                    utc_iso(now),
                ),
            )
    return results
