"""The daily feature (being built)."""

from __future__ import annotations

from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    """Nothing to register yet."""
