"""The Discord toolkit every feature shares.

Discord's limits, restart-proof buttons and their custom_ids, failure replies, cog lookups, and the few
pieces of the look that recur on several screens (option letters, chapter names, the interview tip, the bars
of how answers spread).

It knows no feature and not the client class: `bot.app` imports it (for `BotTree`), never the other way
round. A feature reaches its bot, typed, through `bot.app.BotInteraction` (`discord.Interaction[InterviewBot]`).
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Self, TypeVar, cast, overload

import discord
from discord import app_commands
from discord.ext import commands
from discord.ext.commands.bot import BotBase

from bot.content.index import Library
from bot.content.models import Chapter, Term
from bot.content.relations import relations
from bot.content.text import truncate
from bot.core.errors import BotError
from bot.core.shares import percentages, proportional

log = logging.getLogger(__name__)

CogT = TypeVar("CogT", bound=commands.Cog)


class Limit:
    """Discord's documented limits: lengths in characters, except the counts (`FIELDS`, `OPTIONS`, `CHOICES`)."""

    CONTENT = 2000  # a message's text
    TITLE = 256  # an embed's title
    DESCRIPTION = 4096  # an embed's description
    FIELD_NAME = 256
    FIELD_VALUE = 1024
    FIELDS = 25  # fields in one embed
    FOOTER = 2048
    AUTHOR = 256
    EMBED = 6000  # all the text of one embed together
    LABEL = 80  # a button's label
    CUSTOM_ID = 100
    OPTION = 100  # a select option's label, value or description
    OPTIONS = 25  # options in one select menu
    CHOICE = 100  # an autocomplete choice's name
    CHOICES = 25  # autocomplete choices offered at once
    THREAD_NAME = 100
    INPUT_DESCRIPTION = 100  # the description under a modal's text input


# -- the look shared by several screens ----------------------------------------------------------------------

LETTERS = "ABCD"  # the names of a multiple-choice question's options
TIP = "💡 Interview tip"


def chapter_title(chapter: Chapter) -> str:
    """Name a chapter by number and title: "3 · Neural Network Basics"."""
    return f"{chapter.number} · {chapter.title}"


def chapter_label(chapter: Chapter, *, in_line: bool = False) -> str:
    """Name a chapter for people: "Chapter 3 · Neural Network Basics".

    `in_line` for a line whose parts are already joined by " · " (a footer): "Chapter 3: Neural Network Basics",
    so that the title still reads as the chapter's.
    """
    return f"Chapter {chapter.number}: {chapter.title}" if in_line else f"Chapter {chapter_title(chapter)}"


def term_label(library: Library, term: Term) -> str:
    """Name a term, with its chapter when another entry shares one of its names: "Gradient descent — Optimization …"."""
    if not relations(library).namesakes(term.id):
        return term.term
    return f"{term.term} — {library.chapter_of(term).title}"


def add_tip(embed: discord.Embed, term: Term) -> discord.Embed:
    """Add the term's interview tip as a full-width field."""
    return embed.add_field(name=TIP, value=truncate(term.tip, Limit.FIELD_VALUE) or "—", inline=False)


BAR_WIDTH = 10  # blocks in a full bar: every bar has this width, filled in proportion
BAR_FILLED, BAR_EMPTY = "▰", "▱"


def share_bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    """Draw `count` of `total` as a bar of fixed width: 11 of 12 → "▰▰▰▰▰▰▰▰▰▱", none → "▱▱▱▱▱▱▱▱▱▱"."""
    filled = proportional(count, total, width)
    return BAR_FILLED * filled + BAR_EMPTY * (width - filled)


def answer_bars(labels: Sequence[str], counts: Sequence[int], right: int) -> list[str]:
    """Show how answers spread, one line per option, the right one marked: "✅ ▰▰▰▰▰▰▱▱▱▱ 62 % (13) · Dropout".

    The bars come first so that they line up whatever the labels; the daily reveal and a battle's closed round
    both draw the spread with this, so the two read alike.
    """
    total = sum(counts)
    shares = percentages(counts)
    return [
        f"{'✅' if n == right else '▫️'} {share_bar(count, total)} {shares[n]} % ({count:,}) · {label}"
        for n, (label, count) in enumerate(zip(labels, counts, strict=True))
    ]


