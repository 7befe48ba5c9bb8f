"""The lookup index: the documented choices on the bundled pack, tie rules, every script, and a large library.

No timing here (timed assertions flake on shared machines): `python -m bench` measures speed.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cogs.options import term_choices
from bot.content.index import Library
from bot.content.loader import bundled_content_dir, load_library, pack_directories
from bot.content.models import Chapter, Credit, Pack, Term


def make_library(chapters: dict[int, list[tuple[str, str, tuple[str, ...]]]], pack: str = "p") -> Library:
    """A library of one pack from {chapter number: [(id, name, aliases)]}, definitions naming nothing."""
    terms = [
        Term(term_id, name, f"Definition of {term_id}.", "A tip.", number, pack, aliases)
        for number, entries in chapters.items()
        for term_id, name, aliases in entries
    ]
    return Library(
        [
            Pack(
                pack,
                "Pack",
                "",
                "1",
                Credit("t", "a"),
                chapters=tuple(
                    Chapter(number, f"Chapter {number}", "", pack, tuple(e[0] for e in entries))
                    for number, entries in chapters.items()
                ),
                terms=tuple(terms),
            )
        ]
    )


@pytest.mark.parametrize(
    ("typed", "first", "label"),
    [
        ("backprop", "backpropagation", "Backpropagation (Backprop)"),
        ("lstm", "lstm", "LSTM"),
        ("relu", "relu", "ReLU"),
        ("backpropogation", "backpropagation", "Backpropagation"),
        ("transfomer", "transformer-architecture", "Transformer architecture (Transformer)"),
        ("batch normalisation", "batch-normalization", "Batch normalization"),
        ("grad desc", "gradient-descent", None),
        ("ebntoml", "bentoml", "BentoML"),
    ],
)
def test_documented_examples_choose_as_before(library, typed, first, label):
    choices = term_choices(library, typed)
    assert choices[0].value == f"term:{first}"
    if label is not None:
        assert choices[0].name == label


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("oftmax", "softmax"), ("ytorch", "pytorch"), ("xoftmax", "softmax"), ("tf-dif", "tf-idf"), ("tride", "stride")],
)
def test_a_typo_at_the_start_of_a_name_still_finds_it(library, typed, meant):
    assert library.fuzzy(typed)[0].term.id == meant


def test_completions_words_inside_names_and_typos_keep_their_order(library):
    assert [m.term.term for m in library.fuzzy("relu")][:2] == ["ReLU", "Leaky ReLU"]
    assert [m.term.term for m in library.fuzzy("lstm")] == ["LSTM", "LSTM forecasting"]
    # A later word of a name completes too, below the names that start with it.
    names = [m.term.term for m in library.fuzzy("attention")]
    assert names[0] == "Attention mechanism" and "Self-attention" in names
    # Close spellings are looked for only when too little matched otherwise, and never short names inside.
    assert "Graph attention networks" not in [m.term.term for m in library.fuzzy("backpropogation")]
    assert library.fuzzy("qqqqzz") == [] and library.fuzzy("?!") == []


def test_an_own_name_ranks_before_an_alias_and_a_typed_name_opens_the_earliest_chapter():
    library = make_library(
        {
            2: [("bias-term", "Bias term", ("Bias",))],
            3: [("bias-a", "Bias", ())],
            5: [("bias-b", "Bias", ())],
        }
    )
    # Typed without picking, a shared name opens the entry a learner meets first, alias or not.
    assert library.lookup("bias").id == "bias-term"
    # Offered, the entries named so come first, in chapter order, each labelled with its chapter.
    assert [m.term.id for m in library.fuzzy("bias")] == ["bias-a", "bias-b", "bias-term"]
    labels = [c.name for c in term_choices(library, "bias")]
    assert labels == ["Bias — Chapter 3", "Bias — Chapter 5", "Bias term (Bias) — Chapter 2"]


def test_related_terms_are_named_whole_words_then_neighbours():
    library = make_library(
        {
            1: [
                ("gan", "GAN", ()),
                ("organization", "Organization", ()),
                ("dropout", "Dropout", ("Drop-out",)),
                ("layer-norm", "Layer normalization", ()),
            ]
        }
    )
    term = Term("x", "X", "Unlike GANs, organizing it uses layer normalization and drop-out.", "", 1, "p")
    library.terms["x"] = term
    library.chapters["p:1"] = Chapter(1, "Chapter 1", "", "p", ("gan", "organization", "x", "dropout", "layer-norm"))
    # Longer names first ("GANs" names GAN; "organizing" is no organization); then the chapter neighbours.
    assert [t.id for t in library.related_terms(term)] == ["layer-norm", "dropout", "gan", "organization"]


def test_related_terms_worked_out_ahead_are_those_worked_out_when_asked():
    asked, ahead = (load_library(pack_directories([bundled_content_dir()])) for _ in range(2))
    ahead.build_fast_paths()
    ahead.build_related_terms()  # as the bot does while it warms up
    for term in asked.terms.values():
        assert [t.id for t in ahead.related_terms(term)] == [t.id for t in asked.related_terms(term)], term.id


def big_library(count: int, seed: int = 5) -> tuple[Library, list[Term]]:
    """The bundled-like names plus `count` generated ones (a large pack), deterministic."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ra", "ti", "vo", "zu", "pe", "sa", "do", "fi"]
    base = [
        ("relu", "ReLU", ()),
        ("leaky-relu", "Leaky ReLU", ()),
        ("backpropagation", "Backpropagation", ("Backprop",)),
    ]
    entries = list(base)
    seen = {name.lower().replace(" ", "") for _, name, _ in base}
    while len(entries) < count:
        words = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(1, 3))]
        name = " ".join(words).capitalize()
        if "".join(words) not in seen:
            seen.add("".join(words))
            entries.append((f"t{len(entries)}", name, ()))
    chapters = {n // 500: entries[n : n + 500] for n in range(0, len(entries), 500)}
    library = make_library(chapters)
    return library, [library.terms[e[0]] for e in entries[3:]]


def test_a_large_library_answers_like_a_small_one():
    library, generated = big_library(20_000)
    assert [m.term.id for m in library.fuzzy("relu")][:2] == ["relu", "leaky-relu"]
    assert library.fuzzy("backprop")[0].term.id == "backpropagation"
    assert library.fuzzy("backpropogation")[0].term.id == "backpropagation"
    rng = random.Random(9)
    for term in rng.sample(generated, 200):
        name = term.term.lower()
        assert library.fuzzy(name)[0].term.id == term.id  # typed whole
        assert term.id in [m.term.id for m in library.fuzzy(name[: max(3, len(name) - 2)])]  # almost typed
    keys = [t.term.lower().replace(" ", "") for t in library.terms.values()]
    for typed in ("k", "ka", "kalo", "z"):  # "kalo" starts fewer than 300 names: read in one range
        found = library.fuzzy(typed)
        assert len(found) == 25
        assert all(m.term.term.lower().replace(" ", "").startswith(typed) for m in found)
        # Completions come shortest first: the shortest of all the names that start so.
        lengths = [len(m.term.term.replace(" ", "")) for m in found]
        assert lengths == sorted(len(key) for key in keys if key.startswith(typed))[:25]


# Typos of 300 generated names, ranked in a fresh process (printed as JSON).
_RANK_TYPOS = """
import json, random
from test_index import big_library
library, generated = big_library(20_000)
rng = random.Random(3)
ranked = {}
for term in rng.sample(generated, 300):
    name = term.term.lower()
    i = rng.randrange(len(name))
    typo = name[:i] + rng.choice("aeioukl") + name[i + 1 :]
    ranked[typo] = [m.term.id for m in library.fuzzy(typo)]
print(json.dumps(ranked, sort_keys=True))
"""


def test_names_equally_close_to_a_typo_rank_alike_in_every_process():
    # Python hashes strings differently in each process: no ranking may follow a set's order.
    tests = Path(__file__).parent
    runs = [
        subprocess.run(
            [sys.executable, "-c", _RANK_TYPOS],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join([str(tests), str(tests.parent)])},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]


def test_completions_typos_and_search_work_in_every_script():
    library = make_library(
        {
            1: [
                ("neuron-ru", "Нейрон", ("Искусственный нейрон",)),
                ("network-ru", "Нейронная сеть", ()),
                ("network-zh", "神经网络", ()),
                ("cnn-zh", "卷积神经网络", ()),
                ("network-ar", "الشبكة العصبية", ()),
                ("naive-bayes", "Naïve Bayes", ()),
            ]
        }
    )
    # Completions of a name whose next letter is not ASCII, shortest first.
    assert [m.term.id for m in library.fuzzy("нейр")] == ["neuron-ru", "network-ru"]
    assert [m.term.id for m in library.fuzzy("神经")] == ["network-zh"]
    assert [m.term.id for m in library.fuzzy("卷积")] == ["cnn-zh"]
    # A later word of a name, an accent left out, a typo.
    assert [m.term.id for m in library.fuzzy("сеть")] == ["network-ru"]
    assert [m.term.id for m in library.fuzzy("العصبية")] == ["network-ar"]
    assert [m.term.id for m in library.fuzzy("naive")] == ["naive-bayes"]
    assert library.fuzzy("нийрон")[0].term.id == "neuron-ru"
    # Full-text search reads words of every script.
    assert [h.id for h in library.search("сеть")][:1] == ["network-ru"]
    assert [h.id for h in library.search("искусственный")][:1] == ["neuron-ru"]
