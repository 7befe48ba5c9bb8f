"""Multiple-choice questions built from the glossary: readable prompts and distractors worth learning from.

The one question builder of the bot: the daily question, solo quizzes, battles and `content audit` all go
through `make_question`, so what the audit measures is what members see. Its rules:

- The prompt never names its answer. A definition is shown with the concept's names, their inflections
  (Snowball stems, whole words only) and acronym expansions masked; where that leaves less than `READABLE`
  of its words, or a name still shows, the entry's `quiz_prompt` is shown instead, and a term with neither
  is left out of quizzes (`eligible`, `quiz_terms`). A `quiz_prompt`, when a pack gives one, always wins.
- The wrong options are ones a learner could mistake for the answer: the terms the pack calls `confusable`
  first, then terms of the same kind ranked by how close their definitions are, then the same chapter,
  then neighbouring chapters. Each is drawn among the closest few with the caller's `rng`, so one term's
  questions vary.
- No two options are one concept, or one a case of the other (Model compression and Quantization), and no
  two read the same; in term → definition mode no wrong option names the term asked about, and in
  definition → term mode the prompt names no wrong option.
"""

from __future__ import annotations

import random
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.content.index import Library
from bot.content.models import Chapter, Term
from bot.content.names import MASK, STOP_WORDS, Masked, Names, giveaways, mask, tokens
from bot.content.relations import Relations, relations
from bot.content.text import normalize, truncate

__all__ = [
    "CLOSEST",
    "MASK",
    "READABLE",
    "MultipleChoice",
    "PickExplanation",
    "QuizText",
    "definition_prompt",
    "eligible",
    "explain_pick",
    "make_question",
    "mask_term",
    "option_label",
    "pick_distractors",
    "quiz_terms",
    "quiz_text",
]

Mode = Literal["definition", "term"]
MODES: tuple[Mode, ...] = ("definition", "term")
READABLE = 0.6  # the least share of a definition's words a masked prompt must leave to read
CLOSEST = 4  # a ranked distractor is drawn among this many closest candidates still allowed
LOOKAHEAD = 64  # how far down a ranked pool a pick looks to keep room for the options still to fill


@dataclass(frozen=True, slots=True)
class MultipleChoice:
    """A question with four options (term ids); `answer` is the index of the right one.

    mode "definition": the prompt is the term's quiz text, the options are term names.
    mode "term": the prompt is the term name, the options are the quiz texts of the four terms.
    """

    term_id: str
    mode: Mode
    prompt: str
    options: tuple[str, ...]
    answer: int

    @property
    def answer_id(self) -> str:
        """Return the id of the right option's term."""
        return self.options[self.answer]


@dataclass(frozen=True, slots=True)
class QuizText:
    """What a quiz can show of a term, and why: its masked definition, or its quiz prompt, or nothing readable."""

    term_id: str
    masked: Masked  # the definition with the concept's names masked
    leaks: tuple[str, ...]  # names still readable in the masked definition
    text: str | None  # what quizzes show (None: nothing readable, the term is left out)
    source: Literal["definition", "quiz_prompt", "none"]

    @property
    def readable(self) -> bool:
        """Tell whether the term has a text a quiz can show."""
        return self.text is not None

    @property
    def over_masked(self) -> bool:
        """Tell whether masking leaves too little of the definition to read (less than `READABLE`)."""
        return self.masked.readable < READABLE


@dataclass(frozen=True, slots=True)
class PickExplanation:
    """A member's pick beside the right answer, for the feedback after a wrong answer."""

    picked: Term
    answer: Term
    confusable: bool  # the pack names the two as easy to confuse

    @property
    def correct(self) -> bool:
        """Tell whether the pick was the right answer."""
        return self.picked.id == self.answer.id


def mask_term(text: str, term: Term) -> str:
    """Hide a term's own names, aliases and their inflections in `text` ("Dropout … dropouts" → "▢▢▢ … ▢▢▢").

    Only the term's own names: the builder masks the names of the concept's other entries too (see
    `quiz_text`), which needs the library.
    """
    return mask(text, Names.of([term.term], term.aliases)).text


