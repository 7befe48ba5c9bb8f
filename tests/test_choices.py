"""Multiple-choice rules over the whole bundled glossary: masked prompts never name the answer, and the four
options are four different concepts that read differently in both modes."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from bot.content.index import Library
from bot.content.models import Chapter, Credit, Pack, Term
from bot.content.text import normalize
from bot.core.choices import MASK, make_question, mask_term, option_label, pick_distractors

SEEDS = range(4)


def names(term: Term) -> set[str]:
    return {normalize(n) for n in (term.term, *term.aliases)}


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def mentions(text: str, name: str) -> bool:
    """Whether `text` contains `name` as whole words, in any case, spacing or hyphenation, or its plural."""
    text, phrase = f" {words(text)} ", words(name)
    return bool(phrase) and any(f" {phrase}{plural} " in text for plural in ("", "s", "es"))


def test_no_term_names_itself_in_its_masked_definition(library):
    assert len(library.terms) == 504
    leaks = []
    for term in library.terms.values():
        masked = mask_term(term.definition, term)
        for name in (term.term, *term.aliases):
            if len(normalize(name)) >= 3 and mentions(masked, name):
                leaks.append(f"{term.id}: {name!r} in {masked!r}")
    assert not leaks, "\n".join(leaks)


def test_the_test_would_see_a_leak(library):
    # The check above is only worth something if an unmasked name is caught in every spelling.
    assert mentions("Normalizes a mini-batch; batch-normalization helps.", "Batch normalization")
    assert mentions("Stacks of RNNs.", "RNN")
    assert not mentions("organizations", "GAN")


@pytest.mark.parametrize(
    ("term_id", "definition", "masked"),
    [
        ("dropout", "Dropout zeroes units; dropouts help.", f"{MASK} zeroes units; {MASK} help."),
        (
            "rnn",
            "An RNN (recurrent neural network) reuses state; RNNs are slow.",
            f"An {MASK} ({MASK}) reuses state; {MASK} are slow.",
        ),
        ("backpropagation", "Backprop, or backpropagating errors.", f"{MASK}, or {MASK} errors."),
    ],
)
def test_masking_hides_names_aliases_and_words_built_on_them(library, term_id, definition, masked):
    assert mask_term(definition, library.terms[term_id]) == masked


def test_masking_keeps_a_definition_that_does_not_name_its_term(library):
    relu = library.terms["relu"]
    assert mask_term(relu.definition, relu) == "Activation that outputs max(0, x)."


def test_every_question_has_four_distinct_concepts_that_read_differently(library):
    for seed in SEEDS:
        rng = random.Random(seed)
        for term in library.terms.values():
            for mode in ("definition", "term"):
                question = make_question(library, term, rng, mode)
                options = [library.terms[i] for i in question.options]
                assert len(set(question.options)) == 4, (term.id, question.options)
                assert question.answer_id == term.id
                assert question.prompt == (mask_term(term.definition, term) if mode == "definition" else term.term)
                for n, a in enumerate(options):
                    for b in options[n + 1 :]:
                        assert not names(a) & names(b), f"{a.id} and {b.id} are the same concept"
                shown = [normalize(option_label(library, question, n, limit=400)) for n in range(4)]
                assert len(set(shown)) == 4, (term.id, mode, shown)


def test_a_term_repeated_in_another_chapter_is_never_its_own_distractor(library):
    named = Counter(normalize(t.term) for t in library.terms.values())
    repeated = [t for t in library.terms.values() if named[normalize(t.term)] > 1]
    assert len(repeated) == 6  # Gradient descent, CLIP and Sentiment analysis, each in two chapters
    for term in repeated:
        twins = {t.id for t in library.terms.values() if t.id != term.id and names(t) & names(term)}
        assert twins, term.id
        for seed in SEEDS:
            picked = {t.id for t in pick_distractors(library, term, random.Random(seed))}
            assert not picked & twins, (term.id, picked & twins)


def test_options_that_would_read_the_same_are_never_offered_together(library):
    # MSE and MAE differ only in the word that masking hides: "Average ▢▢▢ difference between predictions …".
    mse, mae = library.terms["mean-squared-error"], library.terms["mean-absolute-error"]
    assert normalize(mask_term(mse.definition, mse)) == normalize(mask_term(mae.definition, mae))
    for seed in range(20):
        for term, other in ((mse, mae), (mae, mse)):
            options = make_question(library, term, random.Random(seed), "term").options
            assert other.id not in options


def test_distractors_come_from_the_same_chapter_first(library):
    for term in library.terms.values():
        chapter = library.chapter_of(term)
        picked = pick_distractors(library, term, random.Random(1))
        assert len(picked) == 3
        if len(chapter.term_ids) >= 10:
            assert all(t.chapter == term.chapter for t in picked), (term.id, [t.id for t in picked])


def small_library() -> Library:
    """Two small chapters: the first too small to fill a question, the second repeating one of its concepts."""
    rows = {
        1: [("gd", "Gradient descent", ()), ("adam", "Adam", ())],
        2: [
            ("gd-ch2", "Gradient descent", ()),
            ("sgd", "SGD", ("Stochastic GD",)),
            ("sgd-2", "SGD variant", ("SGD",)),
            ("lr", "Learning rate", ()),
            ("batch", "Batch size", ()),
        ],
    }
    terms = [
        Term(term_id, name, f"Definition number {n} of {chapter}.", "Tip.", chapter, "p", aliases)
        for chapter, entries in rows.items()
        for n, (term_id, name, aliases) in enumerate(entries)
    ]
    chapters = tuple(Chapter(n, f"Chapter {n}", "", "p", tuple(t.id for t in terms if t.chapter == n)) for n in rows)
    return Library([Pack("p", "P", "", "1", Credit("t", "a"), chapters, tuple(terms))])


def test_distractors_skip_a_concept_repeated_in_a_neighbouring_chapter_and_shared_aliases():
    library = small_library()
    for seed in range(30):
        picked = [t.id for t in pick_distractors(library, library.terms["gd"], random.Random(seed))]
        assert len(picked) == len(set(picked)) == 3
        assert "adam" in picked, "the own chapter comes first"
        assert "gd-ch2" not in picked, "the same concept from another chapter"
        assert not {"sgd", "sgd-2"} <= set(picked), "two entries sharing the name SGD"
