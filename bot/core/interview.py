"""Mock interview rules: the question pool, deadlines, the coverage hint, the scorecard and the history trend.

Plain Python with no Discord and no markdown: the interview repository stores what these functions decide, the
interview cog renders it. Time and randomness are arguments.

A question is an open question of the content (its key points) or a high-yield question of the guide, whose
model answer stands in for key points: each of its sentences is a point to mark, and the answer is shown whole
after them. A member marks the points they covered; the coverage hint only pre-marks the points a written answer
seems to cover, and the member's marks are the score.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.content.index import Library
from bot.content.models import Chapter, HighYield, Question
from bot.content.names import tokens
from bot.content.text import tokenize
from bot.core.errors import BotError

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 10, 5
MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 1, 10, 3
INVITE_MINUTES = 5  # a pair invitation lapses after this long
ANSWER_LIMIT = 4000  # characters of a written answer (Discord's text input maximum)
# A member counts as gone when nothing happened for the question's time after its deadline (or after their last
# step, if later), and never sooner than this: reading and marking six key points takes a minute or two.
GRACE_MINIMUM = timedelta(minutes=3)
WEAK_SHARE = 0.5  # a question with fewer than half its points covered is one to work on
MAX_REVIEW_TERMS = 25  # "Add these to my review" adds at most this many terms at once

Kind = Literal["solo", "pair"]
Role = Literal["candidate", "interviewer"]
State = Literal["invited", "active", "ended"]
EndReason = Literal["finished", "ended", "abandoned", "declined", "lapsed"]
AnswerKind = Literal["written", "spoken", "timeout"]

OPEN_PREFIX, HIGH_YIELD_PREFIX = "question:", "high-yield:"


class InterviewOver(BotError):
    """The interview a button or modal belongs to has ended (or never existed)."""

    def __init__(self, message: str = "This mock interview is over. Start a new one with `/interview start`.") -> None:
        super().__init__(message)


class AlreadyInInterview(BotError):
    """A member is already in a mock interview (or invited to one): one at a time. `user_id` says who."""

    def __init__(self, user_id: int) -> None:
        super().__init__("You're already in a mock interview (or invited to one): finish or end it first.")
        self.user_id = user_id


class NotCurrent(BotError):
    """A click on a question that is not the open one any more (an old message, a double click)."""

    def __init__(self, message: str = "That question is over; the interview has moved on.") -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class InterviewQuestion:
    """A question to ask: its text, the points a strong answer covers, and what it is filed under.

    `ref` names it in the database (`question:<id>` or `high-yield:<id>`); `model_answer` is empty for open
    questions; `related` are the glossary terms it exercises (what "Add these to my review" adds).
    """

    ref: str
    text: str
    points: tuple[str, ...]
    model_answer: str
    chapter_key: str | None
    related: tuple[str, ...]

    @property
    def is_high_yield(self) -> bool:
        """Tell whether this is a high-yield question of the guide (model answer) rather than an open one."""
        return self.ref.startswith(HIGH_YIELD_PREFIX)


# -- the question pool ----------------------------------------------------------------------------------------


def sentences(text: str) -> tuple[str, ...]:
    """Split a model answer into its sentences (a full stop, question or exclamation mark, then a capital)."""
    return tuple(part.strip() for part in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip()) if part.strip())


def terms_named(library: Library, text: str, limit: int = 10) -> tuple[str, ...]:
    """Return the ids of the glossary terms whose name or alias `text` mentions as whole words (plurals too)."""
    words = f" {' '.join(tokenize(text))} "
    found: list[tuple[int, int, str]] = []
    for term in library.terms.values():
        for name in (term.term, *term.aliases):
            phrase = " ".join(tokenize(name))
            if len(phrase) < 3:
                continue
            forms = {phrase, phrase + "s", phrase[:-1] if phrase.endswith("s") else phrase}  # "gradient(s)"
            at = min((i for i in (words.find(f" {form} ") for form in forms) if i >= 0), default=-1)
            if at >= 0:
                # Earlier mentions first; at the same place the longer name ("activation functions", not "activation").
                found.append((at, -len(phrase), term.id))
                break
    ordered = [term_id for _, _, term_id in sorted(found)]
    return tuple(dict.fromkeys(ordered))[:limit]


def open_question(library: Library, question: Question, chapter_key: str | None) -> InterviewQuestion:
    """Make an interview question of an open question of the content, filed under `chapter_key`."""
    return InterviewQuestion(
        ref=OPEN_PREFIX + question.id,
        text=question.text,
        points=question.key_points,
        model_answer="",
        chapter_key=chapter_key,
        related=tuple(r for r in question.related if r in library.terms),
    )


def high_yield_question(library: Library, item: HighYield) -> InterviewQuestion:
    """Make an interview question of a high-yield question: its model answer's sentences are the points.

    It has no chapter of its own: it is filed under the chapter of the first term its question names.
    """
    related = terms_named(library, f"{item.question} {item.answer}")
    named = terms_named(library, item.question, limit=1) or related[:1]
    return InterviewQuestion(
        ref=HIGH_YIELD_PREFIX + item.id,
        text=item.question,
        points=sentences(item.answer),
        model_answer=item.answer,
        chapter_key=library.chapter_of(library.terms[named[0]]).key if named else None,
        related=related,
    )


@functools.lru_cache(maxsize=4)
def _all_questions(library: Library) -> dict[str, InterviewQuestion]:
    """Return every question an interview may ask, by ref: the open questions, then the high-yield ones.

    Built once per library (content is immutable once loaded): finding the terms a high-yield question names
    scans the whole glossary, too slow to repeat on every command.
    """
    filed = {q.id: c.key for c in library.chapters.values() for q in library.questions_in(c)}
    found = [open_question(library, q, filed.get(q.id)) for q in library.questions.values()]
    found += [high_yield_question(library, h) for pack in library.packs for h in pack.guide.high_yield]
    return {q.ref: q for q in found if q.points}


def find_question(library: Library, ref: str) -> InterviewQuestion | None:
    """Return the question a stored `ref` names, or None when it left the content."""
    return _all_questions(library).get(ref)


def question_pool(library: Library, chapter: Chapter | None) -> list[InterviewQuestion]:
    """Return every question an interview may ask: the open questions and high-yield ones, of a chapter or all."""
    return [q for q in _all_questions(library).values() if chapter is None or q.chapter_key == chapter.key]


def pick_questions(
    library: Library, chapter: Chapter | None, count: int, rng: random.Random
) -> list[InterviewQuestion]:
    """Pick `count` distinct questions (fewer when the chapter has fewer) in a random order."""
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        raise ValueError(f"count must be between {MIN_QUESTIONS} and {MAX_QUESTIONS}")
    pool = question_pool(library, chapter)
    return rng.sample(pool, min(count, len(pool)))


# -- time -----------------------------------------------------------------------------------------------------


def deadline(shown_at: datetime, minutes: int) -> datetime:
    """Return when a question shown at `shown_at` is due."""
    return shown_at + timedelta(minutes=minutes)


def grace(minutes: int) -> timedelta:
    """Return how long a member may be gone past a deadline before the interview ends for them."""
    return max(timedelta(minutes=minutes), GRACE_MINIMUM)


def expires_at(question_deadline: datetime, last_step: datetime, minutes: int) -> datetime:
    """Return when an interview ends by itself: its grace after the deadline, or after the last step if later."""
    return max(question_deadline, last_step) + grace(minutes)


def invitation_expires(now: datetime) -> datetime:
    """Return when a pair invitation sent `now` lapses."""
    return now + timedelta(minutes=INVITE_MINUTES)


# -- the coverage hint ----------------------------------------------------------------------------------------

# Words that say nothing about the topic: English function words, and the labels of the best answer formula
# (Definition → Why it matters → When to use it → Tradeoff → Real example) that start most key points.
_FUNCTION_WORDS = """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing done down during each either else etc even ever every few for from
further get gets getting give given gives go had has have having he her here hers him his how however i if in
into is it its itself just let lets like made make makes many may me might more most much must my need needs no
nor not now of off often on once one only onto or other others our out over own per rather same she should
since so some such than that the their them then there these they thing things this those though through thus
to too under until up upon us very via was we well were what when where whether which while who whom whose why
will with within without would yet you your e g ie eg vs
"""
_FORMULA_WORDS = "definition matters use tradeoff tradeoffs example real project"
_STOP_WORDS = frozenset(_FUNCTION_WORDS.split() + _FORMULA_WORDS.split())


def stems(text: str) -> frozenset[str]:
    """Return the stems of the content words of `text` (as names are compared; stop and 1-letter words out)."""
    return frozenset(t.key for t in tokens(text) if len(t.folded) > 1 and t.folded not in _STOP_WORDS)


def distinctive_stems(point: str, question: str) -> frozenset[str]:
    """Return the stems of a key point that its question does not already contain: what an answer must add."""
    return stems(point) - stems(question)


# A point counts as covered when an answer shares at least this share of its distinctive stems, and at least
# MIN_SHARED of them (all of them for a point with fewer). Tuned on the bundled key points: an answer in one's own
# words shares a quarter to a half of a point's distinctive words; a single shared word is chance.
COVER_SHARE = 0.3
MIN_SHARED = 2


def point_covered(shared: int, distinctive: int) -> bool:
    """Tell whether `shared` of a point's `distinctive` stems are enough to pre-mark it."""
    if distinctive == 0:
        return False
    return shared >= min(distinctive, max(MIN_SHARED, math.ceil(COVER_SHARE * distinctive)))


