"""The in-memory index over all loaded packs: lookups by id, name, alias and chapter, fuzzy and full-text search.

Built once at start-up; every query afterwards is a dictionary lookup or a scan of a few thousand short
strings, cheap enough to run inside an autocomplete handler on the event loop.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

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

_STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "in", "is", "it"}
    | {"its", "of", "on", "or", "the", "to", "what", "when", "where", "which", "who", "why", "with", "you", "your"}
)


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
        # Each name and alias as a phrase of word tokens, for finding the terms a text mentions.
        self._phrases = [
            (" ".join(tokenize(name)), term.id)
            for term in self.terms.values()
            for name in (term.term, *term.aliases)
            if len(normalize(name)) >= 3
        ]
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
        """Return the open questions of `chapter`: its `chapter`, else its first related term's (all for None)."""
        if chapter is None:
            return list(self.questions.values())
        return [
            q
            for q in self.questions.values()
            if (f"{q.pack}:{q.chapter}" if q.chapter is not None else self._chapter_of_term[q.related[0]])
            == chapter.key
        ]

    def lookup(self, name: str) -> Term | None:
        """Return the term with this name, alias or id (case, spacing and punctuation ignored), if exactly known.

        Names come before ids, and where entries share a name ("Bias": the neural-network term's alias and the
        fairness metric's name) the one in the earliest chapter wins: where a learner meets it first.
        """
        found = self._names.get(normalize(name))
        if found:
            return min((self.terms[term_id] for term_id, _ in found), key=self._reading_order)
        return self.terms.get(name)

    def _reading_order(self, term: Term) -> tuple[int, int]:
        """Order terms as the packs present them: pack by pack, chapter by chapter."""
        return (next(n for n, p in enumerate(self.packs) if p.id == term.pack), term.chapter)

    def fuzzy(self, query: str, limit: int = 25) -> list[NameMatch]:
        """Rank terms by how well a name or alias matches `query`: exact, prefix, substring, words, then typos.

        A query without letters or digits matches nothing.
        """
        wanted = normalize(query)
        if not wanted:
            return []
        words = tokenize(query)
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
            elif len(words) > 1 and all(any(w.startswith(q) for w in self._name_words[key]) for q in words):
                # Every typed word starts a word of the name: "grad desc" finds "Gradient descent".
                offer(key, 70.0 + 10.0 * len(wanted) / len(key))
        if len(wanted) >= 3:
            # Typos. A name shorter than the query is compared whole only: inside "backpropogation" lies "gat"
            # (GAT), which a partial comparison would rank as a near-perfect match.
            for key in self._name_keys:
                similarity = fuzz.ratio(wanted, key)
                if len(key) >= len(wanted):
                    similarity = max(similarity, fuzz.partial_ratio(wanted, key) * 0.95)
                if similarity >= 72:
                    offer(key, similarity * 0.8)
        ranked = sorted(scored.values(), key=lambda m: (-m.score, len(m.term.term), m.term.term))
        return ranked[:limit]

    @cached_property
    def _name_words(self) -> dict[str, set[str]]:
        """Map each normalized name to the words of the names behind it (for multi-word queries)."""
        return {key: {w for _, name in refs for w in tokenize(name)} for key, refs in self._names.items()}

    def random_term(self, rng: random.Random, chapter: Chapter | None = None) -> Term:
        """Pick a random term, from one chapter or from all."""
        pool = self.terms_in(chapter) if chapter else list(self.terms.values())
        return rng.choice(pool)

    def related_terms(self, term: Term, limit: int = 5) -> list[Term]:
        """Return terms that this term's text names, then its chapter neighbours, up to `limit`."""
        # Whole words only: a short name must not match inside a longer word ("GAN" in "organizations").
        text = f" {' '.join(tokenize(f'{term.definition} {term.tip}'))} "
        named = []
        for phrase, term_id in self._phrases:
            if term_id != term.id and (f" {phrase} " in text or f" {phrase}s " in text):
                named.append(self.terms[term_id])
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
        scores: dict[int, float] = defaultdict(float)
        best_field: dict[int, tuple[float, str]] = {}
        total = len(self._docs)
        words = list(dict.fromkeys(tokenize(query)))
        # Question words ("what is the …") match most questions and drown the word that matters; they count
        # only when the query has nothing else.
        words = [w for w in words if w not in _STOP_WORDS] or words
        for token in words:
            # A query word also finds its singular or plural ("embedding" ↔ "embeddings"), a little weaker.
            gains: dict[tuple[int, str], float] = {}
            for variant, weight in self._variants(token):
                postings = self._postings[variant]
                idf = math.log(1 + total / len({doc for doc, _, _ in postings}))
                for doc, field, count in postings:
                    gain = weight * idf * _FIELD_WEIGHTS[field] * (1 + math.log(count))
                    gains[doc, field] = max(gain, gains.get((doc, field), 0.0))
            for (doc, field), gain in gains.items():
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

    def _variants(self, token: str) -> list[tuple[str, float]]:
        """Return the indexed forms of a query word: itself (weight 1) and its plural or singular (weight 0.8)."""
        forms = [(token, 1.0)]
        if len(token) > 3:
            others = [token + "s", token + "es"]
            if token.endswith("s"):
                others += [token[:-1], token[:-2] if token.endswith("es") else ""]
            if token.endswith("ies"):
                others.append(token[:-3] + "y")
            elif token.endswith("y"):
                others.append(token[:-1] + "ies")
            forms += [(form, 0.8) for form in dict.fromkeys(others) if form and form != token]
        return [(form, weight) for form, weight in forms if form in self._postings]

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
