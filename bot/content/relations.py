"""How glossary terms relate: the same concept, a wider or narrower one, easy to confuse, of the same kind.

Packs declare `same_as`, `broader` and `confusable` on one side of a pair (both sides is fine too); the obvious
same-concept pairs are derived here: two entries sharing a name or alias ("Gradient descent" in two chapters),
and an abbreviation beside its expansion (MSE and Mean squared error). Built once per `Library` (see
`relations`) and read by the question builder and the content audit.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.content.index import Library
from bot.content.models import Term
from bot.content.names import Names, acronym_letters, contains, initialisms, word_keys
from bot.content.text import normalize


@dataclass(frozen=True, slots=True)
class DerivedPair:
    """Two entries found to name the same concept without a `same_as`, and why."""

    first: str
    second: str
    reason: str


class _Groups:
    """Union-find over term ids: which entries form one concept."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, a: str, b: str) -> bool:
        """Put `a` and `b` in one group; return False when they already were."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


_NONE: frozenset[str] = frozenset()


class Relations:
    """The relations between the terms of one set of packs, with the derived same-concept pairs."""

    def __init__(self, terms: Iterable[Term], kind_labels: Mapping[str, str] | None = None) -> None:
        self.terms: dict[str, Term] = {t.id: t for t in terms}
        self.kind_labels = dict(kind_labels or {})
        self.derived: list[DerivedPair] = []
        groups = _Groups(self.terms)
        for term in self.terms.values():
            for other in term.same_as:
                if other in self.terms:
                    groups.join(term.id, other)
        for a, b, reason in self._derive():
            if groups.join(a, b):
                self.derived.append(DerivedPair(a, b, reason))
        members: dict[str, list[str]] = defaultdict(list)
        for term_id in self.terms:
            members[groups.find(term_id)].append(term_id)
        # Kept only where they say something (most entries are a concept of their own, with nothing wider and
        # nothing confusable): a 50,000-term pack would hold a few hundred thousand small sets otherwise.
        self._concept = {i: frozenset(ids) for ids in members.values() if len(ids) > 1 for i in ids}
        self._root = {i: root for root, ids in members.items() if len(ids) > 1 for i in ids if i != root}
        self._wider = self._close_broader()
        self._confusable = self._symmetric_confusable()
        self._by_kind: dict[str, list[str]] = defaultdict(list)
        for term in self.terms.values():
            for kind in term.kinds:
                self._by_kind[kind].append(term.id)
        self._names: dict[str, Names] = {}

    @classmethod
    def of_library(cls, library: Library) -> Relations:
        """Build the relations of a library's terms, with its packs' kind labels."""
        labels = {k.id: k.label for pack in library.packs for k in pack.kinds}
        return cls(library.terms.values(), labels)

    def _derive(self) -> list[tuple[str, str, str]]:
        """Find the pairs that obviously name one concept: a shared name or alias, an acronym and its expansion."""
        pairs = []
        by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
        by_initials: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for term in self.terms.values():
            for name in (term.term, *term.aliases):
                key = normalize(name)
                if key:
                    by_name[key].append((term.id, name))
                for short in initialisms(name):
                    by_initials[short].append((term.id, name))
        for refs in by_name.values():
            first_id, first_name = refs[0]
            pairs += [(first_id, i, f"both are named “{first_name}”") for i, _ in refs[1:] if i != first_id]
        # An abbreviation and a name with its initials. Initials alone mislead (MSE fits "Multimodal search
        # engine", GAN "Graph attention networks"): the pair counts when the abbreviation's entry spells the
        # expansion out ("MSE: Mean squared error for regression") or the expansion's entry uses the
        # abbreviation (alias "MSE loss"). Each entry's texts (definition, aliases) are read into word keys once,
        # with the set of those keys to rule most candidates out at once: a large pack has thousands of names
        # per pair of initials.
        texts: dict[str, tuple[frozenset[str], tuple[tuple[str, ...], ...]]] = {}

        def keys_of(term: Term) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
            found = texts.get(term.id)
            if found is None:
                keys = tuple(map(word_keys, (term.definition, *term.aliases)))
                found = texts[term.id] = (frozenset(k for text in keys for k in text), keys)
            return found

        phrases: dict[str, tuple[str, ...]] = {}
        for term in self.terms.values():
            for name in (term.term, *term.aliases):
                letters = acronym_letters(name)
                if letters is None or letters not in by_initials:
                    continue
                (acronym,) = word_keys(name)
                short_words, short_texts = keys_of(term)
                for other_id, expansion in by_initials[letters]:
                    if other_id == term.id:
                        continue
                    # Either entry says so: the abbreviation's spells the expansion out, or the other uses it.
                    long_words, _ = keys_of(self.terms[other_id])
                    phrase = phrases.get(expansion)
                    if phrase is None:
                        phrase = phrases[expansion] = word_keys(expansion)
                    spelled = short_words.issuperset(phrase) and any(contains(keys, phrase) for keys in short_texts)
                    if spelled or acronym in long_words:
                        pairs.append((term.id, other_id, f"“{name}” abbreviates “{expansion}”"))
        return pairs

    def _close_broader(self) -> dict[str, frozenset[str]]:
        """Map each concept (by its root id) to every concept wider than it, directly or through others."""
        direct: dict[str, set[str]] = defaultdict(set)
        for term in self.terms.values():
            for wider in term.broader:
                if wider in self.terms and self.root(wider) != self.root(term.id):
                    direct[self.root(term.id)].add(self.root(wider))
        closed: dict[str, frozenset[str]] = {}
        for root in list(direct):
            seen: set[str] = set()
            stack = list(direct[root])
            while stack:
                node = stack.pop()
                if node not in seen and node != root:
                    seen.add(node)
                    stack.extend(direct.get(node, ()))
            if seen:
                closed[root] = frozenset(seen)
        return closed

    def _symmetric_confusable(self) -> dict[str, frozenset[str]]:
        """Map each term to the terms declared confusable with it on either side, with their concepts' entries."""
        pairs: dict[str, set[str]] = defaultdict(set)
        for term in self.terms.values():
            for other in term.confusable:
                if other in self.terms:
                    pairs[term.id] |= self.concept(other)
                    pairs[other] |= self.concept(term.id)
        out: dict[str, frozenset[str]] = {}
        for term_id in {member for paired in pairs for member in self.concept(paired)}:
            found: set[str] = set()
            for member in self.concept(term_id):
                found |= pairs.get(member, set())
            if found - self.concept(term_id):
                out[term_id] = frozenset(found - self.concept(term_id))
        return out

    # -- lookups ---------------------------------------------------------------------------------------

    def concept(self, term_id: str) -> frozenset[str]:
        """Return the ids of every entry naming the same concept as `term_id`, itself included."""
        return self._concept.get(term_id) or frozenset((term_id,))

    def root(self, term_id: str) -> str:
        """Return the id that stands for a term's concept (the same for every entry of it)."""
        return self._root.get(term_id, term_id)

    def same_concept(self, a: str, b: str) -> bool:
        """Tell whether two entries name the same concept (declared `same_as`, or derived)."""
        return self.root(a) == self.root(b)

    def nested(self, a: str, b: str) -> bool:
        """Tell whether one of the two concepts is a case of the other (Quantization and Model compression)."""
        ra, rb = self.root(a), self.root(b)
        return rb in self._wider.get(ra, _NONE) or ra in self._wider.get(rb, _NONE)

    def overlap(self, a: str, b: str) -> bool:
        """Tell whether two terms must never be two options of one question: one concept, or one inside the other."""
        return self.same_concept(a, b) or self.nested(a, b)

    def confusable(self, term_id: str) -> frozenset[str]:
        """Return the ids of the terms a learner could mistake `term_id` for, as the packs declare them."""
        return self._confusable.get(term_id, _NONE)

    def kinds(self, term_id: str) -> tuple[str, ...]:
        """Return a term's kinds, the primary one first (empty when the pack gives none)."""
        return self.terms[term_id].kinds

    def share_kind(self, a: str, b: str) -> bool:
        """Tell whether two terms have a kind in common (primary or secondary)."""
        return bool(set(self.terms[a].kinds) & set(self.terms[b].kinds))

    def of_kind(self, kind: str) -> list[str]:
        """Return the ids of the terms of a kind (as primary or secondary kind)."""
        return list(self._by_kind.get(kind, ()))

    def kind_label(self, kind: str) -> str:
        """Return how a kind reads ("loss function"), or its id when no pack labels it."""
        return self.kind_labels.get(kind, kind)

    def names(self, term_id: str) -> Names:
        """Return everything that names a term's concept: its names and aliases and those of its other entries."""
        if term_id not in self._names:
            term = self.terms[term_id]
            others = [self.terms[i] for i in sorted(self.concept(term_id) - {term_id})]
            names = [*term.aliases, *(n for t in others for n in (t.term, *t.aliases))]
            self._names[term_id] = Names.of([term.term], names)
        return self._names[term_id]


_BUILT: weakref.WeakKeyDictionary[Library, Relations] = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()


def relations(library: Library) -> Relations:
    """Return the relations of a library's terms, built on first use and kept as long as the library.

    The bot builds them in a thread at start-up (seconds for a 50,000-term pack, see `bot.core.choices.warm_up`);
    a caller meanwhile waits for that build instead of starting its own.
    """
    found = _BUILT.get(library)
    if found is None:
        with _BUILDING:
            found = _BUILT.get(library)
            if found is None:
                found = _BUILT[library] = Relations.of_library(library)
    return found
