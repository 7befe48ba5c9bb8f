"""Posting the daily question: the plain coroutine `post_daily(channel_id, now)`, catch-up and the cron jobs.

Exactly one post per channel and local date: the post is claimed in the database before it is sent and
released when sending fails (see bot.core.daily for the claim and lease rules), so a second scheduler fire,
a restart at the posting minute, a reconnect or another process running the same shards finds the claim and
does nothing. A process schedules only the channels of the servers on its shards (bot.core.shards). The
scheduler only calls `post_daily` with the bot's clock; tests call it with any `now`.

Failures: discord.py already retries 429s and some 5xx answers; a send that still fails releases the claim
and is retried here with backoff, then again a few minutes later while the grace window lasts. A channel
the bot may no longer post in is logged (WARNING) and tried again at the next time. A send whose answer
never came back (a crash, a time-out) may still have posted: before sending a claim that was tried before,
the channel's recent messages are searched for it (`_earlier_send`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

import aiohttp
import discord
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.cron import CronTrigger

from bot.cogs.daily import _render as render
from bot.cogs.daily import _views as views
from bot.core import daily
from bot.core.daily import DailyError
from bot.repos.daily import DailyChannel, DailyRepo, Post

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

JOB_PREFIX = "iq-daily:"
Status = Literal["posted", "exists", "not_due", "skipped", "stopped", "forbidden", "failed", "no_question"]
TRANSIENT = (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, asyncio.TimeoutError, OSError)
UNKNOWN_CHANNEL = 10003  # Discord's error code for a deleted channel
HISTORY_LOOKBACK = 100  # recent messages searched for a post an earlier try may have sent (one request)
# Scheduled and catch-up posts worked on at once. A thousand channels due in one minute all start together
# otherwise: their database work interleaves and the first request leaves seconds late, while the pacer
# (48 requests a second) would have kept sending. A few dozen keep it busy from the first second on.
POSTING_AT_ONCE = 32


@dataclass(frozen=True, slots=True)
class Outcome:
    """What `post_daily` did, and the post concerned when there is one."""

    status: Status
    post: Post | None = None


def job_id(channel_id: int) -> str:
    """Return the scheduler job id of a channel's daily post."""
    return f"{JOB_PREFIX}{channel_id}"


