"""`/quiz …`: solo quizzes (`_solo.py`) and group battles (`_battle.py`) under one command group."""

from __future__ import annotations

from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    """Nothing to register yet."""
