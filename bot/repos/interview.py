"""Mock interview storage: interviews, the seats that keep a member in one at a time, questions, answers, marks.

Every write that checks a rule (whose turn, which question is open, whether the interview is still on) reads and
writes in one transaction, so two clicks can never both move an interview on. The rules themselves (deadlines,
when an interview expires) come from `bot.core.interview`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from bot.core import interview as rules
from bot.core.errors import NotAllowed
from bot.core.interview import (
    AlreadyInInterview,
    AnswerKind,
    EndReason,
    InterviewOver,
    InterviewQuestion,
    Kind,
    NotCurrent,
    QuestionResult,
    State,
)
from bot.db import Connection, Database, Row, from_iso, utc_iso
from bot.repos import row_to


def _time(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)


def _indexes(text: str | None) -> tuple[int, ...] | None:
    return None if text is None else tuple(json.loads(text))


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """One question of an interview, with its answer and marks once given."""

    position: int
    ref: str
    chapter_key: str | None
    points: int
    message_id: int | None
    shown_at: datetime | None
    deadline: datetime | None
    answer_kind: AnswerKind | None
    answer_text: str | None
    answered_at: datetime | None
    hint: tuple[int, ...] | None
    covered: tuple[int, ...] | None
    marked_at: datetime | None

    @property
    def answered(self) -> bool:
        """Tell whether it has an answer (or timed out)."""
        return self.answer_kind is not None

    @property
    def marked(self) -> bool:
        """Tell whether its marks are confirmed."""
        return self.marked_at is not None

    @property
    def seconds(self) -> float | None:
        """Return the answer time: from shown to answered (the deadline for a time-out); None until answered."""
        if self.shown_at is None or self.answered_at is None:
            return None
        return max(0.0, (self.answered_at - self.shown_at).total_seconds())

    @property
    def selected(self) -> tuple[int, ...]:
        """Return the points marked so far: the member's marks, else the hint, else none."""
        return self.covered if self.covered is not None else self.hint or ()

    def result(self) -> QuestionResult:
        """Return the question as the scorecard sees it."""
        covered = len(self.covered or ()) if self.marked else None
        return QuestionResult(
            self.position, self.ref, self.chapter_key, self.points, covered, self.seconds, self.answer_kind
        )


@dataclass(frozen=True, slots=True)
class Interview:
    """A mock interview with its questions."""

    id: int
    kind: Kind
    guild_id: int | None
    channel_id: int | None
    thread_id: int | None
    invite_message_id: int | None
    host_id: int
    candidate_id: int
    interviewer_id: int | None
    chapter_key: str | None
    minutes: int
    state: State
    end_reason: EndReason | None
    ended_by: int | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    expires_at: datetime | None
    questions: tuple[AskedQuestion, ...]

    @property
    def total(self) -> int:
        """Return the number of questions."""
        return len(self.questions)

    @property
    def current(self) -> AskedQuestion | None:
        """Return the open question: the first one not marked (None when all are)."""
        return next((q for q in self.questions if not q.marked), None)

    @property
    def members(self) -> tuple[int, ...]:
        """Return the candidate, and the interviewer of a pair interview."""
        return (self.candidate_id,) if self.interviewer_id is None else (self.candidate_id, self.interviewer_id)

    @property
    def invited_id(self) -> int:
        """Return who must accept a pair invitation: the member who did not send it."""
        return next(m for m in self.members if m != self.host_id)

    @property
    def marker_id(self) -> int:
        """Return who marks the key points: the interviewer, or the candidate of a solo interview."""
        return self.interviewer_id if self.interviewer_id is not None else self.candidate_id

    def results(self) -> tuple[QuestionResult, ...]:
        """Return every question as the scorecard sees it."""
        return tuple(q.result() for q in self.questions)


@dataclass(frozen=True, slots=True)
class PastInterview:
    """One ended interview of a member's history, with its coverage over the marked questions."""

    id: int
    kind: Kind
    candidate_id: int
    interviewer_id: int | None
    ended_at: datetime
    end_reason: EndReason
    total: int
    marked: int
    covered: int
    points: int

    @property
    def share(self) -> float:
        """Return the share of key points covered over the marked questions."""
        return self.covered / self.points


