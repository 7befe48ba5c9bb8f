"""A concept's names inside a text: stemmed words, acronyms and their expansions, masking and give-aways.

The loader uses it to refuse a `quiz_prompt` that names its own term, the question builder to mask a
definition before it becomes a prompt, and the audit to check that no prompt still names its answer. Words
are compared by their Snowball stem, so "normalizes", "normalized" and "normalization" are one word while
"normal" inside "abnormality" is not; abbreviations ("RNN", "BF16", "LoRA") are compared whole, with a plural
"s" allowed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

from bot.content.text import normalize

MASK = "▢▢▢"
# Words of a name that say nothing on their own: never masked alone, never a give-away alone (inside a whole
# name, "Mixture of experts", they are masked with it).
STOP_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or", "per", "the", "to"}
    | {"vs", "via", "with", "without"}
)
# A name written without spaces ("dropout" in "drop out", "attention" in "crossattention") is looked for inside
# the folded text too, but only from this length: a shorter one ("gan", "bias") hides inside unrelated words.
MIN_COMPACT = 6

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Between two masked words only spacing, hyphens and slashes: "mini-batch normalization" masks as one ▢▢▢.
_JOIN = re.compile(r"[\s\-–/]*")
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: where it is, as written, and its comparison key."""

    start: int
    end: int
    text: str
    key: str
    folded: str  # case, accents and punctuation folded away ("ReLU-6" → "relu6"), for names run together
    acronym: bool  # written as an abbreviation ("BN", "MoE")


def _fold(word: str) -> str:
    """Fold case and accents ("Café" → "cafe"); a word with no Latin letters keeps its own casefold."""
    folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().casefold()
    return folded or word.casefold()


def _uppers(word: str) -> int:
    return sum(ch.isupper() for ch in word)


def is_code(word: str) -> bool:
    """Tell whether a word is compared whole, not stemmed: it holds a digit or two capitals ("L2", "ResNet")."""
    return any(ch.isdigit() for ch in word) or _uppers(word) >= 2


@lru_cache(maxsize=65536)
def is_acronym(word: str) -> bool:
    """Tell whether a word is an abbreviation: two capitals or more and no more lower-case letters than capitals."""
    if word.islower():
        return False  # the usual word, first
    word = word[:-1] if word.endswith("s") and len(word) > 2 else word
    lowers = sum(ch.islower() for ch in word)
    return word.isalnum() and _uppers(word) >= 2 and lowers <= _uppers(word)


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """Return the key two words are compared by: the Snowball stem, or a code word whole without its plural "s"."""
    word = re.sub(r"['’]s$", "", word)
    if is_code(word):
        if word.endswith("s") and len(word) > 2 and is_code(word[:-1]) and not word[-2].isdigit():
            word = word[:-1]
        return _fold(word)
    return _STEMMER.stemWord(_fold(word))


def split_words(text: str) -> list[str]:
    """Return a text's words as written ("mini-batch" is two, "model's" one), as `tokens` finds them."""
    return _WORD.findall(text)


def word_keys(text: str) -> tuple[str, ...]:
    """Return the keys of a text's words, as `tokens` gives them, without building tokens (a lighter read)."""
    return tuple(map(word_key, _WORD.findall(text)))


@lru_cache(maxsize=16384)
def tokens(text: str) -> tuple[Token, ...]:
    """Split a text into its words ("mini-batch" is two, "model's" one), each with its key."""
    return tuple(
        Token(m.start(), m.end(), word, word_key(word), _folded(word), is_acronym(word))
        for m in _WORD.finditer(text)
        for word in (m.group(),)
    )


_folded = lru_cache(maxsize=65536)(normalize)  # a word's normalize(), which tokens() asks for every word it reads


@lru_cache(maxsize=65536)
def _letters(word: str) -> str:
    """Return what a word contributes to an acronym: its first letter, or a number whole ("16" in BF16)."""
    folded = _fold(word)
    return folded if folded.isdigit() else folded[:1]


def initialisms(name: str) -> set[str]:
    """Return the acronyms a multi-word name may be shortened to ("Mixture of experts" → {"moe", "me"})."""
    found = split_words(name)
    if len(found) < 2:
        return set()
    every = "".join(_letters(w) for w in found)
    content = "".join(_letters(w) for w in found if _fold(w) not in STOP_WORDS)
    return {form for form in (every, content) if len(form) >= 2}


def acronym_letters(name: str) -> str | None:
    """Return the letters of a one-word abbreviation ("LoRA" → "lra", "BF16" → "bf16"), else None."""
    found = split_words(name)
    if len(found) != 1 or not is_acronym(found[0]):
        return None
    # Capitals and numbers spell the acronym; lower-case letters inside it ("LoRA", a plural "s") do not.
    letters = "".join(re.findall(r"[A-Z]|[0-9]+", found[0]))
    return _fold(letters) if len(letters) >= 2 else None


def expansions(letters: str, words: Sequence[Token]) -> list[tuple[int, int]]:
    """Find the runs of words whose initials spell `letters` ("mean squared error" for "mse"), as (first, last).

    A run starts and ends with a word that is not a stop word; a stop word inside it may count or not
    ("Mixture of experts" for both MoE and ME).
    """
    found = []
    for first, word in enumerate(words):
        if _fold(word.text) in STOP_WORDS or not letters.startswith(_letters(word.text)):
            continue
        end = _expand(letters[len(_letters(word.text)) :], words, first + 1)
        if end is not None:
            found.append((first, end - 1))
    return found


