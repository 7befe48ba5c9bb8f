"""The in-memory index over all loaded packs: lookups by id, name, alias and chapter, fuzzy and full-text search.

Built once at start-up, in plain dicts and sorted lists; afterwards every query does a bounded amount of work
whatever the size of the packs, so that autocomplete and lookups can run on the event loop:

- exact names: one dictionary lookup;
- completions: the sorted names (and, for "relu" in "Leaky ReLU", the sorted word-starting tails of names)
  are bisected: one range when few names start so, else length by length, shortest first, until enough are
  found (in every script: keys are normalize()'s, and a range of keys ends before the last code point);
- abbreviations of several words ("grad desc"): at most a few hundred names holding a word that starts like
  the rarest typed word, checked against the other typed words;
- typos, only when nothing else matched (a typo leaves nothing to complete): the words one letter off each
  typed one, from a table of forms missing a letter, else the closest among the words sharing its first or
  second letter (rapidfuzz); then the names holding them, scored against the whole text;
- related terms: each name and alias as a phrase in a dictionary, looked up for the runs of words of a term's
  text that can start one (the term's own text is scanned, not the library), once per term and kept;
- full-text search: postings per word packed in arrays, built once (the bot does it while warming up); a
  search reads a bounded number of them.

The latest rankings and typed words are kept: autocomplete asks again at every keystroke. What lookups do
without but faster with is built by `build_fast_paths`, the full-text index by `build_search_index`, every
term's related terms by `build_related_terms`; the bot runs all three in a thread after start-up
(`bot.core.choices.warm_up`). A library pickles (`bot.content.loader`
keeps a snapshot for the next start) without its lock and caches.

Ties rank a term's own name before another's alias, the shorter name first, then reading order; an exact lookup
of a name several entries share picks the one in the earliest chapter.
"""

from __future__ import annotations

import math
import random
import threading
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.content.models import Chapter, Guide, Pack, Question, Term
from bot.content.text import name_runs, normalize, tokenize

# A character after every one a normalized key can hold (the last code point): `key + _AFTER` ends the range of
# the sorted keys that start with `key`, whatever their script.
_AFTER = "\U0010ffff"

_Entry = tuple[str, str, bool]  # a name's term id, the name as written, whether it is an alias
_Found = tuple[float, bool, str]  # a term's best match so far: score, through an alias, the name
_Offer = Callable[[str, float], None]  # offer(normalized key, score): the terms named so, at that score