class _Builder:
    """Everything the builder precomputes for one library: quiz texts, readings and ranked candidates."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.relations: Relations = relations(library)
        self._texts: dict[str, QuizText] = {}
        self._similar: dict[str, str] = {}
        self._readings: dict[str, str] = {}
        self._named: dict[tuple[str, str], bool] = {}
        self._ranked: dict[str, tuple[list[Term], list[Term]]] = {}
        self.askable: dict[tuple[str | None, tuple[Mode, ...]], tuple[Term, ...]] = {}  # see `quiz_terms`
        chapters: dict[str, list[Chapter]] = defaultdict(list)
        for chapter in library.chapters.values():
            chapters[chapter.pack].append(chapter)
        self._chapters = dict(chapters)

    def text(self, term: Term) -> QuizText:
        """Return (and keep) what quizzes show of a term."""
        found = self._texts.get(term.id)
        if found is None:
            found = self._texts[term.id] = self._make_text(term)
        return found

    def _make_text(self, term: Term) -> QuizText:
        names = self.relations.names(term.id)
        masked = mask(term.definition, names)
        leaks = tuple(giveaways(masked.text, names))
        if term.quiz_prompt:
            prompt = mask(term.quiz_prompt, names)
            usable = prompt.readable >= READABLE and not giveaways(prompt.text, names)
            return QuizText(
                term.id, masked, leaks, prompt.text if usable else None, "quiz_prompt" if usable else "none"
            )
        if masked.readable >= READABLE and not leaks:
            return QuizText(term.id, masked, leaks, masked.text, "definition")
        return QuizText(term.id, masked, leaks, None, "none")

    def shown(self, term: Term) -> str:
        """Return the text a term's option or prompt shows: its quiz text, else its masked definition."""
        text = self.text(term)
        return text.text if text.text is not None else text.masked.text

    def reading(self, term: Term) -> str:
        """Return how a term's shown text reads once case, spacing and punctuation are folded."""
        found = self._readings.get(term.id)
        if found is None:
            found = self._readings[term.id] = normalize(self.shown(term))
        return found

    def names(self, shown: Term, named: Term) -> bool:
        """Tell whether the text `shown` shows names the concept of `named` (a whole name, not a word of one)."""
        key = (shown.id, named.id)
        found = self._named.get(key)
        if found is None:
            found = self._named[key] = bool(giveaways(self.shown(shown), self.relations.names(named.id), words=False))
        return found

    def similar_text(self, term: Term) -> str:
        """Return the words two terms are compared by: the stems of the name and definition, no stop words."""
        found = self._similar.get(term.id)
        if found is None:
            words = tokens(f"{term.term} {term.definition}")
            found = self._similar[term.id] = " ".join(sorted({t.key for t in words if t.key not in STOP_WORDS}))
        return found

    def ranked(self, term: Term) -> tuple[list[Term], list[Term]]:
        """Return the candidates of the same kind, then of the same chapter, each closest definition first."""
        found = self._ranked.get(term.id)
        if found is None:
            rel = self.relations
            same_kind = {i for kind in term.kinds for i in rel.of_kind(kind)} - {term.id}
            chapter = [t.id for t in self.library.terms_in(self.library.chapter_of(term))]
            same_chapter = [i for i in chapter if i != term.id and i not in same_kind]
            found = self._ranked[term.id] = (
                self._by_closeness(term, same_kind),
                self._by_closeness(term, same_chapter),
            )
        return found

    def _by_closeness(self, term: Term, ids: Iterable[str]) -> list[Term]:
        mine = self.similar_text(term)
        scored = [(fuzz.token_set_ratio(mine, self.similar_text(self.library.terms[i])), i) for i in ids]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [self.library.terms[i] for _, i in scored]

    def neighbours(self, term: Term, rng: random.Random) -> Iterator[Term]:
        """Yield the terms of the other chapters, nearest chapter number first (same pack first), shuffled within."""
        by_distance: dict[tuple[bool, int], list[Term]] = defaultdict(list)
        for pack, chapters in self._chapters.items():
            for chapter in chapters:
                if pack == term.pack and chapter.number == term.chapter:
                    continue
                key = (pack != term.pack, abs(chapter.number - term.chapter))
                by_distance[key].extend(self.library.terms_in(chapter))
        for key in sorted(by_distance):
            group = by_distance[key]
            rng.shuffle(group)
            yield from group

    def allowed(self, answer: Term, mode: Mode) -> Callable[[Term, list[Term]], bool]:
        """Return the test a candidate must pass to join the options already chosen."""
        rel = self.relations

        def test(candidate: Term, chosen: list[Term]) -> bool:
            if candidate.id == answer.id:
                return False
            if mode == "term":
                if self.text(candidate).text is None or self.names(candidate, answer):
                    return False
            elif self.names(answer, candidate):
                return False  # "Combines momentum and RMSProp": neither can be the answer
            reading = self.reading(candidate)
            for other in (answer, *chosen):
                if other.id == candidate.id or rel.overlap(candidate.id, other.id):
                    return False
                if reading == self.reading(other):  # a shared name already makes them one concept
                    return False
            return True

        return test

    def distractors(self, answer: Term, rng: random.Random, mode: Mode, count: int) -> list[Term]:
        """Pick `count` wrong options: confusable, same kind by closeness, same chapter, then neighbours."""
        test = self.allowed(answer, mode)
        chosen: list[Term] = []
        confusable = [self.library.terms[i] for i in sorted(self.relations.confusable(answer.id))]
        rng.shuffle(confusable)
        for candidate in confusable:
            if len(chosen) < count and test(candidate, chosen):
                chosen.append(candidate)
        same_kind, same_chapter = self.ranked(answer)
        for ranked in (same_kind, same_chapter):
            _draw(ranked, test, chosen, count, rng)
        if len(chosen) < count:
            for candidate in self.neighbours(answer, rng):
                if len(chosen) == count:
                    break
                if test(candidate, chosen):
                    chosen.append(candidate)
        return chosen


