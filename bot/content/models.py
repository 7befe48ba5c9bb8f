"""Frozen dataclasses for study content: packs, chapters, glossary terms, questions and guide sections."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry: a term, its definition and an interview tip, in one chapter."""

    id: str
    term: str
    definition: str
    tip: str
    chapter: int
    pack: str
    aliases: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # ids from the pack's `kinds:` list, the primary one first (at most two)
    confusable: tuple[str, ...] = ()  # ids of terms a learner could mistake it for (as declared here)
    same_as: tuple[str, ...] = ()  # ids of entries naming the same concept (as declared here)
    broader: tuple[str, ...] = ()  # ids of the wider concepts this one is a case of (as declared here)
    quiz_prompt: str = ""  # what a quiz shows when the definition cannot be shown without naming the term

    @property
    def kind(self) -> str | None:
        """Return the term's primary kind, if it has one."""
        return self.kinds[0] if self.kinds else None


@dataclass(frozen=True, slots=True)
class Chapter:
    """A numbered chapter of a pack, with its introduction and the ids of its terms in order."""

    number: int
    title: str
    introduction: str
    pack: str
    term_ids: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Return the chapter's library-wide key (`pack:number`)."""
        return f"{self.pack}:{self.number}"


@dataclass(frozen=True, slots=True)
class Question:
    """An open interview question with the key points a strong answer covers."""

    id: str
    text: str
    key_points: tuple[str, ...]
    related: tuple[str, ...]
    pack: str
    chapter: int | None = None  # the chapter it belongs to; the loader fills in its first related term's
    origin: str = ""  # where it comes from ("project": written for this project), shown nowhere yet


@dataclass(frozen=True, slots=True)
class LearningStep:
    """One step of the recommended learning order."""

    step: int
    topic: str
    master: str


@dataclass(frozen=True, slots=True)
class Specialization:
    """A specialization worth pursuing, and why."""

    name: str
    why: str


@dataclass(frozen=True, slots=True)
class HighYield:
    """A high-yield interview question with its model answer."""

    id: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Guide:
    """The guide sections of a pack (all optional for packs other than the bundled one)."""

    mental_model: str = ""
    learning_order: tuple[LearningStep, ...] = ()
    specializations: tuple[Specialization, ...] = ()
    high_yield: tuple[HighYield, ...] = ()
    checklist: tuple[str, ...] = ()
    answer_formula: str = ""


@dataclass(frozen=True, slots=True)
class Credit:
    """Where a pack's material comes from."""

    title: str
    author: str
    url: str = ""
    note: str = ""
    licence: str = ""  # on what terms the pack's material may be redistributed


@dataclass(frozen=True, slots=True)
class TermKind:
    """One kind of term a pack declares (`loss-function`: "loss function")."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Pack:
    """A content pack as loaded from one directory."""

    id: str
    title: str
    description: str
    version: str
    credit: Credit
    chapters: tuple[Chapter, ...] = ()
    terms: tuple[Term, ...] = ()
    questions: tuple[Question, ...] = ()
    guide: Guide = field(default_factory=Guide)
    kinds: tuple[TermKind, ...] = ()
