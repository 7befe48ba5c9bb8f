"""Multiple-choice questions built from the glossary: masked prompts and plausible distractors.

Shared by the daily question, solo quizzes and battles, so every multiple-choice question in the bot follows
the same rules: the prompt never gives the answer away, the options are four distinct concepts that read
differently in either mode, and the distractors come from the same chapter first.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

from bot.content.index import Library
from bot.content.models import Term
from bot.content.text import normalize, truncate

MASK = "▢▢▢"
Mode = Literal["definition", "term"]


@dataclass(frozen=True, slots=True)
class MultipleChoice:
    """A question with four options (term ids); `answer` is the index of the right one.

    mode "definition": the prompt is the masked definition, the options are term names.
    mode "term": the prompt is the term name, the options are the (masked) definitions of the four terms.
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


def _stems(term: Term) -> list[str]:
    """Return the word stems of a term's names that would give it away in its own definition."""
    stems = set()
    for name in (term.term, *term.aliases):
        for word in re.findall(r"[A-Za-z0-9]+", name):
            if len(word) >= 4:
                stems.add(word.lower()[: max(4, min(len(word) - 1, 6))])
            elif len(word) >= 2 and word.isupper():
                stems.add(word.lower())  # acronyms such as "GAN", "RNN" mask as whole words
    return sorted(stems, key=len, reverse=True)


def mask_term(text: str, term: Term) -> str:
    """Hide a term's names, aliases and the words built on them ("Backprop … backpropagating" → "▢▢▢ … ▢▢▢")."""
    masked = text
    for name in sorted((term.term, *term.aliases), key=len, reverse=True):
        masked = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", MASK, masked, flags=re.IGNORECASE)
    for stem in _stems(term):
        if len(stem) <= 3:
            pattern = rf"\b{re.escape(stem)}s?\b"
        else:
            pattern = rf"\b{re.escape(stem)}\w*"
        masked = re.sub(pattern, MASK, masked, flags=re.IGNORECASE)
    return masked


def _same_concept(a: Term, b: Term) -> bool:
    """Tell whether two entries name the same thing (a term repeated in two chapters, or a shared alias)."""
    names_a = {normalize(n) for n in (a.term, *a.aliases)}
    names_b = {normalize(n) for n in (b.term, *b.aliases)}
    return bool(names_a & names_b)


def pick_distractors(library: Library, term: Term, rng: random.Random, count: int = 3) -> list[Term]:
    """Pick `count` distinct wrong options: the term's own chapter first, then neighbouring chapters, then any.

    An option is skipped when it names the same concept as one already taken, or when its masked definition
    reads the same ("Average ▢▢▢ difference between predictions and targets" is both MSE and MAE): in mode
    "term" the options are those definitions, and two identical ones would make the question unanswerable.
    """
    chapter = library.chapter_of(term)
    same = [t for t in library.terms_in(chapter) if t.id != term.id]
    rng.shuffle(same)
    others = [t for t in library.terms.values() if t.chapter != term.chapter or t.pack != term.pack]
    # Neighbouring chapters (by number distance) are closer in topic than the rest.
    others.sort(key=lambda t: (t.pack != term.pack, abs(t.chapter - term.chapter), rng.random()))
    reads: dict[str, str] = {}

    def reading(t: Term) -> str:
        if t.id not in reads:
            reads[t.id] = normalize(mask_term(t.definition, t))
        return reads[t.id]

    chosen: list[Term] = []
    for candidate in same + others:
        if len(chosen) == count:
            break
        taken = (term, *chosen)
        if any(_same_concept(candidate, t) or reading(candidate) == reading(t) for t in taken):
            continue
        chosen.append(candidate)
    return chosen


def make_question(library: Library, term: Term, rng: random.Random, mode: Mode = "definition") -> MultipleChoice:
    """Build a four-option question about `term` with its answer at a random position."""
    options = [term, *pick_distractors(library, term, rng)]
    rng.shuffle(options)
    answer = next(i for i, t in enumerate(options) if t.id == term.id)
    prompt = mask_term(term.definition, term) if mode == "definition" else term.term
    return MultipleChoice(term.id, mode, prompt, tuple(t.id for t in options), answer)


def option_label(library: Library, question: MultipleChoice, index: int, limit: int = 80) -> str:
    """Return the text of option `index`: a term name, or (mode "term") that option's masked definition."""
    option = library.terms[question.options[index]]
    text = option.term if question.mode == "definition" else mask_term(option.definition, option)
    return truncate(text, limit)
