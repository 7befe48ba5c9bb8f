"""The record of one answered term, passed from the feature that graded it to those that learn from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TermAnswer:
    """A member answered a multiple-choice question about one glossary term.

    Daily posts, solo quizzes and battles publish these; spaced review turns them into card ratings
    (wrong → Again, right → Good, right but slow → Hard).
    """

    user_id: int
    term_id: str
    correct: bool
    at: datetime
    elapsed: float | None = None  # seconds from question shown to answer, when known
    time_limit: float | None = None  # the seconds the question allowed, when it had a limit
