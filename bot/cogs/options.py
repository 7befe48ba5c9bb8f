"""Slash-command options shared by several features.

Term and chapter autocomplete, chapter resolution, and showing what a user typed back to them.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.content.index import Library, NameMatch
from bot.content.models import Chapter
from bot.content.text import normalize, truncate
from bot.core.errors import UnknownChapter
from bot.ui import Limit, chapter_title

if TYPE_CHECKING:
    from bot.app import BotInteraction


def echo(text: str, limit: int = 100) -> str:
    """Return user-typed text fit to quote in a reply: one line, at most `limit` characters, markdown shown as typed."""
    # Cut before escaping, so a cut never leaves a lone backslash that would escape the closing quote.
    return discord.utils.escape_markdown(truncate(" ".join(text.split()), limit))


def term_choices(library: Library, current: str) -> list[app_commands.Choice[str]]:
    """Rank terms and aliases for /define's autocomplete: the term's name, with the alias that matched if any.

    Before anything is typed, the first terms of the library are offered, so the list is never empty.
    """
    if normalize(current):
        matches = library.fuzzy(current, limit=Limit.CHOICES)
    else:
        matches = [NameMatch(t, t.term, 0.0) for t in islice(library.terms.values(), Limit.CHOICES)]
    # Two chapters may define the same name ("Gradient descent"): the chapter tells them apart.
    seen = Counter(normalize(m.term.term) for m in matches)
    choices = []
    for match in matches:
        name = match.term.term
        if normalize(match.name) != normalize(name):
            name = f"{name} ({match.name})"
        if seen[normalize(match.term.term)] > 1:
            name = f"{name} · chapter {match.term.chapter}"
        choices.append(app_commands.Choice(name=truncate(name, Limit.CHOICE), value=match.term.id))
    return choices


def chapter_choices(library: Library, current: str) -> list[app_commands.Choice[str]]:
    """Offer the chapters whose number or title matches what was typed, in chapter order."""
    wanted = normalize(current)
    many_packs = len(library.packs) > 1
    choices = []
    for chapter in library.chapters.values():
        if wanted and not (wanted in normalize(chapter.title) or wanted == str(chapter.number)):
            continue
        name = chapter_title(chapter) + (f" ({chapter.pack})" if many_packs else "")
        choices.append(app_commands.Choice(name=truncate(name, Limit.CHOICE), value=chapter.key))
    return choices[: Limit.CHOICES]


def resolve_chapter(library: Library, text: str | None) -> Chapter | None:
    """Return the chapter an option names (key, number or title), None when left out; unknown ones are refused."""
    if text is None or not text.strip():
        return None
    chapter = library.find_chapter(text.strip())
    if chapter is None:
        raise UnknownChapter(f"No chapter is called “{echo(text)}”. Pick one from the list, or see `/topics`.")
    return chapter


async def term_autocomplete(interaction: BotInteraction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any command's `term` option."""
    return term_choices(interaction.client.library, current)


async def chapter_autocomplete(interaction: BotInteraction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any command's `chapter` option."""
    return chapter_choices(interaction.client.library, current)
