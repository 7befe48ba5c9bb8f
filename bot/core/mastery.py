"""Mastery per chapter: the share of a chapter's terms whose review card is mastered (see `review.is_mastered`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card

from bot.content.index import Library
from bot.core.review import is_mastered


@dataclass(frozen=True, slots=True)
class ChapterMastery:
    """How many of a chapter's terms a member has mastered, and how many they have cards for."""

    key: str
    number: int
    title: str
    terms: int
    carded: int
    mastered: int

    @property
    def share(self) -> float:
        """Return mastered / terms (0 for an empty chapter)."""
        return self.mastered / self.terms if self.terms else 0.0


def chapter_mastery(library: Library, cards: Mapping[str, Card], now: datetime) -> list[ChapterMastery]:
    """Return every chapter's mastery for a member whose cards are `cards` (term id → card), in chapter order."""
    out = []
    for chapter in library.chapters.values():
        term_ids = chapter.term_ids
        carded = [cards[t] for t in term_ids if t in cards]
        mastered = sum(is_mastered(card, now) for card in carded)
        out.append(ChapterMastery(chapter.key, chapter.number, chapter.title, len(term_ids), len(carded), mastered))
    return out