class DailyPoster:
    """Posts the daily questions and keeps one cron job per daily channel."""

    def __init__(self, bot: InterviewBot, repo: DailyRepo) -> None:
        self.bot = bot
        self.repo = repo
        # Names this run of the bot in its claims (a second fire of this run finds its own claim and waits).
        self.token = uuid.uuid4().hex
        self.retry_delays: tuple[float, ...] = (2.0, 5.0, 15.0)
        self.retry_later = 300.0
        self._later: dict[int, asyncio.Task[None]] = {}
        self._posting = asyncio.Semaphore(POSTING_AT_ONCE)

    @property
    def grace(self) -> timedelta:
        """How late a missed post may still go out."""
        return timedelta(hours=self.bot.config.daily.grace_hours)

    # -- scheduling ------------------------------------------------------------------------------------

    def schedule(self, channel: DailyChannel) -> None:
        """Add (or replace) the channel's cron job at its local time in its time zone."""
        trigger = CronTrigger(
            hour=channel.post_time.hour, minute=channel.post_time.minute, timezone=ZoneInfo(channel.timezone)
        )
        self.bot.scheduler.add_job(
            self.fire,
            trigger,
            args=[channel.channel_id],
            id=job_id(channel.channel_id),
            name=f"daily question in channel {channel.channel_id}",
            replace_existing=True,
            coalesce=True,
            # A late fire (a busy or suspended loop) is still a post within the grace window.
            misfire_grace_time=int(max(self.grace, daily.ON_TIME).total_seconds()),
        )

    def unschedule(self, channel_id: int) -> None:
        """Remove the channel's cron job and any pending retry."""
        with contextlib.suppress(JobLookupError):
            self.bot.scheduler.remove_job(job_id(channel_id))
        task = self._later.pop(channel_id, None)
        if task is not None:
            task.cancel()

    async def owned_channels(self) -> list[DailyChannel]:
        """Return the enabled daily channels of the servers on this process's shards."""
        return [c for c in await self.repo.channels() if self.bot.sharding.owns(c.guild_id)]

    async def rebuild(self) -> int:
        """Make the cron jobs match the database (the source of truth); return how many there are."""
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()
        channels = await self.owned_channels()
        for channel in channels:
            self.schedule(channel)
        return len(channels)

    def stop(self) -> None:
        """Remove every job and pending retry (the cog is unloading)."""
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()
        for task in self._later.values():
            task.cancel()
        self._later.clear()

    async def fire(self, channel_id: int) -> None:
        """Run by the scheduler: post the channel's question of now (failures are logged here)."""
        try:
            async with self._posting:
                # The clock is read once a slot is free: a late post is judged by when it goes out.
                await self.post_daily(channel_id, self.bot.clock())
        except Exception:
            log.exception("the daily post of channel %s failed", channel_id)

    async def catch_up(self, now: datetime) -> dict[int, Outcome]:
        """Post every owned channel's latest question that is missing and still within the grace window."""
        channels = await self.owned_channels()
        outcomes = await asyncio.gather(*(self._catch_up_one(c.channel_id, now) for c in channels))
        return {c.channel_id: o for c, o in zip(channels, outcomes, strict=True)}

    async def _catch_up_one(self, channel_id: int, now: datetime) -> Outcome:
        """Catch one channel up; a bug there is logged and does not stop the other channels."""
        try:
            async with self._posting:
                return await self.post_daily(channel_id, now)
        except Exception:
            log.exception("catching up the daily post of channel %s failed", channel_id)
            return Outcome("failed")

    # -- posting ----------------------------------------------------------------------------------------

    async def post_daily(self, channel_id: int, now: datetime, *, manual: bool = False) -> Outcome:
        """Post the channel's question due at `now` (manual: today's, at once) unless it is out already."""
        channel = await self.repo.channel(channel_id)
        if channel is None or not channel.enabled:
            return Outcome("stopped")
        if manual:
            day = daily.local_date(now, channel.timezone)
        else:
            day, slot = daily.due_slot(now, channel.post_time, channel.timezone)
            plan = daily.plan_post(now, slot, channel.set_at, self.grace)
            if plan == "wait":
                return Outcome("not_due")
            if plan == "skip":
                existing = await self.repo.post_on(channel_id, day)
                if existing is not None and existing.state == "posted":
                    return Outcome("exists", existing)
                log.warning(
                    "skipping the daily question of %s in channel %s: it was due at %s, more than %s ago",
                    day,
                    channel_id,
                    slot.isoformat(),
                    self.grace,
                )
                return Outcome("skipped")
        return await self._post_day(channel, day, now)

    async def _post_day(self, channel: DailyChannel, day: date, now: datetime) -> Outcome:
        """Claim, send and record the channel's post of `day`, retrying failed sends with backoff."""
        for attempt in range(len(self.retry_delays) + 1):
            post = await self.repo.claim(channel, day, self.token, now)
            if post is None:
                existing = await self.repo.post_on(channel.channel_id, day)
                if existing is not None and existing.state == "claimed" and existing.claim_token != self.token:
                    # Another process is sending it (or crashed doing so): look again when its lease is over.
                    wait = existing.claimed_at + daily.CLAIM_LEASE - now
                    self._retry_later(channel.channel_id, max(wait.total_seconds(), 0) + 1)
                return Outcome("exists", existing)
            # A claim that has its question already was tried before, by this run or by one that died: that send
            # may have arrived without its answer reaching the bot.
            tried = post.item is not None
            try:
                post = await self.repo.assign(post, self.bot.library, self.bot.rng)
                earlier = await self._earlier_send(channel, post) if tried else None
                message = earlier or await self._send(channel, post)
            except DailyError as exc:
                await self.repo.release(post)
                log.warning("no daily question to post in channel %s: %s", channel.channel_id, exc)
                return Outcome("no_question", post)
            except (discord.Forbidden, discord.NotFound) as exc:
                await self.repo.release(post)
                log.warning("cannot post the daily question in channel %s: %s", channel.channel_id, exc)
                if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_CHANNEL:
                    # The channel is gone: stop its daily question instead of failing every day.
                    await self.repo.disable_channel(channel.channel_id, channel.guild_id)
                    self.unschedule(channel.channel_id)
                    return Outcome("stopped", post)
                return Outcome("forbidden", post)
            except TRANSIENT as exc:
                await self.repo.release(post)
                if attempt == len(self.retry_delays):
                    log.warning(
                        "the daily post of channel %s failed again (%s); retrying later", channel.channel_id, exc
                    )
                    self._retry_later(channel.channel_id)
                    return Outcome("failed", post)
                delay = self.retry_delays[attempt]
                log.warning(
                    "the daily post of channel %s failed (%s); retrying in %.1f s", channel.channel_id, exc, delay
                )
                await asyncio.sleep(delay)
                continue
            except BaseException:
                # A bug or a shutdown mid-send: free the day for the next run rather than wait for the lease.
                with contextlib.suppress(Exception):
                    await self.repo.release(post)
                raise
            return await self._finish(channel, post, message, now)
        raise AssertionError("unreachable")  # pragma: no cover

    def _target(self, channel: DailyChannel) -> discord.abc.Messageable:
        found = self.bot.get_channel(channel.channel_id)
        if isinstance(found, discord.abc.Messageable):
            return found
        return self.bot.get_partial_messageable(channel.channel_id, guild_id=channel.guild_id)

    async def _send(self, channel: DailyChannel, post: Post) -> discord.Message:
        """Send the post with its buttons, revealing the channel's previous question."""
        previous = await self.past(channel.channel_id, before=post)
        embed = render.post_embed(self.bot.library, post, previous)
        view = views.post_view(self.bot.library, post)
        # The nonce (enforced by Discord for a few minutes) makes a retry of a send that did arrive return
        # that message instead of posting a second one.
        return await self._target(channel).send(embed=embed, view=view, nonce=f"iq-daily-{post.id}")

    async def _earlier_send(self, channel: DailyChannel, post: Post) -> discord.Message | None:
        """Find the post among the channel's recent messages, if an earlier try sent it; None if it is not there.

        The nonce covers a retry within Discord's few minutes only, and a restart may come hours later. The bot's
        own message names its post in its buttons' custom_ids.
        """
        me = self.bot.user
        try:
            async for message in self._target(channel).history(limit=HISTORY_LOOKBACK):
                if me is not None and message.author.id == me.id and views.shown_post(message) == post.id:
                    log.info("daily post %s was sent by an earlier try (message %s); recording it", post.id, message.id)
                    return message
        except discord.Forbidden as exc:
            log.warning(
                "cannot look for daily post %s in channel %s (%s): give me Read Message History there; sending it",
                post.id,
                channel.channel_id,
                exc,
            )
        return None

    async def _finish(self, channel: DailyChannel, post: Post, message: discord.Message, now: datetime) -> Outcome:
        if not await self.repo.mark_posted(post, message.id, now):
            log.warning("daily post %s was sent but its claim had been taken over", post.id)
        if message.thread is not None:  # found again after a restart, with its thread already open
            await self.repo.set_thread(post.id, message.thread.id)
        else:
            await self._open_thread(channel, post, message)
        await self.repo.settle_streaks(channel.guild_id, now)
        log.info("posted the daily question %s (%s) in channel %s", post.id, post.local_date, channel.channel_id)
        return Outcome("posted", await self.repo.post(post.id))

    async def _open_thread(self, channel: DailyChannel, post: Post, message: discord.Message) -> None:
        """Open the public discussion thread where the bot may; otherwise go without one."""
        parent = self.bot.get_channel(channel.channel_id)
        if not isinstance(parent, discord.TextChannel):
            return
        if not parent.permissions_for(parent.guild.me).create_public_threads:
            log.info("no discussion thread in channel %s: no Create Public Threads permission", channel.channel_id)
            return
        try:
            thread = await message.create_thread(name=render.thread_name(post), auto_archive_duration=1440)
        except discord.HTTPException as exc:
            log.info("no discussion thread for daily post %s: %s", post.id, exc)
            return
        await self.repo.set_thread(post.id, thread.id)

    def _retry_later(self, channel_id: int, delay: float | None = None) -> None:
        """Try the channel's post again in a few minutes, or `delay` seconds (not dropped while the grace lasts)."""
        if channel_id in self._later and not self._later[channel_id].done():
            return

        async def retry() -> None:
            await asyncio.sleep(self.retry_later if delay is None else delay)
            self._later.pop(channel_id, None)
            await self.fire(channel_id)

        self._later[channel_id] = asyncio.create_task(retry(), name=f"daily-retry-{channel_id}")

    # -- reading ----------------------------------------------------------------------------------------

    async def next_post_time(self, channel: DailyChannel, now: datetime) -> datetime:
        """Return when the channel posts next (a day already posted early with /daily post is passed over)."""
        upcoming = daily.next_slot(now, channel.post_time, channel.timezone)
        day = daily.local_date(upcoming, channel.timezone)
        existing = await self.repo.post_on(channel.channel_id, day)
        if existing is not None and existing.state == "posted":
            upcoming = daily.next_slot(upcoming, channel.post_time, channel.timezone)
        return upcoming

    async def past(self, channel_id: int, *, before: Post) -> render.PastPost | None:
        """Return the channel's post before `before` with its answer counts, for the reveal."""
        found = await self.repo.posted(channel_id, before=before.local_date)
        return await self.with_counts(found[0]) if found else None

    async def with_counts(self, post: Post) -> render.PastPost:
        """Return a post with its option or rating counts."""
        if post.is_choice:
            counts = await self.repo.choice_counts(post)
            return render.PastPost(post, counts, sum(counts))
        answered, ratings = await self.repo.rating_counts(post.id)
        return render.PastPost(post, (), answered, ratings)
