"""The content audit: every term's question in both modes, built as members get them, checked for an author.

`audit` runs the question builder of `bot.core.choices` (the one the daily post, `/quiz` and battles use)
over every term the bot may ask about, in both modes, several draws each with a seeded generator, and
reports what a pack author should fix. Give-aways and same-concept pairs are blocking (`content check` fails
on them); the rest are warnings.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bot.content.index import Library
from bot.content.models import Chapter, Term
from bot.content.names import giveaways
from bot.content.relations import DerivedPair, relations
from bot.core.choices import MODES, READABLE, MultipleChoice, eligible, make_question, option_label, quiz_text

MIN_OPEN_QUESTIONS = 3  # a chapter's open interview questions worth a daily "interview" channel
MAX_OTHER_KIND = 0.1  # at most 1 wrong option in 10 of another kind than the answer, over a chapter's quiz
DRAWS = 3  # questions per term and mode: distractors are drawn at random among the closest few

# category → heading, in report order
CATEGORIES = {
    "give-away": "give-aways",
    "same-concept": "same-concept pairs offered together",
    "nested": "broader/narrower pairs offered together",
    "over-masked": "over-masked prompts (the term is left out of quizzes)",
    "other-kind": "options of another kind than the answer",
    "no-kind": "terms without a kind",
    "few-questions": f"chapters with fewer than {MIN_OPEN_QUESTIONS} open questions",
}
BLOCKING = frozenset({"give-away", "same-concept"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the audit found: its category, the term id or chapter key it is about, and what."""

    category: str
    subject: str
    detail: str

    @property
    def blocking(self) -> bool:
        """Tell whether the finding makes `content check` fail (a give-away, a same-concept pair)."""
        return self.category in BLOCKING


