"""`/leaderboard`: the server's top 10 by points, daily streak or accuracy, and the caller's own place.

Members appear as mentions (`_render`), which Discord renders without pinging, so no member list or
privileged intent is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.leaderboard._render import board_embed
from bot.core.periods import Period
from bot.repos.leaderboard import TOP, LeaderboardRepo, Metric

if TYPE_CHECKING:
    from bot.app import InterviewBot


class Leaderboard(commands.Cog):
    """The server's leaderboards."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = LeaderboardRepo(bot.db)

    @app_commands.command(name="leaderboard")
    @app_commands.guild_only()
    @app_commands.describe(
        period="week or month (UTC calendar periods) or all time; default: this week",
        metric="points (default), current daily streak, or accuracy of graded answers",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: Period = "week",
        metric: Metric = "points",
    ) -> None:
        """Show the server's top 10 and your own place."""
        assert interaction.guild_id is not None  # guild_only
        # Ranking a busy server's whole history takes a few queries: answer Discord first.
        await interaction.response.defer(thinking=True)
        board = await self.repo.board(interaction.guild_id, metric, period, self.bot.clock(), interaction.user.id, TOP)
        await interaction.followup.send(embed=board_embed(board))


async def setup(bot: InterviewBot) -> None:
    """Load the leaderboard."""
    await bot.add_cog(Leaderboard(bot))