class InterviewRepo:
    """Mock interviews."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- creating and reading ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        kind: Kind,
        host_id: int,
        candidate_id: int,
        interviewer_id: int | None,
        guild_id: int | None,
        channel_id: int | None,
        chapter_key: str | None,
        minutes: int,
        questions: Sequence[InterviewQuestion],
        now: datetime,
    ) -> Interview:
        """Store a new interview and take its members' seats.

        A solo interview starts at once with its first question shown `now`; a pair interview waits for the
        invited member. Raises `AlreadyInInterview` (naming the member in `user_id`) when one of them is busy.
        """
        members = [candidate_id] if interviewer_id is None else [candidate_id, interviewer_id]
        stamp = utc_iso(now)
        solo = kind == "solo"
        async with self.db.transaction() as conn:
            async with conn.execute(
                f"SELECT user_id FROM interview_seats WHERE user_id IN ({', '.join('?' for _ in members)})", members
            ) as cursor:
                busy = await cursor.fetchone()
            if busy is not None:
                raise AlreadyInInterview(busy["user_id"])
            if solo:
                expires = rules.expires_at(rules.deadline(now, minutes), now, minutes)
            else:
                expires = rules.invitation_expires(now)
            async with conn.execute(
                "INSERT INTO interviews (kind, guild_id, channel_id, host_id, candidate_id, interviewer_id,"
                " chapter_key, minutes, state, created_at, started_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    kind,
                    guild_id,
                    channel_id,
                    host_id,
                    candidate_id,
                    interviewer_id,
                    chapter_key,
                    minutes,
                    "active" if solo else "invited",
                    stamp,
                    stamp if solo else None,
                    utc_iso(expires),
                ),
            ) as cursor:
                created = await cursor.fetchone()
            assert created is not None  # an INSERT … RETURNING returns the row it inserted
            interview_id = created["id"]
            # The seats were checked free above, inside this transaction; their primary key is the last word.
            await conn.executemany(
                "INSERT INTO interview_seats (user_id, interview_id) VALUES (?, ?)",
                [(member, interview_id) for member in members],
            )
            await conn.executemany(
                "INSERT INTO interview_questions (interview_id, position, ref, chapter_key, points)"
                " VALUES (?, ?, ?, ?, ?)",
                [(interview_id, n, q.ref, q.chapter_key, len(q.points)) for n, q in enumerate(questions)],
            )
            if solo:
                await _show(conn, interview_id, 0, minutes, now)
            return await _require(conn, interview_id)

    async def interview(self, interview_id: int) -> Interview | None:
        """Return an interview with its questions, through the write connection.

        For a read right after the caller's own write (a catch-up, a new thread), which it is sure to see: it waits
        behind writes queued on that connection. A lookup before any write of the caller uses `lookup`.
        """
        return _interview_from_rows(
            await self.db.fetchone(_INTERVIEW_SQL, (interview_id,)),
            await self.db.fetchall(_QUESTIONS_SQL, (interview_id,)),
        )

    async def lookup(self, interview_id: int) -> Interview | None:
        """Return an interview with its questions from the read-only connection, which never waits for a write.

        Its two queries are not one snapshot: a step committed between them may show in the questions and not in
        the interview's row. A caller decides nothing final on it; every write checks its rules again in its own
        transaction.
        """
        return _interview_from_rows(
            await self.db.read_fetchone(_INTERVIEW_SQL, (interview_id,)),
            await self.db.read_fetchall(_QUESTIONS_SQL, (interview_id,)),
        )

    async def active_of(self, user_id: int) -> Interview | None:
        """Return the interview a member is in (invited counts), if any (read-only connection)."""
        row = await self.db.read_fetchone("SELECT interview_id FROM interview_seats WHERE user_id = ?", (user_id,))
        return None if row is None else await self.lookup(row["interview_id"])

    # -- pair invitations and messages ---------------------------------------------------------------------

    async def set_invitation(self, interview_id: int, message_id: int) -> None:
        """Remember the invitation's message (in the interview's channel)."""
        await self.db.execute("UPDATE interviews SET invite_message_id = ? WHERE id = ?", (message_id, interview_id))

    async def set_thread(self, interview_id: int, thread_id: int) -> None:
        """Remember the thread a pair interview runs in."""
        await self.db.execute("UPDATE interviews SET thread_id = ? WHERE id = ?", (thread_id, interview_id))

    async def set_question_message(self, interview_id: int, position: int, message_id: int) -> None:
        """Remember a question's message in the thread."""
        await self.db.execute(
            "UPDATE interview_questions SET message_id = ? WHERE interview_id = ? AND position = ?",
            (message_id, interview_id, position),
        )

    async def accept(self, interview_id: int, user_id: int, now: datetime) -> Interview:
        """Start a pair interview: the invited member accepted; the first question is shown `now`.

        Raises `NotAllowed` for anyone but the invited member and `InterviewOver` when the invitation is gone.
        """
        async with self.db.transaction() as conn:
            interview = await _load(conn, interview_id)
            if interview is None or interview.state != "invited":
                raise InterviewOver("This invitation is no longer open.")
            if user_id != interview.invited_id:
                raise NotAllowed("This invitation is for someone else.")
            await conn.execute(
                "UPDATE interviews SET state = 'active', started_at = ? WHERE id = ?", (utc_iso(now), interview_id)
            )
            await _show(conn, interview_id, 0, interview.minutes, now)
            return await _require(conn, interview_id)

    # -- answering and marking -----------------------------------------------------------------------------

    async def answer(
        self,
        interview_id: int,
        user_id: int,
        position: int,
        now: datetime,
        *,
        kind: AnswerKind,
        text: str | None = None,
        hint: Sequence[int] = (),
    ) -> Interview:
        """Record the answer to the open question (once: a repeat changes nothing), and return the interview.

        A written answer still replaces a time-out that has not been marked: a member who was writing when time
        ran out keeps their text. Raises `InterviewOver`, `NotAllowed` (not the member who marks) and
        `NotCurrent` (not the open question).
        """
        async with self.db.transaction() as conn:
            interview = await _open(conn, interview_id, user_id, position)
            asked = interview.questions[position]
            late_text = kind == "written" and asked.answer_kind == "timeout"
            if asked.answered and not late_text:
                return interview
            await conn.execute(
                "UPDATE interview_questions SET answer_kind = ?, answer_text = ?, answered_at = ?, hint = ?"
                " WHERE interview_id = ? AND position = ?",
                (kind, text, utc_iso(now), json.dumps(sorted(hint)) if hint else None, interview_id, position),
            )
            await _touch(conn, interview, asked, now)
            return await _require(conn, interview_id)

    async def mark(
        self, interview_id: int, user_id: int, position: int, covered: Sequence[int], now: datetime
    ) -> Interview:
        """Set which points of the open question were covered (the question must have its answer)."""
        async with self.db.transaction() as conn:
            interview = await _open(conn, interview_id, user_id, position)
            asked = interview.questions[position]
            if not asked.answered:
                raise NotCurrent("Answer the question first, then mark the key points.")
            marks = sorted({c for c in covered if 0 <= c < asked.points})
            await conn.execute(
                "UPDATE interview_questions SET covered = ? WHERE interview_id = ? AND position = ?",
                (json.dumps(marks), interview_id, position),
            )
            await _touch(conn, interview, asked, now)
            return await _require(conn, interview_id)

    async def confirm(self, interview_id: int, user_id: int, position: int, now: datetime) -> Interview:
        """Confirm the open question's marks (the hint's, if none were changed), then show the next question.

        After the last question the interview is finished and its seats are freed.
        """
        async with self.db.transaction() as conn:
            interview = await _open(conn, interview_id, user_id, position)
            if not interview.questions[position].answered:
                raise NotCurrent("Answer the question first, then mark the key points.")
            stamp = utc_iso(now)
            await conn.execute(
                "UPDATE interview_questions SET covered = COALESCE(covered, hint, '[]'), marked_at = ?"
                " WHERE interview_id = ? AND position = ?",
                (stamp, interview_id, position),
            )
            if position + 1 < interview.total:
                await _show(conn, interview_id, position + 1, interview.minutes, now)
            else:
                await _end(conn, interview_id, "finished", None, now)
            return await _require(conn, interview_id)

    # -- ending ----------------------------------------------------------------------------------------------

    async def end(self, interview_id: int, user_id: int, now: datetime) -> Interview:
        """End an interview at a member's request: declines (or withdraws) an invitation, or stops a running one."""
        async with self.db.transaction() as conn:
            interview = await _load(conn, interview_id)
            if interview is None or interview.state == "ended":
                raise InterviewOver()
            if user_id not in interview.members:
                raise NotAllowed("Only the two members of this interview can end it.")
            await _end(conn, interview_id, "declined" if interview.state == "invited" else "ended", user_id, now)
            return await _require(conn, interview_id)

    async def time_out(self, now: datetime, *, interview_id: int | None = None) -> list[int]:
        """Close the open questions whose deadline passed unanswered (all, or one interview's); return the interviews.

        A timed-out question counts as answered at its deadline and waits for its marks.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT q.interview_id, q.position, q.deadline, i.minutes FROM interview_questions AS q"
                " JOIN interviews AS i ON i.id = q.interview_id"
                " WHERE q.answered_at IS NULL AND q.deadline <= :now AND i.state = 'active'"
                " AND (CAST(:interview_id AS BIGINT) IS NULL OR q.interview_id = :interview_id)",
                {"now": utc_iso(now), "interview_id": interview_id},
            ) as cursor:
                due = list(await cursor.fetchall())
            for row in due:
                await conn.execute(
                    "UPDATE interview_questions SET answer_kind = 'timeout', answered_at = deadline"
                    " WHERE interview_id = ? AND position = ?",
                    (row["interview_id"], row["position"]),
                )
                deadline = from_iso(row["deadline"])
                expires = rules.expires_at(deadline, deadline, row["minutes"])
                await conn.execute(
                    "UPDATE interviews SET expires_at = ? WHERE id = ?", (utc_iso(expires), row["interview_id"])
                )
        return sorted(row["interview_id"] for row in due)

    async def expire(self, now: datetime, *, interview_id: int | None = None) -> list[Interview]:
        """End the interviews past their expiry (all, or one): invitations lapse, abandoned interviews end."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id, state FROM interviews WHERE state <> 'ended' AND expires_at <= :now"
                " AND (CAST(:interview_id AS BIGINT) IS NULL OR id = :interview_id) ORDER BY id",
                {"now": utc_iso(now), "interview_id": interview_id},
            ) as cursor:
                rows = list(await cursor.fetchall())
            ended = []
            for row in rows:
                await _end(conn, row["id"], "lapsed" if row["state"] == "invited" else "abandoned", None, now)
                ended.append(await _require(conn, row["id"]))
        return ended

    # -- history ---------------------------------------------------------------------------------------------

    async def history(self, user_id: int, limit: int | None = 20) -> list[PastInterview]:
        """Return a member's latest ended interviews as the candidate with a marked question, oldest first.

        Coverage is summed here rather than in SQL: the marks are stored as a JSON list. One query on the read-only
        connection: it never waits behind a write, and an ended interview no longer changes.
        """
        latest = (
            "SELECT s.id FROM interviews AS s WHERE s.candidate_id = :user_id AND s.state = 'ended' AND EXISTS"
            " (SELECT 1 FROM interview_questions AS m WHERE m.interview_id = s.id AND m.marked_at IS NOT NULL)"
            " ORDER BY s.ended_at DESC, s.id DESC" + ("" if limit is None else " LIMIT :limit")
        )
        rows = await self.db.read_fetchall(
            "SELECT i.id, i.kind, i.candidate_id, i.interviewer_id, i.ended_at, i.end_reason, q.points, q.covered,"
            " q.marked_at FROM interviews AS i JOIN interview_questions AS q ON q.interview_id = i.id"
            f" WHERE i.id IN ({latest}) ORDER BY i.ended_at, i.id, q.position",
            {"user_id": user_id, "limit": limit},
        )
        past = []
        for _, group in groupby(rows, key=lambda row: row["id"]):
            questions = list(group)
            marked = [q for q in questions if q["marked_at"] is not None]
            first = questions[0]
            past.append(
                PastInterview(
                    id=first["id"],
                    kind=first["kind"],
                    candidate_id=first["candidate_id"],
                    interviewer_id=first["interviewer_id"],
                    ended_at=from_iso(first["ended_at"]),
                    end_reason=first["end_reason"],
                    total=len(questions),
                    marked=len(marked),
                    covered=sum(len(_indexes(q["covered"]) or ()) for q in marked),
                    points=sum(q["points"] for q in marked),
                )
            )
        return past

    async def summary(self, user_id: int) -> rules.InterviewSummary:
        """Count a member's mock interviews (as the candidate, with a marked question) and average their coverage."""
        return rules.summarize([past.share for past in await self.history(user_id, limit=None)])


