"""The queries behind /stats on a real migrated SQLite file: activity per day, points and accuracy."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from fsrs import Rating

from bot.core import quiz
from bot.repos.review import ReviewRepo
from bot.repos.scores import ScoreEvent, insert_score
from bot.repos.solo import SoloRepo
from bot.repos.stats import Points, StatsRepo

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
ALICE, BOB = 111, 222
GUILD, OTHER_GUILD = 9001, 9002


async def test_activity_counts_scored_answers_here_and_practice_anywhere(library, db):
    stats, solo, cards = StatsRepo(db), SoloRepo(db), ReviewRepo(db)
    day1, day2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
    async with db.transaction() as conn:
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:1", 10, True, day1))
        await insert_score(conn, ScoreEvent(GUILD, ALICE, "daily", "post:2", 0, False, day2))
        await insert_score(conn, ScoreEvent(OTHER_GUILD, ALICE, "daily", "post:3", 10, True, day2))  # elsewhere
        await insert_score(conn, ScoreEvent(GUILD, BOB, "daily", "post:1", 10, True, day1))  # someone else
    questions = quiz.build_questions(library, library.chapters["deep-learning:5"], 3, "mixed", random.Random(5))
    session, _ = await solo.create_session(
        user_id=ALICE, guild_id=GUILD, chapter_key="deep-learning:5", mode="mixed", questions=questions, now=NOW
    )
    await solo.answer(session.id, ALICE, 0, 0, NOW)
    card = await cards.rate(ALICE, "dropout", Rating.Good, day2, "answer")  # from an answer: not counted twice
    await cards.rate_card(card.id, ALICE, Rating.Good, day2, expected_reps=card.reps)
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
