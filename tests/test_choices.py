"""The multiple-choice builder: masked prompts never name the answer and stay readable, and the four options are
four different concepts, the wrong ones chosen to be confusable, of the answer's kind first."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from bot.content.index import Library
from bot.content.loader import ContentError, load_library
from bot.content.models import Chapter, Credit, Pack, Term
from bot.content.relations import relations
from bot.content.text import normalize
from bot.core.choices import (
    MASK,
    READABLE,
    definition_prompt,
    eligible,
    explain_pick,
    make_question,
    mask_term,
    option_label,
    pick_distractors,
    quiz_terms,
    quiz_text,
    warm_up,
)

SEEDS = range(3)


def names(term: Term) -> set[str]:
    return {normalize(n) for n in (term.term, *term.aliases)}


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def mentions(text: str, name: str) -> bool:
    """Whether `text` contains `name` as whole words, in any case, spacing or hyphenation, or its plural."""
    text, phrase = f" {words(text)} ", words(name)
    return bool(phrase) and any(f" {phrase}{plural} " in text for plural in ("", "s", "es"))


def unmasked_share(prompt: str) -> float:
    """The share of a prompt's words that are not ▢▢▢, counted independently of the builder."""
    found = re.findall(rf"{re.escape(MASK)}|[^\W_]+", prompt)
    return sum(w != MASK for w in found) / len(found)


def test_the_test_would_see_a_leak():
    # The checks below are only worth something if an unmasked name is caught in every spelling.
    assert mentions("Normalizes a mini-batch; batch-normalization helps.", "Batch normalization")
    assert mentions("Stacks of RNNs.", "RNN")
    assert not mentions("organizations", "GAN")
    assert unmasked_share(f"{MASK} for regression.") == pytest.approx(2 / 3)


# -- masking ---------------------------------------------------------------------------------------------


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
        # Inflections by their Snowball stem, whole words only: "normal" in "abnormal" stays.
        (
            "batch-normalization",
            "Normalizes each mini-batch; normalized batches; abnormal inputs.",
            f"{MASK} each mini-{MASK}; {MASK}; abnormal inputs.",
        ),
        # A fixed-length prefix would hide "transfer" with "Transformer" (both start "transf").
        ("transformer-architecture", "Transformers transfer well.", f"{MASK} transfer well."),
        # An acronym's expansion is masked with it.
        ("mse", "Mean squared error for regression.", f"{MASK} for regression."),
        ("mse", "Mean squared errors, or MSEs.", f"{MASK}, or {MASK}."),
    ],
)
def test_masking_hides_names_aliases_inflections_and_expansions(library, term_id, definition, masked):
    assert mask_term(definition, library.terms[term_id]) == masked


def test_masking_keeps_a_definition_that_does_not_name_its_term(library):
    relu = library.terms["relu"]
    assert mask_term(relu.definition, relu) == "Activation that outputs max(0, x)."


def test_an_alias_is_masked_whole_not_word_by_word(library):
    # Precision's alias "Positive predictive value" must not hide "positives": it says nothing on its own.
    precision = library.terms["precision"]
    assert "Positive predictive value" in precision.aliases
    assert mask_term(precision.definition, precision) == precision.definition


def test_the_builder_masks_the_names_of_the_same_concept_s_other_entry(library):
    # MSE (chapter 17) and Mean squared error (chapter 3) are one concept: each hides the other's names.
    assert relations(library).same_concept("mse", "mean-squared-error")
    text = quiz_text(library, library.terms["mse"])
    assert text.masked.text == f"{MASK} for regression."
    assert text.masked.readable == pytest.approx(0.4)


# -- every term of the bundled pack, in both modes --------------------------------------------------------


def test_every_askable_term_s_prompt_is_readable_and_names_no_option(library):
    rel = relations(library)
    problems = []
    for term in library.terms.values():
        if not eligible(library, term, "definition"):
            continue
        prompt = definition_prompt(library, term)
        if unmasked_share(prompt) < READABLE:
            problems.append(f"{term.id}: only {unmasked_share(prompt):.0%} readable: {prompt!r}")
        concept = [library.terms[i] for i in rel.concept(term.id)]
        for name in [n for t in concept for n in (t.term, *t.aliases)]:
            if len(normalize(name)) >= 3 and mentions(prompt, name):
                problems.append(f"{term.id}: {name!r} in {prompt!r}")
    assert not problems, "\n".join(problems)