def ordinal(n: int) -> str:
    """Write a place as English does: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- custom ids and the buttons that survive a restart -------------------------------------------------------

# An id or a count inside a custom_id: Discord's snowflakes and SQLite's row ids have at most 19 digits.
NUMBER = r"\d{1,19}"


class CustomId:
    """A custom_id template written once, such as "iq:solo:{session}:{q}:{choice}": it makes ids and parses them.

    Each `{field}` matches `NUMBER` unless given its own pattern (`CustomId("iq:x:{choice}", choice="[0-3]")`);
    the text between fields is matched literally.
    """

    def __init__(self, template: str, **patterns: str) -> None:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        unknown = set(patterns) - set(fields)
        if unknown:
            raise ValueError(f"{template!r} has no field {', '.join(sorted(unknown))}")
        parts = []
        for literal, name, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P<{name}>{patterns.get(name, NUMBER)})")
        self.template = template
        self.pattern = re.compile("".join(parts))

    def make(self, **values: object) -> str:
        """Return the custom_id with these field values."""
        return self.template.format(**values)

    def match(self, custom_id: str) -> re.Match[str] | None:
        """Return the fields of a custom_id made from this template, or None when it is another's."""
        return self.pattern.fullmatch(custom_id)


# Matches nothing: the template of the two abstract bases below, which are never registered.
_NOTHING = r"(?!)"


class _Persistent:
    """What every restart-proof item shares: its custom_id template, and a guarded click.

    A subclass names its template in its class statement, with a pattern for each field that is not a number:
    `class Answer(PersistentButton, custom_id="iq:solo:{session}:{choice}", choice="[0-3]")`. The same
    template makes the ids (`Answer.make_id(session=4, choice=1)`) and parses clicks, so the two never drift.
    """

    ids: ClassVar[CustomId]

    def __init_subclass__(cls, *, custom_id: str | None = None, **kwargs: Any) -> None:
        if custom_id is None:  # one of the abstract bases below: `template` goes on to DynamicItem
            super().__init_subclass__(**kwargs)
            return
        cls.ids = CustomId(custom_id, **kwargs)
        # A mixin: in every subclass the next class in line is DynamicItem, which takes the `template`.
        super().__init_subclass__(template=cls.ids.pattern)  # type: ignore[call-arg]

    @classmethod
    def make_id(cls, **values: object) -> str:
        """Return this item's custom_id with these field values."""
        return cls.ids.make(**values)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the click; a failure gets the same private reply as a failing command.

        discord.py only logs an exception raised in an item's callback, and the user would see "interaction failed".
        """
        try:
            await self.run(interaction)
        except Exception as exc:
            await report_failure(interaction, exc)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        """Handle the click (each item)."""
        raise NotImplementedError


class PersistentButton(_Persistent, discord.ui.DynamicItem[discord.ui.Button[Any]], template=_NOTHING):
    """A button whose custom_id holds everything its click needs, so it keeps working after a restart."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button a click arrived on (discord.py calls this)."""
        assert isinstance(item, discord.ui.Button)
        return cls.restore(item, match)

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the item from its custom_id's fields and the button as Discord sent it (each item)."""
        raise NotImplementedError


class PersistentSelect(_Persistent, discord.ui.DynamicItem[discord.ui.Select[Any]], template=_NOTHING):
    """A select menu whose custom_id and options hold everything its choice needs."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the menu a choice arrived on (discord.py calls this)."""
        assert isinstance(item, discord.ui.Select)
        return cls.restore(item, match)

    @classmethod
    def restore(cls, select: discord.ui.Select[Any], fields: re.Match[str]) -> Self:
        """Rebuild the item from its custom_id's fields and the menu as Discord sent it (each item)."""
        raise NotImplementedError


