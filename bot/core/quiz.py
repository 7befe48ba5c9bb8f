"""Rules of a solo quiz: picking the questions, the progress bar, scoring and answer times."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.content.index import Library
from bot.content.models import Chapter
from bot.core.choices import MODES, Mode, MultipleChoice, make_question, quiz_terms
from bot.core.errors import BotError

MIN_QUESTIONS = 1
MAX_QUESTIONS = 20  # one progress cell per question; 20 keeps the bar on one line on a phone
DEFAULT_QUESTIONS = 5

SessionMode = Literal["definition", "term", "mixed"]
MODE_NAMES: dict[str, str] = {
    "definition": "definition → term",
    "term": "term → definition",
    "mixed": "mixed",
}

FILLED, EMPTY = "▰", "▱"


class QuizEnded(BotError):
    """The session a button belongs to is over (finished, timed out, or unknown)."""

    def __init__(self, message: str = "This quiz has ended. Start a new one with `/quiz solo`.") -> None:
        super().__init__(message)


class NotShown(BotError):
    """An answer to a question of the session that is not on the member's screen (only a forged click sends one)."""

    def __init__(self, message: str = "That question isn't on your screen yet. Press Next question.") -> None:
        super().__init__(message)


def progress_bar(done: int, total: int) -> str:
    """Return "Question 3/10 ▰▰▰▱▱▱▱▱▱▱": `done` questions answered out of `total`."""
    if total < 1 or not 0 <= done <= total:
        raise ValueError(f"bad progress {done}/{total}")
    return f"Question {done}/{total} {FILLED * done}{EMPTY * (total - done)}"


def question_mode(mode: SessionMode, rng: random.Random) -> Mode:
    """Return the direction of one question: the session's, or a coin toss for "mixed"."""
    if mode == "mixed":
        return rng.choice(("definition", "term"))
    return mode


def build_questions(
    library: Library, chapter: Chapter | None, count: int, mode: SessionMode, rng: random.Random
) -> list[MultipleChoice]:
    """Pick `count` distinct terms (from one chapter, or all) and make a question of each.

    Only terms the builder can ask about without giving them away are picked (`quiz_terms`); a chapter with
    fewer of them than asked gives one question per term.
    """
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        raise ValueError(f"count must be between {MIN_QUESTIONS} and {MAX_QUESTIONS}")
    pool = quiz_terms(library, chapter, MODES if mode == "mixed" else (mode,))
    terms = rng.sample(pool, min(count, len(pool)))
    return [make_question(library, term, rng, question_mode(mode, rng)) for term in terms]


@dataclass(frozen=True, slots=True)
class Score:
    """The outcome of a session so far."""

    right: int
    answered: int
    total: int
    missed: tuple[str, ...]  # term ids answered wrongly, in question order

    def describe(self) -> str:
        """Return "7/10 right (70 %)", counting unanswered questions as not right."""
        percent = round(100 * self.right / self.total)
        return f"{self.right}/{self.total} right ({percent} %)"


def score(results: Sequence[tuple[str, bool | None]]) -> Score:
    """Score a session from (term id, correct or None when unanswered) per question."""
    answered = [(term, ok) for term, ok in results if ok is not None]
    return Score(
        right=sum(ok for _, ok in answered),
        answered=len(answered),
        total=len(results),
        missed=tuple(term for term, ok in answered if not ok),
    )


def elapsed_seconds(shown_at: datetime | None, answered_at: datetime) -> float | None:
    """Return the seconds a member took to answer (None when the question's showing time is unknown)."""
    if shown_at is None:
        return None
    return max(0.0, (answered_at - shown_at).total_seconds())
