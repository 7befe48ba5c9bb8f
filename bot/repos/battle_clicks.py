"""Players' first clicks on a battle's answers, written many to one statement.

When a round opens, most of a channel clicks within the same second. Each click waiting for its own
database round trip would also wait for turns of a busy event loop; queued clicks share one INSERT instead,
so a burst of 200 players costs a few round trips. Only the common case comes here (a player's first click
on an open round); a click the statement did not write (a second click, a closed round, a newcomer) is
settled by `BattleRepo.record_answer`'s transaction, which finds out why.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.db import Database

# Whether a click `c` (its battle_id, round and user_id) may be recorded: 'open' while its round is open, its
# battle running and the clicker a player; otherwise why not: 'closed' (also for a round that does not exist) or
# 'not_player'. The one place this rule is written: the batched first clicks below and the transaction of
# `BattleRepo.record_answer` both read it.
CLICK_STATUS = """COALESCE((
    SELECT CASE
        WHEN r.closed_at IS NOT NULL OR b.state <> 'running' THEN 'closed'
        WHEN EXISTS (SELECT 1 FROM battle_players p WHERE p.battle_id = c.battle_id AND p.user_id = c.user_id)
            THEN 'open'
        ELSE 'not_player'
    END
    FROM battle_rounds r JOIN battles b ON b.id = r.battle_id
    WHERE r.battle_id = c.battle_id AND r.round = c.round
), 'closed')"""

# Written only for open clicks; the first click per player and round wins (primary key). RETURNING says which
# clicks were written.
_FIRST_CLICKS = f"""
WITH clicks (seq, battle_id, round, user_id, choice, elapsed_us, answered_at) AS (VALUES {{rows}})
INSERT INTO battle_answers (battle_id, round, user_id, choice, elapsed_us, answered_at)
SELECT c.battle_id, c.round, c.user_id, c.choice, c.elapsed_us, c.answered_at FROM clicks c
WHERE {CLICK_STATUS} = 'open'
ORDER BY c.seq
ON CONFLICT (battle_id, round, user_id) DO NOTHING
RETURNING battle_id, round, user_id, choice
"""
_BATCH = 500  # clicks per statement (7 parameters each, far below SQLite's limit)

ClickValues = tuple[int, int, int, int, int, str]  # battle, round, user, choice, elapsed µs, answered at (ISO)


@dataclass(eq=False)
class _Queued:
    values: ClickValues
    done: asyncio.Future[bool]


class FirstClicks:
    """A queue of first clicks, written in batches by one background task at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task | None = None

    async def write(self, values: ClickValues) -> bool:
        """Queue a click for the next batch and return whether it was written."""
        click = _Queued(values, asyncio.get_running_loop().create_future())
        self._queue.append(click)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="battle-click-writer")
        return await click.done

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:_BATCH], self._queue[_BATCH:]
            rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(batch))
            params = [v for seq, click in enumerate(batch) for v in (seq, *click.values)]
            try:
                written = await self.db.fetchall(_FIRST_CLICKS.format(rows=rows), params)
            except Exception as exc:
                for click in batch:
                    if not click.done.done():
                        click.done.set_exception(exc)
                continue
            # Each written row belongs to the first queued click with its key and choice.
            unclaimed = {tuple(r) for r in written}
            for click in batch:
                key = click.values[:4]
                ok = key in unclaimed
                unclaimed.discard(key)
                if not click.done.done():
                    click.done.set_result(ok)
