"""Group battles in a channel: the lobby, timed rounds with answer buttons, the podium, and `/quiz stop`.

The entry points are plain functions that `/quiz battle` and `/quiz stop` (in `bot.cogs.quiz`) call:
`open_battle` and `stop_battle`. `_battles` holds the battles in progress (the `Battles` cog), `_runner` drives
each one from its lobby to its podium, `_views` holds the buttons and what a click does, `_render` what the
channel sees. The database referees every click (see `bot.repos.battle`).

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

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot.cogs.options import resolve_chapter
from bot.cogs.quiz.battle._battles import Battles, battles, check_may_run
from bot.cogs.quiz.battle._render import lobby_embed, lobby_status
from bot.cogs.quiz.battle._runner import BattleRunner, announce_interrupted
from bot.cogs.quiz.battle._views import DYNAMIC_ITEMS, lobby_view
from bot.content.models import Chapter
from bot.core.battle import Scoring
from bot.core.choices import quiz_terms
from bot.core.errors import BotError
from bot.ui import in_time, missing_permissions, permission_names, send

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

__all__ = ["DYNAMIC_ITEMS", "battles", "install", "open_battle", "stop_battle"]

log = logging.getLogger(__name__)


async def open_battle(
    bot: InterviewBot, interaction: BotInteraction, chapter: str | None, rounds: int, seconds: int, scoring: Scoring
) -> None:
    """Open a battle's lobby in the channel (`/quiz battle`) and start its task."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise BotError("Battles happen in a server channel. Try `/quiz solo` here instead.")
    _check_bot_can_post(interaction)
    found = _chapter_with(bot, chapter, rounds)
    cog = battles(bot)
    now = bot.clock()
    creating = cog.repo.create(
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        host_id=interaction.user.id,
        chapter_key=found.key if found else None,
        rounds=rounds,
        seconds=seconds,
        scoring=scoring,
        now=now,
        lobby_until=now + timedelta(seconds=bot.config.quiz.lobby_seconds),
    )
    battle = await in_time(interaction, creating, ephemeral=False)
    try:
        embed = lobby_embed(battle, found, [], lobby_status(battle))
        message_id = await send(interaction, embed=embed, view=lobby_view(battle.id), ephemeral=False)
    except BaseException:
        await cog.repo.end(battle.id, "error", now)  # free the channel: nobody saw this lobby
        raise
    assert message_id is not None
    await cog.repo.set_lobby_message(battle.id, message_id)
    runner = BattleRunner(cog, battle, message_id)
    cog.live[battle.id] = runner
    runner.launch()


def _chapter_with(bot: InterviewBot, text: str | None, rounds: int) -> Chapter | None:
    """Resolve the chapter option; refuse one with fewer terms than rounds (no term is asked twice)."""
    found = resolve_chapter(bot.library, text)
    pool = len(quiz_terms(bot.library, found, ("definition",)))
    if pool < rounds:
        where = f"Chapter {found.number}" if found else "The content"
        raise BotError(f"{where} has {pool} terms to ask about: choose at most {pool} rounds.")
    return found


async def stop_battle(bot: InterviewBot, interaction: BotInteraction) -> None:
    """End the channel's battle, keeping the points of its closed rounds (`/quiz stop`)."""
    cog = battles(bot)
    battle = await in_time(interaction, cog.repo.active_in(interaction.channel_id or 0))
    if battle is None:
        raise BotError("There is no battle in this channel.")
    check_may_run(interaction, battle, "stop")
    live = cog.live.get(battle.id)
    if live is not None:
        live.stopping.set()
    else:  # not run by this process (cannot happen after start-up's clean-up, but never leave it stuck)
        await in_time(interaction, cog.repo.end(battle.id, "stopped", bot.clock()))
    if battle.state == "lobby":
        text = "Calling the battle off before it starts."
    else:
        text = "Stopping the battle. The points of finished rounds are kept; the final standings follow."
    await send(interaction, text)


def _check_bot_can_post(interaction: discord.Interaction) -> None:
    """Refuse a battle where the bot could not post its rounds."""
    perms = interaction.app_permissions
    channel_type = getattr(interaction.channel, "type", None)
    threads = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)
    send = "send_messages_in_threads" if channel_type in threads else "send_messages"
    missing = missing_permissions(perms, ("view_channel", send, "embed_links"))
    if missing:
        raise BotError(f"I need the {permission_names(missing)} permission here to run a battle.")


async def install(bot: InterviewBot) -> None:
    """Load the battle machinery, and end the battles a previous run left unfinished (called from `setup`).

    Their channels are told once the bot is connected.
    """
    cog = Battles(bot)
    await bot.add_cog(cog)
    interrupted = await cog.repo.end_interrupted(bot.clock(), bot.sharding)
    if interrupted:
        log.info("ended %d battle(s) interrupted by a restart", len(interrupted))
        cog.in_background(announce_interrupted(cog, interrupted), name="battle-interrupted")