def coverage_hint(question: InterviewQuestion, answer: str) -> tuple[int, ...]:
    """Return the indexes of the points a written answer seems to cover (a hint to pre-mark, never the score)."""
    said = stems(answer)
    hinted = []
    for index, point in enumerate(question.points):
        distinctive = distinctive_stems(point, question.text)
        if point_covered(len(distinctive & said), len(distinctive)):
            hinted.append(index)
    return tuple(hinted)


# -- the scorecard --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One asked question as the scorecard sees it; `covered` is None until its points are marked."""

    position: int
    ref: str
    chapter_key: str | None
    points: int
    covered: int | None
    seconds: float | None  # from shown to answered (or to the deadline)
    kind: AnswerKind | None

    @property
    def share(self) -> float | None:
        """Return the share of points covered (None until marked)."""
        return None if self.covered is None else self.covered / self.points

    @property
    def weak(self) -> bool:
        """Tell whether fewer than half of its points were covered."""
        return self.share is not None and self.share < WEAK_SHARE


@dataclass(frozen=True, slots=True)
class Scorecard:
    """The outcome of an interview: coverage per question and in all, time used, and what to work on."""

    results: tuple[QuestionResult, ...]
    minutes: int
    weak_chapters: tuple[str, ...]  # chapter keys, weakest first
    review_terms: tuple[str, ...]  # related terms of the weak questions

    @property
    def marked(self) -> tuple[QuestionResult, ...]:
        """Return the questions whose points were marked."""
        return tuple(r for r in self.results if r.covered is not None)

    @property
    def covered(self) -> int:
        """Return the key points covered over the marked questions."""
        return sum(r.covered or 0 for r in self.marked)

    @property
    def points(self) -> int:
        """Return the key points of the marked questions."""
        return sum(r.points for r in self.marked)

    @property
    def share(self) -> float | None:
        """Return the share of key points covered over the marked questions (None when none was marked)."""
        return self.covered / self.points if self.points else None

    @property
    def seconds_used(self) -> float:
        """Return the answer time of the answered questions."""
        return sum(r.seconds or 0.0 for r in self.results if r.seconds is not None)

    @property
    def seconds_allowed(self) -> float:
        """Return the time the answered questions allowed."""
        return 60.0 * self.minutes * sum(1 for r in self.results if r.seconds is not None)


