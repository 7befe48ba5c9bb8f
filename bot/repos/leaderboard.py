"""Server leaderboards: points and accuracy from `member_totals`, current daily streaks from `member_streaks`.

Every board is strict (no shared places): on equal values the member who reached the value first ranks
higher. Points: the time of the answer that brought the member to their total (their last answer that earned
points in the period). Accuracy: the time of the member's last graded answer. Streak: when the streak row
was last updated. Periods are UTC calendar periods: the ISO week from Monday 00:00 UTC, the calendar month.

The totals are kept per period as answers are scored (`bot.repos.scores`), so a board reads a few index
ranges whatever the length of the history, on the read-only connection, beside any write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.periods import Period, period_bounds
from bot.db import Database, from_iso
from bot.repos import row_to
from bot.repos.scores import period_start

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


@dataclass(frozen=True, slots=True)
class _Columns:
    """What a board shows and sorts by, as SQL expressions over its table `t`."""

    value: str
    key: str  # what ranks (higher first); the value itself, or a ratio of it
    reached: str  # when the member reached the key: ties go to the earlier
    graded: str = "NULL"


def _board_sql(*, table: str, base: str, member: str, ranked_if: str, columns: _Columns) -> str:
    """Build a board's query: its top `:limit` rows with their places, and the `:me` row if beyond them.

    The board's members are the rows of `table` (aliased `t`) matching `base` and `member`; those matching
    `ranked_if` too are ranked, by the key (higher first), then by when they reached it (earlier first), then by
    user id. Every part reads a range of an index in that order, never the whole board: the top rows are its
    first rows; the ranked members and the caller's place (one more than the members ahead of them: a higher key,
    or the same key reached earlier) are counts of ranges.

    The counts ahead leave `member` out: a key at or above a ranked member's implies it, and a second bound on
    the key's column (`points > 0` beside `points > m.key`) can make the planner take the wrong one.
    """
    key, reached = columns.key, columns.reached
    ranked_where = f"{base} AND {member} AND {ranked_if}"
    ahead = (
        f"(SELECT COUNT(*) FROM {table} t WHERE {base} AND {ranked_if} AND {key} > m.key)"
        f" + (SELECT COUNT(*) FROM {table} t WHERE {base} AND {ranked_if} AND {key} = m.key"
        f" AND ({reached} < m.reached_at OR ({reached} = m.reached_at AND t.user_id < m.user_id)))"
    )
    row = f"t.user_id, {columns.value} AS value, {columns.graded} AS graded, {reached} AS reached_at, {key} AS key"
    return f"""
WITH ranked AS MATERIALIZED (SELECT COUNT(*) AS n FROM {table} t WHERE {ranked_where}),
mine AS MATERIALIZED (
    SELECT m.*, CASE WHEN m.is_ranked THEN 1 + {ahead} END AS place
    FROM (SELECT {row}, {ranked_if} AS is_ranked FROM {table} t WHERE {base} AND {member} AND t.user_id = :me) m
),
top AS (SELECT {row} FROM {table} t WHERE {ranked_where} ORDER BY {key} DESC, {reached}, t.user_id LIMIT :limit)
SELECT user_id, value, graded, reached_at, ROW_NUMBER() OVER (ORDER BY key DESC, reached_at, user_id) AS place,
       (SELECT n FROM ranked) AS ranked
FROM top
UNION ALL
SELECT user_id, value, graded, reached_at, place, (SELECT n FROM ranked) FROM mine WHERE place IS NULL OR place > :limit
ORDER BY place
"""


_PERIOD = "t.guild_id = :guild_id AND t.period = :period AND t.period_start = :start"

# Points: members with points in the period; ties go to who reached their total first (member_totals.points_at).
_POINTS = _board_sql(
    table="member_totals",
    base=_PERIOD,
    member="t.points > 0",
    ranked_if="1",
    columns=_Columns(value="t.points", key="t.points", reached="t.points_at"),
)

# Accuracy as an exact ratio: SQLite divides two doubles, and equal fractions (2/3, 4/6) give the same double.
# The key is the expression member_totals_by_accuracy is built on, so the planner reads the board in its order.
# A member with graded answers but fewer than the minimum gets their own line, unranked (place NULL).
_ACCURACY = _board_sql(
    table="member_totals",
    base=_PERIOD,
    member="t.graded > 0",
    ranked_if="t.graded >= :min_graded",
    columns=_Columns(
        value="t.correct", key="CAST(t.correct AS REAL) / t.graded", reached="t.graded_at", graded="t.graded"
    ),
)

# Streak: the current daily streak, whatever the period; ties go to whoever's streak row changed first.
_STREAK = _board_sql(
    table="member_streaks",
    base="t.guild_id = :guild_id",
    member="t.current > 0",
    ranked_if="1",
    columns=_Columns(value="t.current", key="t.current", reached="t.updated_at"),
)


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
        params = {
            "guild_id": guild_id,
            "period": period,
            "start": period_start(period, now),
            "limit": limit,
            "me": me,
            "min_graded": MIN_GRADED,
        }
        sql = {"points": _POINTS, "accuracy": _ACCURACY, "streak": _STREAK}[metric]
        rows = await self.db.read_fetchall(sql, params)
        entries = [row_to(Entry, r, reached_at=from_iso(r["reached_at"]) if r["reached_at"] else None) for r in rows]
        top = [e for e in entries if e.place is not None and e.place <= limit]
        mine = next((e for e in entries if e.user_id == me), None)
        ranked = rows[0]["ranked"] if rows else 0
        return Board(metric, period if metric != "streak" else "all", start, end, top, ranked, mine)
