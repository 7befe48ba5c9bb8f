"""Practice storage on a real migrated SQLite file: review cards and logs, solo sessions, stats queries."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Rating, State

from bot.core import quiz, review
from bot.core.errors import AlreadyAnswered, NotAllowed
from bot.core.quiz import QuizEnded
from bot.repos.practice import PracticeRepo
from bot.repos.scores import ScoreEvent, insert_score
from bot.repos.stats import Points, StatsRepo

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
ALICE, BOB = 111, 222
GUILD, OTHER_GUILD = 9001, 9002


@pytest.fixture
def repo(db):
    return PracticeRepo(db)


# -- review cards ---------------------------------------------------------------------------------------------


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


# -- solo sessions --------------------------------------------------------------------------------------------


async def _session(repo, library, count=3, user=ALICE):
    questions = quiz.build_questions(library, library.chapters["deep-learning:5"], count, "mixed", random.Random(5))
    return await repo.create_session(
        user_id=user, guild_id=GUILD, chapter_key="deep-learning:5", mode="mixed", questions=questions, now=NOW
    )


async def test_session_is_stored_with_its_questions(repo, library):
    session = await _session(repo, library)
    assert session.status == "active" and session.total == 3 and session.answered == 0
    assert session.questions[0].shown_at == NOW and session.questions[1].shown_at is None
    again = await repo.session(session.id)
    assert again == session
    assert await repo.session(session.id + 100) is None


async def test_answers_are_recorded_with_elapsed_time_and_finish_the_session(repo, library, db):
    session = await _session(repo, library)
    first = session.questions[0].question
    wrong = (first.answer + 1) % 4
    session, answered = await repo.answer(session.id, ALICE, 0, wrong, NOW + timedelta(seconds=12))
    assert answered.correct is False and answered.elapsed == 12.0 and session.status == "active"
    with pytest.raises(AlreadyAnswered):
        await repo.answer(session.id, ALICE, 0, first.answer, NOW + timedelta(seconds=13))
    with pytest.raises(AlreadyAnswered, match="isn't open yet"):
        await repo.answer(session.id, ALICE, 2, 0, NOW + timedelta(seconds=13))
    with pytest.raises(NotAllowed, match="belongs to someone else"):
        await repo.answer(session.id, BOB, 1, 0, NOW + timedelta(seconds=13))
    session = await repo.show(session.id, ALICE, 1, NOW + timedelta(seconds=30))
    session = await repo.show(session.id, ALICE, 1, NOW + timedelta(seconds=40))  # a double click on "Next"
    assert session.questions[1].shown_at == NOW + timedelta(seconds=30)
    session, answered = await repo.answer(
        session.id, ALICE, 1, session.questions[1].question.answer, NOW + timedelta(seconds=35)
    )
    assert answered.correct is True and answered.elapsed == 5.0
    await repo.show(session.id, ALICE, 2, NOW + timedelta(seconds=40))
    session, _ = await repo.answer(
        session.id, ALICE, 2, session.questions[2].question.answer, NOW + timedelta(minutes=1)
    )
    assert session.status == "finished" and session.ended_at == NOW + timedelta(minutes=1)
    result = session.score()
    assert (result.right, result.total, result.missed) == (2, 3, (first.term_id,))
    with pytest.raises(QuizEnded, match="has ended"):
        await repo.answer(session.id, ALICE, 2, 0, NOW + timedelta(minutes=2))
    rows = await db.fetchall("SELECT position, choice, correct, elapsed FROM solo_questions ORDER BY position")
    assert [tuple(r) for r in rows] == [
        (0, wrong, 0, 12.0),
        (1, session.questions[1].question.answer, 1, 5.0),
        (2, session.questions[2].question.answer, 1, 20.0),
    ]


async def test_idle_sessions_time_out_and_keep_their_answers(repo, library):
    idle = await _session(repo, library)
    also_idle = await _session(repo, library)
    busy = await _session(repo, library, user=BOB)
    await repo.answer(idle.id, ALICE, 0, 0, NOW + timedelta(seconds=5))
    await repo.answer(busy.id, BOB, 0, 0, NOW + timedelta(seconds=500))
    later = NOW + timedelta(seconds=610)
    cutoff = later - timedelta(seconds=600)
    assert await repo.expire_idle(cutoff, later, session_id=busy.id) == []  # one session: not idle yet
    assert await repo.expire_idle(cutoff, later, session_id=idle.id) == [idle.id]  # one session only
    assert (await repo.session(also_idle.id)).status == "active"
    assert await repo.expire_idle(cutoff, later) == [also_idle.id]  # every idle one
    assert await repo.expire_idle(cutoff, later) == []  # only once
    timed_out = await repo.session(idle.id)
    assert timed_out.status == "timed_out" and timed_out.ended_at == later and timed_out.answered == 1
    assert (await repo.session(busy.id)).status == "active"
    with pytest.raises(QuizEnded):
        await repo.show(idle.id, ALICE, 1, later)


# -- stats queries --------------------------------------------------------------------------------------------


async def test_activity_counts_scored_answers_here_and_practice_anywhere(repo, library, db):
    stats = StatsRepo(db)
    day1, day2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
    async with db.transaction() as conn:
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:1", 10, True, day1))
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:2", 0, False, day2))
        await insert_score(conn, ScoreEvent(OTHER_GUILD, ALICE, "daily", "post:3", 10, True, day2))  # elsewhere
        await insert_score(conn, ScoreEvent(GUILD, BOB, "daily", "post:1", 10, True, day1))  # someone else
    session = await _session(repo, library)
    await repo.answer(session.id, ALICE, 0, 0, NOW)
    card = await repo.rate(ALICE, "dropout", Rating.Good, day2, "answer")  # from an answer: not counted twice
    await repo.rate_card(card.id, ALICE, Rating.Good, day2, expected_reps=card.reps)
    activity = await stats.activity(GUILD, ALICE, NOW - timedelta(days=84))
    assert activity == {date(2026, 11, 16): 1, date(2026, 11, 17): 2, date(2026, 11, 18): 1}
    assert await stats.activity(GUILD, ALICE, NOW - timedelta(hours=1)) == {date(2026, 11, 18): 1}


async def test_points_and_accuracy_come_from_this_server_only(db):
    stats = StatsRepo(db)
    async with db.transaction() as conn:
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:1", 10, True, NOW))
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:2", 0, False, NOW))
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "battle", "battle:1:1", 3, True, NOW))
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:4", 2, None, NOW))  # open question
        await insert_score(conn, ScoreEvent(OTHER_GUILD, ALICE, "daily", "post:3", 10, True, NOW))
    points = await stats.points(GUILD, ALICE)
    assert (points.points, points.correct, points.graded) == (15, 2, 3)
    assert await stats.points(GUILD, BOB) == Points(0, 0, 0)