def test_every_question_in_both_modes_has_four_distinct_concepts_and_no_give_away(library):
    rel = relations(library)
    problems = []
    for seed in SEEDS:
        rng = random.Random(seed)
        for term in library.terms.values():
            if not eligible(library, term, "definition"):
                continue
            for mode in ("definition", "term"):
                question = make_question(library, term, rng, mode)
                assert len(set(question.options)) == 4, (term.id, question.options)
                assert question.answer_id == term.id
                assert question.prompt == (definition_prompt(library, term) if mode == "definition" else term.term)
                for n, a in enumerate(question.options):
                    for b in question.options[n + 1 :]:
                        if (
                            rel.same_concept(a, b)
                            or rel.nested(a, b)
                            or names(library.terms[a]) & names(library.terms[b])
                        ):
                            problems.append(f"{term.id} {mode}: {a} and {b} overlap")
                shown = [option_label(library, question, n, limit=4096) for n in range(4)]
                assert len({normalize(s) for s in shown}) == 4, (term.id, mode, shown)
                if mode == "term":
                    wrong = [s for n, s in enumerate(shown) if n != question.answer]
                    leaks = [(s, n) for s in wrong for n in (term.term, *term.aliases) if mentions(s, n)]
                    problems += [f"{term.id} term mode: {n!r} in the option {s!r}" for s, n in leaks]
                    assert unmasked_share(shown[question.answer]) >= READABLE
    assert not problems, "\n".join(problems)


def test_terms_left_out_are_only_those_without_a_readable_text(library):
    left_out = [t for t in library.terms.values() if not eligible(library, t, "definition")]
    for term in left_out:
        text = quiz_text(library, term)
        assert text.text is None
        assert text.over_masked or text.leaks or term.quiz_prompt, term.id
    assert {t.id for t in quiz_terms(library, None)} == {t.id for t in library.terms.values()} - {
        t.id for t in left_out
    }


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


def test_a_term_s_questions_vary_with_the_seed(library):
    term = library.terms["dropout"]
    drawn = {tuple(sorted(make_question(library, term, random.Random(seed)).options)) for seed in range(10)}
    assert len(drawn) > 1


# -- the rules on small packs -------------------------------------------------------------------------------


def build(*chapters: list[dict]) -> Library:
    """A one-pack library from chapters of term rows (id, term, definition and any other Term field)."""
    rows = [(number, row) for number, chapter_rows in enumerate(chapters, start=1) for row in chapter_rows]
    terms = [
        Term(
            row["id"],
            row.get("term", row["id"].title()),
            row.get("definition", f"Placeholder definition number {n}."),
            "Tip.",
            number,
            "p",
            **{k: v for k, v in row.items() if k not in {"id", "term", "definition"}},
        )
        for n, (number, row) in enumerate(rows)
    ]
    chapter_list = tuple(
        Chapter(n, f"Chapter {n}", "", "p", tuple(t.id for t in terms if t.chapter == n))
        for n in range(1, len(chapters) + 1)
    )
    return Library([Pack("p", "P", "", "1", Credit("t", "a"), chapter_list, tuple(terms))])


def ids(library: Library, term_id: str, seed: int, mode: str = "definition") -> set[str]:
    return {t.id for t in pick_distractors(library, library.terms[term_id], random.Random(seed), mode=mode)}


def test_confusable_terms_come_first_and_then_the_same_kind():
    library = build(
        [
            {"id": "l1", "kinds": ("reg",), "confusable": ("l2",)},
            {"id": "l2", "kinds": ("reg",)},
            {"id": "dropout", "kinds": ("reg",)},
            {"id": "adam", "kinds": ("opt",)},
            {"id": "sgd", "kinds": ("opt",)},
            {"id": "relu", "kinds": ("act",)},
        ],
        [{"id": "weight-decay", "kinds": ("reg",)}, {"id": "tanh", "kinds": ("act",)}],
    )
    for seed in range(20):
        picked = ids(library, "l1", seed)
        assert picked == {"l2", "dropout", "weight-decay"}, "confusable, then the same kind from any chapter"
        assert "l1" in ids(library, "l2", seed), "declared on one side is enough"


def test_the_same_kind_is_ranked_by_how_close_the_definitions_are():
    close = "Normalizes activations over a group of values."
    rows = [
        {"id": "batch-norm", "definition": "Normalizes activations over the batch.", "kinds": ("norm",)},
        *({"id": f"n{i}", "definition": f"{close} Variant {i}.", "kinds": ("norm",)} for i in range(6)),
        *(
            {"id": f"far{i}", "definition": f"Clips gradients {i} times per epoch.", "kinds": ("norm",)}
            for i in range(6)
        ),
    ]
    library = build(rows)
    for seed in range(20):
        # Each pick is drawn among the few closest still allowed: all three come from the six close ones.
        assert ids(library, "batch-norm", seed) <= {f"n{i}" for i in range(6)}