# Query-time bounds: names examined beyond those shown in one tier, candidate names for abbreviations and typos,
# similar words taken per typed word, and names read per similar word.
_EXTRA = 100
_COMPLETIONS_AT_ONCE = 300  # names completing a prefix, at most, offered in one go (else length by length)
_ABBREVIATION_CANDIDATES = 300
_TYPO_WORDS = 5
_TYPO_TYPED = 3  # typed words looked up for typos: the longest ones (they say the most, and cost the same)
_TYPO_WHOLE = 8  # a name of several words this short is looked up whole too ("tf-dif" for TF-IDF)
_TYPO_NAMES_PER_WORD = 100
_TYPO_CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A term found by name: which term, through which name (the term or an alias), how well (0–100)."""

    term: Term
    name: str
    score: float
    alias: bool = False  # through another name than the term's own


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
_FIELDS = tuple(_FIELD_WEIGHTS)
_FIELD_NUMBER = {name: n for n, name in enumerate(_FIELDS)}
# A posting packs (document, field, count) into one integer: document << 16 | field << 12 | count.
_DOC_SHIFT, _FIELD_SHIFT, _COUNT_MASK = 16, 12, 0xFFF
# A search reads at most this many postings of a word in the weightiest fields (names, aliases, questions) and
# as many of the others: a word found nearly everywhere in a large library ("method") would otherwise cost tens
# of milliseconds to read in full.
_POSTINGS_READ = 1000
_WEIGHT_OF_FIELD = tuple(_FIELD_WEIGHTS[name] for name in _FIELDS)
_ONE_PLUS_LOG = (0.0, *(1 + math.log(count) for count in range(1, _COUNT_MASK + 1)))
_WEIGHTY_FIELDS = frozenset(n for n, name in enumerate(_FIELDS) if _FIELD_WEIGHTS[name] >= 2.5)

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
        self._chapter_keys = {(c.pack, c.number): key for key, c in self.chapters.items()}
        # Reading order (see `_reading`) breaks ties between names, and picks among entries of one name.
        self._pack_number = {p.id: n for n, p in enumerate(packs)}
        # The guide comes from the first pack that has one (the bundled pack is loaded first).
        self.guide: Guide = next((p.guide for p in packs if p.guide.learning_order or p.guide.checklist), Guide())
        self._related: dict[str, tuple[str, ...]] = {}
        self._similar_words = lru_cache(maxsize=4096)(self._find_similar_words)
        self._ranked = lru_cache(maxsize=4096)(self._rank)
        self._deletes: dict[str, tuple[str, ...]] | None = None  # see `build_fast_paths`
        self._longest_from: dict[str, int] | None = None  # a phrase's first word -> most words of one starting so
        self._build_name_index()
        # The full-text index is not needed to start: the bot builds it in a thread (about a second for 50,000
        # terms) while it connects to Discord (see `build_search_index`); otherwise the first search does.
        self._postings: dict[str, array] = {}
        self._frequency: dict[str, int] = {}
        self._weighty: dict[str, array] = {}
        self._docs: list[tuple[str, str, str]] = []
        self._search_lock = threading.Lock()
        self._search_built = False

    def __getstate__(self) -> dict[str, object]:
        """Return what pickles (the content and its indexes): not the lock, nor the caches of the latest queries."""
        state = dict(self.__dict__)
        for name in ("_search_lock", "_similar_words", "_ranked"):
            del state[name]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        """Restore a pickled library, with a new lock and empty caches."""
        self.__dict__.update(state)
        self._search_lock = threading.Lock()
        self._similar_words = lru_cache(maxsize=4096)(self._find_similar_words)
        self._ranked = lru_cache(maxsize=4096)(self._rank)

    def _build_name_index(self) -> None:
        """Index every name and alias: by normalized key, by length for completions, by word, as a phrase.

        Kept small, as a pack may hold 100,000 names: a key that only one term's own name has maps to the term id
        alone; the words of a name are kept (in one string) only when it has several.
        """
        # normalized key -> a term id (its own name), or [(term id, name, is an alias)], own names first
        names: dict[str, str | _Entry | list[_Entry]] = {}
        words_of: dict[str, tuple[str, ...]] = {}  # normalized key of several words -> its words
        phrases: dict[str, str | list[str]] = {}  # a name's words joined by spaces -> term id(s), for related terms
        distinct: dict[str, str] = {}
        word = distinct.setdefault  # one string per distinct word
        shared: list[list[_Entry]] = []  # the keys of several names
        for term in self.terms.values():
            alias = False
            for name in (term.term, *term.aliases) if term.aliases else (term.term,):
                runs = name_runs(name)
                key = "".join(runs)
                if key:
                    found = names.get(key)
                    if found is None:
                        names[key] = (term.id, name, True) if alias else term.id
                    else:
                        if not isinstance(found, list):
                            found = names[key] = self._entries_of(found)
                            shared.append(found)
                        found.append((term.id, name, alias))
                    if found is not None:  # another name with this key: its words too
                        known = words_of.get(key, (key,))
                        words_of[key] = tuple(dict.fromkeys((*known, *map(word, runs, runs))))
                    elif len(runs) > 1:
                        words_of[key] = tuple(map(word, runs, runs))
                    if len(key) >= 3:
                        # tokenize()'s words are the runs unless the name holds "-", "+" or "#".
                        plain = name.isascii() and "-" not in name and "+" not in name and "#" not in name
                        phrase = (key if len(runs) == 1 else " ".join(runs)) if plain else " ".join(tokenize(name))
                        if phrase:
                            ids = phrases.get(phrase)
                            if ids is None:
                                phrases[phrase] = term.id
                            elif isinstance(ids, str):
                                if ids != term.id:
                                    phrases[phrase] = [ids, term.id]
                            elif ids[-1] != term.id:
                                ids.append(term.id)
                alias = True
        for entries in shared:
            entries.sort(key=lambda e: e[2])  # stable: own names first, each group in library order
        longest = max(map(len, names), default=0)
        sorted_keys = sorted(names)
        by_length: list[list[str]] = [[] for _ in range(longest + 1)]
        for key in sorted_keys:  # so each length's keys come sorted
            by_length[len(key)].append(key)
        tails: list[list[tuple[str, str]]] = [[] for _ in range(longest + 1)]
        word_names: dict[str, list[str]] = {}
        for key in names:
            several = words_of.get(key)
            if several is None:
                found_names = word_names.get(key)
                if found_names is None:
                    word_names[key] = [key]
                else:
                    found_names.append(key)
                continue
            bucket = tails[len(key)]
            for i in range(1, len(several)):
                bucket.append(("".join(several[i:]), key))
            for w in several:
                word_names.setdefault(w, []).append(key)
        self._names = names
        # " " + the words joined by spaces: " " + a typed word is in it when one of the words starts so.
        self._spaced = {key: " " + " ".join(words) for key, words in words_of.items()}
        self._by_length = by_length
        self._tails: list[tuple[list[str], list[str]]] = []
        for pairs in tails:
            pairs.sort()
            self._tails.append(([t for t, _ in pairs], [k for _, k in pairs]))
        # All keys in one sorted list too: a prefix that few names start with is read in one range. (The tails'
        # one is built while warming up, see `build_fast_paths`.)
        self._all_keys = (sorted_keys, sorted_keys)
        self._all_tails: tuple[list[str], list[str]] | None = None
        self._word_names = word_names
        self._vocabulary = sorted(word_names)
        # The words by their first and by their second letter: a typo's candidates share one of its first two
        # letters at one of those places (a letter dropped, swapped or mistyped at the start still leaves one).
        self._by_first: dict[str, list[str]] = {}
        self._by_second: dict[str, list[str]] = {}
        for w in self._typo_words():
            self._by_first.setdefault(w[0], []).append(w)
            if len(w) > 1:
                self._by_second.setdefault(w[1], []).append(w)
        self._phrases = phrases
        self._phrase_sizes = sorted({phrase.count(" ") + 1 for phrase in phrases})
        # Entries sharing a name or alias ("Gradient descent" in two chapters): labels and cards tell them apart.
        namesakes: dict[str, set[str]] = {}
        for entries in shared:
            sharing = {term_id for term_id, _, _ in entries}
            for term_id in sharing if len(sharing) > 1 else ():
                namesakes.setdefault(term_id, set()).update(sharing - {term_id})
        self._namesakes = {term_id: frozenset(others) for term_id, others in namesakes.items()}

    def _typo_words(self) -> Iterator[str]:
        """Yield the words a typo may be a misspelling of: every word of a name, and short names of several words.

        A short name is looked for whole too, for typos across its words ("tf-dif" for TF-IDF).
        """
        yield from self._vocabulary
        yield from (key for key in self._spaced if len(key) <= _TYPO_WHOLE and key not in self._word_names)

    def _entries(self, key: str) -> list[_Entry]:
        """Return the (term id, name, is an alias) entries of a normalized key, own names first."""
        found = self._names.get(key)
        return [] if found is None else self._entries_of(found)

    def _entries_of(self, found: str | _Entry | list[_Entry]) -> list[_Entry]:
        """Unpack a `_names` value: a term id (its own name), one alias entry, or a list of entries."""
        if isinstance(found, str):
            return [(found, self.terms[found].term, False)]
        return [found] if isinstance(found, tuple) else found

    # -- lookups ---------------------------------------------------------------------------------------

    def chapter_of(self, term: Term) -> Chapter:
        """Return the chapter a term belongs to."""
        return self.chapters[self._chapter_keys[term.pack, term.chapter]]

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
            if (f"{q.pack}:{q.chapter}" if q.chapter is not None else self.chapter_of(self.terms[q.related[0]]).key)
            == chapter.key
        ]

    def lookup(self, name: str) -> Term | None:
        """Return the term with this name, alias or id (case, spacing and punctuation ignored), if exactly known.

        Names come before ids, and where entries share a name ("Bias": the neural-network term's alias and the
        fairness metric's name) the one in the earliest chapter wins: where a learner meets it first.
        """
        found = self._entries(normalize(name))
        if found:
            return min((self.terms[term_id] for term_id, _, _ in found), key=self._reading)
        return self.terms.get(name)

    def fuzzy(self, query: str, limit: int = 25) -> list[NameMatch]:
        """Rank terms by how well a name or alias matches `query`: exact, prefix, word inside, words, then typos.

        Scores: 100 for the whole name; 90–99 for a completion (shorter ones first); 75–85 for a completion of a
        later word of the name ("relu" in "Leaky ReLU"); 70–80 when every typed word starts a word of the name
        ("grad desc"); up to 80 for a close spelling, which is looked for only when nothing else matched (a typo
        leaves nothing to complete). Ties: own names before aliases, shorter names, then library order. A query
        without letters or digits matches nothing.
        """
        return list(self._ranked(tuple(name_runs(query)), limit))

    def _rank(self, runs: tuple[str, ...], limit: int) -> tuple[NameMatch, ...]:
        """Rank the terms for the runs of a query (see `fuzzy`); kept for the latest queries in `_ranked`.

        Members typing the same beginnings ("tra", "att") ask for the same ranking at every keystroke.
        """
        wanted = "".join(runs)
        if not wanted:
            return ()
        found: dict[str, _Found] = {}  # term id -> (score, through an alias, the name)
        entries = self._entries

        def offer(key: str, score: float) -> None:
            for term_id, name, alias in entries(key):
                best = found.get(term_id)
                # Prefer the term's own name over an alias when both match equally well.
                if best is None or score > best[0] or (score == best[0] and best[1] and not alias):
                    found[term_id] = (score, alias, name)

        if wanted in self._names:
            offer(wanted, 100.0)
        # Completions, shortest names first (score 90 + 9·typed/length): "relu" ranks ReLU above "ReLU6".
        self._complete(wanted, limit, found, offer, tails=False)
        if len(found) < limit:
            # A later word of the name completed (75 + 10·typed/length): "relu" finds "Leaky ReLU".
            self._complete(wanted, limit, found, offer, tails=True)
        if len(runs) > 1 and (len(found) < limit or self._kth_score(found, limit) < 80.0):
            self._abbreviation(runs, wanted, offer)
        if not found and len(wanted) >= 3:
            self._typos(runs, wanted, limit, offer)
        reading, terms = self._reading, self.terms
        ranked = sorted(
            found.items(),
            key=lambda item: (
                -item[1][0],
                item[1][1],
                len(terms[item[0]].term),
                terms[item[0]].term,
                reading(terms[item[0]]),
            ),
        )
        return tuple(NameMatch(terms[term_id], name, score, alias) for term_id, (score, alias, name) in ranked[:limit])

    @staticmethod
    def _kth_score(found: dict[str, _Found], k: int) -> float:
        scores = sorted((s for s, _, _ in found.values()), reverse=True)
        return scores[k - 1] if len(scores) >= k else 0.0

    def _complete(self, wanted: str, limit: int, found: dict[str, _Found], offer: _Offer, *, tails: bool) -> None:
        """Offer names (or later words of names) that start with `wanted`, by length, until `limit` terms are found."""
        base, span = (75.0, 10.0) if tails else (90.0, 9.0)
        end = wanted + _AFTER
        every = self._all_tails if tails else self._all_keys
        if every is not None:
            starts, keys = every
            first = bisect_left(starts, wanted)
            last = bisect_left(starts, end, first)
            if last - first <= _COMPLETIONS_AT_ONCE:
                # The shorter the name the higher its score: shortest first, and only until `limit` terms are
                # found and the names grow longer (ties of length all offered), as every later one ranks lower.
                enough = math.inf
                for key in sorted(keys[first:last], key=len):
                    if len(key) > enough:
                        break
                    offer(key, base + span * len(wanted) / len(key))
                    if len(found) >= limit and enough == math.inf:
                        enough = len(key)
                return
        # A prefix of many names ("a", "con"): length by length, the shortest first, until enough are found.
        for length in range(len(wanted) + 1, len(self._by_length)):
            if tails:
                starts, keys = self._tails[length]
            else:
                starts = keys = self._by_length[length]
            if not starts:
                continue
            i = bisect_left(starts, wanted)
            if i == len(starts) or not starts[i].startswith(wanted):
                continue
            stop = min(bisect_left(starts, end, i), i + _EXTRA)
            score = base + span * len(wanted) / length
            for n in range(i, stop):
                offer(keys[n], score)
            if len(found) >= limit:
                return

    def _abbreviation(self, runs: Sequence[str], wanted: str, offer: _Offer) -> None:
        """Offer names in which every typed word starts a word (70 + 10·typed/length): "grad desc"."""
        vocabulary = self._vocabulary
        spans = []  # per typed word: how many indexed words start so, the first of them, which typed word
        for n, word in enumerate(runs):
            i = bisect_left(vocabulary, word)
            spans.append((bisect_left(vocabulary, word + _AFTER, i) - i, i, n))
        spans.sort()
        size, start, _ = spans[0]
        candidates: dict[str, None] = {}
        for word in vocabulary[start : start + size]:
            # A common word may start a thousand names: the first few hundred are plenty to offer from.
            candidates.update(dict.fromkeys(self._word_names[word][: _ABBREVIATION_CANDIDATES - len(candidates)]))
            if len(candidates) >= _ABBREVIATION_CANDIDATES:
                break
        # The rarest typed word starts a word of every candidate; the others are checked, the rarer ones first (the
        # likelier to rule a name out): " " + typed is in the name's spaced words when one of them starts so.
        spaced = self._spaced
        others = [" " + runs[n] for _, _, n in spans[1:]]
        for key in candidates:
            text = spaced.get(key) or " " + key
            for typed in others:
                if typed not in text:
                    break
            else:
                offer(key, 70.0 + 10.0 * len(wanted) / len(key))

    def _find_similar_words(self, word: str, *, typing: bool) -> tuple[str, ...]:
        """Return the indexed words spelled close to a typed one (and, while `typing` it, that it may begin).

        Kept for the words typed lately (`_similar_words`): autocomplete asks again at every keystroke, with
        the same first words. Sorted: in a set's order, which string hashing changes from process to process,
        ties between equally close names would rank differently at every start.
        """
        similar: set[str] = set()
        deletes = self._deletes
        if deletes is not None:
            # One letter wrong, missing, extra or swapped: the two words share a form with one letter left out.
            for form in {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}:
                similar.update(deletes.get(form, ()))
            if len(similar) > _TYPO_WORDS:
                close = process.extract(word, sorted(similar), scorer=fuzz.ratio, score_cutoff=70, limit=_TYPO_WORDS)
                similar = {w for w, _, _ in close}
            if similar:
                return tuple(sorted(similar))
        # Else (a worse typo, or before the table is built): the words sharing the first or second letter at
        # the first or second place, a few thousand, compared one by one.
        pools = [self._by_first.get(word[0], []), self._by_second.get(word[1], [])]
        if word[1] != word[0]:
            pools += [self._by_first.get(word[1], []), self._by_second.get(word[0], [])]
        for pool in pools:
            close = process.extract(word, pool, scorer=fuzz.ratio, score_cutoff=70, limit=_TYPO_WORDS)
            similar.update(w for w, _, _ in close)
        if typing:
            # The word being typed: close to the start of a longer word ("backpropog").
            close = process.extract(word, pools[0], scorer=fuzz.partial_ratio, score_cutoff=80, limit=_TYPO_WORDS)
            similar.update(w for w, _, _ in close if len(w) > len(word))
        return tuple(sorted(similar))

    def build_fast_paths(self) -> None:
        """Build what lookups do without but faster with; the bot builds it while it warms up.

        The table of one-letter typos: every indexed word under itself and each form missing a letter, so that
        looking a typed word up there (itself and its forms missing a letter) finds the words one letter away in
        a few dictionary reads instead of thousands of comparisons. The later words of all names in one sorted
        list, for completing them in one range. And, for each word a name starts with, the most words of such a
        name, so that finding the names in a text tries only the phrases that can be there. Some tenths of a
        second and megabytes for a 50,000-term pack; until then, the slow ways.
        """
        if self._longest_from is None:
            longest: dict[str, int] = {}
            for phrase in self._phrases:
                first, *rest = phrase.split(" ")
                longest[first] = max(longest.get(first, 0), len(rest) + 1)
            self._longest_from = longest
        if self._all_tails is None:
            pairs = sorted(pair for starts, keys in self._tails for pair in zip(starts, keys, strict=True))
            self._all_tails = ([t for t, _ in pairs], [k for _, k in pairs])
        if self._deletes is not None:
            return
        deletes: dict[str, list[str]] = {}
        for word in self._typo_words():
            if len(word) >= 3:
                for form in {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}:
                    deletes.setdefault(form, []).append(word)
        self._deletes = {form: tuple(words) for form, words in deletes.items()}
        # Found the slow ways meanwhile: not always the same answers.
        self._similar_words.cache_clear()
        self._ranked.cache_clear()

    def _typos(self, runs: Sequence[str], wanted: str, limit: int, offer: _Offer) -> None:
        """Offer names spelled close to the query (up to 80): found through the words closest to the typed ones."""
        hits: Counter[str] = Counter()
        typed = sorted((w for w in runs if len(w) >= 3 and w not in _STOP_WORDS), key=len, reverse=True)[:_TYPO_TYPED]
        if len(runs) > 1 and len(wanted) <= _TYPO_WHOLE + 2:
            typed.append(wanted)
        for word in typed:
            for similar_word in self._similar_words(word, typing=word == runs[-1]):
                named = self._word_names.get(similar_word)
                if named is None:
                    hits[similar_word] += 1  # a whole name of several words
                else:
                    hits.update(named[:_TYPO_NAMES_PER_WORD])
        candidates = list(hits) if len(hits) <= _TYPO_CANDIDATES else [k for k, _ in hits.most_common(_TYPO_CANDIDATES)]
        # Today's rule, in two passes of rapidfuzz over the candidates: the whole name compared, and a name
        # longer than the query also partially. A name shorter than the query is compared whole only: inside
        # "backpropogation" lies "gat" (GAT), which a partial comparison would rank as a near-perfect match.
        similarity = dict.fromkeys(candidates, 0.0)
        best: dict[str, float] = {}  # term id -> its best whole-name score
        for key, score, _ in process.extract(wanted, candidates, scorer=fuzz.ratio, score_cutoff=72, limit=None):
            similarity[key] = score
            for term_id, _, _ in self._entries(key):
                best[term_id] = max(best.get(term_id, 0.0), score)
        # The partial pass changes the first `limit` terms only where it lifts a name to the limit-th best term's
        # whole-name score or above: with that as its cutoff, rapidfuzz gives up early on every other name.
        floor = max(72.0, sorted(best.values(), reverse=True)[limit - 1] if len(best) >= limit else 0.0)
        longer = [key for key in candidates if len(key) >= len(wanted)]
        if floor <= 95.0:  # a partial score counts at most 95
            for key, score, _ in process.extract(
                wanted, longer, scorer=fuzz.partial_ratio, score_cutoff=floor / 0.95 - 1e-9, limit=None
            ):
                similarity[key] = max(similarity[key], score * 0.95)
        for key, score in similarity.items():
            if score >= 72:
                offer(key, score * 0.8)

    def _reading(self, term: Term) -> tuple[int, int, str, str]:
        """Order terms as a reader meets them: pack by pack as loaded, chapter by chapter (then by name and id)."""
        return (self._pack_number[term.pack], term.chapter, term.term, term.id)

    def namesakes(self, term_id: str) -> frozenset[str]:
        """Return the other entries that share one of this entry's names or aliases."""
        return self._namesakes.get(term_id, frozenset())

    def random_term(self, rng: random.Random, chapter: Chapter | None = None) -> Term:
        """Pick a random term, from one chapter or from all."""
        pool = self.terms_in(chapter) if chapter else list(self.terms.values())
        return rng.choice(pool)

    def related_terms(self, term: Term, limit: int = 5) -> list[Term]:
        """Return terms that this term's text names (longer names first), then its chapter neighbours, up to `limit`.

        Worked out from the term's own text alone, and kept: ahead for every term (`build_related_terms`), else on
        the first request for it.
        """
        related = self._related.get(term.id)
        if related is None:
            related = self._related[term.id] = self._find_related(term)
        return [self.terms[i] for i in related[:limit]]

    def build_related_terms(self) -> None:
        """Work every term's related terms out ahead (see `related_terms`); the bot does it while warming up."""
        related = self._related
        for term in self.terms.values():
            if term.id not in related:
                related[term.id] = self._find_related(term)

    def _find_related(self, term: Term) -> tuple[str, ...]:
        # Whole words only: a short name must not match inside a longer word ("GAN" in "organizations"); a name
        # followed by "s" counts too ("GANs").
        tokens = tokenize(f"{term.definition} {term.tip}")
        phrases, sizes, longest = self._phrases, self._phrase_sizes, self._longest_from
        named: set[str] = set()
        for i, first in enumerate(tokens):
            most = sizes[-1] if longest is None else longest.get(first, 0)
            if not most and longest is not None and first.endswith("s") and first[:-1] in longest:
                most = 1  # "GANs"
            for size in sizes:
                if size > most or i + size > len(tokens):
                    break
                gram = " ".join(tokens[i : i + size])
                for form in (gram, gram[:-1]) if gram.endswith("s") else (gram,):
                    ids = phrases.get(form)
                    if ids is not None:
                        named.update((ids,) if isinstance(ids, str) else ids)
        named.discard(term.id)
        reading, terms = self._reading, self.terms
        out = sorted(named, key=lambda i: (-len(terms[i].term), reading(terms[i])))
        chapter = self.chapter_of(term)
        pos = chapter.term_ids.index(term.id)
        out += [i for i in chapter.term_ids[max(0, pos - 1) : pos + 2] if i != term.id and i not in named]
        return tuple(out)

    # -- full-text search ------------------------------------------------------------------------------

    def build_search_index(self) -> None:
        """Build the full-text index unless it is built already; a caller during the build waits for it."""
        if self._search_built:
            return
        with self._search_lock:
            if not self._search_built:
                self._build_search_index()
                self._search_built = True

    def _build_search_index(self) -> None:
        """Index every word of every field as packed (document, field, count) postings for TF-IDF ranking."""
        postings: dict[str, array] = {}
        docs: list[tuple[str, str, str]] = []  # (kind, id, title)
        term_fields = (_FIELD_NUMBER["term"], _FIELD_NUMBER["alias"], _FIELD_NUMBER["definition"], _FIELD_NUMBER["tip"])
        question_fields = (_FIELD_NUMBER["question"], _FIELD_NUMBER["key point"])
        rows: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
        for term in self.terms.values():
            docs.append(("term", term.id, term.term))
            rows.append((term_fields, (term.term, " ".join(term.aliases), term.definition, term.tip)))
        for q in self.questions.values():
            docs.append(("question", q.id, q.text))
            rows.append((question_fields, (q.text, " ".join(q.key_points))))
        get = postings.get
        code = "I" if len(rows) < 1 << (32 - _DOC_SHIFT) else "Q"  # 4 bytes a posting while that is enough
        for doc, (fields, texts) in enumerate(rows):
            for field, text in zip(fields, texts, strict=True):
                tokens = tokenize(text)
                if not tokens:
                    continue
                base = doc << _DOC_SHIFT | field << _FIELD_SHIFT
                if len(set(tokens)) == len(tokens):
                    once = base | 1
                    for token in tokens:
                        found = get(token)
                        if found is None:
                            postings[token] = array(code, (once,))
                        else:
                            found.append(once)
                    continue
                for token, count in Counter(tokens).items():
                    posting = base | min(count, _COUNT_MASK)
                    found = get(token)
                    if found is None:
                        postings[token] = array(code, (posting,))
                    else:
                        found.append(posting)
        # Long postings: their documents counted now, and their entries in the weightiest fields kept apart.
        frequency: dict[str, int] = {}
        weighty: dict[str, array] = {}
        for token, found in postings.items():
            if len(found) > _POSTINGS_READ:
                frequency[token] = len({p >> _DOC_SHIFT for p in found})
                weighty[token] = array(code, [p for p in found if (p >> _FIELD_SHIFT) & 0xF in _WEIGHTY_FIELDS])
        self._weighty = weighty
        self._frequency = frequency
        self._postings = postings
        self._docs = docs

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Rank terms and questions by TF-IDF over their fields; a whole-name match ranks first."""
        self.build_search_index()
        scores: dict[int, float] = {}
        best_field: dict[int, tuple[float, int]] = {}
        total = len(self._docs)
        words = list(dict.fromkeys(tokenize(query)))
        # Question words ("what is the …") match most questions and drown the word that matters; they count
        # only when the query has nothing else. So do words found nearly everywhere in a large library.
        words = [w for w in words if w not in _STOP_WORDS] or words
        for token in words:
            # A query word also finds its singular or plural ("embedding" ↔ "embeddings"), a little weaker.
            gains: dict[int, float] = {}  # document << 4 | field -> gain
            for variant, weight in self._variants(token):
                postings = self._postings[variant]
                frequency = self._frequency.get(variant) or len({p >> _DOC_SHIFT for p in postings})
                idf = math.log(1 + total / frequency)
                scale = weight * idf
                if len(postings) > _POSTINGS_READ:
                    postings = self._weighty[variant][:_POSTINGS_READ] + postings[:_POSTINGS_READ]
                for p in postings:
                    gain = scale * _WEIGHT_OF_FIELD[(p >> _FIELD_SHIFT) & 0xF] * _ONE_PLUS_LOG[p & _COUNT_MASK]
                    slot = p >> _FIELD_SHIFT  # document << 4 | field
                    if gain > gains.get(slot, 0.0):
                        gains[slot] = gain
            for slot, gain in gains.items():
                doc, field = slot >> 4, slot & 0xF
                scores[doc] = scores.get(doc, 0.0) + gain
                if gain > best_field.get(doc, (0.0, 0))[0]:
                    best_field[doc] = (gain, field)
        exact = self.lookup(query)
        hits = []
        for doc, score in scores.items():
            kind, doc_id, title = self._docs[doc]
            if exact is not None and kind == "term" and doc_id == exact.id:
                score += 1000.0
            hits.append(SearchHit(kind, doc_id, title, _FIELDS[best_field[doc][1]], round(score, 3)))
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