def _text_input_value(components: list[dict[str, Any]], custom_id: str) -> str | None:
    """Find a text input's value among a modal submit's components (in action rows or labels)."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return str(component.get("value") or "")
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        if (found := _text_input_value(inner, custom_id)) is not None:
            return found
    return None


def submitted_modal(
    interaction: discord.Interaction[Any], modal: CustomId, text_input: str
) -> tuple[re.Match[str], str] | None:
    """Return the custom_id fields of a submitted modal made from `modal` and its text input's value.

    For modals handled by their custom_id (from a cog's `on_interaction`), so that a modal opened before a restart
    is still taken: any other interaction gives None.
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    # A modal submit's payload (the same shape for any modal), read as plain JSON.
    data = cast(dict[str, Any], interaction.data or {})
    fields = modal.match(str(data.get("custom_id", "")))
    if fields is None:
        return None
    return fields, _text_input_value(data.get("components", []), text_input) or ""


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """Put items on a view that never times out: they are persistent items, so the view itself holds no state."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def disabled(view: discord.ui.View) -> discord.ui.View:
    """Return the view with every button disabled."""
    for item in view.children:
        target = item.item if isinstance(item, discord.ui.DynamicItem) else item
        if isinstance(target, discord.ui.Button):
            target.disabled = True
    return view


# -- replies and failures ------------------------------------------------------------------------------------


async def reply_privately(interaction: discord.Interaction[Any], content: str) -> None:
    """Tell the caller something only they see, whether or not the interaction was answered yet."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True)
    else:
        await interaction.response.send_message(content, ephemeral=True)


# Discord's client names a few permissions differently from the API ("Manage Server", not "Manage Guild"); a
# channel's permission settings say "View Channel", which is where a missing one gets fixed.
_PERMISSION_LABELS = {
    "manage_guild": "Manage Server",
    "view_channel": "View Channel",
    "read_messages": "View Channel",
}


def permission_names(permissions: Iterable[str]) -> str:
    """Name permissions as members see them in Discord's settings ("manage_guild" → "Manage Server")."""
    return ", ".join(_PERMISSION_LABELS.get(p, p.replace("_", " ").title()) for p in permissions)


def missing_permissions(have: discord.Permissions, needed: Iterable[str]) -> list[str]:
    """Return the permissions in `needed` (attribute names, e.g. "embed_links") that `have` lacks."""
    return [flag for flag in needed if not getattr(have, flag)]


async def report_failure(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Turn an exception raised while handling an interaction into a private reply (and a log for bugs)."""
    original = getattr(error, "original", error)
    if isinstance(original, BotError):
        message = str(original)
    elif isinstance(original, app_commands.MissingPermissions):
        message = f"You need the {permission_names(original.missing_permissions)} permission for this."
    elif isinstance(original, app_commands.BotMissingPermissions):
        message = f"I need the {permission_names(original.missing_permissions)} permission here for this."
    elif isinstance(original, app_commands.NoPrivateMessage):
        message = "This works in a server channel, not in direct messages."
    elif isinstance(original, app_commands.CheckFailure):
        message = "You can't use this here."
    elif isinstance(original, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        # Discord still shows a command as it was before the last sync: not a bug, and not the user's fault.
        log.warning("outdated command used in interaction %s: %s", interaction.id, original)
        message = "This command has just changed. Please try again in a minute, or reload Discord (Ctrl+R)."
    else:
        log.error("error while handling interaction %s", interaction.id, exc_info=original)
        message = "Something went wrong on my side; it has been logged. Please try again."
    try:
        await reply_privately(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about a failure in interaction %s", interaction.id)


class BotTree(app_commands.CommandTree):
    """The command tree with one error handler for every slash command."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """Answer a failing command privately (see `report_failure`)."""
        await report_failure(interaction, error)


# -- reaching a feature's cog --------------------------------------------------------------------------------


@overload
def loaded_cog(client: BotBase, cog: type[CogT], what: str) -> CogT: ...
@overload
def loaded_cog(client: BotBase, cog: str, what: str) -> commands.Cog: ...
def loaded_cog(client: BotBase, cog: type[commands.Cog] | str, what: str) -> commands.Cog:
    """Return the loaded cog of this class (or name), or tell the user that `what` is briefly unavailable.

    By name, not isinstance: discord.py re-imports an extension's modules when it reloads (and on every bot
    start in the tests), so a caller may hold a class from an older copy of the module than the loaded cog's.
    """
    name = cog if isinstance(cog, str) else cog.__cog_name__
    found = client.get_cog(name)
    if found is None:
        raise BotError(f"{what} is unavailable for a moment (the bot is restarting it). Please try again.")
    return found
