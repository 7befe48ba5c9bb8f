"""Group battles in the database: battles, players, rounds, answers, and the scores of closed rounds.

The database is the referee. A click is recorded only while its round is open, at most once per player
and round (primary key); closing a round scores it and writes its score events in one transaction, so
the leaderboard only ever sees closed rounds and every recorded answer is scored exactly once.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.core.battle import (
    Answer,
    BattleInProgress,
    EndReason,
    PlayerState,
    Scored,
    Scoring,
    Standing,
    State,
    elapsed_us,
    score_round,
    standings,
)
from bot.core.choices import MultipleChoice
from bot.db import Database, from_iso, utc_iso
from bot.repos import row_to
from bot.repos.battle_clicks import CLICK_STATUS, FirstClicks
from bot.repos.scores import ScoreEvent, insert_scores


@dataclass(frozen=True, slots=True)
class Battle:
    """One battle's settings and state."""

    id: int
    guild_id: int
    channel_id: int
    host_id: int
    chapter_key: str | None
    rounds: int
    seconds: int
    scoring: Scoring
    state: State
    lobby_message: int | None
    lobby_until: datetime
    current_round: int
    end_reason: EndReason | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Battle:
        """Build from a `battles` row."""
        return row_to(cls, row, lobby_until=from_iso(row["lobby_until"]))


@dataclass(frozen=True, slots=True)
class Round:
    """One round's question and timing."""

    battle_id: int
    number: int
    question: MultipleChoice
    message_id: int | None
    started_at: datetime
    deadline: datetime
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Round:
        """Build from a `battle_rounds` row (battle questions are always in "definition" mode)."""
        question = MultipleChoice(row["term_id"], "definition", "", tuple(json.loads(row["options"])), row["answer"])
        return row_to(
            cls,
            row,
            number=row["round"],
            question=question,
            started_at=from_iso(row["started_at"]),
            deadline=from_iso(row["deadline"]),
            closed_at=from_iso(row["closed_at"]) if row["closed_at"] else None,
        )


class Join(enum.Enum):
    """What a Join click did."""

    JOINED = "joined"
    ALREADY = "already"
    CLOSED = "closed"  # the first round has closed, or the battle is over


class Click(enum.Enum):
    """What an answer click did."""

    RECORDED = "recorded"
    JOINED = "joined"  # a late joiner's first click in round 1: joined and recorded
    ALREADY = "already"
    CLOSED = "closed"  # the round is over
    NOT_PLAYER = "not_player"  # joining closed with the first round


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    """The result of an answer click; `choice` is the answer that counts (the first one)."""

    status: Click
    choice: int | None = None


@dataclass(frozen=True, slots=True)
class RoundResult:
    """A closed round: its question, each player's scoring, the answers' spread and the new standings."""

    round: Round
    scored: list[Scored]
    standings: list[Standing]

    @property
    def answers(self) -> list[Answer]:
        """The answers given, in the players' join order."""
        return [s.answer for s in self.scored if s.answer is not None]


# Players in join order (rowid: battle_players is a rowid table), one `PlayerState` per row.
_PLAYERS = "SELECT user_id, points, run, correct FROM battle_players WHERE battle_id = ? ORDER BY rowid"

# A player may join while the battle is in its lobby or its first round is still open.
_JOIN = """
INSERT INTO battle_players (battle_id, user_id, joined_at)
SELECT b.id, ?, ? FROM battles b
WHERE b.id = ? AND (
    b.state = 'lobby'
    OR (b.state = 'running' AND NOT EXISTS (
        SELECT 1 FROM battle_rounds r WHERE r.battle_id = b.id AND r.round = 1 AND r.closed_at IS NOT NULL))
)
ON CONFLICT (battle_id, user_id) DO NOTHING
"""

# A click's status (see CLICK_STATUS) with its round's start and length, for the time the click took.
_CLICK = f"""
WITH c (battle_id, round, user_id) AS (VALUES (?, ?, ?))
SELECT {CLICK_STATUS} AS status, r.started_at, b.seconds
FROM c LEFT JOIN battle_rounds r ON r.battle_id = c.battle_id AND r.round = c.round
LEFT JOIN battles b ON b.id = r.battle_id
"""


