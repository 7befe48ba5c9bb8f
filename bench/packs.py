"""Generated content for the benchmarks: a large glossary pack, and the queries people type into autocomplete.

The pack is deterministic (a seeded generator): its names mix the bundled pack's vocabulary with made-up
words, so prefixes, words, typos and related terms behave as in a real glossary, only 100 times larger.
Some names repeat in another chapter (two terms called the same, as "Gradient descent" in the bundled pack)
and about a third of the terms have aliases, some of them acronyms. Like the bundled pack, every term has a
kind (the bundled pack's kinds), some have a quiz prompt and relations (`confusable`, `broader`, `same_as`),
and each chapter has open questions. The loader of this checkout checks the pack once it is written. Generated
once per size into a cache directory and reused.
"""

from __future__ import annotations

import random
import shutil
import string
from pathlib import Path

import yaml

from bot.content.loader import ContentError, bundled_content_dir, load_packs, pack_directories
from bot.content.text import normalize, tokenize

GENERATOR_VERSION = 2
TERMS_PER_CHAPTER = 500
QUESTIONS_PER_CHAPTER = 10
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
_VERBS = ["stabilizes", "compresses", "aligns", "samples", "normalizes", "ranks", "projects", "regularizes"]
_OBJECTS = ["hidden states", "gradients", "token embeddings", "feature maps", "attention scores", "rewards"]
_TIPS = [
    "Mention its cost at inference time.",
    "Compare it with {other} in an interview.",
    "Say when it fails and what you would try instead.",
    "Tie it to a project where you measured the gain.",
    "Explain the tradeoff against {other}.",
]
# Quiz prompts say what a term does without naming it (the loader refuses one that names its term).
_PROMPTS = [
    "Keeps {object} in a useful range so that every later step can rely on them.",
    "Spends a little extra computation up front to make {object} cheaper to use afterwards.",
    "Trades some precision in {object} for speed, usually the first thing to try when latency matters.",
    "Reuses what an earlier stage learned about {object} instead of learning it again from scratch.",
]
_QUESTIONS = [
    "How would you explain {name} to a colleague, and when would you use it?",
    "What goes wrong with {name} in practice, and how would you notice?",
    "Compare {name} with {other}: when does each one win?",
    "Walk through a project where {name} made a measurable difference.",
]
_KEY_POINTS = [
    "Definition: what it is, in one plain sentence, and what problem it solves.",
    "Why it matters: the failure or cost it removes, with a number where possible.",
    "Tradeoff: what it costs in compute, memory or data, and when that is not worth it.",
    "Example: a concrete project, what was measured before and after.",
    "Alternatives: what else solves the same problem, and how to choose.",
]


def _made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(_SUFFIXES)


def _acronym(name: str) -> str:
    return "".join(w[0] for w in tokenize(name) if w not in _CONNECTIVES).upper()


def bundled_kinds() -> dict[str, str]:
    """Return the kinds the bundled pack declares (id → label): the generated pack declares the same."""
    kinds = {k.id: k.label for p in load_packs(pack_directories([bundled_content_dir()])) for k in p.kinds}
    return kinds or {"ml-concept": "machine-learning concept"}


def _prompt_words() -> set[str]:
    """Return the words quiz prompts are made of: no generated name uses them, so no prompt names its term."""
    return {w for text in _PROMPTS for o in _OBJECTS for w in tokenize(text.format(object=o))}


