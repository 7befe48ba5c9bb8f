"""The ledger of scored answers (table `score_events`) and the members' totals kept beside it (`member_totals`).

Daily posts and battles write scores only through `insert_score` or `insert_scores` (a battle round's scores at
once), which add the events and their totals in the caller's transaction: the leaderboards and /stats read the
totals, never the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from bot.core.periods import Period, period_bounds
from bot.db import utc_iso

Source = Literal["daily", "battle"]

PERIODS: tuple[Period, ...] = ("week", "month", "all")

_BATCH = 300  # events per statement: 7 parameters each, and 3 rows of 9 for the totals (SQLite allows 32,766)

# RETURNING says which events were written (not those scored already).
_INSERT_EVENTS = """
INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at) VALUES {rows}
ON CONFLICT (source, ref, user_id) DO NOTHING
RETURNING source, ref, user_id
"""

# One row per period an answer falls in; an existing row adds the answer to its sums (also when an earlier
# row of the same statement created it: rows are applied in turn). The moments are NULL where the answer
# does not move them (no points, not graded), and MAX of a NULL is NULL, hence COALESCE.
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
"""


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
    return (await insert_scores(conn, [event]))[0]


async def insert_scores(conn: aiosqlite.Connection, events: Sequence[ScoreEvent]) -> list[bool]:
    """Add scores and their members' totals inside the caller's transaction, a few statements for many events.

    Return, for each event in order, whether it was written (False: that answer was scored already, or an
    earlier event of the same call scored it).
    """
    written: list[bool] = []
    for start in range(0, len(events), _BATCH):
        chunk = events[start : start + _BATCH]
        rows = [_event_row(event) for event in chunk]
        returned = await conn.execute_fetchall(
            _INSERT_EVENTS.format(rows=", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))),
            [value for row in rows for value in row],
        )
        new = {tuple(r) for r in returned}
        added = []
        for event in chunk:
            key = (event.source, event.ref, event.user_id)
            added.append(key in new)
            new.discard(key)  # a second event with the same key was not written
        written += added
        totals = [row for event, ok in zip(chunk, added, strict=True) if ok for row in _totals_rows(event)]
        if totals:
            await conn.execute(
                _ADD_TO_TOTALS.format(rows=", ".join(["(?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"] * len(totals))),
                [value for row in totals for value in row],
            )
    return written


def _event_row(event: ScoreEvent) -> tuple[object, ...]:
    correct = None if event.correct is None else int(event.correct)
    return (event.guild_id, event.user_id, event.source, event.ref, event.points, correct, utc_iso(event.at))


def _totals_rows(event: ScoreEvent) -> list[tuple[object, ...]]:
    """Return the event's rows for `_ADD_TO_TOTALS`: one per period it falls in."""
    at = utc_iso(event.at)
    graded = 0 if event.correct is None else 1
    return [
        (
            event.guild_id,
            event.user_id,
            period,
            period_start(period, event.at),
            event.points,
            graded,
            int(bool(event.correct)),
            at if event.points > 0 else None,
            at if graded else None,
        )
        for period in PERIODS
    ]
