"""Solo quiz sessions and their questions, with each answer and when it was given."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core import review
from bot.core.choices import MultipleChoice
from bot.core.errors import AlreadyAnswered, NotAllowed
from bot.core.quiz import NotShown, QuizEnded, Score, SessionMode, elapsed_seconds, score
from bot.core.shards import EVERY_SHARD, Shards
from bot.db import Connection, Database, Row, from_iso, utc_iso
from bot.repos import row_to

SessionStatus = Literal["active", "finished", "timed_out"]


def _time(text: str | None) -> datetime | None:
    return None if text is None else review.as_utc(from_iso(text))


@dataclass(frozen=True, slots=True)
class SoloQuestion:
    """One question of a solo session and, once answered, the answer."""

    position: int
    question: MultipleChoice
    shown_at: datetime | None
    choice: int | None
    correct: bool | None
    answered_at: datetime | None
    elapsed: float | None

    @property
    def answered(self) -> bool:
        """Whether the member has answered it."""
        return self.choice is not None


@dataclass(frozen=True, slots=True)
class SoloSession:
    """A solo quiz with its questions."""

    id: int
    user_id: int
    guild_id: int | None
    chapter_key: str | None
    mode: SessionMode
    status: SessionStatus
    started_at: datetime
    last_activity: datetime
    ended_at: datetime | None
    questions: tuple[SoloQuestion, ...]

    @property
    def total(self) -> int:
        """Return the number of questions."""
        return len(self.questions)

    @property
    def answered(self) -> int:
        """Return how many questions have an answer."""
        return sum(q.answered for q in self.questions)

    @property
    def current(self) -> SoloQuestion | None:
        """Return the first unanswered question (None when all are answered)."""
        return next((q for q in self.questions if not q.answered), None)

    def score(self) -> Score:
        """Return the score so far."""
        return score([(q.question.term_id, q.correct) for q in self.questions])


class SoloRepo:
    """Solo sessions and their questions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_session(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        chapter_key: str | None,
        mode: SessionMode,
        questions: Sequence[MultipleChoice],
        now: datetime,
    ) -> tuple[SoloSession, list[int]]:
        """Store a new session with all its questions (the first one counts as shown `now`); return it.

        A member has one live quiz: their sessions still active end here (as 'timed_out', answers kept), in the
        same transaction, and their ids come back beside the new session.
        """
        stamp = utc_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "UPDATE solo_sessions SET status = 'timed_out', ended_at = ? WHERE user_id = ? AND status = 'active'"
                " RETURNING id",
                (stamp, user_id),
            ) as cursor:
                ended = sorted(row["id"] for row in await cursor.fetchall())
            async with conn.execute(
                "INSERT INTO solo_sessions (user_id, guild_id, chapter_key, mode, total, started_at, last_activity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (user_id, guild_id, chapter_key, mode, len(questions), stamp, stamp),
            ) as cursor:
                created = await cursor.fetchone()
            assert created is not None  # an INSERT … RETURNING returns the row it inserted
            session_id = created["id"]
            await conn.executemany(
                "INSERT INTO solo_questions (session_id, position, term_id, mode, prompt, options, answer, shown_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (session_id, n, q.term_id, q.mode, q.prompt, json.dumps(q.options), q.answer, None)
                    for n, q in enumerate(questions)
                ],
            )
            await conn.execute(
                "UPDATE solo_questions SET shown_at = ? WHERE session_id = ? AND position = 0", (stamp, session_id)
            )
        session = await self.session(session_id)
        assert session is not None
        return session, ended

    async def session(self, session_id: int) -> SoloSession | None:
        """Return a session with its questions."""
        return _session_from_rows(await self.db.fetchall(_SESSION_SQL, (session_id,)))

    async def answer(
        self, session_id: int, user_id: int, position: int, choice: int, now: datetime
    ) -> tuple[SoloSession, SoloQuestion]:
        """Record the answer to the session's open question; finish the session after its last question.

        Raises `QuizEnded` when the session is over, `NotAllowed` for someone else's session and
        `AlreadyAnswered` when that question has its answer (a double click).
        """
        stamp = utc_iso(now)
        async with self.db.transaction() as conn:
            session = await _load_session(conn, session_id)
            _check_open(session, user_id)
            assert session is not None
            asked = session.questions[position] if 0 <= position < session.total else None
            if asked is None or asked.answered:
                raise AlreadyAnswered("You already answered that question.")
            if session.current is not asked or asked.shown_at is None:
                raise NotShown()  # only the question on screen counts: its answer time runs from when it was shown
            correct = choice == asked.question.answer
            await conn.execute(
                "UPDATE solo_questions SET choice = ?, correct = ?, answered_at = ?, elapsed = ?"
                " WHERE session_id = ? AND position = ? AND choice IS NULL",
                (choice, int(correct), stamp, elapsed_seconds(asked.shown_at, now), session_id, position),
            )
            last = position == session.total - 1
            await conn.execute(
                "UPDATE solo_sessions SET last_activity = ?, status = ?, ended_at = ? WHERE id = ?",
                (stamp, "finished" if last else "active", stamp if last else None, session_id),
            )
            updated = await _load_session(conn, session_id)
        assert updated is not None
        return updated, updated.questions[position]

    async def show(self, session_id: int, user_id: int, position: int, now: datetime) -> SoloSession:
        """Mark the question at `position` as shown `now` (once: a second click keeps the first time)."""
        stamp = utc_iso(now)
        async with self.db.transaction() as conn:
            session = await _load_session(conn, session_id)
            _check_open(session, user_id)
            assert session is not None
            if session.current is None or session.current.position != position:
                raise AlreadyAnswered("That question isn't the open one.")
            await conn.execute(
                "UPDATE solo_questions SET shown_at = ? WHERE session_id = ? AND position = ? AND shown_at IS NULL",
                (stamp, session_id, position),
            )
            await conn.execute("UPDATE solo_sessions SET last_activity = ? WHERE id = ?", (stamp, session_id))
            updated = await _load_session(conn, session_id)
        assert updated is not None
        return updated

    async def expire_idle(
        self, cutoff: datetime, now: datetime, *, session_id: int | None = None, shards: Shards = EVERY_SHARD
    ) -> list[int]:
        """Time out every active session (or only `session_id`) idle since `cutoff` or earlier; return their ids.

        The sweep of every session takes only those started on `shards`' servers (and, for the process that
        runs shard 0, in direct messages): the process that shows a session's message closes it.
        """
        if session_id is None and not shards.everything:
            return await self._expire_owned(cutoff, now, shards)
        rows = await self.db.fetchall(
            "UPDATE solo_sessions SET status = 'timed_out', ended_at = :now"
            " WHERE status = 'active' AND last_activity <= :cutoff"
            " AND (CAST(:session_id AS BIGINT) IS NULL OR id = :session_id)"
            " RETURNING id",
            {"now": utc_iso(now), "cutoff": utc_iso(cutoff), "session_id": session_id},
        )
        return sorted(row["id"] for row in rows)

    async def _expire_owned(self, cutoff: datetime, now: datetime, shards: Shards) -> list[int]:
        async with self.db.transaction() as conn:
            idle = await conn.execute(
                "SELECT id, guild_id FROM solo_sessions WHERE status = 'active' AND last_activity <= ?",
                (utc_iso(cutoff),),
            )
            ids = [row["id"] for row in await idle.fetchall() if shards.owns(row["guild_id"])]
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            expired = await conn.execute(
                f"UPDATE solo_sessions SET status = 'timed_out', ended_at = ? WHERE id IN ({marks}) RETURNING id",
                (utc_iso(now), *ids),
            )
            return sorted(row["id"] for row in await expired.fetchall())


