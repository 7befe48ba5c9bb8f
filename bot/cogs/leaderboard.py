"""`/leaderboard`: the server's top 10 by points, daily streak or accuracy, and the caller's own place.

Members appear as mentions, which Discord renders without pinging (and the bot allows no mentions), so no
member list or privileged intent is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.text import plural
from bot.core.battle import ordinal
from bot.core.periods import Period
from bot.repos.leaderboard import MIN_GRADED, TOP, Board, Entry, LeaderboardRepo, Metric

if TYPE_CHECKING:
    from bot.app import InterviewBot

TITLES = {"points": "Points", "streak": "Daily streak", "accuracy": "Accuracy"}
EMPTY = {
    "points": "No points {when} yet: battles (`/quiz battle`) and daily questions earn them.",
    "streak": "Nobody has a daily streak yet: answer the daily question to start one.",
    "accuracy": f"Nobody has {MIN_GRADED} graded answers {{when}} yet.",
}


def value_text(metric: Metric, entry: Entry) -> str:
    """Render a member's value: points, days, or a percentage with its fraction."""
    if metric == "points":
        return f"{entry.value:,} pts"
    if metric == "streak":
        return plural(entry.value, "day")
    graded = entry.graded or 0
    percent = round(100 * entry.value / graded) if graded else 0
    return f"{percent}% ({entry.value}/{graded})"


def period_text(board: Board) -> str:
    """Name the period as the footer explains it (always UTC)."""
    if board.metric == "streak":
        return "Current daily streaks: the period does not apply to streaks."
    if board.period == "week" and board.start:
        week = board.start.isocalendar().week
        return f"This week: ISO week {week}, from Monday {board.start:%d %b %Y} 00:00 UTC."
    if board.period == "month" and board.start:
        return f"This month: {board.start:%B %Y}, from the 1st 00:00 UTC."
    return "All time."


def board_embed(board: Board) -> discord.Embed:
    """Render a leaderboard: the top entries, the caller's place, and how it is counted."""
    when = {"week": "this week", "month": "this month", "all": "so far"}[board.period]
    title = f"🏆 {TITLES[board.metric]} leaderboard" + ("" if board.metric == "streak" else f" · {when}")
    lines = [f"**{e.place}.** <@{e.user_id}> · {value_text(board.metric, e)}" for e in board.top]
    embed = discord.Embed(
        title=title,
        colour=discord.Colour.gold(),
        description="\n".join(lines) or EMPTY[board.metric].format(when=when),
    )
    embed.add_field(name="You", value=my_line(board, when), inline=False)
    notes = [period_text(board), "Ties go to whoever got there first."]
    if board.metric == "accuracy":
        notes.append(f"Ranks members with at least {MIN_GRADED} graded answers in the period.")
    embed.set_footer(text=" ".join(notes))
    return embed


def my_line(board: Board, when: str) -> str:
    """Say where the caller stands, even outside the top 10 or below the accuracy minimum."""
    me = board.me
    if me is None:
        return {
            "points": f"No points {when} yet.",
            "streak": "No daily streak right now.",
            "accuracy": f"No graded answers {when} yet.",
        }[board.metric]
    if me.place is None:
        return f"{value_text(board.metric, me)}: ranked from {MIN_GRADED} graded answers."
    return f"**{ordinal(me.place)}** of {board.ranked} · {value_text(board.metric, me)}"


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
