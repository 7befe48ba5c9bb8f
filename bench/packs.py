"""Generated content for the benchmarks: a large glossary pack, and the queries people type into autocomplete.

The pack is deterministic (a seeded generator): its names mix the bundled pack's vocabulary with made-up
words, so prefixes, words, typos and related terms behave as in a real glossary, only 100 times larger.
Some names repeat in another chapter (two terms called the same, as "Gradient descent" in the bundled pack)
and about a third of the terms have aliases, some of them acronyms. Generated once per size into a cache
directory and reused.
"""

from __future__ import annotations

import random
import shutil
import string
from pathlib import Path

import yaml

from bot.content.loader import bundled_content_dir, load_packs, pack_directories
from bot.content.text import normalize, tokenize

GENERATOR_VERSION = 1
TERMS_PER_CHAPTER = 500
FIRST_CHAPTER = 100
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_SYLLABLES = [
    "al", "an", "ar", "ba", "be", "bi", "ca", "co", "da", "de", "di", "do", "el", "en", "er", "fa", "fe", "ga",
    "go", "ha", "in", "ka", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "no", "or", "pa", "pe",
    "po", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te", "ti", "to", "tra", "ul", "va", "ve", "vi",
    "xa", "ze", "zo",
]  # fmt: skip
_SUFFIXES = ["", "", "", "", "net", "former", "izer", "ation", "ing", "ity", "or", "ence", "oid"]
_CONNECTIVES = ["of", "for", "with", "in", "and"]
_DEFINITIONS = [
    "A {kind} that {verb} {object} using {other}.",
    "Technique where {other} {verb} {object} before training.",
    "{Kind} built on {other} that {verb} {object}.",
    "Method that {verb} {object}; often combined with {other} and {second}.",
    "Variant of {other} that {verb} {object} at lower cost.",
]
_KINDS = ["layer", "loss", "optimizer", "metric", "method", "model family", "regularizer", "schedule", "encoder"]
_VERBS = ["stabilizes", "compresses", "aligns", "samples", "normalizes", "ranks", "projects", "regularizes"]
_OBJECTS = ["hidden states", "gradients", "token embeddings", "feature maps", "attention scores", "rewards"]
_TIPS = [
    "Mention its cost at inference time.",
    "Compare it with {other} in an interview.",
    "Say when it fails and what you would try instead.",
    "Tie it to a project where you measured the gain.",
    "Explain the tradeoff against {other}.",
]


def _made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(_SUFFIXES)


def _acronym(name: str) -> str:
    return "".join(w[0] for w in tokenize(name) if w not in _CONNECTIVES).upper()


def generate_terms(count: int, seed: int = 50_000) -> list[dict]:
    """Return `count` term mappings (id, term, aliases, definition, tip), as a pack author would write them."""
    rng = random.Random(seed)
    bundled = load_packs(pack_directories([bundled_content_dir()]))
    vocabulary = sorted({w for p in bundled for t in p.terms for w in tokenize(t.term) if len(w) > 2})
    made_up = sorted({_made_up_word(rng) for _ in range(6_000)})

    def word() -> str:
        return rng.choice(vocabulary if rng.random() < 0.5 else made_up)

    seen: set[str] = {normalize(t.term) for p in bundled for t in p.terms}
    terms: list[dict] = []
    names: list[str] = []
    while len(terms) < count:
        if names and rng.random() < 0.02:
            name = rng.choice(names)  # the same name in another chapter
        else:
            parts = [word() for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4)))]
            if len(parts) >= 3 and rng.random() < 0.3:
                parts.insert(1, rng.choice(_CONNECTIVES))
            name = " ".join(parts)
            name = name[0].upper() + name[1:]
            if normalize(name) in seen or len(name) > 90:
                continue
            seen.add(normalize(name))
        aliases: list[str] = []
        roll = rng.random()
        if roll < 0.35:
            acronym = _acronym(name)
            if len(acronym) >= 2 and rng.random() < 0.6:
                aliases.append(acronym)
            else:
                aliases.append(f"{word()} {word()}".capitalize())
            if roll < 0.05:
                aliases.append(f"{name} {rng.choice(['method', 'technique', 'approach'])}")
        other, second = (rng.choice(names) if names else "gradient descent" for _ in range(2))
        kind = rng.choice(_KINDS)
        definition = rng.choice(_DEFINITIONS).format(
            kind=kind,
            Kind=kind.capitalize(),
            verb=rng.choice(_VERBS),
            object=rng.choice(_OBJECTS),
            other=other.lower(),
            second=second.lower(),
        )
        terms.append(
            {
                "id": f"bench-{len(terms) + 1:06d}",
                "term": name,
                "aliases": aliases,
                "definition": definition,
                "tip": rng.choice(_TIPS).format(other=other.lower()),
            }
        )
        names.append(name)
    return terms


