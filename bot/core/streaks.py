"""Daily-question streaks: pure rules over explicit dates.

The rules, precisely:

- A member's streak in a server counts the *answered days*: the post dates (each post's local date in its
  channel's time zone) on which the member answered at least one daily post of that server. Two answers
  with the same post date count once, whichever channels they were in.
- Between two answered days, a *missed day* is a calendar date on which the server published at least one
  daily post and the member answered none. A date with no daily post anywhere in the server (the bot was
  down past the grace window, the daily was stopped) is neutral: it neither breaks nor extends a streak.
  Because a server's channels post every day, this is "consecutive calendar dates" in practice.
- A gap of k missed days is covered when the member holds at least k freezes at that moment: the k freezes
  are spent and the streak goes on (covered days do not add to it). With fewer than k freezes the streak
  restarts at 1 and the freezes are kept.
- Every 7th day of a streak (7, 14, 21 …) earns one freeze; at most 2 are held.
- Days still running are not missed yet. A day is *over* when no post dated that day can be answered any
  more (every daily channel of the server has posted a later day); `over_through` is the last such date.
  Missed days up to `over_through` after the last answered day break the streak now (current 0) unless
  the freezes held cover them, in which case those freezes are shown as spent.

Everything is recomputed from the dates, so the result does not depend on the order in which answers
arrive (a member may answer yesterday's still-open post in a channel that is behind in time).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

FREEZE_EVERY = 7
MAX_FREEZES = 2


@dataclass(frozen=True, slots=True)
class Streak:
    """A member's streak as of some moment: current and longest run, freezes held, last answered day."""

    current: int = 0
    longest: int = 0
    freezes: int = 0
    last_date: date | None = None
    freezes_used: int = 0


def _missed(post_dates: list[date], after: date, through: date) -> int:
    """Count server post dates d with after < d <= through."""
    if through <= after:
        return 0
    return bisect.bisect_right(post_dates, through) - bisect.bisect_right(post_dates, after)


def compute_streak(answered: Iterable[date], post_dates: Iterable[date], over_through: date | None = None) -> Streak:
    """Return a member's streak from their answered days, the server's post dates and the last day that is over."""
    days = sorted(set(answered))
    posts = sorted(set(post_dates) | set(days))
    current = longest = freezes = used = 0
    previous: date | None = None
    for day in days:
        if previous is None:
            current = 1
        else:
            # Missed days lie strictly between the two answered days.
            missed = _missed(posts, previous, day) - 1
            if missed <= freezes:
                freezes -= missed
                used += missed
                current += 1
            else:
                current = 1
        if current % FREEZE_EVERY == 0:
            freezes = min(MAX_FREEZES, freezes + 1)
        longest = max(longest, current)
        previous = day
    if previous is not None and over_through is not None:
        pending = _missed(posts, previous, over_through)
        if pending > freezes:
            current = 0
        else:
            freezes -= pending
            used += pending
    return Streak(current, longest, freezes, previous, used)