@dataclass(frozen=True, slots=True)
class ChapterFigures:
    """One chapter's figures: its open questions, and the wrong options of its quiz by kind."""

    key: str
    title: str
    open_questions: int
    wrong_options: int  # wrong options offered for answers that have a kind
    other_kind: int  # of which share no kind with the answer

    @property
    def other_kind_share(self) -> float:
        """Return the share of wrong options of another kind (0.0 when no answer has a kind)."""
        return self.other_kind / self.wrong_options if self.wrong_options else 0.0


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What the audit found over a library, with the figures behind it."""

    terms: int
    questions: int
    draws: int
    findings: tuple[Finding, ...]
    chapters: tuple[ChapterFigures, ...]
    derived: tuple[DerivedPair, ...]
    quiz_prompts: int  # terms whose quizzes show their `quiz_prompt`

    def count(self, category: str) -> int:
        """Return how many findings a category holds."""
        return sum(1 for f in self.findings if f.category == category)

    @property
    def blocking(self) -> list[Finding]:
        """Return the findings that make `content check` fail."""
        return [f for f in self.findings if f.blocking]

    @property
    def wrong_options(self) -> int:
        """Return how many wrong options were offered for answers that have a kind."""
        return sum(c.wrong_options for c in self.chapters)

    @property
    def other_kind(self) -> int:
        """Return how many of those share no kind with the answer."""
        return sum(c.other_kind for c in self.chapters)

    def summary(self) -> dict[str, Any]:
        """Return the figures as plain data (counts per category, options of another kind, worst chapter)."""
        worst = max(self.chapters, key=lambda c: c.other_kind_share, default=None)
        return {
            "terms": self.terms,
            "questions": self.questions,
            "draws": self.draws,
            **{category.replace("-", "_"): self.count(category) for category in CATEGORIES},
            "wrong_options": self.wrong_options,
            "other_kind_options": self.other_kind,
            "worst_chapter": worst.key if worst and worst.wrong_options else None,
            "worst_chapter_other_kind_share": round(worst.other_kind_share, 3) if worst else 0.0,
            "quiz_prompts": self.quiz_prompts,
            "derived_same_concept": len(self.derived),
        }

    def to_json(self) -> dict[str, Any]:
        """Return the whole report as plain data for `content audit --json`."""
        return {
            "summary": self.summary(),
            "findings": [
                {"category": f.category, "subject": f.subject, "detail": f.detail, "blocking": f.blocking}
                for f in self.findings
            ],
            "chapters": [
                {
                    "key": c.key,
                    "title": c.title,
                    "open_questions": c.open_questions,
                    "wrong_options": c.wrong_options,
                    "other_kind": c.other_kind,
                }
                for c in self.chapters
            ],
            "derived_same_concept": [{"first": p.first, "second": p.second, "reason": p.reason} for p in self.derived],
        }


def question_findings(library: Library, question: MultipleChoice) -> list[Finding]:
    """Check one question as members see it: give-aways, and options that are one concept or nested."""
    rel = relations(library)
    term = library.terms[question.term_id]
    answer_names = rel.names(term.id)
    found: list[Finding] = []

    def name(term_id: str) -> str:
        return f"{library.terms[term_id].term} ({term_id})"

    if question.mode == "definition":
        found += [
            Finding("give-away", term.id, f"the prompt names the answer: '{leak}' in “{question.prompt}”")
            for leak in giveaways(question.prompt, answer_names)
        ]
        found += [
            Finding("give-away", term.id, f"the prompt names the wrong option {name(option)}")
            for option in question.options
            if option != term.id and giveaways(question.prompt, rel.names(option), words=False)
        ]
    else:
        for index, option in enumerate(question.options):
            text = option_label(library, question, index, limit=4096)
            where = "its own definition" if option == term.id else f"the option {name(option)}"
            found += [
                Finding("give-away", term.id, f"in term mode, {where} names it: '{leak}' in “{text}”")
                for leak in giveaways(text, answer_names, words=option == term.id)
            ]
    for n, first in enumerate(question.options):
        for second in question.options[n + 1 :]:
            pair = f"{name(first)} with {name(second)}"
            if rel.same_concept(first, second):
                found.append(Finding("same-concept", term.id, f"{pair}: one concept, offered as two options"))
            elif rel.nested(first, second):
                found.append(Finding("nested", term.id, f"{pair}: one is a case of the other"))
    return found


class _Collector:
    """Gathers findings once each, and counts wrong options by kind per chapter."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.relations = relations(library)
        self.findings: dict[Finding, None] = {}
        self.wrong: dict[str, int] = defaultdict(int)
        self.other: dict[str, int] = defaultdict(int)
        self.other_options: dict[str, dict[str, None]] = defaultdict(dict)

    def add(self, category: str, subject: str, detail: str) -> None:
        self.findings[Finding(category, subject, detail)] = None

    def name(self, term_id: str) -> str:
        term = self.library.terms[term_id]
        return f"{term.term} ({term.id})"

    def check(self, term: Term, question: MultipleChoice) -> None:
        """Check one question and count its wrong options by kind."""
        for finding in question_findings(self.library, question):
            self.findings[finding] = None
        if term.kinds:
            chapter = self.library.chapter_of(term).key
            for option in question.options:
                if option == term.id:
                    continue
                self.wrong[chapter] += 1
                if not self.relations.share_kind(term.id, option):
                    self.other[chapter] += 1
                    self.other_options[term.id][option] = None


def _over_masked(library: Library, term: Term) -> str:
    """Say why a term has no readable quiz text."""
    text = quiz_text(library, term)
    if term.quiz_prompt:
        return "its quiz_prompt still names it or is too masked to read; rewrite the quiz_prompt"
    share = round(100 * text.masked.readable)
    if text.over_masked:
        return (
            f"masking leaves {share} % of the definition to read (needs {round(100 * READABLE)} %): "
            f"“{text.masked.text}”; add a quiz_prompt"
        )
    return f"masking cannot hide {', '.join(repr(x) for x in text.leaks)} in “{text.masked.text}”; add a quiz_prompt"


def _chapter_figures(library: Library, chapter: Chapter, collector: _Collector) -> ChapterFigures:
    return ChapterFigures(
        key=chapter.key,
        title=chapter.title,
        open_questions=len(library.questions_in(chapter)),
        wrong_options=collector.wrong[chapter.key],
        other_kind=collector.other[chapter.key],
    )


