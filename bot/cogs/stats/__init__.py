"""`/stats [member]`: a picture of a member's practice, with the same facts as text beside it.

The picture shows the activity calendar, streaks, points, accuracy, mastery and cards due; the text says the
same for screen readers.

Points and accuracy are this server's (score_events); streaks are the daily feature's (`DailyRepo`); review
cards and mastery belong to the member wherever they practise. See `bot.core.stats.ACTIVITY_SCOPE`. The
picture is drawn by `bot.render.stats_image`, the text beside it by `_render`.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.stats._render import stats_embed
from bot.core.errors import BotError
from bot.core.mastery import chapter_mastery
from bot.core.stats import MemberStats, calendar
from bot.render.stats_image import render_stats
from bot.repos.daily import DailyRepo
from bot.repos.interview import InterviewRepo
from bot.repos.review import ReviewRepo
from bot.repos.stats import StatsRepo
from bot.ui import MemberCooldown

if TYPE_CHECKING:
    from bot.app import InterviewBot

FILENAME = "stats.png"


class Stats(commands.Cog):
    """Members' statistics."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.practice = ReviewRepo(bot.db)
        self.stats = StatsRepo(bot.db)
        self.daily = DailyRepo(bot.db)

    async def gather(self, guild_id: int, member: discord.abc.User) -> MemberStats:
        """Collect a member's facts from the database at the bot's current time."""
        now = self.bot.clock()
        today = now.date()
        since = datetime.combine(calendar(today)[0][0], time(), tzinfo=UTC)  # the calendar's first day
        points = await self.stats.points(guild_id, member.id)
        streak = await self.daily.streak(guild_id, member.id)
        cards = await self.practice.cards_of(member.id)
        return MemberStats(
            name=member.display_name,
            today=today,
            activity=await self.stats.activity(guild_id, member.id, since),
            streak=(streak.current, streak.longest) if streak else None,
            points=points.points,
            correct=points.correct,
            graded=points.graded,
            due=await self.practice.due_summary(member.id, now),
            mastery=chapter_mastery(self.bot.library, cards, now),
        )

    @app_commands.command(name="stats")
    @app_commands.describe(member="Whose statistics to show; leave out for your own")
    @app_commands.guild_only()
    @MemberCooldown(3, 60)  # a picture drawn per use
    async def stats_command(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        """Show practice statistics: activity, streaks, points, accuracy, mastery and cards due."""
        target = member or interaction.user
        if target.bot:
            raise BotError("Bots don't practise, so they have no statistics.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        facts = await self.gather(interaction.guild_id, target)
        png = await asyncio.to_thread(render_stats, facts)  # Pillow blocks: keep it off the event loop
        picture = discord.File(io.BytesIO(png), filename=FILENAME)
        interviews = await InterviewRepo(self.bot.db).summary(target.id)
        await interaction.followup.send(embed=stats_embed(facts, FILENAME, interviews), file=picture)


async def setup(bot: InterviewBot) -> None:
    """Add the stats cog."""
    await bot.add_cog(Stats(bot))
