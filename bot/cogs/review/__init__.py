"""Spaced review: `/review` goes through the member's due cards privately, and graded answers rate their cards.

Every member has one FSRS card per term they met (`ReviewRepo`). Answers anywhere in the bot (daily posts,
solo quizzes, battles) arrive as `TermAnswer`s through `bot.answer_listeners` and rate the card (wrong →
Again, right → Good, right but slow → Hard; see `bot.core.review`). `/review` shows one due card at a time
(`_views`): the term, "Show definition", then Again / Hard / Good / Easy; `_render` draws the cards.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cogs.review import _views as views
from bot.core import review
from bot.core.answers import TermAnswer
from bot.repos.review import ReviewRepo
from bot.ui import MemberCooldown, in_time, send

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)


class Review(commands.Cog):
    """Spaced review of glossary terms."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = ReviewRepo(bot.db)

    async def cog_load(self) -> None:
        """Register the card buttons and listen to every graded answer."""
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        self.bot.answer_listeners.append(self.on_answer)

    async def cog_unload(self) -> None:
        """Unregister the buttons and the listener."""
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)
        if self.on_answer in self.bot.answer_listeners:
            self.bot.answer_listeners.remove(self.on_answer)

    async def on_answer(self, answer: TermAnswer) -> None:
        """Rate the member's card for a term they just answered somewhere in the bot."""
        if answer.term_id not in self.bot.library.terms:
            log.warning("answer for unknown term %r not reviewed", answer.term_id)
            return
        rating = review.rating_for_answer(answer)
        duration = round(answer.elapsed * 1000) if answer.elapsed is not None else None
        await self.repo.rate(answer.user_id, answer.term_id, rating, answer.at, "answer", duration_ms=duration)

    @discord.app_commands.command(name="review")
    @MemberCooldown(10, 60)
    async def review_command(self, interaction: discord.Interaction) -> None:
        """Go through your due review cards (spaced repetition), privately."""
        embed, view = await in_time(interaction, views.next_screen(self.bot, interaction.user.id, header=None))
        await send(interaction, embed=embed, view=view)


async def setup(bot: InterviewBot) -> None:
    """Add the review cog."""
    await bot.add_cog(Review(bot))
