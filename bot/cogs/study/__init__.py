"""Study lookups: /define, /search, /topics, /random, /question, /guide and /help.

Every answer is private with a Share button that posts it publicly. The handlers only resolve their options;
rendering lives in `_render` (pure embed builders) and `_views` (screens and restart-proof buttons).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.options import chapter_autocomplete, resolve_chapter, resolve_term, term_autocomplete
from bot.cogs.study import _views as views
from bot.cogs.study._render import GUIDE_SECTIONS
from bot.content.index import Library

if TYPE_CHECKING:
    from bot.app import InterviewBot


class Study(commands.Cog):
    """Look up the content: terms, chapters, questions and the study guide."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot

    @property
    def library(self) -> Library:
        """Return the loaded content."""
        return self.bot.library

    async def cog_load(self) -> None:
        """Register the lookups' buttons."""
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        """Unregister the buttons."""
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    @app_commands.command(name="define")
    @app_commands.describe(term="A term or another name for it, e.g. backprop")
    @app_commands.autocomplete(term=term_autocomplete)
    async def define(self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 100]) -> None:
        """Look up a term: its definition, an interview tip and related terms."""
        found = resolve_term(self.library, term)
        if found is None:
            card = views.suggestions_screen(self.library, term)
        else:
            card = views.term_screen(self.library, found)
        await card.send(interaction)

    @app_commands.command(name="search")
    @app_commands.describe(query="Words to find in terms, definitions, tips and questions")
    async def search(self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 80]) -> None:
        """Search terms, definitions, tips and interview questions."""
        await views.search_screen(self.library, " ".join(query.split())).send(interaction)

    @app_commands.command(name="topics")
    @app_commands.describe(chapter="A chapter to list; leave out to see all chapters")
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    async def topics(self, interaction: discord.Interaction, chapter: str | None = None) -> None:
        """Browse the chapters and their terms."""
        found = resolve_chapter(self.library, chapter)
        await views.topics_screen(self.library, found.key if found else views.ALL).send(interaction)

    @app_commands.command(name="random")
    @app_commands.describe(chapter="Draw from this chapter only; leave out for any")
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    async def random(self, interaction: discord.Interaction, chapter: str | None = None) -> None:
        """Show a random term card."""
        found = resolve_chapter(self.library, chapter)
        term = self.library.random_term(self.bot.rng, found)
        await views.term_screen(self.library, term, another=found.key if found else views.ALL).send(interaction)

    @app_commands.command(name="question")
    @app_commands.describe(chapter="Draw from this chapter only; leave out for any")
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    async def question(self, interaction: discord.Interaction, chapter: str | None = None) -> None:
        """Practise a random open interview question, then reveal its key points."""
        found = resolve_chapter(self.library, chapter)
        drawn = views.random_question(self.library, self.bot.rng, found)
        await views.question_screen(self.library, drawn, another=found.key if found else views.ALL).send(interaction)

    @app_commands.command(name="guide")
    @app_commands.describe(section="Which part of the study guide to show")
    @app_commands.choices(section=[app_commands.Choice(name=n, value=v) for v, n in GUIDE_SECTIONS.items()])
    async def guide(self, interaction: discord.Interaction, section: app_commands.Choice[str]) -> None:
        """Show a section of the study guide."""
        await views.guide_screen(self.library, section.value).send(interaction)

    # The description as Discord shows it, which is not an imperative like the docstring.
    @app_commands.command(name="help", description="What this bot does and how to use it.")
    async def help(self, interaction: discord.Interaction) -> None:
        """Explain what this bot does and how to use it."""
        await views.help_screen(self.library).send(interaction)


async def setup(bot: InterviewBot) -> None:
    """Add the study cog."""
    await bot.add_cog(Study(bot))