def audit(library: Library, *, draws: int = DRAWS, seed: int = 0) -> AuditReport:
    """Build every askable term's question in both modes `draws` times and report what an author should fix."""
    rng = random.Random(seed)
    collector = _Collector(library)
    rel = collector.relations
    questions = 0
    chapters = sorted(library.chapters.values(), key=lambda c: (c.pack, c.number))
    for chapter in chapters:
        for term in library.terms_in(chapter):
            if not term.kinds:
                collector.add("no-kind", term.id, f"{term.term}: no 'kind'")
            if not eligible(library, term):
                collector.add("over-masked", term.id, f"{term.term}: {_over_masked(library, term)}")
                continue
            for mode in MODES:
                for _ in range(draws):
                    collector.check(term, make_question(library, term, rng, mode))
                    questions += 1
            others = collector.other_options.get(term.id)
            if others:
                names = ", ".join(
                    f"{collector.name(o)}, {' / '.join(rel.kinds(o)) or 'no kind'}" for o in sorted(others)
                )
                collector.add("other-kind", term.id, f"{term.term} ({' / '.join(term.kinds)}) was offered {names}")
        figures = _chapter_figures(library, chapter, collector)
        if figures.open_questions < MIN_OPEN_QUESTIONS:
            detail = f"chapter {chapter.number} {chapter.title}: {figures.open_questions} open question(s)"
            collector.add("few-questions", chapter.key, detail)
    order = list(CATEGORIES)
    findings = sorted(collector.findings, key=lambda f: order.index(f.category))
    return AuditReport(
        terms=len(library.terms),
        questions=questions,
        draws=draws,
        findings=tuple(findings),
        chapters=tuple(_chapter_figures(library, c, collector) for c in chapters),
        derived=tuple(rel.derived),
        quiz_prompts=sum(1 for t in library.terms.values() if quiz_text(library, t).source == "quiz_prompt"),
    )


def render(report: AuditReport, *, limit: int | None = None) -> list[str]:
    """Return the report as lines of text: each category with its findings, then the figures and a summary."""
    lines = [f"content audit: {report.terms} terms, {report.questions} questions ({report.draws} per term and mode)"]
    for category, heading in CATEGORIES.items():
        found = [f for f in report.findings if f.category == category]
        mark = " [fails content check]" if category in BLOCKING and found else ""
        lines.append("")
        lines.append(f"{heading}: {len(found)}{mark}")
        shown = found if limit is None else found[:limit]
        lines += [f"  {f.subject}: {f.detail}" for f in shown]
        if len(shown) < len(found):
            lines.append(f"  … and {len(found) - len(shown)} more (--json lists all)")
    over = [c for c in report.chapters if c.other_kind_share > MAX_OTHER_KIND]
    lines.append("")
    lines.append(f"chapters whose quiz offers more than 1 wrong option in 10 of another kind: {len(over)}")
    lines += [f"  {c.key} {c.title}: {c.other_kind} of {c.wrong_options}" for c in over]
    if report.derived:
        lines.append("")
        lines.append(f"same concept, derived (never offered together): {len(report.derived)}")
        lines += [f"  {p.first} = {p.second}: {p.reason}" for p in report.derived]
    lines.append("")
    lines.append("summary: " + summary_line(report))
    return lines


def summary_line(report: AuditReport) -> str:
    """Return the audit's figures in one line."""
    share = f"{report.other_kind} of {report.wrong_options}"
    if report.wrong_options:
        share += f" ({100 * report.other_kind / report.wrong_options:.1f} %)"
    return (
        f"{report.count('give-away')} give-aways, {report.count('same-concept')} same-concept pairs, "
        f"{report.count('nested')} broader/narrower pairs, {report.count('over-masked')} over-masked prompts, "
        f"{report.count('no-kind')} terms without a kind, {report.count('few-questions')} chapters with fewer than "
        f"{MIN_OPEN_QUESTIONS} open questions; wrong options of another kind: {share}"
    )
