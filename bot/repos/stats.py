"""Read-only queries behind /stats: activity per day, and points and accuracy (the daily streak is `DailyRepo`'s).

They run on the database's read-only connection, so /stats never waits for an answer being recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.db import Database, utc_iso
from bot.repos import row_to


@dataclass(frozen=True, slots=True)
class Points:
    """A member's competitive record in one server (their all-time row of member_totals)."""

    points: int
    correct: int
    graded: int


# A member's answers per UTC day: scored here (score_events_by_member), and practised anywhere.
_ACTIVITY = (
    "SELECT day, SUM(n) AS n FROM ("
    " SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS n FROM score_events"
    "  WHERE guild_id = ? AND user_id = ? AND created_at >= ? GROUP BY day"
    " UNION ALL"
    " SELECT substr(q.answered_at, 1, 10) AS day, COUNT(*) AS n"
    "  FROM solo_sessions AS s JOIN solo_questions AS q ON q.session_id = s.id"
    "  WHERE s.user_id = ? AND q.answered_at >= ? GROUP BY day"
    " UNION ALL"
    " SELECT substr(reviewed_at, 1, 10) AS day, COUNT(*) AS n FROM review_logs"
    "  WHERE user_id = ? AND source = 'review' AND reviewed_at >= ? GROUP BY day"
    ") GROUP BY day"
)

# The member's all-time totals row (one primary-key lookup); a member who never scored here has none.
_POINTS = (
    "SELECT COALESCE(SUM(points), 0) AS points, COALESCE(SUM(correct), 0) AS correct,"
    " COALESCE(SUM(graded), 0) AS graded FROM member_totals"
    " WHERE guild_id = ? AND period = 'all' AND period_start = '' AND user_id = ?"
)


class StatsRepo:
    """Queries for a member's statistics."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def activity(self, guild_id: int, user_id: int, since: datetime) -> dict[date, int]:
        """Count a member's answers per UTC day since `since`.

        Activity is the member's scored answers in this server (score_events: daily posts and battles) plus
        their personal practice anywhere (solo quiz answers and /review ratings), since personal practice
        belongs to the member, not to a server. Ratings that came from answers (review_logs source 'answer')
        are left out: those answers are already counted where they were given.
        """
        stamp = utc_iso(since)
        rows = await self.db.read_fetchall(_ACTIVITY, (guild_id, user_id, stamp, user_id, stamp, user_id, stamp))
        return {date.fromisoformat(row["day"]): row["n"] for row in rows}

    async def points(self, guild_id: int, user_id: int) -> Points:
        """Sum a member's points and count their right and graded answers in one server."""
        row = await self.db.read_fetchone(_POINTS, (guild_id, user_id))
        assert row is not None  # an aggregate without GROUP BY: always one row
        return row_to(Points, row)
