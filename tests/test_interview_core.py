"""Mock interview rules on the bundled content: the pool, high-yield questions, the coverage hint, time, scoring."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import interview as iv
from bot.core.interview import QuestionResult

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)

# Answers a member might write, in their own words (not copied from the key points).
NEURAL_NETWORK_ANSWER = (
    "A neural network is a function made of layers of neurons. Each neuron takes a weighted sum of its inputs, adds "
    "a bias and passes it through an activation like ReLU. It is trained with backpropagation: the forward pass "
    "predicts, we compute the loss, backprop gives the gradients and the optimizer updates the weights. The downside "
    "is that it needs lots of data and compute and is harder to interpret than simpler models."
)
LOSS_ANSWER = (
    "A loss function measures the error between predictions and targets as one number, and training minimizes it. "
    "For regression you would use MSE or MAE, for classification cross-entropy. It is different from metrics like "
    "accuracy, which are not differentiable."
)


# -- the coverage hint ------------------------------------------------------------------------------------------


def test_a_good_answer_is_hinted_on_the_points_it_covers(library):
    question = iv.find_question(library, "question:q002")
    # 0 definition (weighted sum, bias, activation), 3 training (backpropagation, gradients, optimizer) and
    # 4 tradeoff (data, compute, interpretability) are covered; 1 (composing features), 5 (MNIST) are not.
    hinted = iv.coverage_hint(question, NEURAL_NETWORK_ANSWER)
    assert {0, 3, 4} <= set(hinted)
    assert not {1, 5} & set(hinted)


def test_the_hint_finds_inflected_words_through_their_stems(library):
    question = iv.find_question(library, "question:q010")
    # "measures" ~ "measuring", "minimizes" ~ "minimize", "predictions" ~ "predictions": the definition (0); the
    # list of losses per task (2); loss versus metric (3). Outliers (4) and the fraud example (5) are not covered.
    assert iv.coverage_hint(question, LOSS_ANSWER) == (0, 2, 3)


@pytest.mark.parametrize("answer", ["", "   ", "I don't know.", "Yes. No. Maybe."])
def test_an_empty_or_contentless_answer_is_hinted_on_nothing(library, answer):
    question = iv.find_question(library, "question:q002")
    assert iv.coverage_hint(question, answer) == ()


@pytest.mark.parametrize("question_id", ["q001", "q002", "q010", "q050", "q100"])
def test_repeating_the_question_covers_nothing(library, question_id):
    question = iv.find_question(library, f"question:{question_id}")
    assert iv.coverage_hint(question, question.text) == ()
    assert iv.coverage_hint(question, f"So, {question.text.lower()} Well, {question.text}") == ()


def test_every_key_point_is_covered_by_itself(library):
    for asked in iv.question_pool(library, None):
        for index, point in enumerate(asked.points):
            assert index in iv.coverage_hint(asked, point), (asked.ref, point)


def test_formula_labels_and_stop_words_are_not_distinctive():
    stems = iv.distinctive_stems(
        "Definition: the dropout rate is what matters. Tradeoff: an example.", "What is dropout?"
    )
    assert stems == {"rate"}


def test_a_point_needs_two_shared_stems_or_all_of_a_short_one():
    assert not iv.point_covered(0, 0)
    assert iv.point_covered(1, 1)
    assert not iv.point_covered(1, 10)
    assert iv.point_covered(3, 10)  # 30 %
    assert not iv.point_covered(4, 14)  # 4 < ceil(0.3 × 14) = 5
    assert iv.point_covered(5, 14)


# -- the question pool ------------------------------------------------------------------------------------------


def test_high_yield_questions_use_their_model_answer_as_points(library):
    item = next(h for h in library.guide.high_yield if h.id == "hy-what-is-vanishing-gradient")
    question = iv.high_yield_question(library, item)
    assert question.is_high_yield and question.ref == "high-yield:hy-what-is-vanishing-gradient"
    assert question.model_answer == item.answer
    assert question.points == (
        "It happens when gradients become very small as they flow backward, causing early layers to learn slowly.",
        "ReLU, residual connections, normalization, and better initialization help.",
    )
    assert question.related[0] == "vanishing-gradients"  # "vanishing gradient" names it, singular or not
    assert question.chapter_key == library.chapter_of(library.terms["vanishing-gradients"]).key
    assert iv.find_question(library, question.ref) == question


def test_the_pool_holds_open_and_high_yield_questions(library):
    pool = iv.question_pool(library, None)
    assert len(pool) == len(library.questions) + len(library.guide.high_yield)
    optimization = library.chapters["deep-learning:4"]
    in_chapter = iv.question_pool(library, optimization)
    assert {q.ref for q in in_chapter} >= {"high-yield:hy-what-is-vanishing-gradient"}
    assert all(q.chapter_key == optimization.key for q in in_chapter)
    assert {q.ref.removeprefix("question:") for q in in_chapter if not q.is_high_yield} == {
        q.id for q in library.questions_in(optimization)
    }


def test_picking_is_seeded_and_distinct(library):
    first = iv.pick_questions(library, None, 10, random.Random(7))
    assert first == iv.pick_questions(library, None, 10, random.Random(7))
    assert len({q.ref for q in first}) == 10
    chapter = library.chapters["deep-learning:5"]
    available = len(iv.question_pool(library, chapter))
    assert len(iv.pick_questions(library, chapter, 10, random.Random(1))) == min(10, available)
    with pytest.raises(ValueError):
        iv.pick_questions(library, None, 11, random.Random(1))


def test_unknown_refs_find_nothing(library):
    assert iv.find_question(library, "question:nope") is None
    assert iv.find_question(library, "high-yield:nope") is None
    assert iv.find_question(library, "term:relu") is None


def test_sentences_split_at_full_stops_before_a_capital():
    assert iv.sentences("It works. It is fast, e.g. on GPUs. Done!") == (
        "It works.",
        "It is fast, e.g. on GPUs.",
        "Done!",
    )
    assert iv.sentences("One sentence only.") == ("One sentence only.",)


def test_terms_named_prefers_earlier_then_longer_names(library):
    assert iv.terms_named(library, "Use CNNs with dropout, not plain dropout.") == ("cnn-architecture", "dropout")
    assert iv.terms_named(library, "nothing relevant here") == ()


# -- time -------------------------------------------------------------------------------------------------------


def test_deadline_and_expiry():
    due = iv.deadline(NOW, 3)
    assert due == NOW + timedelta(minutes=3)
    # Gone for the question's time after the deadline, but never less than three minutes.
    assert iv.expires_at(due, NOW, 3) == due + timedelta(minutes=3)
    assert iv.expires_at(iv.deadline(NOW, 1), NOW, 1) == NOW + timedelta(minutes=4)
    assert iv.expires_at(iv.deadline(NOW, 10), NOW, 10) == NOW + timedelta(minutes=20)
    # A step after the deadline (marking late) counts from that step.
    late = due + timedelta(minutes=2)
    assert iv.expires_at(due, late, 3) == late + timedelta(minutes=3)
    assert iv.invitation_expires(NOW) == NOW + timedelta(minutes=5)


# -- scoring and history ----------------------------------------------------------------------------------------


def result(position, covered, points=5, seconds=60.0, chapter="deep-learning:4", ref="question:q050"):
    return QuestionResult(position, ref, chapter, points, covered, seconds, "spoken" if seconds else None)


def test_the_scorecard_counts_marked_questions_and_finds_the_weak_ones(library):
    results = [
        result(0, 4, ref="question:q050"),  # 80 %
        result(1, 1, points=6, seconds=200.0, chapter="deep-learning:3", ref="question:q002"),  # weak
        result(2, 2, points=5, seconds=100.0, chapter="deep-learning:4", ref="question:q010"),  # 40 %: weak
        result(3, None, seconds=None),  # not reached
    ]
    card = iv.scorecard(library, results, minutes=3)
    assert (card.covered, card.points) == (7, 16)
    assert card.share == pytest.approx(7 / 16)
    assert (card.seconds_used, card.seconds_allowed) == (360.0, 540.0)
    assert card.weak_chapters == ("deep-learning:3", "deep-learning:4")  # weakest first
    assert card.review_terms == (*library.questions["q002"].related, *library.questions["q010"].related)


def test_a_scorecard_without_marks_has_no_share(library):
    card = iv.scorecard(library, [result(0, None, seconds=None)], minutes=3)
    assert card.share is None and card.weak_chapters == () and card.review_terms == ()


def test_trend():
    assert iv.trend([0.5]) is None
    assert iv.trend([0.2, 0.6]) == pytest.approx(0.4)
    assert iv.trend([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) == pytest.approx(0.3)  # last 3 against the 3 before


def test_summary_averages_per_interview():
    assert iv.summarize([]) == iv.InterviewSummary(0, None)
    assert iv.summarize([0.5, 1.0]) == iv.InterviewSummary(2, 0.75)
