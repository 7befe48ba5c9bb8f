"""`/quiz …`: solo quizzes (`solo/`) and group battles (`battle/`) under one command group.

The commands only read their options and call the features' entry points (`solo.start_solo`,
`battle.open_battle`, `battle.stop_battle`); each feature's running state lives in its own cog, loaded here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from discord import app_commands
from discord.ext import commands

from bot.cogs.options import chapter_autocomplete
from bot.cogs.quiz import battle, solo
from bot.ui import MemberCooldown

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot


class Quiz(commands.GroupCog, group_name="quiz"):
    """Multiple-choice quizzes: alone (solo) or together (battle)."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        """Register the quizzes' and battles' buttons."""
        self.bot.add_dynamic_items(*solo.DYNAMIC_ITEMS, *battle.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        """Unregister the buttons."""
        self.bot.remove_dynamic_items(*solo.DYNAMIC_ITEMS, *battle.DYNAMIC_ITEMS)

    @app_commands.command(name="solo")
    @app_commands.describe(
        chapter="Quiz on this chapter only; leave out for all chapters",
        questions="How many questions (1–20, default 5)",
        mode="Read a definition and pick the term, the other way round, or a mix",
    )
    @app_commands.choices(mode=solo.MODE_CHOICES)
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    async def solo_command(
        self,
        interaction: BotInteraction,
        chapter: str | None = None,
        questions: app_commands.Range[int, 1, 20] = 5,
        mode: str = "definition",
    ) -> None:
        """Practise privately: a multiple-choice quiz with the answer and an interview tip after each question."""
        await solo.start_solo(self.bot, interaction, chapter=chapter, count=questions, mode=mode)

    @app_commands.command(name="battle")
    @app_commands.describe(
        chapter="Ask about this chapter only; leave out for all chapters",
        rounds="How many questions (3–20, default 10)",
        seconds="Seconds to answer each question (10–60, default 20)",
        scoring="speed: faster right answers score more (default); flat: 1000 per right answer",
    )
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    @MemberCooldown(2, 60)  # each opens a lobby that posts rounds for minutes
    async def battle_command(
        self,
        interaction: BotInteraction,
        chapter: str | None = None,
        rounds: app_commands.Range[int, 3, 20] = 10,
        seconds: app_commands.Range[int, 10, 60] = 20,
        scoring: Literal["speed", "flat"] = "speed",
    ) -> None:
        """Open a quiz battle in this channel: everyone answers the same questions against the clock."""
        await battle.open_battle(self.bot, interaction, chapter, rounds, seconds, scoring)

    @app_commands.command(name="stop")
    async def stop(self, interaction: BotInteraction) -> None:
        """End this channel's quiz battle (host or moderators); points of finished rounds are kept."""
        await battle.stop_battle(self.bot, interaction)


async def setup(bot: InterviewBot) -> None:
    """Load the /quiz group and the machinery behind it."""
    await bot.add_cog(Quiz(bot))
    await solo.install(bot)
    await battle.install(bot)