def test_same_concept_and_broader_pairs_are_never_options_together():
    library = build(
        [
            {"id": "quantization", "kinds": ("comp",), "broader": ("model-compression",)},
            {"id": "int8", "kinds": ("comp",), "broader": ("quantization",)},
            {"id": "model-compression", "kinds": ("comp",)},
            {"id": "pruning", "kinds": ("comp",), "same_as": ("sparsification",)},
            {"id": "sparsification", "kinds": ("comp",)},
            {"id": "distillation", "kinds": ("comp",)},
            {"id": "lora", "kinds": ("comp",)},
        ]
    )
    rel = relations(library)
    assert rel.nested("int8", "model-compression"), "broader is transitive"
    for seed in range(30):
        for term_id in library.terms:
            picked = ids(library, term_id, seed) | {term_id}
            assert not {"quantization", "model-compression"} <= picked
            assert not {"int8", "model-compression"} <= picked
            assert not {"int8", "quantization"} <= picked
            assert not {"pruning", "sparsification"} <= picked


def test_in_term_mode_no_wrong_option_names_the_term_asked_about():
    library = build(
        [
            {"id": "dropout", "term": "Dropout", "definition": "Randomly zeroes units while training."},
            {"id": "dropconnect", "term": "DropConnect", "definition": "Like dropout, but zeroes weights."},
            {"id": "a", "definition": "Adds noise to inputs."},
            {"id": "b", "definition": "Stops training early."},
            {"id": "c", "definition": "Shrinks weights toward zero."},
        ]
    )
    for seed in range(20):
        assert "dropconnect" not in ids(library, "dropout", seed, "term")
        # In definition mode the option list shows names only, so DropConnect is a fair distractor there.
    assert any("dropconnect" in ids(library, "dropout", seed, "definition") for seed in range(20))


def test_the_prompt_names_no_wrong_option():
    # "Combines momentum and RMSProp": a learner would strike both out.
    library = build(
        [
            {"id": "adam", "term": "Adam", "definition": "Optimizer combining momentum and RMSProp ideas."},
            {"id": "momentum", "term": "Momentum", "definition": "Accumulates past gradient directions."},
            {"id": "rmsprop", "term": "RMSProp", "definition": "Scales steps by recent squared gradients."},
            {"id": "sgd", "term": "SGD", "definition": "Steps along a noisy gradient."},
            {"id": "adagrad", "term": "Adagrad", "definition": "Per-parameter steps from all past gradients."},
            {"id": "lamb", "term": "LAMB", "definition": "Layer-wise adaptive large-batch steps."},
        ]
    )
    for seed in range(20):
        assert not ids(library, "adam", seed) & {"momentum", "rmsprop"}


def test_options_that_would_read_the_same_are_never_offered_together():
    # MSE and MAE differ only in the word that masking hides: "Average ▢▢▢ difference between predictions …".
    library = build(
        [
            {"id": "mse", "term": "Mean squared error", "definition": "Average squared difference of predictions."},
            {"id": "mae", "term": "Mean absolute error", "definition": "Average absolute difference of predictions."},
            {"id": "a", "definition": "Counts right answers."},
            {"id": "b", "definition": "Penalizes confident mistakes."},
            {"id": "c", "definition": "Margin-based loss."},
        ]
    )
    assert definition_prompt(library, library.terms["mse"]) == definition_prompt(library, library.terms["mae"])
    for seed in range(20):
        for mode in ("definition", "term"):
            assert "mae" not in ids(library, "mse", seed, mode)


def test_a_quiz_prompt_replaces_a_definition_that_would_be_over_masked():
    library = build(
        [
            {"id": "mse", "term": "MSE", "definition": "Mean squared error for regression."},
            {
                "id": "mae",
                "term": "MAE",
                "definition": "Mean absolute error for regression.",
                "quiz_prompt": "Average size of the misses.",
            },
            {"id": "acc", "term": "Accuracy", "definition": "Fraction of correct predictions."},
            {"id": "f1", "term": "F1", "definition": "Harmonic mean of precision and recall."},
            {"id": "auc", "term": "AUC", "definition": "Ranking quality across thresholds."},
        ]
    )
    mse, mae = library.terms["mse"], library.terms["mae"]
    assert quiz_text(library, mse).over_masked and not eligible(library, mse, "definition")
    assert not eligible(library, mse, "term")
    assert quiz_text(library, mae).source == "quiz_prompt"
    assert definition_prompt(library, mae) == "Average size of the misses."
    assert "mse" not in {t.id for t in quiz_terms(library, None)}
    for seed in range(10):
        question = make_question(library, mae, random.Random(seed), "term")
        assert option_label(library, question, question.answer, limit=400) == "Average size of the misses."
        assert "mse" not in question.options, "a wrong option in term mode needs a readable text too"


