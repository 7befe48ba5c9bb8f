"""Daily-question storage: channel settings, claimed and sent posts, answers and member streaks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

import aiosqlite

from bot.core.daily import CLAIM_LEASE, Assignment, DailyError, Kind, Rating, over_through
from bot.core.errors import AlreadyAnswered
from bot.core.streaks import Streak, compute_streak
from bot.db import Database, from_iso, utc_iso
from bot.repos.scores import ScoreEvent, insert_score

PostState = Literal["claimed", "posted", "failed"]


class PostClosed(DailyError):
    """The post's answers closed when its channel's next question was posted."""


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)


@dataclass(frozen=True, slots=True)
class DailyChannel:
    """A channel's daily-question settings and its question cycle."""

    channel_id: int
    guild_id: int
    post_time: time
    timezone: str
    kind: Kind
    chapters: tuple[str, ...]
    enabled: bool
    cycle: int
    cycle_seed: int
    set_by: int
    set_at: datetime

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> DailyChannel:
        """Build the settings from a `daily_channels` row."""
        return cls(
            row["channel_id"],
            row["guild_id"],
            time.fromisoformat(row["post_time"]),
            row["timezone"],
            row["kind"],
            tuple(k for k in row["chapters"].split(",") if k),
            bool(row["enabled"]),
            row["cycle"],
            row["cycle_seed"],
            row["set_by"],
            from_iso(row["set_at"]),
        )


@dataclass(frozen=True, slots=True)
class Post:
    """One channel's question of one local date, from its claim to its message."""

    id: int
    channel_id: int
    guild_id: int
    local_date: date
    state: PostState
    claim_token: str
    claimed_at: datetime
    item: str | None
    cycle: int | None
    options: tuple[str, ...]
    answer: int | None
    message_id: int | None
    thread_id: int | None
    posted_at: datetime | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Post:
        """Build a post from a `daily_posts` row."""
        return cls(
            row["id"],
            row["channel_id"],
            row["guild_id"],
            date.fromisoformat(row["local_date"]),
            row["state"],
            row["claim_token"],
            from_iso(row["claimed_at"]),
            row["item"],
            row["cycle"],
            tuple(o for o in (row["options"] or "").split(",") if o),
            row["answer"],
            row["message_id"],
            row["thread_id"],
            _moment(row["posted_at"]),
        )

    @property
    def is_choice(self) -> bool:
        """Whether it is a multiple-choice (definition) post."""
        return bool(self.options)


@dataclass(frozen=True, slots=True)
class Answer:
    """A member's answer to a post."""

    post_id: int
    user_id: int
    choice: int | None
    correct: bool | None
    text: str | None
    rating: Rating | None
    answered_at: datetime

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Answer:
        """Build an answer from a `daily_answers` row."""
        correct = row["correct"]
        return cls(
            row["post_id"],
            row["user_id"],
            row["choice"],
            None if correct is None else bool(correct),
            row["answer_text"],
            row["rating"],
            from_iso(row["answered_at"]),
        )


@dataclass(frozen=True, slots=True)
class StreakRow:
    """A member's stored streak (`member_streaks`)."""

    guild_id: int
    user_id: int
    current: int
    longest: int
    freezes: int
    last_date: date | None
    updated_at: datetime
    longest_at: datetime

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> StreakRow:
        """Build a streak from a `member_streaks` row."""
        return cls(
            row["guild_id"],
            row["user_id"],
            row["current"],
            row["longest"],
            row["freezes"],
            _day(row["last_date"]),
            from_iso(row["updated_at"]),
            from_iso(row["longest_at"]),
        )


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording an answer did: the points written and the member's streak after it."""

    answer: Answer
    points: int
    streak: Streak


