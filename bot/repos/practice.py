"""Solo practice storage: review cards and their logs (FSRS), solo quiz sessions and their questions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite
from fsrs import Card, Rating, State

from bot.core import review
from bot.core.choices import MultipleChoice
from bot.core.errors import AlreadyAnswered, NotAllowed
from bot.core.periods import utc_day, utc_week
from bot.core.quiz import QuizEnded, Score, SessionMode, elapsed_seconds, score
from bot.db import Database, from_iso, utc_iso

RatingSource = Literal["review", "answer"]
SessionStatus = Literal["active", "finished", "timed_out"]

_CARD_COLUMNS = "id, user_id, term_id, state, step, stability, difficulty, due, last_review, reps"
# A card never reviewed (fsrs.Card's defaults: learning state, first step, no memory yet), due when created.
_NEW_CARD_SQL = (
    "INSERT INTO review_cards (user_id, term_id, state, step, due, created_at)"
    f" VALUES (?1, ?2, {int(State.Learning)}, 0, ?3, ?3) ON CONFLICT (user_id, term_id) DO NOTHING"
)


def _time(text: str | None) -> datetime | None:
    return None if text is None else review.as_utc(from_iso(text))


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A member's FSRS card for one term; `reps` counts its reviews (the revision a rating applies to)."""

    id: int
    user_id: int
    term_id: str
    card: Card
    reps: int

    @property
    def due(self) -> datetime:
        """Return when the card is due."""
        return self.card.due

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> ReviewCard:
        """Build a card from a `review_cards` row."""
        card = Card(
            card_id=row["id"],
            state=State(row["state"]),
            step=row["step"],
            stability=row["stability"],
            difficulty=row["difficulty"],
            due=_time(row["due"]),
            last_review=_time(row["last_review"]),
        )
        return cls(row["id"], row["user_id"], row["term_id"], card, row["reps"])


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


