"""Review cards and their logs on a real migrated SQLite file: creation, FSRS ratings, due order and counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from bot.core import review
from bot.core.errors import NotAllowed
from bot.repos.review import ReviewRepo

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
ALICE, BOB = 111, 222


@pytest.fixture
def repo(db):
    return ReviewRepo(db)


async def test_schema_has_the_unique_card_and_due_index(db):
    index = await db.fetchall("PRAGMA index_info(review_cards_by_user_due)")
    assert [row["name"] for row in index] == ["user_id", "due"]
    await db.execute("INSERT INTO review_cards (user_id, term_id, state, due, created_at) VALUES (1, 't', 1, 'x', 'x')")
    with pytest.raises(Exception, match="UNIQUE"):
        await db.execute(
            "INSERT INTO review_cards (user_id, term_id, state, due, created_at) VALUES (1, 't', 1, 'y', 'y')"
        )


async def test_rating_creates_the_card_and_logs_it(repo, db):
    card = await repo.rate(ALICE, "dropout", Rating.Good, NOW, "answer")
    assert card.reps == 1 and card.card.state is State.Learning
    assert card.due == NOW + timedelta(minutes=10)
    row = await db.fetchone("SELECT state, step, due, last_review, reps FROM review_cards WHERE id = ?", (card.id,))
    assert tuple(row) == (1, 1, "2026-11-18T15:40:00.000000+00:00", "2026-11-18T15:30:00.000000+00:00", 1)
    logs = await db.fetchall("SELECT card_id, user_id, rating, source, reviewed_at FROM review_logs")
    assert [tuple(r) for r in logs] == [(card.id, ALICE, 3, "answer", "2026-11-18T15:30:00.000000+00:00")]
    # Read back, the card is the same FSRS card.
    again = await repo.card(ALICE, "dropout")
    assert again.card.to_dict() == card.card.to_dict()


async def test_stored_cards_schedule_exactly_like_cards_kept_in_memory(repo):
    steps = [
        (Rating.Good, NOW),  # learning, step 1
        (Rating.Good, NOW + timedelta(minutes=10)),  # review
        (Rating.Again, NOW + timedelta(days=3)),  # relearning
        (Rating.Good, NOW + timedelta(days=3, minutes=10)),  # review again
        (Rating.Hard, NOW + timedelta(days=9, hours=5)),
    ]
    stored = await repo.rate(ALICE, "dropout", steps[0][0], steps[0][1], "answer")
    in_memory = review.review(review.new_card(NOW, card_id=stored.id), steps[0][0], steps[0][1])
    states = [stored.card.state]
    for rating, at in steps[1:]:
        stored = await repo.rate(ALICE, "dropout", rating, at, "review")
        in_memory = review.review(in_memory, rating, at)
        read_back = await repo.card(ALICE, "dropout")
        # Every field survives the database exactly (floats, microseconds, UTC), so FSRS's next step is the same.
        assert read_back.card.to_dict() == stored.card.to_dict() == in_memory.to_dict()
        assert read_back.due.tzinfo is UTC and read_back.card.last_review == at
        states.append(read_back.card.state)
    assert states == [State.Learning, State.Review, State.Relearning, State.Review, State.Review]
    assert stored.reps == len(steps)


async def test_ratings_move_the_card_through_fsrs(repo):
    await repo.rate(ALICE, "dropout", Rating.Good, NOW, "answer")
    graduated = await repo.rate(ALICE, "dropout", Rating.Good, NOW + timedelta(minutes=10), "review")
    assert graduated.card.state is State.Review and graduated.reps == 2
    assert graduated.due > NOW + timedelta(days=1)
    lapsed = await repo.rate(ALICE, "dropout", Rating.Again, graduated.due, "review")
    assert lapsed.card.state is State.Relearning
    assert lapsed.due == graduated.due + timedelta(minutes=10)


async def test_a_rating_applies_only_to_the_revision_shown(repo):
    card = await repo.rate(ALICE, "dropout", Rating.Again, NOW, "answer")
    later = NOW + timedelta(minutes=5)
    first = await repo.rate_card(card.id, ALICE, Rating.Good, later, expected_reps=card.reps)
    assert first is not None and first.reps == card.reps + 1
    # The same button clicked twice: the second click finds a newer revision and changes nothing.
    assert await repo.rate_card(card.id, ALICE, Rating.Easy, later, expected_reps=card.reps) is None
    assert (await repo.card(ALICE, "dropout")).card.to_dict() == first.card.to_dict()
    with pytest.raises(NotAllowed, match="isn't in your review deck"):
        await repo.rate_card(card.id, BOB, Rating.Good, later, expected_reps=first.reps)


async def test_adding_cards_keeps_existing_ones_unless_asked_to_make_them_due(repo):
    known = await repo.rate(ALICE, "dropout", Rating.Good, NOW, "answer")  # due in 10 minutes
    added = await repo.add_cards(ALICE, ["dropout", "batch-normalization", "batch-normalization"], NOW)
    assert added == 1
    assert (await repo.card(ALICE, "dropout")).due == known.due  # untouched
    fresh = await repo.card(ALICE, "batch-normalization")
    assert fresh.card.state is State.Learning and fresh.due == NOW and fresh.reps == 0
    assert await repo.add_cards(ALICE, ["dropout"], NOW, due_now=True) == 0
    made_due = await repo.card(ALICE, "dropout")
    assert made_due.due == NOW and made_due.reps == known.reps  # due now, memory kept


async def test_due_cards_in_order_and_summary(repo):
    for term in ("a", "b", "c", "d"):
        await repo.add_cards(ALICE, [term], NOW - timedelta(hours=1))
    await repo.rate(ALICE, "c", Rating.Again, NOW - timedelta(minutes=30), "answer")  # due 14:31
    await repo.rate(ALICE, "d", Rating.Good, NOW, "answer")  # due 15:40
    await repo.add_cards(BOB, ["a"], NOW)
    first = await repo.next_due(ALICE, NOW)
    assert first.term_id == "a"
    assert (await repo.next_due(ALICE, NOW, skip=["a", "b"])).term_id == "c"
    assert await repo.next_due(ALICE, NOW, skip=["a", "b", "c"]) is None
    summary = await repo.due_summary(ALICE, NOW)
    assert (summary.now, summary.today, summary.week, summary.total) == (3, 4, 4, 4)
    assert (await repo.due_summary(333, NOW)).total == 0


async def test_due_summary_counts_by_utc_day_and_iso_week(repo):
    dues = [
        NOW - timedelta(days=2),  # overdue
        NOW,  # due right now
        datetime(2026, 11, 18, 23, 59, 59, tzinfo=UTC),  # later today
        datetime(2026, 11, 19, tzinfo=UTC),  # tomorrow's first moment: not today
        datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=UTC),  # Sunday's last moment: this week
        datetime(2026, 11, 23, tzinfo=UTC),  # next Monday: not this week
    ]
    for n, due in enumerate(dues):
        await repo.add_cards(ALICE, [f"term-{n}"], due)
    summary = await repo.due_summary(ALICE, NOW)
    assert (summary.now, summary.today, summary.week, summary.total) == (2, 3, 5, 6)