class DailyRepo:
    """Queries and writes of the daily question."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- channels ----------------------------------------------------------------------------------------

    async def save_channel(
        self,
        *,
        channel_id: int,
        guild_id: int,
        post_time: time,
        timezone: str,
        kind: Kind,
        chapters: Iterable[str],
        set_by: int,
        now: datetime,
        seed: int,
    ) -> DailyChannel:
        """Create or update a channel's settings (and enable it); an existing channel keeps its cycle."""
        row = await self.db.fetchone(
            "INSERT INTO daily_channels"
            " (channel_id, guild_id, post_time, timezone, kind, chapters, enabled, cycle, cycle_seed, set_by, set_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?)"
            " ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, post_time = excluded.post_time,"
            " timezone = excluded.timezone, kind = excluded.kind, chapters = excluded.chapters, enabled = 1,"
            " set_by = excluded.set_by, set_at = excluded.set_at"
            " RETURNING *",
            (
                channel_id,
                guild_id,
                post_time.strftime("%H:%M"),
                timezone,
                kind,
                ",".join(chapters),
                seed,
                set_by,
                utc_iso(now),
            ),
        )
        assert row is not None
        return DailyChannel.from_row(row)

    async def disable_channel(self, channel_id: int, guild_id: int) -> bool:
        """Stop a channel's daily question; return False if it had none running."""
        changed = await self.db.execute(
            "UPDATE daily_channels SET enabled = 0 WHERE channel_id = ? AND guild_id = ? AND enabled = 1",
            (channel_id, guild_id),
        )
        return changed == 1

    async def channel(self, channel_id: int) -> DailyChannel | None:
        """Return a channel's settings (enabled or not)."""
        row = await self.db.fetchone("SELECT * FROM daily_channels WHERE channel_id = ?", (channel_id,))
        return None if row is None else DailyChannel.from_row(row)

    async def channels(self, guild_id: int | None = None) -> list[DailyChannel]:
        """Return the enabled daily channels, of one server or of all."""
        if guild_id is None:
            rows = await self.db.fetchall("SELECT * FROM daily_channels WHERE enabled = 1 ORDER BY channel_id")
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM daily_channels WHERE guild_id = ? AND enabled = 1 ORDER BY channel_id", (guild_id,)
            )
        return [DailyChannel.from_row(r) for r in rows]

    # -- posts: claim, assign, send, release --------------------------------------------------------------

    async def claim(self, channel: DailyChannel, day: date, token: str, now: datetime) -> Post | None:
        """Claim the channel's post of `day` for this bot run; None when it is posted or being posted.

        A failed (released) claim is claimed again; a 'claimed' one only when it is stale: made by another
        bot run, or older than the lease (see bot.core.daily). A re-claimed post keeps its id and question.
        """
        row = await self.db.fetchone(
            "INSERT INTO daily_posts (channel_id, guild_id, local_date, state, claim_token, claimed_at)"
            " VALUES (?, ?, ?, 'claimed', ?, ?)"
            " ON CONFLICT (channel_id, local_date) DO UPDATE SET state = 'claimed',"
            " claim_token = excluded.claim_token, claimed_at = excluded.claimed_at"
            " WHERE daily_posts.state = 'failed' OR (daily_posts.state = 'claimed'"
            " AND (daily_posts.claim_token != excluded.claim_token OR daily_posts.claimed_at < ?))"
            " RETURNING *",
            (channel.channel_id, channel.guild_id, day.isoformat(), token, utc_iso(now), utc_iso(now - CLAIM_LEASE)),
        )
        return None if row is None else Post.from_row(row)

    async def assign(self, post: Post, choose: Callable[[DailyChannel, set[str], str | None], Assignment]) -> Post:
        """Give a claimed post its question (kept if it has one), advancing the channel's cycle when needed.

        `choose(channel, used items of the cycle, last posted item)` is the core's pure choice; it runs inside
        the transaction, so two posts of one channel never take the same item.
        """
        if post.item is not None:
            return post
        async with self.db.transaction() as conn:
            cursor = await conn.execute("SELECT * FROM daily_channels WHERE channel_id = ?", (post.channel_id,))
            channel = DailyChannel.from_row(await cursor.fetchone())
            cursor = await conn.execute(
                "SELECT item FROM daily_posts WHERE channel_id = ? AND cycle = ? AND state = 'posted'",
                (post.channel_id, channel.cycle),
            )
            used = {r["item"] for r in await cursor.fetchall()}
            cursor = await conn.execute(
                "SELECT item FROM daily_posts WHERE channel_id = ? AND state = 'posted' ORDER BY local_date DESC"
                " LIMIT 1",
                (post.channel_id,),
            )
            last = await cursor.fetchone()
            chosen = choose(channel, used, last["item"] if last else None)
            if (chosen.cycle, chosen.seed) != (channel.cycle, channel.cycle_seed):
                await conn.execute(
                    "UPDATE daily_channels SET cycle = ?, cycle_seed = ? WHERE channel_id = ?",
                    (chosen.cycle, chosen.seed, post.channel_id),
                )
            cursor = await conn.execute(
                "UPDATE daily_posts SET item = ?, cycle = ?, options = ?, answer = ? WHERE id = ? RETURNING *",
                (chosen.item, chosen.cycle, ",".join(chosen.options) or None, chosen.answer, post.id),
            )
            return Post.from_row(await cursor.fetchone())

    async def mark_posted(self, post: Post, message_id: int, now: datetime) -> bool:
        """Record the sent message; False if the claim was taken over meanwhile (then the other run owns it)."""
        changed = await self.db.execute(
            "UPDATE daily_posts SET state = 'posted', message_id = ?, posted_at = ?"
            " WHERE id = ? AND claim_token = ? AND state = 'claimed'",
            (message_id, utc_iso(now), post.id, post.claim_token),
        )
        return changed == 1

    async def release(self, post: Post) -> bool:
        """Give up a claim after a failed send, so that a retry can post."""
        changed = await self.db.execute(
            "UPDATE daily_posts SET state = 'failed' WHERE id = ? AND claim_token = ? AND state = 'claimed'",
            (post.id, post.claim_token),
        )
        return changed == 1

    async def set_thread(self, post_id: int, thread_id: int) -> None:
        """Record the discussion thread opened on a post."""
        await self.db.execute("UPDATE daily_posts SET thread_id = ? WHERE id = ?", (thread_id, post_id))

    async def post(self, post_id: int) -> Post | None:
        """Return a post by id."""
        row = await self.db.fetchone("SELECT * FROM daily_posts WHERE id = ?", (post_id,))
        return None if row is None else Post.from_row(row)

    async def post_on(self, channel_id: int, day: date) -> Post | None:
        """Return the channel's post of a local date, in whatever state."""
        row = await self.db.fetchone(
            "SELECT * FROM daily_posts WHERE channel_id = ? AND local_date = ?", (channel_id, day.isoformat())
        )
        return None if row is None else Post.from_row(row)

    async def posted(self, channel_id: int, *, before: date | None = None, limit: int = 1) -> list[Post]:
        """Return the channel's sent posts, newest first (only those dated before `before` if given)."""
        rows = await self.db.fetchall(
            "SELECT * FROM daily_posts WHERE channel_id = ? AND state = 'posted' AND local_date < ?"
            " ORDER BY local_date DESC LIMIT ?",
            (channel_id, (before or date.max).isoformat(), limit),
        )
        return [Post.from_row(r) for r in rows]

    async def is_closed(self, post: Post) -> bool:
        """Tell whether the channel has posted a later question (which closes this one's answers)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM daily_posts WHERE channel_id = ? AND state = 'posted' AND local_date > ? LIMIT 1",
            (post.channel_id, post.local_date.isoformat()),
        )
        return row is not None

    # -- answers ----------------------------------------------------------------------------------------

    async def answer(self, post_id: int, user_id: int) -> Answer | None:
        """Return a member's answer to a post."""
        row = await self.db.fetchone(
            "SELECT * FROM daily_answers WHERE post_id = ? AND user_id = ?", (post_id, user_id)
        )
        return None if row is None else Answer.from_row(row)

    async def record_answer(
        self,
        post: Post,
        user_id: int,
        now: datetime,
        *,
        choice: int | None = None,
        text: str | None = None,
        points: int,
    ) -> Recorded:
        """Store a member's answer, its points and their new streak in one transaction.

        Raises `PostClosed` once the channel posted its next question and `AlreadyAnswered` for a second
        answer (the UNIQUE (post_id, user_id) constraint decides, so two clicks racing give one row).
        """
        correct = None if choice is None else choice == post.answer
        graded = None if correct is None else int(correct)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT 1 FROM daily_posts WHERE channel_id = ? AND state = 'posted' AND local_date > ? LIMIT 1",
                (post.channel_id, post.local_date.isoformat()),
            )
            if await cursor.fetchone() is not None:
                raise PostClosed("This question is closed.")
            cursor = await conn.execute(
                "INSERT INTO daily_answers (post_id, guild_id, user_id, choice, correct, answer_text, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING RETURNING *",
                (
                    post.id,
                    post.guild_id,
                    user_id,
                    choice,
                    graded,
                    text,
                    utc_iso(now),
                ),
            )
            row = await cursor.fetchone()
            if row is None:
                raise AlreadyAnswered("You already answered this daily question; only your first answer counts.")
            earned = points if correct is not False else 0
            await insert_score(
                conn, ScoreEvent(post.guild_id, user_id, "daily", f"post:{post.id}", earned, correct, now)
            )
            streaks = await _refresh_streaks(conn, post.guild_id, [user_id], now)
        return Recorded(Answer.from_row(row), earned, streaks[user_id])

    async def rate(self, post_id: int, user_id: int, rating: Rating, now: datetime) -> bool:
        """Store a member's self-rating of their open answer; False if they have no answer to rate."""
        changed = await self.db.execute(
            "UPDATE daily_answers SET rating = ?, rated_at = ? WHERE post_id = ? AND user_id = ?",
            (rating, utc_iso(now), post_id, user_id),
        )
        return changed == 1

    async def choice_counts(self, post: Post) -> tuple[int, ...]:
        """Return how many members chose each option of a multiple-choice post."""
        rows = await self.db.fetchall(
            "SELECT choice, count(*) AS n FROM daily_answers WHERE post_id = ? AND choice IS NOT NULL GROUP BY choice",
            (post.id,),
        )
        counts = [0] * len(post.options)
        for row in rows:
            if 0 <= row["choice"] < len(counts):
                counts[row["choice"]] = row["n"]
        return tuple(counts)

    async def rating_counts(self, post_id: int) -> tuple[int, dict[str, int]]:
        """Return how many answered an open post and how many rated themselves each way."""
        rows = await self.db.fetchall(
            "SELECT rating, count(*) AS n FROM daily_answers WHERE post_id = ? GROUP BY rating", (post_id,)
        )
        total = sum(r["n"] for r in rows)
        return total, {r["rating"]: r["n"] for r in rows if r["rating"] is not None}

    async def answers_since(self, guild_id: int, user_id: int, since: datetime) -> int:
        """Count a member's daily answers in a server since a moment."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM daily_answers WHERE guild_id = ? AND user_id = ? AND answered_at >= ?",
            (guild_id, user_id, utc_iso(since)),
        )
        return int(row[0]) if row else 0

    # -- streaks ----------------------------------------------------------------------------------------

    async def streak(self, guild_id: int, user_id: int) -> StreakRow | None:
        """Return a member's stored streak in a server."""
        row = await self.db.fetchone(
            "SELECT * FROM member_streaks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return None if row is None else StreakRow.from_row(row)

    async def settle_streaks(self, guild_id: int, now: datetime) -> int:
        """Bring streaks up to date with the days that are over (after a post); return how many changed."""
        async with self.db.transaction() as conn:
            through = await _over_through(conn, guild_id)
            if through is None:
                return 0
            cursor = await conn.execute(
                "SELECT user_id FROM member_streaks WHERE guild_id = ? AND current > 0 AND last_date < ?",
                (guild_id, through.isoformat()),
            )
            users = [r["user_id"] for r in await cursor.fetchall()]
            if not users:
                return 0
            before = await _stored(conn, guild_id, users)
            after = await _refresh_streaks(conn, guild_id, users, now)
        return sum(1 for u in users if before.get(u) != (after[u].current, after[u].freezes))


async def _over_through(conn: aiosqlite.Connection, guild_id: int) -> date | None:
    cursor = await conn.execute(
        "SELECT p.channel_id, max(p.local_date) AS latest FROM daily_posts p"
        " JOIN daily_channels c ON c.channel_id = p.channel_id"
        " WHERE p.guild_id = ? AND p.state = 'posted' AND c.enabled = 1 GROUP BY p.channel_id",
        (guild_id,),
    )
    return over_through({r["channel_id"]: date.fromisoformat(r["latest"]) for r in await cursor.fetchall()})


async def _stored(conn: aiosqlite.Connection, guild_id: int, users: list[int]) -> dict[int, tuple[int, int]]:
    marks = ",".join("?" * len(users))
    cursor = await conn.execute(
        f"SELECT user_id, current, freezes FROM member_streaks WHERE guild_id = ? AND user_id IN ({marks})",
        (guild_id, *users),
    )
    return {r["user_id"]: (r["current"], r["freezes"]) for r in await cursor.fetchall()}


async def _refresh_streaks(
    conn: aiosqlite.Connection, guild_id: int, users: list[int], now: datetime
) -> dict[int, Streak]:
    """Recompute members' streaks from their answered days and store them (inside the caller's transaction)."""
    cursor = await conn.execute(
        "SELECT DISTINCT local_date FROM daily_posts WHERE guild_id = ? AND state = 'posted'", (guild_id,)
    )
    post_dates = [date.fromisoformat(r["local_date"]) for r in await cursor.fetchall()]
    through = await _over_through(conn, guild_id)
    results: dict[int, Streak] = {}
    # SQLite allows a limited number of parameters: look members up in chunks.
    for start in range(0, len(users), 500):
        chunk = users[start : start + 500]
        marks = ",".join("?" * len(chunk))
        cursor = await conn.execute(
            "SELECT DISTINCT a.user_id, p.local_date FROM daily_answers a JOIN daily_posts p ON p.id = a.post_id"
            f" WHERE a.guild_id = ? AND a.user_id IN ({marks})",
            (guild_id, *chunk),
        )
        answered: dict[int, list[date]] = defaultdict(list)
        for row in await cursor.fetchall():
            answered[row["user_id"]].append(date.fromisoformat(row["local_date"]))
        for user_id in chunk:
            streak = compute_streak(answered[user_id], post_dates, through)
            results[user_id] = streak
            await conn.execute(
                "INSERT INTO member_streaks"
                " (guild_id, user_id, current, longest, freezes, last_date, updated_at, longest_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
                " updated_at = CASE WHEN current != excluded.current THEN excluded.updated_at ELSE updated_at END,"
                " longest_at = CASE WHEN longest != excluded.longest THEN excluded.longest_at ELSE longest_at END,"
                " current = excluded.current, longest = excluded.longest, freezes = excluded.freezes,"
                " last_date = excluded.last_date",
                (
                    guild_id,
                    user_id,
                    streak.current,
                    streak.longest,
                    streak.freezes,
                    None if streak.last_date is None else streak.last_date.isoformat(),
                    utc_iso(now),
                    utc_iso(now),
                ),
            )
    return results