def write_pack(directory: Path, count: int, seed: int = 50_000) -> Path:
    """Write a pack of `count` generated terms into `directory` (replaced), 500 terms a chapter."""
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "chapters").mkdir(parents=True)
    meta = {
        "id": f"bench-{count}",
        "title": f"Generated benchmark pack ({count:,} terms)",
        "description": "Generated terms for benchmarks: realistic names, aliases, definitions and tips.",
        "version": f"{GENERATOR_VERSION}.0.0",
        "credit": {"title": "Generated for the benchmarks", "author": "bench/packs.py"},
    }
    (directory / "pack.yaml").write_text(yaml.dump(meta, Dumper=_DUMPER, sort_keys=False), encoding="utf-8")
    terms = generate_terms(count, seed)
    for n in range(0, count, TERMS_PER_CHAPTER):
        number = FIRST_CHAPTER + n // TERMS_PER_CHAPTER
        chapter = {
            "number": number,
            "title": f"Generated topic {number}",
            "introduction": "Generated terms for the benchmarks.",
            "terms": terms[n : n + TERMS_PER_CHAPTER],
        }
        text = yaml.dump(chapter, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
        (directory / "chapters" / f"{number:03d}-generated.yaml").write_text(text, encoding="utf-8")
    return directory


def large_pack(work_dir: Path, count: int) -> Path:
    """Return the generated pack of `count` terms in `work_dir`, generating it on first use."""
    directory = work_dir / f"pack-{count}-v{GENERATOR_VERSION}"
    marker = directory / ".complete"
    if not marker.exists():
        write_pack(directory, count)
        marker.write_text("ok\n", encoding="utf-8")
    return directory


def _typo(rng: random.Random, word: str) -> str:
    """Misspell a word the way people do: a letter dropped, doubled, swapped or replaced."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]


# The documented examples, typed exactly as in the README and the tests.
DOCUMENTED = ["backprop", "lstm", "relu", "batch norm", "backpropogation", "grad desc", "transfomer", "overfit"]


def autocomplete_queries(names: list[str], count: int, seed: int = 7) -> list[str]:
    """Return `count` texts as autocomplete sees them while people type names: every prefix of a name as it is
    typed, some multi-word abbreviations ("grad desc") and some typos, plus the documented examples."""
    rng = random.Random(seed)
    queries = list(DOCUMENTED)
    while len(queries) < count:
        name = rng.choice(names).lower()
        roll = rng.random()
        if roll < 0.7:
            # Keystroke by keystroke, from one letter up to the whole name.
            queries.extend(name[:n] for n in range(1, len(name) + 1))
        elif roll < 0.85 and len(name.split()) > 1:
            queries.append(" ".join(w[: rng.randint(3, 5)] for w in name.split()))
        else:
            queries.append(" ".join(_typo(rng, w) for w in name.split()))
    return queries[:count]


def define_queries(names: list[str], count: int, seed: int = 11) -> list[str]:
    """Return `count` values of /define's term option: mostly a picked name, sometimes a typo (suggestions)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        name = rng.choice(names)
        out.append(" ".join(_typo(rng, w) for w in name.split()) if rng.random() < 0.1 else name)
    return out