async def _show(conn: Connection, interview_id: int, position: int, minutes: int, now: datetime) -> None:
    """Put a question to the candidate `now`: its deadline starts, and so does the interview's expiry."""
    deadline = rules.deadline(now, minutes)
    await conn.execute(
        "UPDATE interview_questions SET shown_at = ?, deadline = ? WHERE interview_id = ? AND position = ?",
        (utc_iso(now), utc_iso(deadline), interview_id, position),
    )
    expires = rules.expires_at(deadline, now, minutes)
    await conn.execute("UPDATE interviews SET expires_at = ? WHERE id = ?", (utc_iso(expires), interview_id))


async def _touch(conn: Connection, interview: Interview, asked: AskedQuestion, now: datetime) -> None:
    """Push the interview's expiry after a member's step on its open question."""
    assert asked.deadline is not None
    expires = rules.expires_at(asked.deadline, now, interview.minutes)
    await conn.execute("UPDATE interviews SET expires_at = ? WHERE id = ?", (utc_iso(expires), interview.id))


async def _end(conn: Connection, interview_id: int, reason: EndReason, user_id: int | None, now: datetime) -> None:
    """End an interview and free its members' seats."""
    await conn.execute(
        "UPDATE interviews SET state = 'ended', end_reason = ?, ended_by = ?, ended_at = ?, expires_at = NULL"
        " WHERE id = ?",
        (reason, user_id, utc_iso(now), interview_id),
    )
    await conn.execute("DELETE FROM interview_seats WHERE interview_id = ?", (interview_id,))


