"""Daily-question storage: channel settings, claimed and sent posts, answers and member streaks."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, time

from bot.content.index import Library
from bot.core.daily import CLAIM_LEASE, DailyError, Kind, Rating, choose_item
from bot.core.errors import AlreadyAnswered
from bot.db import Database, utc_iso
from bot.repos.daily._rows import Answer, DailyChannel, Post, Recorded, StreakRow
from bot.repos.daily._streaks import over_through_date, refresh_streaks
from bot.repos.scores import ScoreEvent, insert_score

__all__ = [
    "Answer",
    "DailyChannel",
    "DailyRepo",
    "Post",
    "PostClosed",
    "Recorded",
    "StreakRow",
]

# Whether the channel has posted a question dated after the post's: that closes the post's answers.
_LATER_POST = "SELECT 1 FROM daily_posts WHERE channel_id = ? AND state = 'posted' AND local_date > ? LIMIT 1"


class PostClosed(DailyError):
    """The post's answers closed when its channel's next question was posted."""


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
        row = await self.db.read_fetchone("SELECT * FROM daily_channels WHERE channel_id = ?", (channel_id,))
        return None if row is None else DailyChannel.from_row(row)

    async def channels(self, guild_id: int | None = None) -> list[DailyChannel]:
        """Return the enabled daily channels, of one server or of all."""
        if guild_id is None:
            rows = await self.db.read_fetchall("SELECT * FROM daily_channels WHERE enabled = 1 ORDER BY channel_id")
        else:
            rows = await self.db.read_fetchall(
                "SELECT * FROM daily_channels WHERE guild_id = ? AND enabled = 1 ORDER BY channel_id", (guild_id,)
            )
        return [DailyChannel.from_row(r) for r in rows]

    # -- posts: claim, assign, send, release --------------------------------------------------------------

    async def claim(self, channel: DailyChannel, day: date, token: str, now: datetime) -> Post | None:
        """Claim the channel's post of `day` for this bot run; None when it is posted or being posted.

        A failed (released) claim is claimed again; a 'claimed' one only once it is older than the lease,
        whoever made it (see bot.core.daily). A re-claimed post keeps its id and question. One statement: of
        processes claiming at once, exactly one gets the post.
        """
        row = await self.db.fetchone(
            "INSERT INTO daily_posts (channel_id, guild_id, local_date, state, claim_token, claimed_at)"
            " VALUES (?, ?, ?, 'claimed', ?, ?)"
            " ON CONFLICT (channel_id, local_date) DO UPDATE SET state = 'claimed',"
            " claim_token = excluded.claim_token, claimed_at = excluded.claimed_at"
            " WHERE daily_posts.state = 'failed' OR (daily_posts.state = 'claimed' AND daily_posts.claimed_at < ?)"
            " RETURNING *",
            (channel.channel_id, channel.guild_id, day.isoformat(), token, utc_iso(now), utc_iso(now - CLAIM_LEASE)),
        )
        return None if row is None else Post.from_row(row)

    async def assign(self, post: Post, library: Library, rng: random.Random) -> Post:
        """Give a claimed post its question (kept if it has one), advancing the channel's cycle when needed.

        The core's `choose_item` runs inside the transaction, so two posts of one channel never take the same item.
        """
        if post.item is not None:
            return post
        async with self.db.transaction() as conn:
            cursor = await conn.execute("SELECT * FROM daily_channels WHERE channel_id = ?", (post.channel_id,))
            settings = await cursor.fetchone()
            assert settings is not None  # channels are never deleted: stopping one only disables it
            channel = DailyChannel.from_row(settings)
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
            chosen = choose_item(
                library,
                channel.kind,
                channel.chapters,
                cycle=channel.cycle,
                seed=channel.cycle_seed,
                used=used,
                rng=rng,
                last_item=last["item"] if last else None,
            )
            if (chosen.cycle, chosen.seed) != (channel.cycle, channel.cycle_seed):
                await conn.execute(
                    "UPDATE daily_channels SET cycle = ?, cycle_seed = ? WHERE channel_id = ?",
                    (chosen.cycle, chosen.seed, post.channel_id),
                )
            cursor = await conn.execute(
                "UPDATE daily_posts SET item = ?, cycle = ?, options = ?, answer = ? WHERE id = ? RETURNING *",
                (chosen.item, chosen.cycle, ",".join(chosen.options) or None, chosen.answer, post.id),
            )
            assigned = await cursor.fetchone()
            assert assigned is not None  # posts are never deleted
            return Post.from_row(assigned)

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
        row = await self.db.read_fetchone("SELECT * FROM daily_posts WHERE id = ?", (post_id,))
        return None if row is None else Post.from_row(row)

    async def post_on(self, channel_id: int, day: date) -> Post | None:
        """Return the channel's post of a local date, in whatever state."""
        row = await self.db.read_fetchone(
            "SELECT * FROM daily_posts WHERE channel_id = ? AND local_date = ?", (channel_id, day.isoformat())
        )
        return None if row is None else Post.from_row(row)

    async def posted(self, channel_id: int, *, before: date | None = None, limit: int = 1) -> list[Post]:
        """Return the channel's sent posts, newest first (only those dated before `before` if given)."""
        rows = await self.db.read_fetchall(
            "SELECT * FROM daily_posts WHERE channel_id = ? AND state = 'posted' AND local_date < ?"
            " ORDER BY local_date DESC LIMIT ?",
            (channel_id, (before or date.max).isoformat(), limit),
        )
        return [Post.from_row(r) for r in rows]

    async def is_closed(self, post: Post) -> bool:
        """Tell whether the channel has posted a later question (which closes this one's answers)."""
        row = await self.db.read_fetchone(_LATER_POST, (post.channel_id, post.local_date.isoformat()))
        return row is not None

    # -- answers ----------------------------------------------------------------------------------------

    async def answer(self, post_id: int, user_id: int) -> Answer | None:
        """Return a member's answer to a post."""
        row = await self.db.read_fetchone(
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
            cursor = await conn.execute(_LATER_POST, (post.channel_id, post.local_date.isoformat()))
            if await cursor.fetchone() is not None:
                raise PostClosed("This question is closed.")
            cursor = await conn.execute(
                "INSERT INTO daily_answers (post_id, guild_id, user_id, choice, correct, answer_text, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING RETURNING *",
                (post.id, post.guild_id, user_id, choice, graded, text, utc_iso(now)),
            )
            row = await cursor.fetchone()
            if row is None:
                raise AlreadyAnswered("You already answered this daily question; only your first answer counts.")
            earned = points if correct is not False else 0
            await insert_score(
                conn, ScoreEvent(post.guild_id, user_id, "daily", f"post:{post.id}", earned, correct, now)
            )
            streaks = await refresh_streaks(conn, post.guild_id, [user_id], now)
        return Recorded(Answer.from_row(row), earned, streaks[user_id])

    async def rate(self, post_id: int, user_id: int, rating: Rating, now: datetime) -> bool:
        """Store a member's self-rating of their open answer; False if they have no open answer to rate."""
        changed = await self.db.execute(
            "UPDATE daily_answers SET rating = ?, rated_at = ? WHERE post_id = ? AND user_id = ? AND choice IS NULL",
            (rating, utc_iso(now), post_id, user_id),
        )
        return changed == 1

    async def choice_counts(self, post: Post) -> tuple[int, ...]:
        """Return how many members chose each option of a multiple-choice post."""
        rows = await self.db.read_fetchall(
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
        rows = await self.db.read_fetchall(
            "SELECT rating, count(*) AS n FROM daily_answers WHERE post_id = ? GROUP BY rating", (post_id,)
        )
        total = sum(r["n"] for r in rows)
        return total, {r["rating"]: r["n"] for r in rows if r["rating"] is not None}

    async def answers_since(self, guild_id: int, user_id: int, since: datetime) -> int:
        """Count a member's daily answers in a server since a moment."""
        row = await self.db.read_fetchone(
            "SELECT count(*) FROM daily_answers WHERE guild_id = ? AND user_id = ? AND answered_at >= ?",
            (guild_id, user_id, utc_iso(since)),
        )
        return int(row[0]) if row else 0

    # -- streaks ----------------------------------------------------------------------------------------

    async def streak(self, guild_id: int, user_id: int) -> StreakRow | None:
        """Return a member's stored streak in a server."""
        row = await self.db.read_fetchone(
            "SELECT * FROM member_streaks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return None if row is None else StreakRow.from_row(row)

    async def settle_streaks(self, guild_id: int, now: datetime) -> int:
        """Bring streaks up to date with the days that are over (after a post); return how many changed."""
        async with self.db.transaction() as conn:
            through = await over_through_date(conn, guild_id)
            if through is None:
                return 0
            cursor = await conn.execute(
                "SELECT user_id, current, freezes FROM member_streaks"
                " WHERE guild_id = ? AND current > 0 AND last_date < ?",
                (guild_id, through.isoformat()),
            )
            before = {r["user_id"]: (r["current"], r["freezes"]) for r in await cursor.fetchall()}
            if not before:
                return 0
            after = await refresh_streaks(conn, guild_id, list(before), now)
        return sum(1 for user, stored in before.items() if stored != (after[user].current, after[user].freezes))
