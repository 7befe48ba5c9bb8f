"""Mock interview storage on a real migrated SQLite file: seats, turns, answers, marks, time-outs, history."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import interview as iv
from bot.core.errors import NotAllowed
from bot.core.interview import AlreadyInInterview, InterviewOver, NotCurrent
from bot.repos.interview import InterviewRepo

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
ALICE, BOB, CAROL = 111, 222, 333
GUILD, CHANNEL = 9001, 9100


@pytest.fixture
def repo(db):
    return InterviewRepo(db)


@pytest.fixture
def questions(library):
    return iv.pick_questions(library, None, 3, random.Random(5))


async def solo(repo, questions, user=ALICE, minutes=3, now=NOW):
    return await repo.create(
        kind="solo",
        host_id=user,
        candidate_id=user,
        interviewer_id=None,
        guild_id=GUILD,
        channel_id=CHANNEL,
        chapter_key=None,
        minutes=minutes,
        questions=questions,
        now=now,
    )


async def pair(repo, questions, candidate=ALICE, interviewer=BOB, minutes=3, now=NOW):
    return await repo.create(
        kind="pair",
        host_id=candidate,
        candidate_id=candidate,
        interviewer_id=interviewer,
        guild_id=GUILD,
        channel_id=CHANNEL,
        chapter_key=None,
        minutes=minutes,
        questions=questions,
        now=now,
    )


async def test_a_solo_interview_starts_with_its_first_question_shown(repo, questions):
    interview = await solo(repo, questions)
    assert (interview.kind, interview.state, interview.total) == ("solo", "active", 3)
    assert [q.ref for q in interview.questions] == [q.ref for q in questions]
    assert [q.points for q in interview.questions] == [len(q.points) for q in questions]
    first = interview.current
    assert first is interview.questions[0]
    assert (first.shown_at, first.deadline) == (NOW, NOW + timedelta(minutes=3))
    assert interview.questions[1].shown_at is None
    assert interview.expires_at == NOW + timedelta(minutes=6)
    assert interview.marker_id == ALICE and interview.members == (ALICE,)
    assert (await repo.active_of(ALICE)).id == interview.id


async def test_a_written_answer_keeps_its_text_and_hint_and_marks_start_from_the_hint(repo, questions):
    interview = await solo(repo, questions)
    later = NOW + timedelta(seconds=95)
    interview = await repo.answer(interview.id, ALICE, 0, later, kind="written", text="my answer", hint=[2, 0])
    asked = interview.questions[0]
    assert (asked.answer_kind, asked.answer_text, asked.hint, asked.covered) == ("written", "my answer", (0, 2), None)
    assert asked.seconds == 95.0 and asked.selected == (0, 2)
    # A second submit (a double click) changes nothing.
    again = await repo.answer(interview.id, ALICE, 0, later + timedelta(seconds=5), kind="spoken")
    assert again.questions[0] == asked

    marked = await repo.mark(interview.id, ALICE, 0, [1, 2, 2, 99], later)
    assert marked.questions[0].covered == (1, 2)  # deduplicated, out-of-range dropped
    assert marked.questions[0].selected == (1, 2)
    moved = await repo.confirm(interview.id, ALICE, 0, later + timedelta(seconds=10))
    assert moved.questions[0].marked and moved.questions[0].covered == (1, 2)
    assert moved.current.position == 1 and moved.current.shown_at == later + timedelta(seconds=10)


async def test_confirming_untouched_marks_takes_the_hint_and_the_last_one_finishes(repo, library):
    questions = iv.pick_questions(library, None, 2, random.Random(1))
    interview = await solo(repo, questions)
    await repo.answer(interview.id, ALICE, 0, NOW, kind="written", text="x", hint=[1])
    interview = await repo.confirm(interview.id, ALICE, 0, NOW)
    assert interview.questions[0].covered == (1,)
    await repo.answer(interview.id, ALICE, 1, NOW, kind="spoken")
    finished = await repo.confirm(interview.id, ALICE, 1, NOW + timedelta(minutes=1))
    assert finished.questions[1].covered == ()  # spoken, nothing marked: nothing covered
    assert (finished.state, finished.end_reason, finished.ended_at) == ("ended", "finished", NOW + timedelta(minutes=1))
    assert finished.expires_at is None
    assert await repo.active_of(ALICE) is None  # the seat is free again
    with pytest.raises(InterviewOver):
        await repo.confirm(interview.id, ALICE, 1, NOW)


async def test_turns_are_refereed(repo, questions):
    interview = await solo(repo, questions)
    with pytest.raises(NotAllowed):
        await repo.answer(interview.id, BOB, 0, NOW, kind="spoken")
    with pytest.raises(NotCurrent):
        await repo.answer(interview.id, ALICE, 1, NOW, kind="spoken")
    with pytest.raises(NotCurrent, match="Answer the question first"):
        await repo.mark(interview.id, ALICE, 0, [0], NOW)
    with pytest.raises(NotCurrent, match="Answer the question first"):
        await repo.confirm(interview.id, ALICE, 0, NOW)
    with pytest.raises(InterviewOver):
        await repo.answer(999, ALICE, 0, NOW, kind="spoken")


async def test_one_interview_at_a_time(repo, questions):
    await solo(repo, questions, user=ALICE)
    with pytest.raises(AlreadyInInterview) as busy:
        await solo(repo, questions, user=ALICE)
    assert busy.value.user_id == ALICE
    with pytest.raises(AlreadyInInterview) as busy:
        await pair(repo, questions, candidate=CAROL, interviewer=ALICE)
    assert busy.value.user_id == ALICE
    # Carol and Bob are free: their invitation takes both seats, even before Bob accepts.
    await pair(repo, questions, candidate=CAROL, interviewer=BOB)
    with pytest.raises(AlreadyInInterview):
        await solo(repo, questions, user=BOB)


async def test_a_pair_invitation_is_accepted_by_the_invited_member_only(repo, questions):
    invited = await pair(repo, questions)
    assert (invited.state, invited.invited_id, invited.marker_id) == ("invited", BOB, BOB)
    assert invited.expires_at == NOW + timedelta(minutes=5)
    assert invited.current.shown_at is None
    with pytest.raises(NotAllowed):
        await repo.accept(invited.id, ALICE, NOW)
    later = NOW + timedelta(minutes=1)
    started = await repo.accept(invited.id, BOB, later)
    assert (started.state, started.started_at, started.current.shown_at) == ("active", later, later)
    with pytest.raises(InterviewOver):
        await repo.accept(invited.id, BOB, later)
    # Only the interviewer marks; the candidate cannot.
    with pytest.raises(NotAllowed, match="Only the interviewer"):
        await repo.answer(started.id, ALICE, 0, later, kind="spoken")
    await repo.answer(started.id, BOB, 0, later, kind="spoken")
    await repo.set_thread(started.id, 5555)
    await repo.set_question_message(started.id, 0, 6666)
    stored = await repo.interview(started.id)
    assert stored.thread_id == 5555 and stored.questions[0].message_id == 6666


async def test_either_member_ends_it_and_outsiders_cannot(repo, questions):
    invited = await pair(repo, questions)
    with pytest.raises(NotAllowed):
        await repo.end(invited.id, CAROL, NOW)
    declined = await repo.end(invited.id, BOB, NOW)
    assert (declined.state, declined.end_reason, declined.ended_by) == ("ended", "declined", BOB)
    running = await pair(repo, questions)
    await repo.accept(running.id, BOB, NOW)
    ended = await repo.end(running.id, ALICE, NOW)
    assert (ended.end_reason, ended.ended_by) == ("ended", ALICE)
    assert await repo.active_of(ALICE) is None and await repo.active_of(BOB) is None
    with pytest.raises(InterviewOver):
        await repo.end(running.id, ALICE, NOW)


async def test_deadlines_time_questions_out_and_a_late_written_answer_still_counts(repo, questions):
    interview = await solo(repo, questions, minutes=2)
    other = await solo(repo, questions, user=CAROL, minutes=5)
    assert await repo.time_out(NOW + timedelta(minutes=2) - timedelta(seconds=1)) == []
    assert await repo.time_out(NOW + timedelta(minutes=2)) == [interview.id]
    timed_out = (await repo.interview(interview.id)).questions[0]
    assert (timed_out.answer_kind, timed_out.answered_at) == ("timeout", NOW + timedelta(minutes=2))
    assert timed_out.seconds == 120.0
    assert await repo.time_out(NOW + timedelta(minutes=3)) == []  # done already; Carol's is not due yet
    assert (await repo.interview(other.id)).current.answer_kind is None

    late = NOW + timedelta(minutes=2, seconds=40)
    rewritten = await repo.answer(interview.id, ALICE, 0, late, kind="written", text="late", hint=[0])
    assert (rewritten.questions[0].answer_kind, rewritten.questions[0].seconds) == ("written", 160.0)
    # Spoken after a time-out changes nothing: it is answered already.
    again = await repo.answer(interview.id, ALICE, 0, late, kind="spoken")
    assert again.questions[0].answer_kind == "written"


async def test_invitations_lapse_and_abandoned_interviews_end(repo, questions):
    invited = await pair(repo, questions)
    running = await solo(repo, questions, user=CAROL, minutes=3)
    assert await repo.expire(NOW + timedelta(minutes=4, seconds=59)) == []
    lapsed = await repo.expire(NOW + timedelta(minutes=5))
    assert [(i.id, i.end_reason) for i in lapsed] == [(invited.id, "lapsed")]
    # Carol's question was due at 3 minutes; she is gone for 3 more.
    assert await repo.time_out(NOW + timedelta(minutes=3)) == [running.id]
    assert await repo.expire(NOW + timedelta(minutes=5, seconds=59)) == []
    (abandoned,) = await repo.expire(NOW + timedelta(minutes=6))
    assert (abandoned.id, abandoned.state, abandoned.end_reason) == (running.id, "ended", "abandoned")
    assert await repo.active_of(CAROL) is None


async def test_marking_late_pushes_the_expiry(repo, questions):
    interview = await solo(repo, questions, minutes=3)
    await repo.time_out(NOW + timedelta(minutes=3))
    step = NOW + timedelta(minutes=5)
    marked = await repo.mark(interview.id, ALICE, 0, [0], step)
    assert marked.expires_at == step + timedelta(minutes=3)
    assert await repo.expire(NOW + timedelta(minutes=6)) == []


async def test_history_and_summary_count_marked_interviews_as_the_candidate(repo, library):
    questions = iv.pick_questions(library, None, 2, random.Random(3))
    points = [len(q.points) for q in questions]
    # 1: both questions marked, 2 + 1 points covered.
    first = await solo(repo, questions)
    await repo.answer(first.id, ALICE, 0, NOW, kind="spoken")
    await repo.mark(first.id, ALICE, 0, [0, 1], NOW)
    await repo.confirm(first.id, ALICE, 0, NOW)
    await repo.answer(first.id, ALICE, 1, NOW, kind="spoken")
    await repo.mark(first.id, ALICE, 1, [0], NOW)
    await repo.confirm(first.id, ALICE, 1, NOW + timedelta(minutes=1))
    # 2: ended after one question with everything covered; the second question does not count.
    second = await solo(repo, questions, now=NOW + timedelta(hours=1))
    await repo.answer(second.id, ALICE, 0, NOW, kind="spoken")
    await repo.mark(second.id, ALICE, 0, range(points[0]), NOW)
    await repo.confirm(second.id, ALICE, 0, NOW)
    await repo.end(second.id, ALICE, NOW + timedelta(hours=1))
    # 3: ended before anything was marked: not in the history. 4: Alice interviewing Bob: Bob's history.
    third = await solo(repo, questions, now=NOW + timedelta(hours=2))
    await repo.end(third.id, ALICE, NOW + timedelta(hours=2))
    fourth = await pair(repo, questions, candidate=BOB, interviewer=ALICE)
    await repo.accept(fourth.id, ALICE, NOW)
    await repo.answer(fourth.id, ALICE, 0, NOW, kind="spoken")
    await repo.confirm(fourth.id, ALICE, 0, NOW)
    await repo.end(fourth.id, BOB, NOW + timedelta(hours=3))

    history = await repo.history(ALICE)
    assert [(h.id, h.end_reason, h.total, h.marked, h.covered, h.points) for h in history] == [
        (first.id, "finished", 2, 2, 3, sum(points)),
        (second.id, "ended", 2, 1, points[0], points[0]),
    ]
    assert history[1].share == 1.0
    assert [h.id for h in await repo.history(ALICE, limit=1)] == [second.id]  # the latest, oldest first
    summary = await repo.summary(ALICE)
    assert summary.done == 2
    assert summary.average == pytest.approx((3 / sum(points) + 1.0) / 2)
    bob = await repo.history(BOB)
    assert [(h.id, h.kind, h.interviewer_id, h.covered) for h in bob] == [(fourth.id, "pair", ALICE, 0)]
    assert (await repo.summary(CAROL)).done == 0