def _draw(
    ranked: list[Term], test: Callable[[Term, list[Term]], bool], chosen: list[Term], count: int, rng: random.Random
) -> None:
    """Add candidates to `chosen` until it holds `count`, each drawn among the `CLOSEST` best still allowed."""
    pool = list(ranked)
    while len(chosen) < count and pool:
        head: list[Term] = []
        for candidate in list(pool):
            if test(candidate, chosen):
                head.append(candidate)
                if len(head) == CLOSEST:
                    break
            else:
                pool.remove(candidate)  # once refused, always refused: the options only grow
        if not head:
            return
        # Prefer a pick that still leaves enough allowed candidates to fill the options from this pool: taking
        # "Policy gradient" first would rule out every narrower method of its kind (A2C, PPO …).
        needed = count - len(chosen) - 1
        keeps_room = [c for c in head if needed <= 0 or _room(pool[:LOOKAHEAD], c, test, chosen) >= needed]
        pick = rng.choice(keeps_room or head)
        chosen.append(pick)
        pool.remove(pick)


def _room(pool: list[Term], pick: Term, test: Callable[[Term, list[Term]], bool], chosen: list[Term]) -> int:
    """Count the candidates of `pool` still allowed once `pick` joins `chosen`."""
    after = [*chosen, pick]
    return sum(1 for candidate in pool if candidate.id != pick.id and test(candidate, after))


_BUILDERS: weakref.WeakKeyDictionary[Library, _Builder] = weakref.WeakKeyDictionary()


_BUILDING = threading.Lock()


def _builder(library: Library) -> _Builder:
    found = _BUILDERS.get(library)
    if found is None:
        with _BUILDING:  # `warm_up` may be building it in a thread
            found = _BUILDERS.get(library)
            if found is None:
                found = _BUILDERS[library] = _Builder(library)
    return found