def _expand(rest: str, words: Sequence[Token], at: int) -> int | None:
    """Match the remaining letters from word `at` on; return the index after the run's last word."""
    if not rest:
        return at
    if at >= len(words):
        return None
    word = words[at].text
    part = _letters(word)
    if part and rest.startswith(part):
        end = _expand(rest[len(part) :], words, at + 1)
        if end is not None and _fold(words[end - 1].text) not in STOP_WORDS:
            return end
    if _fold(word) in STOP_WORDS:
        return _expand(rest, words, at + 1)
    return None


def contains(keys: Sequence[str], phrase: Sequence[str]) -> bool:
    """Tell whether the word keys `phrase` occur together, in order, in the word keys `keys` (never when empty)."""
    size = len(phrase)
    if not size:
        return False
    first = phrase[0]
    return any(keys[i] == first and tuple(keys[i : i + size]) == tuple(phrase) for i in range(len(keys) - size + 1))


@dataclass(frozen=True, slots=True)
class Names:
    """Everything that names one concept: whole names as phrases of keys, the words of its own name, acronyms.

    Every word of the term's own name counts alone ("batch" and "normalizes" for Batch normalization), but
    an alias or another entry's name only as a whole: "positive" says nothing about Precision, although one
    of its aliases is "Positive predictive value".
    """

    phrases: tuple[tuple[str, ...], ...] = ()
    words: frozenset[str] = frozenset()
    acronyms: frozenset[str] = frozenset()  # letters of one-word abbreviations, to find their expansions
    short_forms: frozenset[str] = frozenset()  # abbreviations of the multi-word names ("bn" for Batch normalization)
    compact: frozenset[str] = frozenset()  # folded names of MIN_COMPACT characters or more

    @classmethod
    def of(cls, names: Iterable[str], others: Iterable[str] = ()) -> Names:
        """Collect a concept's names: its own (each word counts) and others (aliases, its other entries' names)."""
        own = list(names)
        phrases: list[tuple[str, ...]] = []
        words: set[str] = set()
        acronyms: set[str] = set()
        short: set[str] = set()
        compact: set[str] = set()
        for name in (*own, *others):
            found = tokens(name)
            if not found:
                continue
            phrases.append(tuple(t.key for t in found))
            letters = acronym_letters(name)
            if letters:
                acronyms.add(letters)
            short.update(initialisms(name))
            folded = normalize(name)
            if len(folded) >= MIN_COMPACT:
                compact.add(folded)
        for name in own:
            words.update(t.key for t in tokens(name) if _fold(t.text) not in STOP_WORDS and len(t.text) > 1)
        return cls(
            tuple(dict.fromkeys(phrases)), frozenset(words), frozenset(acronyms), frozenset(short), frozenset(compact)
        )

    def hits(self, text: str, *, words: bool = True) -> list[tuple[int, int]]:
        """Return the runs of words in `text` that name the concept, as (first, last) word indexes.

        With `words=False` only whole names count (a name's phrase, an abbreviation or its expansion), not a
        single word of a longer name.
        """
        found = tokens(text)
        keys = [t.key for t in found]
        runs: list[tuple[int, int]] = []
        for phrase in self.phrases:
            size = len(phrase)
            runs.extend((i, i + size - 1) for i in range(len(keys) - size + 1) if tuple(keys[i : i + size]) == phrase)
        runs.extend((i, i) for i, token in enumerate(found) if self._names_alone(token, words=words))
        for letters in self.acronyms:
            runs.extend(expansions(letters, found))
        return runs

    def _names_alone(self, token: Token, *, words: bool) -> bool:
        """Tell whether one word names the concept: a word of a name, an abbreviation, a name run together."""
        if words and token.key in self.words:
            return True
        if token.acronym and token.key in self.short_forms:
            return True
        return any(c in token.folded for c in self.compact)


@dataclass(frozen=True, slots=True)
class Masked:
    """A text with a concept's names hidden, and how much of it is still readable."""

    text: str
    words: int
    hidden: int

    @property
    def readable(self) -> float:
        """Return the share of the text's words left to read (0.0–1.0; a text without words reads as 0)."""
        return (self.words - self.hidden) / self.words if self.words else 0.0


def mask(text: str, names: Names) -> Masked:
    """Hide every word of `text` that names the concept, and its inflections; adjacent hidden words become one ▢▢▢."""
    found = tokens(text)
    hidden = [False] * len(found)
    for first, last in names.hits(text):
        for i in range(first, last + 1):
            hidden[i] = True
    parts: list[str] = []
    at = 0
    i = 0
    while i < len(found):
        if not hidden[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(found) and hidden[j + 1] and _JOIN.fullmatch(text, found[j].end, found[j + 1].start):
            j += 1
        parts += [text[at : found[i].start], MASK]
        at = found[j].end
        i = j + 1
    parts.append(text[at:])
    return Masked("".join(parts), len(found), sum(hidden))


def giveaways(text: str, names: Names, *, words: bool = True) -> list[str]:
    """Return what in `text` still names the concept (a name, a word of it, an abbreviation), in text order.

    Besides whole words, a name written without its spaces or inside a longer word counts ("drop out" for
    Dropout), so this finds a little more than `mask` hides.
    """
    found = tokens(text)
    runs: list[list[int]] = []
    for first, last in sorted(names.hits(text, words=words)):
        if runs and first <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], last)  # "drops out" once, not "drops", "drops out" and "out"
        else:
            runs.append([first, last])
    seen = [text[found[first].start : found[last].end] for first, last in runs]
    folded = normalize(text)
    seen += [c for c in sorted(names.compact) if c in folded and not any(c in normalize(s) for s in seen)]
    return list(dict.fromkeys(seen))
