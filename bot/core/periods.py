"""UTC calendar periods shared by the leaderboards and the review summary: days, ISO weeks and months.

Every member is counted against the same boundaries wherever they live, so "this week" means the same
Monday-to-Sunday UTC week on the leaderboard and in `/review`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

Period = Literal["week", "month", "all"]


def utc_day(now: datetime) -> tuple[datetime, datetime]:
    """Return the [start, end) of `now`'s UTC day."""
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def utc_week(now: datetime) -> tuple[datetime, datetime]:
    """Return the [start, end) of `now`'s ISO week in UTC: Monday 00:00 to the next Monday 00:00."""
    day, _ = utc_day(now)
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def utc_month(now: datetime) -> tuple[datetime, datetime]:
    """Return the [start, end) of `now`'s calendar month in UTC."""
    start = utc_day(now)[0].replace(day=1)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def period_bounds(period: Period, now: datetime) -> tuple[datetime | None, datetime | None]:
    """Return the UTC [start, end) of the week or month containing `now` (None, None for all time)."""
    if period == "week":
        return utc_week(now)
    if period == "month":
        return utc_month(now)
    return None, None
