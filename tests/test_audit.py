"""The content audit: what it finds on the bundled pack and on small packs, and `content audit` / `content check`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.content.loader import load_library
from bot.core import audit as audit_module
from bot.core.audit import MAX_OTHER_KIND, audit, question_findings
from bot.core.choices import MultipleChoice, make_question

# A chapter whose broad terms have only narrower terms of their own kind ("Model compression" vs Pruning,
# Quantization …, never offered together) falls back to its other kinds: a chapter may go past the pack's rule.
CHAPTER_OTHER_KIND_AT_MOST = 0.2


def test_the_bundled_pack_gives_nothing_away_and_keeps_to_the_kind_rule(library):
    report = audit(library)
    assert report.terms == 504
    assert report.count("give-away") == 0, report.blocking
    assert report.count("same-concept") == 0, report.blocking
    assert report.count("nested") == 0
    assert report.count("over-masked") == 0
    assert report.count("few-questions") == 0
    assert report.count("no-kind") == 0
    # Over every chapter's quiz together, at most 1 wrong option in 10 is of another kind than the answer.
    assert report.other_kind / report.wrong_options <= MAX_OTHER_KIND
    for chapter in report.chapters:
        assert chapter.other_kind_share <= CHAPTER_OTHER_KIND_AT_MOST, chapter
    assert report.questions == report.terms * 2 * report.draws


def test_the_audit_is_the_same_for_the_same_seed(library):
    assert audit(library, draws=1, seed=5) == audit(library, draws=1, seed=5)


def test_a_question_that_names_its_answer_or_repeats_a_concept_is_found(library):
    mse = library.terms["mse"]
    leaky = MultipleChoice("mse", "definition", mse.definition, ("mse", "mean-squared-error", "accuracy", "recall"), 0)
    found = {(f.category, f.detail) for f in question_findings(library, leaky)}
    assert (
        "give-away",
        "the prompt names the answer: 'Mean squared error' in “Mean squared error for regression.”",
    ) in found
    assert (
        "same-concept",
        "MSE (mse) with Mean squared error (mean-squared-error): one concept, offered as two options",
    ) in found
    assert all(f.blocking for f in question_findings(library, leaky))
    fair = make_question(library, library.terms["dropout"], random.Random(3), "term")
    assert question_findings(library, fair) == []


# -- small packs -------------------------------------------------------------------------------------------


def write(root: Path, chapters: list[dict], questions: list[dict] | None = None) -> Path:
    pack = root / "audit-pack"
    (pack / "chapters").mkdir(parents=True)
    meta = {
        "id": "audit-pack",
        "title": "Audit pack",
        "description": "d",
        "version": "1",
        "credit": {"title": "t", "author": "a"},
        "kinds": {"metric": "evaluation metric", "loss": "loss function", "optimizer": "optimizer"},
    }
    (pack / "pack.yaml").write_text(yaml.safe_dump(meta))
    for n, chapter in enumerate(chapters, start=1):
        (pack / "chapters" / f"{n:02d}.yaml").write_text(yaml.safe_dump(chapter))
    if questions:
        (pack / "questions.yaml").write_text(yaml.safe_dump({"questions": questions}))
    return pack


def t(term_id: str, name: str, definition: str, kind: str | None = None, **fields) -> dict:
    return (
        {"id": term_id, "term": name, "definition": definition, "tip": "t"} | ({"kind": kind} if kind else {}) | fields
    )


METRICS = {
    "number": 1,
    "title": "Metrics",
    "terms": [
        t("accuracy", "Accuracy", "Fraction of correct predictions.", "metric"),
        t("precision", "Precision", "Of predicted positives, how many were right.", "metric"),
        t("recall", "Recall", "Of actual positives, how many were found.", "metric"),
        t("f1", "F1 score", "Harmonic mean of two rates.", "metric"),
        t("mse", "MSE", "Mean squared error for regression."),
        t("hinge", "Hinge loss", "Margin-based penalty for classifiers.", "loss"),
    ],
}
OPTIMIZERS = {
    "number": 2,
    "title": "Optimizers",
    "terms": [
        t("adam", "Adam", "Adaptive steps from running moments.", "optimizer"),
        t("sgd", "SGD", "Steps along noisy gradients.", "optimizer"),
        t("adagrad", "Adagrad", "Per-parameter steps from all past gradients.", "optimizer"),
        t("lamb", "LAMB", "Layer-wise adaptive large-batch steps.", "optimizer"),
    ],
}


def question(n: int, related: str, **fields) -> dict:
    return {"id": f"q{n}", "question": f"Question {n}?", "related": [related], "key_points": ["a", "b", "c"]} | fields


@pytest.fixture
def pack(tmp_path) -> Path:
    questions = [question(n, "accuracy") for n in range(3)] + [question(9, "accuracy", chapter=2)]
    return write(tmp_path, [METRICS, OPTIMIZERS], questions)


def test_the_audit_names_what_an_author_should_fix(pack):
    report = audit(load_library([pack]))
    by = {(f.category, f.subject) for f in report.findings}
    assert ("over-masked", "mse") in by
    assert ("no-kind", "mse") in by
    assert ("few-questions", "audit-pack:2") in by and ("few-questions", "audit-pack:1") not in by
    # The only loss function's options can only be of other kinds.
    assert ("other-kind", "hinge") in by
    assert not report.blocking
    over = next(f for f in report.findings if f.category == "over-masked")
    assert over.detail == (
        "MSE: masking leaves 40 % of the definition to read (needs 60 %): “▢▢▢ for regression.”; add a quiz_prompt"
    )
    metrics = next(c for c in report.chapters if c.key == "audit-pack:1")
    assert metrics.open_questions == 3
    assert metrics.other_kind == 3 * 2 * 3, "hinge's three wrong options, in 2 modes, 3 draws"
    assert report.summary()["other_kind_options"] == report.other_kind


def test_a_quiz_prompt_clears_an_over_masked_term(tmp_path):
    fixed = {
        **METRICS,
        "terms": [
            *METRICS["terms"][:4],
            t("mse", "MSE", "Mean squared error.", "loss", quiz_prompt="Average of the squared misses."),
        ],
    }
    report = audit(load_library([write(tmp_path, [fixed, OPTIMIZERS])]))
    assert report.count("over-masked") == 0 and report.quiz_prompts == 1


# -- the command line --------------------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_content_audit_prints_a_report_and_a_summary(pack, capsys):
    code, out, err = run(capsys, "content", "audit", str(pack))
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == "content audit: 10 terms, 54 questions (3 per term and mode)"
    assert "give-aways: 0" in lines
    assert "over-masked prompts (the term is left out of quizzes): 1" in lines
    assert "  mse: MSE: no 'kind'" in lines
    assert lines[-1].startswith("summary: 0 give-aways, 0 same-concept pairs, 0 broader/narrower pairs, 1 over-masked")


def test_content_audit_json(pack, capsys):
    code, out, _ = run(capsys, "content", "audit", str(pack), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["over_masked"] == 1 and data["summary"]["give_away"] == 0
    assert {"category": "no-kind", "subject": "mse", "detail": "MSE: no 'kind'", "blocking": False} in data["findings"]
    assert [c["key"] for c in data["chapters"]] == ["audit-pack:1", "audit-pack:2"]


def test_content_check_passes_with_warnings_and_fails_on_a_give_away(pack, capsys, monkeypatch, tmp_path):
    # `content check PATH` checks PATH with the bundled pack, as `run` would load it: this pack is checked alone.
    alone = tmp_path / "alone.toml"
    alone.write_text(f"[content]\ninclude_bundled = false\nextra_dirs = ['{pack}']\n")
    code, out, _ = run(capsys, "content", "check", "--config", str(alone))
    assert code == 0
    assert out.splitlines()[0] == "ok: 1 pack(s), 2 chapters, 10 terms, 4 questions, all valid"
    assert out.splitlines()[1].startswith("audit: 0 give-aways, 0 same-concept pairs")

    def leaky(library, term, rng, mode="definition"):
        # A builder that forgot to mask: the audit must catch it, and `content check` must fail.
        question = make_question(library, term, rng, mode)
        prompt = term.definition if mode == "definition" else question.prompt
        return MultipleChoice(question.term_id, mode, prompt, question.options, question.answer)

    monkeypatch.setattr(audit_module, "make_question", leaky)
    pack_with_name = pack / "chapters" / "03.yaml"
    pack_with_name.write_text(
        yaml.safe_dump(
            {"number": 3, "title": "More", "terms": [t("dropout", "Dropout", "Dropout zeroes units.", "loss")]}
        )
    )
    code, out, err = run(capsys, "content", "check", "--config", str(alone))
    assert code == 1 and not out
    assert err.splitlines()[0] == "error: 1 problem(s) in the quiz questions:"
    assert (
        err.splitlines()[1] == "  dropout: give-away: the prompt names the answer: 'Dropout' in “Dropout zeroes units.”"
    )
    code, out, _ = run(capsys, "content", "audit", str(pack))
    assert code == 1 and "give-aways: 1 [fails content check]" in out.splitlines()
