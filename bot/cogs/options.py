"""Slash-command options shared by several cogs: term and chapter autocomplete, and chapter resolution."""

from __future__ import annotations

from collections import Counter

import discord
from discord import app_commands

from bot.content.index import Library
from bot.content.models import Chapter
from bot.content.text import normalize, truncate
from bot.core.errors import UnknownChapter

CHOICE_LIMIT = 25
CHOICE_NAME_LIMIT = 100


def term_choices(library: Library, current: str) -> list[app_commands.Choice[str]]:
    """Rank terms and aliases for /define's autocomplete: the term's name, with the alias that matched if any."""
    matches = library.fuzzy(current, limit=CHOICE_LIMIT)
    # Two chapters may define the same name ("Gradient descent"): the chapter tells them apart.
    seen = Counter(normalize(m.term.term) for m in matches)
    choices = []
    for match in matches:
        name = match.term.term
        if normalize(match.name) != normalize(name):
            name = f"{name} ({match.name})"
        if seen[normalize(match.term.term)] > 1:
            name = f"{name} · chapter {match.term.chapter}"
        choices.append(app_commands.Choice(name=truncate(name, CHOICE_NAME_LIMIT), value=match.term.id))
    return choices


def chapter_choices(library: Library, current: str) -> list[app_commands.Choice[str]]:
    """Offer the chapters whose number or title matches what was typed, in chapter order."""
    wanted = normalize(current)
    many_packs = len(library.packs) > 1
    choices = []
    for chapter in library.chapters.values():
        title = normalize(chapter.title)
        if wanted and not (wanted in title or wanted == str(chapter.number) or title.startswith(wanted)):
            continue
        name = f"{chapter.number} · {chapter.title}" + (f" ({chapter.pack})" if many_packs else "")
        choices.append(app_commands.Choice(name=truncate(name, CHOICE_NAME_LIMIT), value=chapter.key))
    return choices[:CHOICE_LIMIT]


def resolve_chapter(library: Library, text: str | None) -> Chapter | None:
    """Return the chapter an option names (key, number or title), None when left out; unknown ones are refused."""
    if text is None or not text.strip():
        return None
    chapter = library.find_chapter(text.strip())
    if chapter is None:
        raise UnknownChapter(f"No chapter is called “{truncate(text, 100)}”. Pick one from the list, or see `/topics`.")
    return chapter


async def chapter_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any command's `chapter` option."""
    return chapter_choices(interaction.client.library, current)  # type: ignore[attr-defined]