def generate_terms(count: int, seed: int = 50_000, kinds: list[str] | None = None) -> list[dict]:
    """Return `count` term mappings, as a pack author would write them.

    Each has an id, a name, aliases, a kind, a definition and a tip; some a quiz prompt, and relations to
    earlier terms: confusable ones (of the same kind where possible), a broader one, or the same concept.
    """
    rng = random.Random(seed)
    kinds = kinds or sorted(bundled_kinds())
    bundled = load_packs(pack_directories([bundled_content_dir()]))
    avoid = _prompt_words()
    vocabulary = sorted({w for p in bundled for t in p.terms for w in tokenize(t.term) if len(w) > 2} - avoid)
    made_up = sorted({_made_up_word(rng) for _ in range(6_000)} - avoid)

    def word() -> str:
        return rng.choice(vocabulary if rng.random() < 0.5 else made_up)

    seen: set[str] = {normalize(n) for p in bundled for t in p.terms for n in (t.term, *t.aliases)}
    # An acronym that is a word ("AN") or the initials of a bundled name would make a generated term one concept
    # with a bundled one (the loader derives such pairs), and the bundled quiz prompts would then name it.
    taken = {_acronym(n) for p in bundled for t in p.terms for n in (t.term, *t.aliases)}
    taken |= {w.upper() for p in bundled for t in p.terms for w in tokenize(f"{t.definition} {t.quiz_prompt}")}
    terms: list[dict] = []
    names: list[str] = []
    by_kind: dict[str, list[int]] = {k: [] for k in kinds}
    for _ in range(count):
        while True:
            parts = [word() for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4)))]
            if len(parts) >= 3 and rng.random() < 0.3:
                parts.insert(1, rng.choice(_CONNECTIVES))
            name = " ".join(parts)
            name = name[0].upper() + name[1:]
            if names and rng.random() < 0.02:
                name = rng.choice(names)  # the same name in another chapter (both entries one concept)
                break
            if normalize(name) not in seen and len(name) <= 90:
                seen.add(normalize(name))
                break
        aliases: list[str] = []
        roll = rng.random()
        if roll < 0.35:
            acronym = _acronym(name)
            candidates = [acronym] if len(acronym) >= 2 and acronym not in taken and rng.random() < 0.6 else []
            candidates.append(f"{word()} {word()}".capitalize())
            alias = next((a for a in candidates if normalize(a) not in seen), None)
            if alias is not None:
                seen.add(normalize(alias))
                aliases.append(alias)
            if roll < 0.05:
                longer = f"{name} {rng.choice(['method', 'technique', 'approach'])}"
                if normalize(longer) not in seen:
                    seen.add(normalize(longer))
                    aliases.append(longer)
        other, second = (rng.choice(names) if names else "gradient descent" for _ in range(2))
        kind = rng.choice(kinds)
        definition = rng.choice(_DEFINITIONS).format(
            kind="method",
            Kind="Method",
            verb=rng.choice(_VERBS),
            object=rng.choice(_OBJECTS),
            other=other.lower(),
            second=second.lower(),
        )
        term: dict = {
            "id": f"bench-{len(terms) + 1:06d}",
            "term": name,
            "aliases": aliases,
            "kind": [kind, rng.choice([k for k in kinds if k != kind])] if rng.random() < 0.05 else kind,
            "definition": definition,
            "tip": rng.choice(_TIPS).format(other=other.lower()),
        }
        if rng.random() < 0.3:
            term["quiz_prompt"] = rng.choice(_PROMPTS).format(object=rng.choice(_OBJECTS))
        related: set[int] = set()
        same_kind = by_kind[kind]
        if same_kind and rng.random() < 0.15:
            picks = {rng.choice(same_kind[-2000:]) for _ in range(rng.randint(1, 2))}
            term["confusable"] = [terms[i]["id"] for i in sorted(picks)]
            related |= picks
        if terms and rng.random() < 0.2:
            wider = rng.randrange(len(terms))
            if wider not in related:
                term["broader"] = [terms[wider]["id"]]
                related.add(wider)
        if terms and rng.random() < 0.01:
            same = rng.randrange(len(terms))
            if same not in related:
                term["same_as"] = [terms[same]["id"]]
        by_kind[kind].append(len(terms))
        terms.append(term)
        names.append(name)
    return terms


