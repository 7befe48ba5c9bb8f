"""Solo practice rules: answers → FSRS ratings, the progress bar, question picking, scoring, due dates, mastery."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Rating, State

from bot.core import quiz, review
from bot.core.answers import TermAnswer
from bot.core.mastery import chapter_mastery

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # a Wednesday


# -- answers → ratings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "elapsed", "limit", "rating"),
    [
        (False, 2.0, None, Rating.Again),
        (False, 50.0, 30.0, Rating.Again),  # wrong is Again however long it took
        (True, None, None, Rating.Good),  # no timing known: a plain right answer
        (True, 5.0, None, Rating.Good),
        (True, 20.0, None, Rating.Good),  # exactly 20 s without a limit is not slow yet
        (True, 20.1, None, Rating.Hard),
        (True, 18.0, 30.0, Rating.Good),  # exactly 60 % of the limit
        (True, 18.5, 30.0, Rating.Hard),
        (True, 25.0, 60.0, Rating.Good),  # with a limit, 25 s of 60 is fine
    ],
)
def test_answers_map_to_ratings(correct, elapsed, limit, rating):
    assert review.rating_for(correct, elapsed, limit) is rating


def test_published_answer_maps_like_its_fields():
    slow = TermAnswer(user_id=1, term_id="dropout", correct=True, at=NOW, elapsed=45.0, time_limit=60.0)
    assert review.rating_for_answer(slow) is Rating.Hard
    quick = TermAnswer(user_id=1, term_id="dropout", correct=True, at=NOW, elapsed=10.0, time_limit=60.0)
    assert review.rating_for_answer(quick) is Rating.Good


# -- FSRS card updates --------------------------------------------------------------------------------------


def test_good_moves_a_new_card_through_learning_into_review():
    card = review.new_card(NOW)
    assert card.due == NOW and card.state is State.Learning
    card = review.review(card, Rating.Good, NOW)
    assert card.state is State.Learning
    assert card.due == NOW + timedelta(minutes=10)  # fsrs's second learning step
    later = NOW + timedelta(minutes=10)
    card = review.review(card, Rating.Good, later)
    assert card.state is State.Review
    assert card.due >= later + timedelta(days=1)


def test_again_brings_a_card_back_within_minutes():
    card = review.review(review.new_card(NOW), Rating.Again, NOW)
    assert card.due == NOW + timedelta(minutes=1)


def test_review_accepts_any_aware_time_and_refuses_naive():
    berlin = NOW.astimezone(ZoneInfo("Europe/Berlin"))
    card = review.review(review.new_card(NOW), Rating.Good, berlin)
    assert card.last_review == NOW and card.last_review.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        review.review(card, Rating.Good, NOW.replace(tzinfo=None))


# -- mastery ------------------------------------------------------------------------------------------------


def _graduated(at):
    """Return a card rated Good twice ten minutes apart: in the Review state, last reviewed at `at` + 10 min."""
    card = review.review(review.new_card(at), Rating.Good, at)
    return review.review(card, Rating.Good, at + timedelta(minutes=10))


def test_mastery_needs_review_state_and_fresh_memory(library):
    chapter = library.chapters["deep-learning:24"]  # Explainable AI
    terms = list(chapter.term_ids)
    start = NOW - timedelta(days=1)
    cards = {
        terms[0]: _graduated(start),  # graduated yesterday: mastered
        terms[1]: _graduated(start),
        terms[2]: review.review(review.new_card(start), Rating.Good, start),  # still learning: not mastered
        terms[3]: _graduated(start - timedelta(days=60)),  # graduated long ago, never reviewed since: faded
    }
    by_key = {m.key: m for m in chapter_mastery(library, cards, NOW)}
    explained = by_key[chapter.key]
    assert (explained.terms, explained.carded, explained.mastered) == (len(terms), 4, 2)
    assert explained.share == pytest.approx(2 / len(terms))
    assert review.retrievability(cards[terms[3]], NOW) < review.MASTERY_RETRIEVABILITY
    # The same cards, judged a year later, are no longer mastered: `now` is what decides.
    faded = {m.key: m for m in chapter_mastery(library, cards, NOW + timedelta(days=365))}
    assert faded[chapter.key].mastered == 0
    # Every other chapter is reported, with nothing mastered.
    assert len(by_key) == len(library.chapters)
    assert sum(m.mastered for m in by_key.values()) == 2


# -- due summaries --------------------------------------------------------------------------------------------


def test_due_summary_reads_as_one_sentence():
    assert review.DueSummary(now=2, today=3, week=4, total=5).describe() == (
        "2 due now · 3 by the end of today · 4 by the end of this week (UTC days; weeks end Sunday midnight UTC)"
    )
    assert review.DueSummary(now=0, today=0, week=0, total=0).describe() == "Your review deck is empty."


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(0), "now"),
        (timedelta(seconds=45), "in under a minute"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=10), "in 10 minutes"),
        (timedelta(hours=5), "in 5 hours"),
        (timedelta(days=3, hours=2), "in 3 days"),
    ],
)
def test_waits_read_as_words(delta, words):
    assert review.describe_wait(NOW + delta, NOW) == words


# -- solo quiz rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "total", "bar"),
    [
        (0, 5, "Question 0/5 ▱▱▱▱▱"),
        (3, 10, "Question 3/10 ▰▰▰▱▱▱▱▱▱▱"),
        (1, 1, "Question 1/1 ▰"),
        (20, 20, "Question 20/20 " + "▰" * 20),
    ],
)
def test_progress_bar(done, total, bar):
    assert quiz.progress_bar(done, total) == bar


@pytest.mark.parametrize(("done", "total"), [(-1, 5), (6, 5), (0, 0)])
def test_progress_bar_refuses_impossible_progress(done, total):
    with pytest.raises(ValueError, match="bad progress"):
        quiz.progress_bar(done, total)


def test_questions_are_distinct_terms_of_the_chapter(library):
    chapter = library.chapters["deep-learning:5"]  # 12 terms
    questions = quiz.build_questions(library, chapter, 10, "definition", random.Random(7))
    assert len(questions) == 10
    assert len({q.term_id for q in questions}) == 10
    assert all(q.term_id in chapter.term_ids for q in questions)
    assert all(q.mode == "definition" and len(q.options) == 4 for q in questions)
    assert all(q.options[q.answer] == q.term_id for q in questions)


def test_small_chapter_gives_one_question_per_term(library):
    chapter = library.chapters["deep-learning:24"]  # 8 terms
    questions = quiz.build_questions(library, chapter, 20, "term", random.Random(1))
    assert sorted(q.term_id for q in questions) == sorted(chapter.term_ids)


def test_mixed_mode_asks_both_ways_and_is_reproducible(library):
    first = quiz.build_questions(library, None, 20, "mixed", random.Random(3))
    again = quiz.build_questions(library, None, 20, "mixed", random.Random(3))
    assert first == again
    assert {q.mode for q in first} == {"definition", "term"}


@pytest.mark.parametrize("count", [0, 21])
def test_question_count_is_bounded(library, count):
    with pytest.raises(ValueError, match="between 1 and 20"):
        quiz.build_questions(library, None, count, "definition", random.Random(0))


def test_score_counts_unanswered_as_not_right():
    result = quiz.score([("a", True), ("b", False), ("c", True), ("d", None)])
    assert (result.right, result.answered, result.total, result.missed) == (2, 3, 4, ("b",))
    assert result.describe() == "2/4 right (50 %)"


def test_elapsed_time():
    shown = NOW - timedelta(seconds=12.5)
    assert quiz.elapsed_seconds(shown, NOW) == 12.5
    assert quiz.elapsed_seconds(None, NOW) is None
    assert quiz.elapsed_seconds(NOW + timedelta(seconds=1), NOW) == 0.0  # a clock step back is no negative time
