"""A member's statistics as plain facts: the activity calendar, streaks, points, accuracy, mastery, cards due.

The same `MemberStats` feeds the picture (`bot.render.stats_image`) and the text beside it (`text_fields`), so
what a screen reader hears is what the picture shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.content.text import plural, truncate
from bot.core.mastery import ChapterMastery
from bot.core.review import DueSummary

WEEKS = 12
FIELD_LIMIT = 1024
MASTERY = "Mastery by chapter"
# Mastery lines are spread over up to this many fields: every chapter of the bundled pack (24 lines of about
# 50 characters), and of a few more packs, while the whole embed stays far below Discord's 6000 characters.
MASTERY_FIELDS = 4
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


def _pack_lines(lines: Sequence[str], limit: int, count: int, more: str) -> list[str]:
    """Pack lines into at most `count` texts of at most `limit` characters each.

    If they do not all fit, the last text ends with `more`, formatted with the number of lines left out.
    """
    texts: list[list[str]] = [[]]
    for line in lines:
        line = truncate(line, limit)
        if texts[-1] and len("\n".join([*texts[-1], line])) > limit:
            texts.append([])
        texts[-1].append(line)
    if len(texts) > count:
        texts = texts[:count]
        shown = sum(len(chunk) for chunk in texts)
        while len("\n".join([*texts[-1], more.format(len(lines) - shown)])) > limit:
            texts[-1].pop()
            shown -= 1
        texts[-1].append(more.format(len(lines) - shown))
    return ["\n".join(chunk) for chunk in texts]


def text_fields(stats: MemberStats) -> list[tuple[str, str]]:
    """Return the facts of the picture as (name, value) embed fields within Discord's limits."""
    if stats.streak is None:
        streak = "No daily streak yet"
    else:
        current, longest = stats.streak
        streak = f"{plural(current, 'day')} (longest {longest})"
    if stats.graded:
        accuracy = f"{percent(stats.accuracy)} ({stats.correct} of {stats.graded} graded answers)"
    else:
        accuracy = "No graded answers yet"
    answers, active = window_activity(stats)
    activity = f"{plural(answers, 'answer')} on {plural(active, 'day')}"
    studied = [m for m in stats.mastery if m.carded]
    if studied:
        mastery = _pack_lines(
            [f"{m.number}. {m.title}: {m.mastered}/{m.terms} mastered ({percent(m.share)})" for m in studied],
            FIELD_LIMIT,
            MASTERY_FIELDS,
            "… and {} more chapters",
        )
    else:
        mastery = ["No review cards yet: try `/quiz solo` or `/review`."]
    return [
        ("Daily streak", streak),
        ("Points in this server", str(stats.points)),
        ("Accuracy", accuracy),
        (
            "Review cards",
            f"{stats.due.describe()} · {stats.due.total} in the deck" if stats.due.total else "No cards yet",
        ),
        (f"Activity, last {WEEKS} weeks", f"{activity} ({ACTIVITY_SCOPE})"),
        *((MASTERY if n == 0 else f"{MASTERY} (continued)", value) for n, value in enumerate(mastery)),
    ]
