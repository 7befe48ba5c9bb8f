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

from bot.core.periods import Period, period_bounds
from bot.db import Connection, utc_iso

Source = Literal["daily", "battle"]

PERIODS: tuple[Period, ...] = ("week", "month", "all")

_BATCH = 300  # events per statement: 7 parameters each, and 3 rows of 9 for the totals (SQLite allows 32,766)

# RETURNING says which events were written (not those scored already).
_INSERT_EVENTS = """
INSERT INTO score_events (guild_id, user_id, source, ref, points, correct, created_at) VALUES {rows}
ON CONFLICT (source, ref, user_id) DO NOTHING
RETURNING source, ref, user_id
"""

# One row per member and period (the statement's rows are summed per key first: PostgreSQL updates a row once
# per statement); an existing row adds them to its sums. The moments are NULL where the answers do not move
# them (no points, not graded): a moment moves to the later of the two, and stays where the new one is NULL.
_ADD_TO_TOTALS = """
INSERT INTO member_totals AS t
    (guild_id, user_id, period, period_start, points, answers, graded, correct, points_at, graded_at)
VALUES {rows}
ON CONFLICT (guild_id, period, period_start, user_id) DO UPDATE SET
    points = t.points + excluded.points,
    answers = t.answers + excluded.answers,
    graded = t.graded + excluded.graded,
    correct = t.correct + excluded.correct,
    points_at = CASE WHEN t.points_at IS NULL OR excluded.points_at > t.points_at
                THEN COALESCE(excluded.points_at, t.points_at) ELSE t.points_at END,
    graded_at = CASE WHEN t.graded_at IS NULL OR excluded.graded_at > t.graded_at
                THEN COALESCE(excluded.graded_at, t.graded_at) ELSE t.graded_at END
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


async def insert_score(conn: Connection, event: ScoreEvent) -> bool:
    """Add a score and its member's totals inside the caller's transaction; False if this answer was scored already."""
    return (await insert_scores(conn, [event]))[0]


async def insert_scores(conn: Connection, events: Sequence[ScoreEvent]) -> list[bool]:
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
        totals = _per_key([row for event, ok in zip(chunk, added, strict=True) if ok for row in _totals_rows(event)])
        if totals:
            await conn.execute(
                _ADD_TO_TOTALS.format(rows=", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(totals))),
                [value for row in totals for value in row],
            )
    return written


def _event_row(event: ScoreEvent) -> tuple[object, ...]:
    correct = None if event.correct is None else int(event.correct)
    return (event.guild_id, event.user_id, event.source, event.ref, event.points, correct, utc_iso(event.at))


_Totals = tuple[int, int, str, str, int, int, int, int, str | None, str | None]


def _per_key(rows: list[_Totals]) -> list[_Totals]:
    """Add up the rows of one member and period (a battle round has one answer per player: rarely any)."""
    merged: dict[tuple[int, int, str, str], _Totals] = {}
    for row in rows:
        key = (row[0], row[1], row[2], row[3])
        if (before := merged.get(key)) is not None:
            sums = (before[4] + row[4], before[5] + row[5], before[6] + row[6], before[7] + row[7])
            row = (*key, *sums, _later(before[8], row[8]), _later(before[9], row[9]))
        merged[key] = row
    return list(merged.values())


def _later(first: str | None, second: str | None) -> str | None:
    """Return the later of two moments (UTC ISO text), either of which may be missing."""
    return second if first is None or (second is not None and second > first) else first


def _totals_rows(event: ScoreEvent) -> list[_Totals]:
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
            1,
            graded,
            int(bool(event.correct)),
            at if event.points > 0 else None,
            at if graded else None,
        )
        for period in PERIODS
    ]