def generate_questions(terms: list[dict], chapters: list[int], seed: int = 60_000) -> list[dict]:
    """Return open questions, `QUESTIONS_PER_CHAPTER` a chapter, each about terms of its chapter."""
    rng = random.Random(seed)
    questions = []
    for n, number in enumerate(chapters):
        own = terms[n * TERMS_PER_CHAPTER : (n + 1) * TERMS_PER_CHAPTER]
        for _ in range(QUESTIONS_PER_CHAPTER):
            about = rng.sample(own, min(len(own), rng.randint(1, 3)))
            questions.append(
                {
                    "id": f"bench-q{len(questions) + 1:05d}",
                    "question": rng.choice(_QUESTIONS).format(name=about[0]["term"], other=about[-1]["term"]),
                    "chapter": number,
                    "related": [t["id"] for t in about],
                    "key_points": rng.sample(_KEY_POINTS, rng.randint(3, 5)),
                }
            )
    return questions


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def write_pack(directory: Path, count: int, seed: int = 50_000) -> Path:
    """Write a pack of `count` generated terms into `directory` (replaced), 500 terms a chapter.

    The pack is then loaded with this checkout's loader; a quiz prompt it refuses (one that still names its
    term, through a name the generator did not foresee) is left out, and the pack written again.
    """
    kinds = bundled_kinds()
    meta = {
        "id": f"bench-{count}",
        "title": f"Generated benchmark pack ({count:,} terms)",
        "description": "Generated terms for benchmarks: realistic names, aliases, definitions and tips.",
        "version": f"{GENERATOR_VERSION}.0.0",
        "credit": {"title": "Generated for the benchmarks", "author": "bench/packs.py"},
        "kinds": kinds,
    }
    terms = generate_terms(count, seed, sorted(kinds))
    numbers = [FIRST_CHAPTER + n // TERMS_PER_CHAPTER for n in range(0, count, TERMS_PER_CHAPTER)]
    questions = generate_questions(terms, numbers, seed + 1)
    for _ in range(3):
        if directory.exists():
            shutil.rmtree(directory)
        (directory / "chapters").mkdir(parents=True)
        (directory / "pack.yaml").write_text(_dump(meta), encoding="utf-8")
        for n, number in enumerate(numbers):
            chapter = {
                "number": number,
                "title": f"Generated topic {number}",
                "introduction": "Generated terms for the benchmarks.",
                "terms": terms[n * TERMS_PER_CHAPTER : (n + 1) * TERMS_PER_CHAPTER],
            }
            (directory / "chapters" / f"{number:03d}-generated.yaml").write_text(_dump(chapter), encoding="utf-8")
        (directory / "questions.yaml").write_text(_dump({"questions": questions}), encoding="utf-8")
        try:
            load_packs(pack_directories([bundled_content_dir(), directory]))
        except ContentError as error:
            leaks = {p.entry for p in error.problems if "quiz_prompt" in p.message}
            ours = {t["id"] for t in terms}
            if not leaks or len(leaks) < len(error.problems) or not leaks <= ours:
                raise
            for term in terms:
                if term["id"] in leaks:
                    del term["quiz_prompt"]
            continue
        return directory
    raise RuntimeError("the generated pack still has quiz prompts that name their terms")


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
    """Return `count` texts as autocomplete sees them while people type names.

    Every prefix of a name as it is typed, some multi-word abbreviations ("grad desc") and some typos, plus the
    documented examples.
    """
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


def define_queries(terms: list[tuple[str, str]], count: int, *, prefix: str = "term:", seed: int = 11) -> list[str]:
    """Return `count` values of /define's term option, from (name, id) pairs, as members send them.

    Mostly a term picked from the autocomplete list: the choice's value, `prefix` and the term's id, as the bot
    under measurement makes it. Sometimes the name typed out and sent without picking, sometimes with a typo
    (the bot then suggests names).
    """
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        name, term_id = rng.choice(terms)
        roll = rng.random()
        if roll < 0.85:
            out.append(f"{prefix}{term_id}")
        elif roll < 0.9:
            out.append(name)
        else:
            out.append(" ".join(_typo(rng, w) for w in name.split()))
    return out
