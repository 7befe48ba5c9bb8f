"""The battles in progress: the `Battles` cog holds each one's controls and the timings every battle uses.

A battle in progress is a `LiveBattle` here, what its commands and buttons may touch (Start, Stop, a player
joining, the open round, the players' "Locked in" replies) and its lobby message, and a `BattleRunner` in
`_runner`, the task that drives it.
This cog has no commands (`/quiz battle` and `/quiz stop` are in the `/quiz` group) and shows no buttons;
`_views` does, and reaches it with `battles(bot)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.cogs.quiz.battle._render import lobby_embed, lobby_status
from bot.content.models import Chapter
from bot.core.errors import NotAllowed
from bot.repos.battle import Battle, BattleRepo
from bot.ui import loaded_cog

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

SleepUntil = Callable[[datetime], Awaitable[None]]

# "Locked in" replies kept per round, to be edited into each player's result when it closes: a bound on the
# memory a crowd can take (players beyond it keep their "Locked in"; the top 5 and My rank still show them).
MAX_REPLIES = 1000


def clock_sleeper(clock: Callable[[], datetime]) -> SleepUntil:
    """Return a `sleep_until(deadline)` that sleeps until the clock reads `deadline`."""

    async def sleep_until(deadline: datetime) -> None:
        remaining = (deadline - clock()).total_seconds()
        if remaining > 0:
            await asyncio.sleep(remaining)

    return sleep_until


class Battles(commands.Cog, name="Battles"):
    """Every battle of this bot: the ones in progress, their repository and their timings."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = BattleRepo(bot.db)
        self.live: dict[int, LiveBattle] = {}
        # Replaceable for tests, which then run rounds without waiting for wall-clock deadlines.
        self.sleep_until: SleepUntil = clock_sleeper(bot.clock)
        self.break_seconds = 5  # between a round's results and the next question
        self.lobby_refresh_seconds = 2.0  # joins are shown in the lobby at most this often (edits are rate-limited)
        # Players' private results are edits of their interactions' replies: a webhook route, outside the bot's
        # global rate limit, but a crowd of 500 still gets them this many at a time, from every battle together.
        self.result_edits = asyncio.Semaphore(25)
        self._background: set[asyncio.Task[None]] = set()

    async def cog_unload(self) -> None:
        """Stop every battle task (their battles end at the next start-up)."""
        tasks = [b.task for b in self.live.values() if b.task] + list(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` as a task that stops with this cog."""
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settled(self) -> None:
        """Wait until the background work in flight (players' results, notices) is done."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def chapter(self, battle: Battle) -> Chapter | None:
        """Return a battle's chapter (None: every chapter)."""
        return self.bot.library.chapters.get(battle.chapter_key) if battle.chapter_key else None


def battles(bot: InterviewBot) -> Battles:
    """Return the bot's battles."""
    return loaded_cog(bot, Battles, "Battles")


class LockedIn:
    """A player's "Locked in" reply to their first click in a round, which the round's close edits into their result.

    Only the interaction is kept (its token may edit the reply for 15 minutes), in memory: after a restart the
    replies stay "Locked in", which is acceptable since the restart ends the battle and says so in the channel.
    """

    def __init__(self, interaction: discord.Interaction[Any]) -> None:
        self.interaction = interaction
        self._sent: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def settle(self, sent: bool) -> None:
        """Record whether the reply was sent (only a sent reply can be edited)."""
        if not self._sent.done():
            self._sent.set_result(sent)

    async def sent(self, within: float) -> bool:
        """Wait until the reply is sent (the close may come while it is on its way); False if it never is."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._sent), within)
        except TimeoutError:
            return False


def check_may_run(interaction: discord.Interaction, battle: Battle, action: str) -> None:
    """Let the host, or anyone who may manage messages here, start or stop a battle."""
    if interaction.user.id != battle.host_id and not interaction.permissions.manage_messages:
        raise NotAllowed(f"Only the host (<@{battle.host_id}>) or someone with Manage Messages can {action} it.")


class LiveBattle:
    """A battle in progress as its commands and buttons see it: Start, Stop, joins, the open round, the lobby.

    `BattleRunner` (in `_runner`) is the task that takes it through its rounds.
    """

    def __init__(self, battles: Battles, battle: Battle, lobby_message: int) -> None:
        self.battles = battles
        self.bot = battles.bot
        self.repo = battles.repo
        self.battle = battle
        self.channel = self.bot.get_partial_messageable(battle.channel_id, guild_id=battle.guild_id)
        self.lobby = self.channel.get_partial_message(lobby_message)
        self.start_now = asyncio.Event()
        self.stopping = asyncio.Event()
        self.in_lobby = True
        self.task: asyncio.Task[None] | None = None
        self._current: tuple[int, datetime] | None = None  # the open round's number and start
        self._replies: dict[int, dict[int, LockedIn]] = {}  # round → player → their "Locked in" reply
        self._replies_taken = 0  # the rounds up to this one have closed and taken their replies
        self._lobby_lock = asyncio.Lock()
        self._dirty = False
        self._refresher: asyncio.Task[None] | None = None

    def opened(self, number: int) -> tuple[datetime, int] | None:
        """Return round `number`'s start and seconds while it is open."""
        if self._current is None or self._current[0] != number:
            return None
        return self._current[1], self.battle.seconds

    def locked_in(self, number: int, interaction: discord.Interaction[Any]) -> LockedIn | None:
        """Keep a player's reply to their first click in round `number`, to tell them their result at its close.

        None when the round has already closed (the click's reply lost the race with it) or too many are kept.
        """
        if number <= self._replies_taken:
            return None
        replies = self._replies.setdefault(number, {})
        if len(replies) >= MAX_REPLIES:
            return None
        reply = replies[interaction.user.id] = LockedIn(interaction)
        return reply

    def take_replies(self, number: int) -> dict[int, LockedIn]:
        """Return the replies of round `number`, which has closed, by player; no more are kept for it."""
        self._replies_taken = max(self._replies_taken, number)
        return self._replies.pop(number, {})

    def lobby_changed(self) -> None:
        """Show the new player list soon; joins arriving meanwhile share one edit."""
        self._dirty = True
        if self.in_lobby and (self._refresher is None or self._refresher.done()):
            self._refresher = asyncio.create_task(self._refresh_lobby())

    async def _refresh_lobby(self) -> None:
        while self._dirty:
            await asyncio.sleep(self.battles.lobby_refresh_seconds)
            self._dirty = False
            async with self._lobby_lock:
                if not self.in_lobby:
                    return
                await self._edit_lobby(lobby_status(self.battle))

    async def _edit_lobby(self, status: str, view: discord.ui.View | None = discord.utils.MISSING) -> None:
        """Show the players and `status` on the lobby; replace its buttons if `view` is given.

        Best effort: the battle goes on without its lobby (a moderator may delete it to tidy the channel).
        """
        players = [p.user_id for p in await self.repo.players(self.battle.id)]
        embed = lobby_embed(self.battle, self.battles.chapter(self.battle), players, status)
        try:
            await self.lobby.edit(embed=embed, view=view)
        except discord.HTTPException as exc:
            log.warning("could not update the lobby of battle %s: %s", self.battle.id, exc)
