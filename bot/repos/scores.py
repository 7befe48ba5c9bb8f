"""The ledger of scored answers (table `score_events`), written by daily posts and battles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.db import Connection, utc_iso

Source = Literal["daily", "battle"]


@dataclass(frozen=True, slots=True)
class ScoreEvent:
    """Points one member earned for one answer."""

    guild_id: int
    user_id: int
    source: Source
    ref: str
    points: int
    correct: bool | None
    at: datetime


async def insert_score(conn: Connection, event: ScoreEvent) -> bool:
    """Add a score inside the caller's transaction; return False if this answer was scored already."""
    cursor = await conn.execute(
        "INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, ref, user_id) DO NOTHING",
        (
            event.guild_id,
            event.user_id,
            event.source,
            event.ref,
            event.points,
            None if event.correct is None else int(event.correct),
            utc_iso(event.at),
        ),
    )
    return cursor.rowcount == 1
