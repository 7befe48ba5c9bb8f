"""Spaced review with FSRS: ratings from graded answers, card updates and due-date summaries.

Everything takes `now` (an aware UTC datetime) as an argument; nothing reads the clock. Days and weeks are UTC
days and ISO weeks (Monday to Sunday), so a summary reads the same for every member wherever they live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State

from bot.content.text import plural
from bot.core.answers import TermAnswer

# "Slow" (a right answer rated Hard instead of Good): more than this share of the question's time limit,
# or, for a question without a limit, more than SLOW_SECONDS. Reading a one-line prompt and four options
# takes a fluent member well under 20 seconds; beyond that they were working it out, not recalling it.
SLOW_SHARE = 0.6
SLOW_SECONDS = 20.0

# Fuzzing spreads due dates with the global `random` module, which would make scheduling untestable and
# ignore the bot's injected randomness; a few members' cards bunching on the same day is harmless.
SCHEDULER = Scheduler(enable_fuzzing=False)

# Mastered: in the Review state (graduated from learning) and recalled now with at least the probability that
# FSRS's schedule aims for by default (90 %).
MASTERY_RETRIEVABILITY = 0.9

RATING_NAMES = {Rating.Again: "Again", Rating.Hard: "Hard", Rating.Good: "Good", Rating.Easy: "Easy"}


def is_slow(elapsed: float | None, time_limit: float | None) -> bool:
    """Tell whether an answer took long enough to count as effortful recall (see SLOW_SHARE, SLOW_SECONDS)."""
    if elapsed is None:
        return False
    if time_limit:
        return elapsed > SLOW_SHARE * time_limit
    return elapsed > SLOW_SECONDS


def rating_for(correct: bool, elapsed: float | None = None, time_limit: float | None = None) -> Rating:
    """Map a graded answer to an FSRS rating: wrong → Again, right → Good, right but slow → Hard."""
    if not correct:
        return Rating.Again
    return Rating.Hard if is_slow(elapsed, time_limit) else Rating.Good


def rating_for_answer(answer: TermAnswer) -> Rating:
    """Map a published `TermAnswer` to an FSRS rating."""
    return rating_for(answer.correct, answer.elapsed, answer.time_limit)


def as_utc(moment: datetime) -> datetime:
    """Return an aware datetime in UTC with `datetime.UTC` as tzinfo (fsrs refuses any other offset object)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC)


def new_card(now: datetime, card_id: int = 0) -> Card:
    """Return a card never reviewed, due `now`."""
    # Passing card_id and due keeps fsrs from reading the wall clock (and sleeping a millisecond).
    return Card(card_id=card_id, state=State.Learning, due=as_utc(now))


def review(card: Card, rating: Rating, now: datetime, duration_ms: int | None = None) -> Card:
    """Return the card after a review with `rating` at `now`."""
    updated, _ = SCHEDULER.review_card(card, rating, review_datetime=as_utc(now), review_duration=duration_ms)
    return updated


def retrievability(card: Card, now: datetime) -> float:
    """Return the probability (0–1) that the member recalls the card at `now`; 0 for a card never reviewed."""
    return float(SCHEDULER.get_card_retrievability(card, current_datetime=as_utc(now)))


def is_mastered(card: Card, now: datetime) -> bool:
    """Tell whether a card counts toward mastery: Review state and retrievability ≥ MASTERY_RETRIEVABILITY."""
    return card.state == State.Review and retrievability(card, now) >= MASTERY_RETRIEVABILITY


@dataclass(frozen=True, slots=True)
class DueSummary:
    """How many of a member's cards are due now, by the end of the UTC day, by the end of the UTC week."""

    now: int
    today: int
    week: int
    total: int  # cards in the deck

    def describe(self) -> str:
        """Return the summary as one sentence (cumulative counts: 'today' includes those due now)."""
        if self.total == 0:
            return "Your review deck is empty."
        return (
            f"{self.now} due now · {self.today} by the end of today · {self.week} by the end of this week "
            "(UTC days; weeks end Sunday midnight UTC)"
        )


def describe_wait(due: datetime, now: datetime) -> str:
    """Say in words when a card comes back ("now", "in 10 minutes", "in 3 days")."""
    seconds = (due - now).total_seconds()
    if seconds <= 30:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"in {plural(count, unit)}"
    return "in under a minute"