def check_turn(interview: Interview, user_id: int, position: int) -> AskedQuestion:
    """Return question `position` if it is a running interview's open question and `user_id` marks it, or refuse."""
    if interview.state != "active":
        raise InterviewOver()
    if user_id != interview.marker_id:
        if interview.kind == "pair":
            raise NotAllowed("Only the interviewer marks the key points.")
        raise NotAllowed("This interview belongs to someone else; start your own with `/interview start`.")
    current = interview.current
    if current is None or current.position != position:
        raise NotCurrent()
    return current


async def _open(conn: Connection, interview_id: int, user_id: int, position: int) -> Interview:
    """Return a running interview whose open question is `position` and whose marker is `user_id`, or refuse."""
    interview = await _load(conn, interview_id)
    if interview is None:
        raise InterviewOver()
    check_turn(interview, user_id, position)
    return interview


_INTERVIEW_SQL = "SELECT * FROM interviews WHERE id = ?"
_QUESTIONS_SQL = "SELECT * FROM interview_questions WHERE interview_id = ? ORDER BY position"


async def _load(conn: Connection, interview_id: int) -> Interview | None:
    """Read an interview and its questions inside the caller's transaction."""
    async with conn.execute(_INTERVIEW_SQL, (interview_id,)) as cursor:
        row = await cursor.fetchone()
    async with conn.execute(_QUESTIONS_SQL, (interview_id,)) as cursor:
        questions = list(await cursor.fetchall())
    return _interview_from_rows(row, questions)


async def _require(conn: Connection, interview_id: int) -> Interview:
    """Read an interview that must exist (inside the caller's transaction)."""
    interview = await _load(conn, interview_id)
    assert interview is not None
    return interview


def _interview_from_rows(row: Row | None, questions: Sequence[Row]) -> Interview | None:
    """Build an interview from its row and its question rows."""
    if row is None:
        return None
    asked = tuple(
        row_to(
            AskedQuestion,
            q,
            shown_at=_time(q["shown_at"]),
            deadline=_time(q["deadline"]),
            answered_at=_time(q["answered_at"]),
            hint=_indexes(q["hint"]),
            covered=_indexes(q["covered"]),
            marked_at=_time(q["marked_at"]),
        )
        for q in questions
    )
    return row_to(
        Interview,
        row,
        created_at=from_iso(row["created_at"]),
        started_at=_time(row["started_at"]),
        ended_at=_time(row["ended_at"]),
        expires_at=_time(row["expires_at"]),
        questions=asked,
    )