def warm_up(library: Library) -> list[str]:
    """Work out ahead what lookups and quizzes need but start-up does not, so that no member waits for it.

    The full-text index, the table of one-letter typos, the relations between terms, every term's related terms
    (the buttons under its card) and its quiz text (which tells the terms a quiz may ask about): a fraction of a
    second for the bundled pack, seconds for a 50,000-term one. The bot runs this in a thread while it connects
    (see `bot.runner`); whatever asks meanwhile gets the same results.
    Returns the ids of the terms whose `quiz_prompt` cannot be shown (masking its names leaves too little of
    it), which quizzes leave out.
    """
    library.build_search_index()
    library.build_fast_paths()
    library.build_related_terms()
    builder = _builder(library)
    unusable = []
    for term in library.terms.values():
        if builder.text(term).source != "quiz_prompt" and term.quiz_prompt:
            unusable.append(term.id)
    return unusable


# -- the public API --------------------------------------------------------------------------------------


def quiz_text(library: Library, term: Term) -> QuizText:
    """Return what quizzes show of a term (its masked definition or quiz prompt) and how its definition masks."""
    return _builder(library).text(term)


def definition_prompt(library: Library, term: Term) -> str:
    """Return what a definition → term question about `term` shows: the `prompt` `make_question` gives it."""
    return _builder(library).shown(term)


def eligible(library: Library, term: Term, mode: Mode = "definition") -> bool:
    """Tell whether a term can be asked about in `mode` without giving itself away.

    The rule is the same in both modes today: the term's quiz text is the prompt (definition → term) or the
    right option (term → definition), so a term without a readable one is left out of both.
    """
    del mode  # both modes show the same text; the argument keeps callers explicit
    return quiz_text(library, term).readable


def quiz_terms(library: Library, chapter: Chapter | None, modes: Iterable[Mode] = MODES) -> list[Term]:
    """Return the terms of a chapter (or of all) a quiz may ask about in every one of `modes`.

    When not one term of the chapter qualifies, all of them are returned: a question with a hard prompt is
    better than none, and `content audit` names every such term.
    """
    wanted = tuple(modes)
    # Kept per chapter and modes: the content never changes while the bot runs, and for all chapters of a large
    # pack the filter alone reads tens of thousands of quiz texts.
    known = _builder(library).askable
    key = (chapter.key if chapter else None, wanted)
    found = known.get(key)
    if found is None:
        pool = library.terms_in(chapter) if chapter else list(library.terms.values())
        fit = [t for t in pool if all(eligible(library, t, m) for m in wanted)]
        found = known[key] = tuple(fit or pool)
    return list(found)


def pick_distractors(
    library: Library, term: Term, rng: random.Random, count: int = 3, mode: Mode = "definition"
) -> list[Term]:
    """Pick `count` distinct wrong options for `term` (fewer when the library is too small)."""
    return _builder(library).distractors(term, rng, mode, count)


def make_question(library: Library, term: Term, rng: random.Random, mode: Mode = "definition") -> MultipleChoice:
    """Build a four-option question about `term` with its answer at a random position.

    Callers choose terms with `quiz_terms` (or `eligible`); a term without a readable quiz text still gets a
    question, with its masked definition as the prompt.
    """
    builder = _builder(library)
    options = [term, *builder.distractors(term, rng, mode, 3)]
    rng.shuffle(options)
    answer = next(i for i, t in enumerate(options) if t.id == term.id)
    prompt = builder.shown(term) if mode == "definition" else term.term
    return MultipleChoice(term.id, mode, prompt, tuple(t.id for t in options), answer)


def option_label(library: Library, question: MultipleChoice, index: int, limit: int = 80) -> str:
    """Return the text of option `index`: a term name, or (mode "term") that option's quiz text."""
    option = library.terms[question.options[index]]
    text = option.term if question.mode == "definition" else _builder(library).shown(option)
    return truncate(text, limit)


def explain_pick(library: Library, question: MultipleChoice, index: int) -> PickExplanation:
    """Return the option a member picked beside the right answer, to show how the two differ."""
    picked = library.terms[question.options[index]]
    answer = library.terms[question.answer_id]
    return PickExplanation(picked, answer, picked.id in relations(library).confusable(answer.id))
