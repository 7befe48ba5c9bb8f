"""Study lookups: /define, /search, /topics, /random, /question, /guide, /help (being built)."""

from __future__ import annotations

from discord.ext import commands


class Study(commands.Cog):
    """Look up the content."""


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Study())
