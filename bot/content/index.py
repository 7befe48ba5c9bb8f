"""The in-memory index over all loaded packs: lookups by id, name, alias and chapter, fuzzy and full-text search.

Built once at start-up; every query afterwards is a dictionary lookup or a scan of a few thousand short
strings, cheap enough to run inside an autocomplete handler on the event loop.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.content.models import Chapter, Guide, Pack, Question, Term
from bot.content.text import normalize, tokenize


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A term found by name: which term, through which name (the term or an alias), how well (0–100)."""

    term: Term
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text search result: a term or a question, its score and the field the best match was in."""

    kind: str  # "term" or "question"
    id: str
    title: str
    field: str
    score: float


# Field weights for full-text search: a match in the name says more than one in a tip.
_FIELD_WEIGHTS = {"term": 4.0, "alias": 3.0, "question": 2.5, "definition": 1.5, "key point": 1.0, "tip": 1.0}


class Library:
    """Every loaded pack, indexed for lookups."""

    def __init__(self, packs: list[Pack]) -> None:
        self.packs = tuple(packs)
        self.terms: dict[str, Term] = {t.id: t for p in packs for t in p.terms}
        self.questions: dict[str, Question] = {q.id: q for p in packs for q in p.questions}
        self.chapters: dict[str, Chapter] = {c.key: c for p in packs for c in p.chapters}
        self._chapter_of_term = {t.id: f"{t.pack}:{t.chapter}" for t in self.terms.values()}
        # The guide comes from the first pack that has one (the bundled pack is loaded first).
        self.guide: Guide = next((p.guide for p in packs if p.guide.learning_order or p.guide.checklist), Guide())
        self._names: dict[str, list[tuple[str, str]]] = defaultdict(list)  # normalized name -> (term id, name)
        for term in self.terms.values():
            for name in (term.term, *term.aliases):
                self._names[normalize(name)].append((term.id, name))
        self._name_keys = list(self._names)
        self._build_search_index()

    # -- lookups ---------------------------------------------------------------------------------------

    def chapter_of(self, term: Term) -> Chapter:
        """Return the chapter a term belongs to."""
        return self.chapters[self._chapter_of_term[term.id]]

    def terms_in(self, chapter: Chapter) -> list[Term]:
        """Return a chapter's terms in their order."""
        return [self.terms[i] for i in chapter.term_ids]

    def find_chapter(self, text: str) -> Chapter | None:
        """Find a chapter by key (`pack:number`), number or title, ignoring case and spacing."""
        if text in self.chapters:
            return self.chapters[text]
        wanted = normalize(text)
        for chapter in self.chapters.values():
            if wanted in (str(chapter.number), normalize(chapter.title)):
                return chapter
        return None

    def questions_in(self, chapter: Chapter | None) -> list[Question]:
        """Return the open questions whose first related term lies in `chapter` (all of them for None)."""
        if chapter is None:
            return list(self.questions.values())
        return [q for q in self.questions.values() if self._chapter_of_term[q.related[0]] == chapter.key]

    def lookup(self, name: str) -> Term | None:
        """Return the term with this id, name or alias (case, spacing and punctuation ignored), if exactly known."""
        if name in self.terms:
            return self.terms[name]
        found = self._names.get(normalize(name))
        return self.terms[found[0][0]] if found else None

    def fuzzy(self, query: str, limit: int = 25) -> list[NameMatch]:
        """Rank terms by how well a name or alias matches `query`: exact, then prefix, then fuzzy similarity."""
        wanted = normalize(query)
        if not wanted:
            return [NameMatch(t, t.term, 0.0) for t in list(self.terms.values())[:limit]]
        scored: dict[str, NameMatch] = {}

        def offer(key: str, score: float) -> None:
            for term_id, name in self._names[key]:
                best = scored.get(term_id)
                # Prefer the term's own name over an alias when both match equally well.
                is_better = (
                    best is None or score > best.score or (score == best.score and name == self.terms[term_id].term)
                )
                if is_better:
                    scored[term_id] = NameMatch(self.terms[term_id], name, score)

        for key in self._name_keys:
            if key == wanted:
                offer(key, 100.0)
            elif key.startswith(wanted):
                # Shorter completions first: "relu" should rank ReLU above "Leaky ReLU" variants.
                offer(key, 90.0 + 9.0 * len(wanted) / len(key))
            elif wanted in key:
                offer(key, 75.0 + 10.0 * len(wanted) / len(key))
        for key, score, _ in process.extract(
            wanted, self._name_keys, scorer=fuzz.WRatio, limit=limit * 2, score_cutoff=60
        ):
            offer(key, min(score, 85.0) * 0.85)
        ranked = sorted(scored.values(), key=lambda m: (-m.score, len(m.term.term), m.term.term))
        return ranked[:limit]

    def random_term(self, rng: random.Random, chapter: Chapter | None = None) -> Term:
        """Pick a random term, from one chapter or from all."""
        pool = self.terms_in(chapter) if chapter else list(self.terms.values())
        return rng.choice(pool)

    def related_terms(self, term: Term, limit: int = 5) -> list[Term]:
        """Return terms that this term's text names, then its chapter neighbours, up to `limit`."""
        text = normalize(f"{term.definition} {term.tip}")
        named = [
            self.terms[tid]
            for key, refs in self._names.items()
            if len(key) >= 3 and key in text
            for tid, _ in refs[:1]
            if tid != term.id
        ]
        chapter = self.chapter_of(term)
        pos = chapter.term_ids.index(term.id)
        neighbours = [self.terms[i] for i in chapter.term_ids[max(0, pos - 1) : pos + 2] if i != term.id]
        out: list[Term] = []
        for candidate in sorted(named, key=lambda t: -len(t.term)) + neighbours:
            if candidate.id not in {t.id for t in out} and len(out) < limit:
                out.append(candidate)
        return out

    # -- full-text search ------------------------------------------------------------------------------

    def _build_search_index(self) -> None:
        """Index every token of every field as (document, field) postings for TF-IDF ranking."""
        self._postings: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
        self._docs: list[tuple[str, str, str]] = []  # (kind, id, title)
        for term in self.terms.values():
            fields = {
                "term": term.term,
                "alias": " ".join(term.aliases),
                "definition": term.definition,
                "tip": term.tip,
            }
            self._add_doc(("term", term.id, term.term), fields)
        for q in self.questions.values():
            self._add_doc(("question", q.id, q.text), {"question": q.text, "key point": " ".join(q.key_points)})

    def _add_doc(self, doc: tuple[str, str, str], fields: dict[str, str]) -> None:
        number = len(self._docs)
        self._docs.append(doc)
        for field, text in fields.items():
            for token, count in Counter(tokenize(text)).items():
                self._postings[token].append((number, field, count))

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Rank terms and questions by TF-IDF over their fields; a whole-name match ranks first."""
        tokens = [t for t in tokenize(query) if t in self._postings]
        scores: dict[int, float] = defaultdict(float)
        best_field: dict[int, tuple[float, str]] = {}
        total = len(self._docs)
        for token in set(tokens):
            postings = self._postings[token]
            idf = math.log(1 + total / len({doc for doc, _, _ in postings}))
            for doc, field, count in postings:
                gain = idf * _FIELD_WEIGHTS[field] * (1 + math.log(count))
                scores[doc] += gain
                if gain > best_field.get(doc, (0.0, ""))[0]:
                    best_field[doc] = (gain, field)
        exact = self.lookup(query)
        hits = []
        for doc, score in scores.items():
            kind, doc_id, title = self._docs[doc]
            if exact is not None and kind == "term" and doc_id == exact.id:
                score += 1000.0
            hits.append(SearchHit(kind, doc_id, title, best_field[doc][1], round(score, 3)))
        hits.sort(key=lambda h: (-h.score, h.title))
        return hits[:limit]

    # -- figures ---------------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Count what the library holds, for `content stats`."""
        return {
            "packs": len(self.packs),
            "chapters": len(self.chapters),
            "terms": len(self.terms),
            "aliases": sum(len(t.aliases) for t in self.terms.values()),
            "questions": len(self.questions),
            "high_yield": sum(len(p.guide.high_yield) for p in self.packs),
            "learning_steps": sum(len(p.guide.learning_order) for p in self.packs),
            "specializations": sum(len(p.guide.specializations) for p in self.packs),
            "checklist": sum(len(p.guide.checklist) for p in self.packs),
        }
