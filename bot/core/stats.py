"""A member's statistics as plain facts: the activity calendar, streaks, points, accuracy, mastery, cards due.

The same `MemberStats` feeds the picture (`bot.render.stats_image`) and the text beside it
(`bot.cogs.stats._render`), so what a screen reader hears is what the picture shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.mastery import ChapterMastery
from bot.core.review import DueSummary

WEEKS = 12
ACTIVITY_SCOPE = "daily and battle answers in this server, solo quiz answers and /review ratings anywhere; UTC days"


@dataclass(frozen=True, slots=True)
class MemberStats:
    """Everything /stats shows about one member in one server."""

    name: str
    today: date  # the UTC date the calendar ends on
    activity: Mapping[date, int]  # answers per UTC day (see ACTIVITY_SCOPE)
    streak: tuple[int, int] | None  # (current, longest) daily streak; None when unknown
    points: int
    correct: int
    graded: int
    due: DueSummary
    mastery: Sequence[ChapterMastery]

    @property
    def accuracy(self) -> float | None:
        """Return the share of graded competitive answers that were right."""
        return self.correct / self.graded if self.graded else None


def calendar(today: date, weeks: int = WEEKS) -> list[list[date]]:
    """Return `weeks` columns of seven days (Monday first), the last column being the week of `today`."""
    last_monday = today - timedelta(days=today.weekday())
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    return [[first_monday + timedelta(weeks=w, days=d) for d in range(7)] for w in range(weeks)]


def window_activity(stats: MemberStats) -> tuple[int, int]:
    """Return (answers, active days) within the calendar, up to today."""
    days = [day for week in calendar(stats.today) for day in week if day <= stats.today]
    counts = [stats.activity.get(day, 0) for day in days]
    return sum(counts), sum(1 for c in counts if c)


def percent(share: float | None, missing: str = "—") -> str:
    """Format a share as "67 %" (`missing` when unknown)."""
    return missing if share is None else f"{round(100 * share)} %"
