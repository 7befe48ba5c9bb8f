"""Slash-command options shared by several features.

Term, chapter and time-zone autocomplete, reading what was typed into a chapter or a time zone, and showing
what a user typed back to them.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from rapidfuzz import fuzz, process

from bot.content.index import Library, NameMatch
from bot.content.models import Chapter, Term
from bot.content.text import normalize, truncate
from bot.core.daily import DailyError
from bot.core.errors import UnknownChapter
from bot.ui import Limit, chapter_title, term_label

if TYPE_CHECKING:
    from bot.app import BotInteraction


def echo(text: str, limit: int = 100) -> str:
    """Return user-typed text fit to quote in a reply: one line, at most `limit` characters, markdown shown as typed."""
    # Cut before escaping, so a cut never leaves a lone backslash that would escape the closing quote.
    return discord.utils.escape_markdown(truncate(" ".join(text.split()), limit))


# An autocomplete choice's value names the picked entry by id; the prefix keeps it apart from a typed name (the
# id "bias" is the fairness metric's, but a member typing "bias" means the neural-network term).
TERM_CHOICE = "term:"


def resolve_term(library: Library, text: str) -> Term | None:
    """Return the term a `term` option names: an autocomplete pick, or a typed name, alias or id."""
    text = text.strip()
    if text.startswith(TERM_CHOICE) and text[len(TERM_CHOICE) :] in library.terms:
        return library.terms[text[len(TERM_CHOICE) :]]
    return library.lookup(text)


def term_choices(library: Library, current: str) -> list[app_commands.Choice[str]]:
    """Rank terms and aliases for /define's autocomplete: the term's name, with the alias that matched if any.

    Before anything is typed, the first terms of the library are offered, so the list is never empty.
    """
    if normalize(current):
        matches = library.fuzzy(current, limit=Limit.CHOICES)
    else:
        matches = [NameMatch(t, t.term, 0.0) for t in islice(library.terms.values(), Limit.CHOICES)]
    choices = []
    for match in matches:
        # Two chapters may define the same name ("Gradient descent"): the label names the chapter.
        name = term_label(library, match.term)
        if match.alias:
            name = f"{match.term.term} ({match.name})" + name[len(match.term.term) :]
        choices.append(app_commands.Choice(name=truncate(name, Limit.CHOICE), value=TERM_CHOICE + match.term.id))
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


# Offered first when the time-zone box is empty.
POPULAR_ZONES = (
    "Etc/UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)


@cache
def timezone_names() -> tuple[str, ...]:
    """Return every IANA time-zone name (from the tzdata package), sorted."""
    return tuple(sorted(n for n in zoneinfo.available_timezones() if n not in {"localtime", "Factory"}))


def _zone_key(text: str) -> str:
    return text.strip().casefold().replace(" ", "_")


def suggest_timezones(query: str, limit: int = Limit.CHOICES) -> list[str]:
    """Rank time-zone names for `query`: exact, prefix, a place's prefix ("york"), substring, then fuzzy."""
    names = timezone_names()
    wanted = _zone_key(query)
    if not wanted:
        popular = [n for n in POPULAR_ZONES if n in names]
        return (popular + [n for n in names if n not in popular])[:limit]
    ranked: dict[str, tuple[int, float]] = {}
    for name in names:
        key = name.casefold()
        parts = key.split("/")
        if key == wanted:
            rank = 0
        elif key.startswith(wanted):
            rank = 1
        elif any(part.startswith(wanted) for part in parts[1:]):
            rank = 2
        elif wanted in key:
            rank = 3
        else:
            continue
        ranked[name] = (rank, 0.0)
    if len(ranked) < limit:
        for name, score, _ in process.extract(
            wanted, names, processor=_zone_key, scorer=fuzz.WRatio, limit=limit, score_cutoff=60
        ):
            ranked.setdefault(name, (4, -score))
    popular_rank = {n: i for i, n in enumerate(POPULAR_ZONES)}
    order = sorted(ranked, key=lambda n: (*ranked[n], popular_rank.get(n, len(POPULAR_ZONES)), len(n), n))
    return order[:limit]


def resolve_timezone(name: str) -> str:
    """Return the exact IANA name for `name` (case-insensitive), or explain with the closest valid names."""
    wanted = _zone_key(name)
    for candidate in timezone_names():
        if candidate.casefold() == wanted:
            return candidate
    closest = suggest_timezones(name, limit=5)
    hint = f" Closest: {', '.join(closest)}." if closest else " Use a name such as Europe/London or Asia/Kolkata."
    raise DailyError(f"“{name[:50]}” is not a time zone I know.{hint} Pick one from the list as you type.")


async def term_autocomplete(interaction: BotInteraction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any command's `term` option."""
    return term_choices(interaction.client.library, current)


async def chapter_autocomplete(interaction: BotInteraction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any command's `chapter` option."""
    return chapter_choices(interaction.client.library, current)


async def timezone_autocomplete(interaction: BotInteraction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any command's `timezone` option."""
    return [app_commands.Choice(name=n, value=n) for n in suggest_timezones(current)]