class BattleRepo:
    """Reads and writes battles."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._first_clicks = FirstClicks(db)

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        host_id: int,
        chapter_key: str | None,
        rounds: int,
        seconds: int,
        scoring: Scoring,
        now: datetime,
        lobby_until: datetime,
    ) -> Battle:
        """Open a battle's lobby; raise `BattleInProgress` if the channel has a battle that has not ended."""
        # The conflict target is the partial unique index battles_one_active_per_channel: no row comes back
        # while the channel has a battle that has not ended.
        row = await self.db.fetchone(
            "INSERT INTO battles (guild_id, channel_id, host_id, chapter_key, rounds, seconds, scoring,"
            " lobby_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel_id) WHERE state <> 'ended' DO NOTHING RETURNING *",
            (
                guild_id,
                channel_id,
                host_id,
                chapter_key,
                rounds,
                seconds,
                scoring,
                utc_iso(lobby_until),
                utc_iso(now),
            ),
        )
        if row is None:
            raise BattleInProgress()
        return Battle.from_row(row)

    async def get(self, battle_id: int) -> Battle | None:
        """Return a battle by id."""
        row = await self.db.fetchone("SELECT * FROM battles WHERE id = ?", (battle_id,))
        return Battle.from_row(row) if row else None

    async def active_in(self, channel_id: int) -> Battle | None:
        """Return the battle of a channel that has not ended."""
        row = await self.db.fetchone("SELECT * FROM battles WHERE channel_id = ? AND state <> 'ended'", (channel_id,))
        return Battle.from_row(row) if row else None

    async def set_lobby_message(self, battle_id: int, message_id: int) -> None:
        """Remember the lobby message."""
        await self.db.execute("UPDATE battles SET lobby_message = ? WHERE id = ?", (message_id, battle_id))

    async def join(self, battle_id: int, user_id: int, now: datetime) -> Join:
        """Add a player while joining is open."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(_JOIN, (user_id, utc_iso(now), battle_id))
            if cursor.rowcount == 1:
                return Join.JOINED
            async with conn.execute(
                "SELECT 1 FROM battle_players WHERE battle_id = ? AND user_id = ?", (battle_id, user_id)
            ) as cur:
                return Join.ALREADY if await cur.fetchone() else Join.CLOSED

    async def players(self, battle_id: int) -> list[PlayerState]:
        """Return the players in the order they joined, with their points of closed rounds."""
        return [row_to(PlayerState, r) for r in await self.db.fetchall(_PLAYERS, (battle_id,))]

    async def standings(self, battle_id: int) -> list[Standing]:
        """Return the standings after the last closed round."""
        return standings(await self.players(battle_id))

    async def start(self, battle_id: int, now: datetime) -> bool:
        """Move a battle from its lobby to its rounds; return False if it was not in its lobby."""
        changed = await self.db.execute(
            "UPDATE battles SET state = 'running', started_at = ? WHERE id = ? AND state = 'lobby'",
            (utc_iso(now), battle_id),
        )
        return changed == 1

    async def open_round(
        self, battle_id: int, number: int, question: MultipleChoice, started: datetime, deadline: datetime
    ) -> Round:
        """Store a round's question and timing before it is shown, so clicks always find it."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO battle_rounds (battle_id, round, term_id, options, answer, started_at, deadline)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    battle_id,
                    number,
                    question.term_id,
                    json.dumps(list(question.options)),
                    question.answer,
                    utc_iso(started),
                    utc_iso(deadline),
                ),
            )
            await conn.execute("UPDATE battles SET current_round = ? WHERE id = ?", (number, battle_id))
        return Round(battle_id, number, question, None, started, deadline, None)

    async def set_round_message(self, battle_id: int, number: int, message_id: int) -> None:
        """Remember the message that shows a round."""
        await self.db.execute(
            "UPDATE battle_rounds SET message_id = ? WHERE battle_id = ? AND round = ?", (message_id, battle_id, number)
        )

    async def get_round(self, battle_id: int, number: int) -> Round | None:
        """Return one round."""
        row = await self.db.fetchone(
            "SELECT * FROM battle_rounds WHERE battle_id = ? AND round = ?", (battle_id, number)
        )
        return Round.from_row(row) if row else None

    async def record_answer(
        self,
        battle_id: int,
        number: int,
        user_id: int,
        choice: int,
        now: datetime,
        opened: tuple[datetime, int] | None = None,
    ) -> ClickOutcome:
        """Record a click if its round is open and it is the player's first; a newcomer joins in round 1.

        `opened` (the round's start and seconds, when the caller knows them) allows the common case, a
        player's first click, in one statement; anything else takes the transaction that finds out why.
        """
        if opened is not None:
            started, seconds = opened
            values = (battle_id, number, user_id, choice, elapsed_us(started, now, seconds), utc_iso(now))
            if await self._first_clicks.write(values):
                return ClickOutcome(Click.RECORDED, choice)
        async with self.db.transaction() as conn:
            async with conn.execute(_CLICK, (battle_id, number, user_id)) as cur:
                row = await cur.fetchone()
            assert row is not None  # one row for the click, whatever its status
            if row["status"] == "closed":
                return ClickOutcome(Click.CLOSED)
            joined = row["status"] == "not_player"
            if joined:
                if number != 1:
                    return ClickOutcome(Click.NOT_PLAYER)
                await conn.execute(_JOIN, (user_id, utc_iso(now), battle_id))
            elapsed = elapsed_us(from_iso(row["started_at"]), now, row["seconds"])
            cursor = await conn.execute(
                "INSERT INTO battle_answers (battle_id, round, user_id, choice, elapsed_us, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (battle_id, round, user_id) DO NOTHING",
                (battle_id, number, user_id, choice, elapsed, utc_iso(now)),
            )
            if cursor.rowcount == 1:
                return ClickOutcome(Click.JOINED if joined else Click.RECORDED, choice)
            async with conn.execute(
                "SELECT choice FROM battle_answers WHERE battle_id = ? AND round = ? AND user_id = ?",
                (battle_id, number, user_id),
            ) as cur:
                first = await cur.fetchone()
            assert first is not None  # the answer that made this one conflict
            return ClickOutcome(Click.ALREADY, first["choice"])

    async def close_round(self, battle: Battle, number: int, now: datetime) -> RoundResult | None:
        """Close a round, score it and write one score event per player, atomically; None if already closed."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "UPDATE battle_rounds SET closed_at = ? WHERE battle_id = ? AND round = ? AND closed_at IS NULL"
                " RETURNING *",
                (utc_iso(now), battle.id, number),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            closed = Round.from_row(row)
            async with conn.execute(_PLAYERS, (battle.id,)) as cur:
                players = [row_to(PlayerState, r) for r in await cur.fetchall()]
            async with conn.execute(
                "SELECT user_id, choice, elapsed_us FROM battle_answers WHERE battle_id = ? AND round = ?",
                (battle.id, number),
            ) as cur:
                answers = {r["user_id"]: row_to(Answer, r, elapsed=r["elapsed_us"]) for r in await cur.fetchall()}
            scored = score_round(players, answers, closed.question.answer, battle.seconds, battle.scoring)
            await conn.executemany(
                "UPDATE battle_players SET points = ?, run = ?, correct = ? WHERE battle_id = ? AND user_id = ?",
                [(s.state.points, s.state.run, s.state.correct, battle.id, s.state.user_id) for s in scored],
            )
            ref = f"battle:{battle.id}:{number}"
            await insert_scores(
                conn,
                [ScoreEvent(battle.guild_id, s.state.user_id, "battle", ref, s.earned, s.correct, now) for s in scored],
            )
        before = {p.user_id: p.points for p in players} if number > 1 else None
        return RoundResult(closed, scored, standings([s.state for s in scored], before))

    async def end(self, battle_id: int, reason: EndReason, now: datetime) -> bool:
        """Mark a battle ended; return False if it had ended already."""
        changed = await self.db.execute(
            "UPDATE battles SET state = 'ended', ended_at = ?, end_reason = ? WHERE id = ? AND state <> 'ended'",
            (utc_iso(now), reason, battle_id),
        )
        return changed == 1

    async def end_interrupted(self, now: datetime) -> list[Battle]:
        """End every battle left unfinished by a previous run of the bot and return them."""
        async with (
            self.db.transaction() as conn,
            conn.execute(
                "UPDATE battles SET state = 'ended', ended_at = ?, end_reason = 'restart'"
                " WHERE state <> 'ended' RETURNING *",
                (utc_iso(now),),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [Battle.from_row(r) for r in rows]

    async def finished_rounds(self, battle_id: int) -> int:
        """Count the rounds of a battle that closed (and so were scored)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM battle_rounds WHERE battle_id = ? AND closed_at IS NOT NULL", (battle_id,)
        )
        return int(row[0]) if row else 0
