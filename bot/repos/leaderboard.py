"""Server leaderboards: points and accuracy from `score_events`, current daily streaks from `member_streaks`.

Every board is strict (no shared places): on equal values the member who reached the value first ranks
higher. Points: the time of the event that brought the member to their total (a running sum per member
over the period). Accuracy: the time of the member's last graded answer. Streak: when the streak row was
last updated. Periods are UTC calendar periods: the ISO week from Monday 00:00 UTC, the calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.periods import Period, period_bounds
from bot.db import Database, from_iso, utc_iso
from bot.repos import row_to

Metric = Literal["points", "streak", "accuracy"]

TOP = 10
MIN_GRADED = 5  # graded answers a member needs in the period to be ranked by accuracy


@dataclass(frozen=True, slots=True)
class Entry:
    """A member's line on a board; for accuracy, `value` is correct answers and `graded` the answers graded."""

    user_id: int
    place: int | None  # None: not ranked (accuracy below the minimum of graded answers)
    value: int
    reached_at: datetime | None = None
    graded: int | None = None


@dataclass(frozen=True, slots=True)
class Board:
    """A leaderboard: the top entries, how many members are ranked, and the caller's own entry if any."""

    metric: Metric
    period: Period
    start: datetime | None
    end: datetime | None
    top: list[Entry]
    ranked: int
    me: Entry | None


# Running totals per member over the period; the first event at which the running sum equals the final
# total is the moment the member reached it (later zero-point events do not move it).
_POINTS = """
WITH running AS (
    SELECT user_id, created_at,
           SUM(points) OVER (PARTITION BY user_id ORDER BY created_at, id ROWS UNBOUNDED PRECEDING) AS so_far,
           SUM(points) OVER (PARTITION BY user_id) AS total
    FROM score_events
    WHERE guild_id = :guild_id AND created_at >= :start AND created_at < :end
),
totals AS (
    SELECT user_id, total, MIN(created_at) AS reached_at FROM running WHERE so_far = total AND total > 0
    GROUP BY user_id
),
ranked AS (
    SELECT user_id, total AS value, NULL AS graded, reached_at,
           ROW_NUMBER() OVER (ORDER BY total DESC, reached_at, user_id) AS place,
           COUNT(*) OVER () AS ranked
    FROM totals
)
SELECT * FROM ranked WHERE place <= :limit OR user_id = :me ORDER BY place
"""

# Accuracy as an exact ratio: SQLite divides two doubles, and equal fractions (2/3, 4/6) give the same double.
_GRADED = """
WITH graded AS (
    SELECT user_id, SUM(correct) AS value, COUNT(*) AS graded, MAX(created_at) AS reached_at
    FROM score_events
    WHERE guild_id = :guild_id AND created_at >= :start AND created_at < :end AND correct IS NOT NULL
    GROUP BY user_id
)
"""
_ACCURACY = (
    _GRADED
    + """,
ranked AS (
    SELECT user_id, value, graded, reached_at,
           ROW_NUMBER() OVER (ORDER BY CAST(value AS REAL) / graded DESC, reached_at, user_id) AS place,
           COUNT(*) OVER () AS ranked
    FROM graded WHERE graded >= :min_graded
)
SELECT * FROM ranked WHERE place <= :limit OR user_id = :me ORDER BY place
"""
)
_MY_GRADED = _GRADED + "SELECT user_id, value, graded, reached_at FROM graded WHERE user_id = :me"

_STREAK = """
WITH ranked AS (
    SELECT user_id, current AS value, NULL AS graded, updated_at AS reached_at,
           ROW_NUMBER() OVER (ORDER BY current DESC, updated_at, user_id) AS place,
           COUNT(*) OVER () AS ranked
    FROM member_streaks WHERE guild_id = :guild_id AND current > 0
)
SELECT * FROM ranked WHERE place <= :limit OR user_id = :me ORDER BY place
"""


class LeaderboardRepo:
    """Reads the leaderboards."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def board(
        self, guild_id: int, metric: Metric, period: Period, now: datetime, me: int, limit: int = TOP
    ) -> Board:
        """Return a server's top `limit` members by `metric` over `period`, and `me`'s own entry."""
        start, end = period_bounds(period, now) if metric != "streak" else (None, None)
        # Named parameters, shared by the queries: each reads the ones it names.
        # ISO text sorts as time; "0" and "9" bound every stored timestamp for all-time boards.
        params = {
            "guild_id": guild_id,
            "start": utc_iso(start) if start else "0",
            "end": utc_iso(end) if end else "9",
            "limit": limit,
            "me": me,
            "min_graded": MIN_GRADED,
        }
        sql = {"points": _POINTS, "accuracy": _ACCURACY, "streak": _STREAK}[metric]
        rows = await self.db.fetchall(sql, params)
        entries = [row_to(Entry, r, reached_at=from_iso(r["reached_at"]) if r["reached_at"] else None) for r in rows]
        top = [e for e in entries if e.place is not None and e.place <= limit]
        mine = next((e for e in entries if e.user_id == me), None)
        if mine is None and metric == "accuracy":
            # Not ranked: show the caller how far they are from the minimum.
            row = await self.db.fetchone(_MY_GRADED, params)
            if row is not None:
                mine = row_to(Entry, row, place=None, reached_at=from_iso(row["reached_at"]))
        ranked = rows[0]["ranked"] if rows else 0
        return Board(metric, period if metric != "streak" else "all", start, end, top, ranked, mine)