class PracticeRepo:
    """Review cards, review logs and solo sessions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- review cards ------------------------------------------------------------------------------------

    async def card(self, user_id: int, term_id: str) -> ReviewCard | None:
        """Return a member's card for a term, if they have one."""
        row = await self.db.fetchone(
            f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ? AND term_id = ?", (user_id, term_id)
        )
        return None if row is None else ReviewCard.from_row(row)

    async def card_by_id(self, card_id: int) -> ReviewCard | None:
        """Return a card by its id."""
        row = await self.db.fetchone(f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE id = ?", (card_id,))
        return None if row is None else ReviewCard.from_row(row)

    async def cards_of(self, user_id: int) -> dict[str, Card]:
        """Return every card of a member, by term id."""
        rows = await self.db.fetchall(f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ?", (user_id,))
        return {row["term_id"]: ReviewCard.from_row(row).card for row in rows}

    async def add_cards(self, user_id: int, term_ids: Iterable[str], now: datetime, *, due_now: bool = False) -> int:
        """Add new cards (due `now`) for the terms a member has none for; return how many were added.

        With `due_now`, the member's existing cards for these terms that are due later become due now too
        ("Review these"); their memory state is kept.
        """
        stamp = utc_iso(now)
        added = 0
        async with self.db.transaction() as conn:
            for term_id in dict.fromkeys(term_ids):
                cursor = await conn.execute(_NEW_CARD_SQL, (user_id, term_id, stamp))
                added += cursor.rowcount
                if due_now and cursor.rowcount == 0:
                    await conn.execute(
                        "UPDATE review_cards SET due = ? WHERE user_id = ? AND term_id = ? AND due > ?",
                        (stamp, user_id, term_id, stamp),
                    )
        return added

    async def rate(
        self,
        user_id: int,
        term_id: str,
        rating: Rating,
        now: datetime,
        source: RatingSource,
        *,
        duration_ms: int | None = None,
    ) -> ReviewCard:
        """Apply a rating to a member's card for a term (creating the card first if needed)."""
        async with self.db.transaction() as conn:
            stamp = utc_iso(now)
            await conn.execute(_NEW_CARD_SQL, (user_id, term_id, stamp))
            async with conn.execute(
                f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ? AND term_id = ?", (user_id, term_id)
            ) as cursor:
                row = await cursor.fetchone()
            return await self._apply(conn, ReviewCard.from_row(row), rating, now, source, duration_ms)

    async def rate_card(
        self,
        card_id: int,
        user_id: int,
        rating: Rating,
        now: datetime,
        *,
        expected_reps: int,
        duration_ms: int | None = None,
    ) -> ReviewCard | None:
        """Apply a /review rating to the revision of a card that was shown; None if it was rated meanwhile.

        Raises `NotAllowed` for someone else's card.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE id = ?", (card_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None or row["user_id"] != user_id:
                raise NotAllowed("That card isn't in your review deck.")
            current = ReviewCard.from_row(row)
            if current.reps != expected_reps:
                return None
            return await self._apply(conn, current, rating, now, "review", duration_ms)

    async def _apply(
        self,
        conn: aiosqlite.Connection,
        current: ReviewCard,
        rating: Rating,
        now: datetime,
        source: RatingSource,
        duration_ms: int | None,
    ) -> ReviewCard:
        """Review a card inside the caller's transaction: store the new state and log the rating."""
        card = review.review(current.card, rating, now, duration_ms)
        await conn.execute(
            "UPDATE review_cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?,"
            " reps = reps + 1 WHERE id = ?",
            (
                int(card.state),
                card.step,
                card.stability,
                card.difficulty,
                utc_iso(card.due),
                utc_iso(card.last_review) if card.last_review else None,
                current.id,
            ),
        )
        await conn.execute(
            "INSERT INTO review_logs (card_id, user_id, rating, source, reviewed_at, duration_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (current.id, current.user_id, int(rating), source, utc_iso(now), duration_ms),
        )
        return ReviewCard(current.id, current.user_id, current.term_id, card, current.reps + 1)

    async def next_due(self, user_id: int, now: datetime, *, skip: Sequence[str] = ()) -> ReviewCard | None:
        """Return the member's most overdue card that is due by `now`, leaving out the terms in `skip`."""
        marks = ", ".join("?" for _ in skip)
        rows = await self.db.fetchall(
            f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ? AND due <= ?"
            + (f" AND term_id NOT IN ({marks})" if skip else "")
            + " ORDER BY due, id LIMIT 1",
            (user_id, utc_iso(now), *skip),
        )
        return ReviewCard.from_row(rows[0]) if rows else None

    async def soonest(self, user_id: int) -> ReviewCard | None:
        """Return the member's card that is due first (due or not)."""
        row = await self.db.fetchone(
            f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ? ORDER BY due, id LIMIT 1", (user_id,)
        )
        return None if row is None else ReviewCard.from_row(row)

    async def due_summary(self, user_id: int, now: datetime) -> review.DueSummary:
        """Count the member's cards due now, by the end of the UTC day and by the end of the UTC week."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS total, COALESCE(SUM(due <= ?), 0) AS now, COALESCE(SUM(due < ?), 0) AS today,"
            " COALESCE(SUM(due < ?), 0) AS week FROM review_cards WHERE user_id = ?",
            (utc_iso(now), utc_iso(utc_day(now)[1]), utc_iso(utc_week(now)[1]), user_id),
        )
        return review.DueSummary(now=row["now"], today=row["today"], week=row["week"], total=row["total"])

    # -- solo sessions -----------------------------------------------------------------------------------

    async def create_session(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        chapter_key: str | None,
        mode: SessionMode,
        questions: Sequence[MultipleChoice],
        now: datetime,
    ) -> SoloSession:
        """Store a new session with all its questions; the first one counts as shown `now`."""
        stamp = utc_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO solo_sessions (user_id, guild_id, chapter_key, mode, total, started_at, last_activity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (user_id, guild_id, chapter_key, mode, len(questions), stamp, stamp),
            ) as cursor:
                session_id = (await cursor.fetchone())[0]
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
        return session

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
            if session.current is not asked:
                raise AlreadyAnswered("That question isn't open yet.")
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

    async def expire_idle(self, cutoff: datetime, now: datetime, *, session_id: int | None = None) -> list[int]:
        """Time out every active session (or only `session_id`) idle since `cutoff` or earlier; return their ids."""
        rows = await self.db.fetchall(
            "UPDATE solo_sessions SET status = 'timed_out', ended_at = ?1"
            " WHERE status = 'active' AND last_activity <= ?2 AND (?3 IS NULL OR id = ?3) RETURNING id",
            (utc_iso(now), utc_iso(cutoff), session_id),
        )
        return sorted(row["id"] for row in rows)


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


async def _load_session(conn: aiosqlite.Connection, session_id: int) -> SoloSession | None:
    """Read a session and its questions inside the caller's transaction."""
    async with conn.execute(_SESSION_SQL, (session_id,)) as cursor:
        return _session_from_rows(list(await cursor.fetchall()))


def _session_from_rows(rows: Sequence[aiosqlite.Row]) -> SoloSession | None:
    """Build a session from the rows of `_SESSION_SQL` (one per question)."""
    if not rows:
        return None
    questions = tuple(
        SoloQuestion(
            position=q["position"],
            question=MultipleChoice(q["term_id"], q["mode"], q["prompt"], tuple(json.loads(q["options"])), q["answer"]),
            shown_at=_time(q["shown_at"]),
            choice=q["choice"],
            correct=None if q["correct"] is None else bool(q["correct"]),
            answered_at=_time(q["answered_at"]),
            elapsed=q["elapsed"],
        )
        for q in rows
    )
    row = rows[0]
    return SoloSession(
        id=row["id"],
        user_id=row["user_id"],
        guild_id=row["guild_id"],
        chapter_key=row["chapter_key"],
        mode=row["session_mode"],
        status=row["status"],
        started_at=_time(row["started_at"]),
        last_activity=_time(row["last_activity"]),
        ended_at=_time(row["ended_at"]),
        questions=questions,
    )
