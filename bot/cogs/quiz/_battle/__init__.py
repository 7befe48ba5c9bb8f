"""Group battles in a channel: the lobby, timed rounds with answer buttons, the podium, and `/quiz stop`.

`Battles` (here) answers the commands and buttons; `_runner` drives each battle from its lobby to its podium;
`_buttons` holds the buttons, `_render` the embeds. The database referees every click (see
`bot.repos.battle`).

Decisions the spec left open:
- The host does not join automatically (they may be a moderator running the battle): they press Join too.
  A lobby with nobody in it at its deadline closes politely; Start with nobody in it is refused.
- Late joining: until the first round closes, the lobby's Join button still works, and a newcomer who
  clicks an answer in round 1 joins with that answer counted. From round 2 on a newcomer is told privately
  that joining closed with the first round.
- Equal battle points share a place (a tie in a quiz is a tie); the server leaderboard breaks ties.
- A stopped or interrupted battle keeps the points of its closed rounds; the round that was open when it
  stopped scores nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cogs.options import resolve_chapter
from bot.cogs.quiz._battle._buttons import (
    COG_NAME,
    DYNAMIC_ITEMS,
    AnswerButton,
    battles,
    label_of,
    lobby_view,
    rank_view,
)
from bot.cogs.quiz._battle._render import final_embed, lobby_embed, lobby_status, stopped_round_embed
from bot.cogs.quiz._battle._runner import BattleRunner, SleepUntil, clock_sleeper
from bot.content.models import Chapter
from bot.core.battle import Scoring, ordinal
from bot.core.errors import BotError, NotAllowed
from bot.repos.battle import Battle, BattleRepo, Click, Join
from bot.ui import LETTERS, missing_permissions, permission_names, reply_privately

if TYPE_CHECKING:
    from bot.app import InterviewBot

__all__ = ["Battles", "battles", "install"]

log = logging.getLogger(__name__)

_CLICK_REPLIES = {
    Click.RECORDED: "Locked in: **{label}**. You'll see how you did when the round closes.",
    Click.JOINED: "You joined the battle, and your answer **{label}** is locked in. Good luck!",
    Click.ALREADY: "You already answered **{label}**: only your first click counts.",
    Click.CLOSED: "This round is closed.",
    Click.NOT_PLAYER: "Joining closed when the first round ended. Watch this one, and join the next battle!",
}
_JOIN_REPLIES = {
    Join.JOINED: "You're in! Answer the questions as they appear: the first click counts.",
    Join.ALREADY: "You're already in this battle.",
    Join.CLOSED: "Joining closed when the first round ended (or the battle is over). Join the next one!",
}


class Battles(commands.Cog, name=COG_NAME):
    """Every battle of this bot: creates them, runs one task per battle and answers their buttons.

    A cog without commands (`/quiz battle` and `/quiz stop` live in the `/quiz` group and delegate here), so
    it loads and unloads with the bot.
    """

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = BattleRepo(bot.db)
        self.runners: dict[int, BattleRunner] = {}
        # Replaceable for tests, which then run rounds without waiting for wall-clock deadlines.
        self.sleep_until: SleepUntil = clock_sleeper(bot.clock)
        self.break_seconds = 5  # between a round's results and the next question
        self.lobby_refresh_seconds = 2.0  # joins are shown in the lobby at most this often (edits are rate-limited)
        self.ack_within = 1.5  # seconds a click waits for its write before deferring (Discord allows 3)
        self._announcer: asyncio.Task | None = None

    async def cog_load(self) -> None:
        """Register the buttons, and end the battles a previous run left unfinished (announced once ready)."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        interrupted = await self.repo.end_interrupted(self.bot.clock())
        if interrupted:
            log.info("ended %d battle(s) interrupted by a restart", len(interrupted))
            self._announcer = asyncio.create_task(self._announce_interrupted(interrupted), name="battle-interrupted")

    async def cog_unload(self) -> None:
        """Stop every battle task (their battles end at the next start-up) and unregister the buttons."""
        tasks = [r.task for r in self.runners.values() if r.task] + ([self._announcer] if self._announcer else [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    async def _announce_interrupted(self, interrupted: list[Battle]) -> None:
        await self.bot.wait_until_ready()
        for battle in interrupted:
            try:
                await self._announce_one(battle)
            except discord.HTTPException as exc:
                log.warning(
                    "could not announce interrupted battle %s in channel %s: %s", battle.id, battle.channel_id, exc
                )

    async def _announce_one(self, battle: Battle) -> None:
        """Tell a channel its battle ended with the restart, and take the buttons off what was left open."""
        channel = self.bot.get_partial_messageable(battle.channel_id, guild_id=battle.guild_id)
        if battle.current_round == 0:
            if battle.lobby_message is not None:
                players = [p.user_id for p in await self.repo.players(battle.id)]
                status = "The bot restarted before this battle began."
                embed = lobby_embed(battle, self.chapter(battle), players, status)
                await _take_buttons_off(channel, battle.lobby_message, embed)
            await channel.send(
                "⚠️ The bot restarted before this channel's battle began. Start a new one with `/quiz battle`."
            )
            return
        left_open = await self.repo.get_round(battle.id, battle.current_round)
        if left_open is not None and left_open.closed_at is None and left_open.message_id is not None:
            why = "The bot restarted before this round closed."
            embed = stopped_round_embed(battle, left_open.number, why)
            await _take_buttons_off(channel, left_open.message_id, embed)
        rows = await self.repo.standings(battle.id)
        finished = await self.repo.finished_rounds(battle.id)
        await channel.send(embed=final_embed(battle, rows, "restart", finished), view=rank_view(battle.id))

    def chapter(self, battle: Battle) -> Chapter | None:
        """Return a battle's chapter (None: every chapter)."""
        return self.bot.library.chapters.get(battle.chapter_key) if battle.chapter_key else None

    # -- commands

    async def open(
        self, interaction: discord.Interaction, chapter: str | None, rounds: int, seconds: int, scoring: Scoring
    ) -> None:
        """Open a battle's lobby in the channel (`/quiz battle`)."""
        if interaction.guild_id is None or interaction.channel_id is None:
            raise BotError("Battles happen in a server channel. Try `/quiz solo` here instead.")
        _check_bot_can_post(interaction)
        found = self._chapter_with(chapter, rounds)
        now = self.bot.clock()
        battle = await self.repo.create(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            host_id=interaction.user.id,
            chapter_key=found.key if found else None,
            rounds=rounds,
            seconds=seconds,
            scoring=scoring,
            now=now,
            lobby_until=now + timedelta(seconds=self.bot.config.quiz.lobby_seconds),
        )
        try:
            embed = lobby_embed(battle, found, [], lobby_status(battle))
            sent = await interaction.response.send_message(embed=embed, view=lobby_view(battle.id))
        except BaseException:
            await self.repo.end(battle.id, "error", now)  # free the channel: nobody saw this lobby
            raise
        assert sent.message_id is not None
        await self.repo.set_lobby_message(battle.id, sent.message_id)
        runner = BattleRunner(self, battle, sent.message_id)
        self.runners[battle.id] = runner
        runner.launch()

    def _chapter_with(self, text: str | None, rounds: int) -> Chapter | None:
        """Resolve the chapter option; refuse one with fewer terms than rounds (no term is asked twice)."""
        found = resolve_chapter(self.bot.library, text)
        pool = len(self.bot.library.terms_in(found)) if found else len(self.bot.library.terms)
        if pool < rounds:
            where = f"Chapter {found.number}" if found else "The content"
            raise BotError(f"{where} has {pool} terms: choose at most {pool} rounds.")
        return found

    async def stop(self, interaction: discord.Interaction) -> None:
        """End the channel's battle, keeping the points of its closed rounds (`/quiz stop`)."""
        battle = await self.repo.active_in(interaction.channel_id or 0)
        if battle is None:
            raise BotError("There is no battle in this channel.")
        _check_may_run(interaction, battle, "stop")
        runner = self.runners.get(battle.id)
        if runner is not None:
            runner.stopping.set()
        else:  # not run by this process (cannot happen after start-up's clean-up, but never leave it stuck)
            await self.repo.end(battle.id, "stopped", self.bot.clock())
        if battle.state == "lobby":
            text = "Calling the battle off before it starts."
        else:
            text = "Stopping the battle. The points of finished rounds are kept; the final standings follow."
        await interaction.response.send_message(text, ephemeral=True)

    # -- buttons

    async def join(self, interaction: discord.Interaction, battle_id: int) -> None:
        """Add the clicker to a battle."""
        result = await self.repo.join(battle_id, interaction.user.id, self.bot.clock())
        runner = self.runners.get(battle_id)
        if result is Join.JOINED and runner is not None:
            runner.lobby_changed()
        await interaction.response.send_message(_JOIN_REPLIES[result], ephemeral=True)

    async def start(self, interaction: discord.Interaction, battle_id: int) -> None:
        """Start a battle from its lobby now."""
        battle = await self.repo.get(battle_id)
        runner = self.runners.get(battle_id)
        if battle is None or battle.state != "lobby" or runner is None:
            raise BotError("This battle has already started or is over.")
        _check_may_run(interaction, battle, "start")
        if not await self.repo.players(battle_id):
            raise BotError("Nobody has joined yet: press Join first (you too, if you want to play).")
        runner.start_now.set()
        await interaction.response.defer()

    async def answer(self, interaction: discord.Interaction, battle_id: int, number: int, choice: int) -> None:
        """Record a click on an answer and acknowledge it privately, without telling whether it is right."""
        now = self.bot.clock()
        runner = self.runners.get(battle_id)
        opened = runner.opened(number) if runner else None
        write = asyncio.ensure_future(
            self.repo.record_answer(battle_id, number, interaction.user.id, choice, now, opened)
        )
        # The write normally takes milliseconds; if the database is ever slow, acknowledge in time anyway.
        done, _ = await asyncio.wait({write}, timeout=self.ack_within)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await write
        counted = outcome.choice if outcome.choice is not None else choice
        custom_id = AnswerButton.make_id(battle=battle_id, round=number, choice=counted)
        label = label_of(interaction.message, custom_id) or LETTERS[counted]
        await reply_privately(interaction, _CLICK_REPLIES[outcome.status].format(label=label))

    async def my_rank(self, interaction: discord.Interaction, battle_id: int) -> None:
        """Tell the clicker their place in a battle."""
        rows = await self.repo.standings(battle_id)
        mine = next((s for s in rows if s.user_id == interaction.user.id), None)
        if mine is None:
            raise BotError("You did not play in this battle.")
        finished = await self.repo.finished_rounds(battle_id)
        tied = sum(s.place == mine.place for s in rows) > 1
        text = (
            f"You placed **{ordinal(mine.place)}**{' (tied)' if tied else ''} of {len(rows)} "
            f"with **{mine.points:,}** points ({mine.correct}/{finished} right)."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def install(bot: InterviewBot) -> None:
    """Load the battle machinery (called from `bot.cogs.quiz.setup`)."""
    await bot.add_cog(Battles(bot))


async def _take_buttons_off(channel: discord.PartialMessageable, message_id: int, embed: discord.Embed) -> None:
    """Show `embed` without buttons on a message; best effort (a moderator may have deleted it)."""
    try:
        await channel.get_partial_message(message_id).edit(embed=embed, view=None)
    except discord.HTTPException as exc:
        log.warning("could not update message %s in channel %s: %s", message_id, channel.id, exc)


def _check_may_run(interaction: discord.Interaction, battle: Battle, action: str) -> None:
    """Let the host, or anyone who may manage messages here, start or stop a battle."""
    if interaction.user.id != battle.host_id and not interaction.permissions.manage_messages:
        raise NotAllowed(f"Only the host (<@{battle.host_id}>) or someone with Manage Messages can {action} it.")


def _check_bot_can_post(interaction: discord.Interaction) -> None:
    """Refuse a battle where the bot could not post its rounds."""
    perms = interaction.app_permissions
    channel_type = getattr(interaction.channel, "type", None)
    threads = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)
    send = "send_messages_in_threads" if channel_type in threads else "send_messages"
    missing = missing_permissions(perms, ("view_channel", send, "embed_links"))
    if missing:
        raise BotError(f"I need the {permission_names(missing)} permission here to run a battle.")