def _check_open(session: SoloSession | None, user_id: int) -> None:
    """Refuse a click on a session that is over or belongs to someone else."""
    if session is None or session.status != "active":
        raise QuizEnded()
    if session.user_id != user_id:
        raise NotAllowed("This quiz belongs to someone else; start your own with `/quiz solo`.")


_SESSION_SQL = (
    "SELECT s.id, s.user_id, s.guild_id, s.chapter_key, s.mode AS session_mode, s.status, s.started_at,"
    " s.last_activity, s.ended_at, q.position, q.term_id, q.mode, q.prompt, q.options, q.answer, q.shown_at,"
    " q.choice, q.correct, q.answered_at, q.elapsed"
    " FROM solo_sessions AS s JOIN solo_questions AS q ON q.session_id = s.id WHERE s.id = ? ORDER BY q.position"
)


async def _load_session(conn: Connection, session_id: int) -> SoloSession | None:
    """Read a session and its questions inside the caller's transaction."""
    async with conn.execute(_SESSION_SQL, (session_id,)) as cursor:
        return _session_from_rows(list(await cursor.fetchall()))


def _session_from_rows(rows: Sequence[Row]) -> SoloSession | None:
    """Build a session from the rows of `_SESSION_SQL` (one per question)."""
    if not rows:
        return None
    questions = tuple(
        row_to(
            SoloQuestion,
            q,
            question=MultipleChoice(q["term_id"], q["mode"], q["prompt"], tuple(json.loads(q["options"])), q["answer"]),
            shown_at=_time(q["shown_at"]),
            correct=None if q["correct"] is None else bool(q["correct"]),
            answered_at=_time(q["answered_at"]),
        )
        for q in rows
    )
    row = rows[0]
    return row_to(
        SoloSession,
        row,
        mode=row["session_mode"],
        started_at=_time(row["started_at"]),
        last_activity=_time(row["last_activity"]),
        ended_at=_time(row["ended_at"]),
        questions=questions,
    )
