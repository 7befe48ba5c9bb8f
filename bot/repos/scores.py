"""The ledger of scored answers (table `score_events`) and the members' totals kept beside it (`member_totals`).

Daily posts and battles write scores only through `insert_score`, which adds the event and its totals in the
caller's transaction: the leaderboards and /stats read the totals, never the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from bot.core.periods import Period, period_bounds
from bot.db import utc_iso

Source = Literal["daily", "battle"]

PERIODS: tuple[Period, ...] = ("week", "month", "all")

# One row per period the answer falls in; an existing row adds the answer to its sums. The moments are NULL
# where the answer does not move them (no points, not graded), and MAX of a NULL is NULL, hence COALESCE.
_ADD_TO_TOTALS = """
INSERT INTO member_totals
    (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
VALUES {rows}
ON CONFLICT (guild_id, period, period_start, user_id) DO UPDATE SET
    points = points + excluded.points,
    answers = answers + excluded.answers,
    graded = graded + excluded.graded,
    correct = correct + excluded.correct,
    points_at = COALESCE(MAX(points_at, excluded.points_at), points_at, excluded.points_at),
    graded_at = COALESCE(MAX(graded_at, excluded.graded_at), graded_at, excluded.graded_at)
""".format(rows=", ".join(["(?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"] * len(PERIODS)))


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


def period_start(period: Period, at: datetime) -> str:
    """Return the key of the UTC period containing `at` in `member_totals`: its first day, or '' for all time."""
    start, _ = period_bounds(period, at)
    return "" if start is None else start.date().isoformat()


async def insert_score(conn: aiosqlite.Connection, event: ScoreEvent) -> bool:
    """Add a score and its member's totals inside the caller's transaction; False if this answer was scored already."""
    at = utc_iso(event.at)
    correct = None if event.correct is None else int(event.correct)
    cursor = await conn.execute(
        "INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, ref, user_id) DO NOTHING",
        (event.guild_id, event.user_id, event.source, event.ref, event.points, correct, at),
    )
    if cursor.rowcount != 1:
        return False
    graded = 0 if correct is None else 1
    points_at = at if event.points > 0 else None
    graded_at = at if graded else None
    await conn.execute(
        _ADD_TO_TOTALS,
        [
            value
            for period in PERIODS
            for value in (
                event.guild_id,
                event.user_id,
                period,
                period_start(period, event.at),
                event.points,
                graded,
                correct or 0,
                points_at,
                graded_at,
            )
        ],
    )
    return True
