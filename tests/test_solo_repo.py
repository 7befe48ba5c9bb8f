"""Solo quiz sessions on a real migrated SQLite file: storing, answering, showing and timing out."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import quiz
from bot.core.errors import AlreadyAnswered, NotAllowed
from bot.core.quiz import NotShown, QuizEnded
from bot.repos.solo import SoloRepo

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
ALICE, BOB, CAI = 111, 222, 333
GUILD = 9001


@pytest.fixture
def repo(db):
    return SoloRepo(db)


async def _session(repo, library, count=3, user=ALICE):
    questions = quiz.build_questions(library, library.chapters["deep-learning:5"], count, "mixed", random.Random(5))
    session, _ = await repo.create_session(
        user_id=user, guild_id=GUILD, chapter_key="deep-learning:5", mode="mixed", questions=questions, now=NOW
    )
    return session


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
    for unseen in (1, 2):  # the next question is not shown until "Next", the one after it even less
        with pytest.raises(NotShown, match="isn't on your screen yet"):
            await repo.answer(session.id, ALICE, unseen, 0, NOW + timedelta(seconds=13))
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
    also_idle = await _session(repo, library, user=CAI)
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


async def test_a_new_session_ends_the_members_live_one_and_no_one_elses(repo, library):
    first = await _session(repo, library)
    theirs = await _session(repo, library, user=BOB)
    await repo.answer(first.id, ALICE, 0, 0, NOW + timedelta(seconds=5))
    questions = quiz.build_questions(library, None, 2, "definition", random.Random(6))
    later = NOW + timedelta(minutes=1)
    second, ended = await repo.create_session(
        user_id=ALICE, guild_id=GUILD, chapter_key=None, mode="definition", questions=questions, now=later
    )
    assert ended == [first.id] and second.status == "active"
    replaced = await repo.session(first.id)
    assert (replaced.status, replaced.ended_at, replaced.answered) == ("timed_out", later, 1)
    assert (await repo.session(theirs.id)).status == "active"
    with pytest.raises(QuizEnded):
        await repo.answer(first.id, ALICE, 1, 0, later)