def test_explain_pick_puts_the_pick_beside_the_answer():
    library = build(
        [
            {
                "id": "l1",
                "term": "L1 regularization",
                "definition": "Penalty on absolute weights.",
                "confusable": ("l2",),
            },
            {"id": "l2", "term": "L2 regularization", "definition": "Penalty on squared weights."},
            {"id": "a", "definition": "Stops training early."},
            {"id": "b", "definition": "Adds noise to inputs."},
        ]
    )
    question = make_question(library, library.terms["l1"], random.Random(1))
    picked = question.options.index("l2")
    explanation = explain_pick(library, question, picked)
    assert (explanation.picked.id, explanation.answer.id, explanation.correct) == ("l2", "l1", False)
    assert explanation.confusable
    assert (explanation.picked.definition, explanation.answer.definition) == (
        "Penalty on squared weights.",
        "Penalty on absolute weights.",
    )
    assert explain_pick(library, question, question.answer).correct


def test_distractors_skip_a_concept_repeated_in_a_neighbouring_chapter_and_shared_aliases():
    library = build(
        [{"id": "gd", "term": "Gradient descent"}, {"id": "adam", "term": "Adam"}],
        [
            {"id": "gd-ch2", "term": "Gradient descent"},
            {"id": "sgd", "term": "SGD", "aliases": ("Stochastic GD",)},
            {"id": "sgd-2", "term": "SGD variant", "aliases": ("SGD",)},
            {"id": "lr", "term": "Learning rate"},
            {"id": "batch", "term": "Batch size"},
        ],
    )
    for seed in range(30):
        picked = [t.id for t in pick_distractors(library, library.terms["gd"], random.Random(seed))]
        assert len(picked) == len(set(picked)) == 3
        assert "adam" in picked, "the own chapter comes first"
        assert "gd-ch2" not in picked, "the same concept from another chapter"
        assert not {"sgd", "sgd-2"} <= set(picked), "two entries sharing the name SGD"


def test_warming_up_builds_what_quizzes_and_search_need_once_with_the_same_results(library):
    fresh = Library(list(library.packs))
    assert warm_up(fresh) == []  # every bundled quiz prompt can be shown
    built = relations(fresh)
    warm_up(fresh)
    assert relations(fresh) is built
    # The terms a quiz may ask about, and what it shows, as without warming up.
    assert [t.id for t in quiz_terms(fresh, None)] == [t.id for t in quiz_terms(library, None)]
    assert [h.id for h in fresh.search("vanishing gradient")] == [h.id for h in library.search("vanishing gradient")]


def test_the_bot_starts_with_prompts_that_name_their_term_and_never_shows_the_name(tmp_path):
    chapter = tmp_path / "pack" / "chapters"
    chapter.mkdir(parents=True)
    (chapter.parent / "pack.yaml").write_text(
        "id: p\ntitle: P\ndescription: d\nversion: '1'\ncredit: {title: t, author: a}\n"
    )
    (chapter / "01.yaml").write_text(
        "number: 1\ntitle: One\nterms:\n"
        "  - {id: dropout, term: Dropout, definition: Randomly zeroes units while training., tip: t,"
        " quiz_prompt: Dropout of random units during training.}\n"
        "  - {id: l2, term: L2 regularization, definition: Adds the squared weights to the loss., tip: t,"
        " quiz_prompt: L2 regularization.}\n"
    )
    with pytest.raises(ContentError, match="names the term it asks for"):
        load_library([chapter.parent])  # what `content check` says
    library = load_library([chapter.parent], check_prompts=False)  # how the bot starts
    # Warming up finds the prompt with nothing left once masked: quizzes leave that term out.
    assert warm_up(library) == ["l2"]
    assert [t.id for t in quiz_terms(library, None)] == ["dropout"]
    # The other reads well enough with its name masked.
    assert quiz_text(library, library.terms["dropout"]).text == "▢▢▢ of random units during training."