def scorecard(library: Library, results: Sequence[QuestionResult], minutes: int) -> Scorecard:
    """Score an interview; the chapters to work on and the terms to review come from its weak questions."""
    weak = sorted((r for r in results if r.weak), key=lambda r: (r.share, r.position))
    chapters = tuple(dict.fromkeys(r.chapter_key for r in weak if r.chapter_key))
    terms: list[str] = []
    for result in weak:
        question = find_question(library, result.ref)
        terms += question.related if question else ()
    return Scorecard(tuple(results), minutes, chapters, tuple(dict.fromkeys(terms))[:MAX_REVIEW_TERMS])


# -- history --------------------------------------------------------------------------------------------------


def trend(shares: Sequence[float], window: int = 3) -> float | None:
    """Return the change in average coverage: the last `window` interviews against the `window` before them.

    None until there are at least two interviews; with fewer than 2 × `window`, the newer half against the older.
    """
    if len(shares) < 2:
        return None
    size = min(window, len(shares) // 2)
    recent, before = shares[-size:], shares[-2 * size : -size]
    return sum(recent) / size - sum(before) / size


@dataclass(frozen=True, slots=True)
class InterviewSummary:
    """How many mock interviews a member did as the candidate (with a marked question), and their coverage."""

    done: int
    average: float | None  # mean coverage share per interview


def summarize(shares: Sequence[float]) -> InterviewSummary:
    """Summarize a member's interviews from the coverage share of each."""
    return InterviewSummary(len(shares), sum(shares) / len(shares) if shares else None)
