"""Review cards and their logs: each member's FSRS card per term, and every rating applied to it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite
from fsrs import Card, Rating, State

from bot.core import review
from bot.core.errors import NotAllowed
from bot.core.periods import utc_day, utc_week
from bot.db import Database, from_iso, utc_iso
from bot.repos import row_to

RatingSource = Literal["review", "answer"]

_CARD_COLUMNS = "id, user_id, term_id, state, step, stability, difficulty, due, last_review, reps"
# A card never reviewed (fsrs.Card's defaults: learning state, first step, no memory yet), due when created.
_NEW_CARD_SQL = (
    "INSERT INTO review_cards (user_id, term_id, state, step, due, created_at)"
    f" VALUES (:user_id, :term_id, {int(State.Learning)}, 0, :now, :now) ON CONFLICT (user_id, term_id) DO NOTHING"
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
        return row_to(cls, row, card=card)


class ReviewRepo:
    """Review cards and review logs."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        rows = await self.db.read_fetchall(f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ?", (user_id,))
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
                cursor = await conn.execute(_NEW_CARD_SQL, {"user_id": user_id, "term_id": term_id, "now": stamp})
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
            await conn.execute(_NEW_CARD_SQL, {"user_id": user_id, "term_id": term_id, "now": stamp})
            async with conn.execute(
                f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE user_id = ? AND term_id = ?", (user_id, term_id)
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None  # created just above if it was missing
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
        row = await self.db.read_fetchone(
            "SELECT COUNT(*) AS total, COALESCE(SUM(due <= ?), 0) AS now, COALESCE(SUM(due < ?), 0) AS today,"
            " COALESCE(SUM(due < ?), 0) AS week FROM review_cards WHERE user_id = ?",
            (utc_iso(now), utc_iso(utc_day(now)[1]), utc_iso(utc_week(now)[1]), user_id),
        )
        assert row is not None  # an aggregate without GROUP BY: always one row
        return row_to(review.DueSummary, row)
