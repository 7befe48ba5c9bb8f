"""The Discord toolkit every feature shares.

Discord's limits, restart-proof buttons and their custom_ids, failure replies, cog lookups, and the few
pieces of the look that recur on several screens (option letters, chapter names, the interview tip, the bars
of how answers spread).

It knows no feature and not the client class: `bot.app` imports it (for `BotTree`), never the other way
round. A feature reaches its bot, typed, through `bot.app.BotInteraction` (`discord.Interaction[InterviewBot]`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import string
import time
from collections.abc import Awaitable, Iterable, Sequence
from datetime import timedelta
from typing import Any, ClassVar, Self, TypeVar, cast, overload

import discord
from discord import AppCommandOptionType as OptionType
from discord import app_commands
from discord.ext import commands
from discord.ext.commands.bot import BotBase

from bot.content.index import Library
from bot.content.models import Chapter, Term
from bot.content.text import truncate
from bot.core.cooldowns import Cooldown, Rate
from bot.core.errors import BotError
from bot.core.shares import percentages, proportional
from bot.db import StorageFull

log = logging.getLogger(__name__)

CogT = TypeVar("CogT", bound=commands.Cog)
T = TypeVar("T")


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
    if not library.namesakes(term.id):
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

# An id or a count inside a custom_id: Discord's snowflakes and SQLite's row ids have at most 19 digits. Not every
# 19-digit number is one: past MAX_NUMBER (SQLite's largest INTEGER) `CustomId.match` refuses it.
NUMBER = r"\d{1,19}"
MAX_NUMBER = 2**63 - 1
NAMESPACE = "iq:"  # every custom_id the bot makes starts so
STALE = "This button or form is out of date or damaged, so it does nothing. Run the command again for a fresh one."

# Every template made, by its text: what `answer_unknown` knows to be handled.
_TEMPLATES: dict[str, re.Pattern[str]] = {}


class ForgedId(BotError):
    """A custom_id of one of the bot's templates with a number no id can have: forged, or damaged."""

    def __init__(self, message: str = STALE) -> None:
        super().__init__(message)


class CustomId:
    """A custom_id template written once, such as "iq:solo:{session}:{q}:{choice}": it makes ids and parses them.

    Each `{field}` matches `NUMBER` unless given its own pattern (`CustomId("iq:x:{choice}", choice="[0-3]")`);
    the text between fields is matched literally. `fields` maps each field to its pattern.
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
        self.fields = {name: patterns.get(name, NUMBER) for name in fields}
        _TEMPLATES[template] = self.pattern

    def make(self, **values: object) -> str:
        """Return the custom_id with these field values."""
        return self.template.format(**values)

    def match(self, custom_id: str) -> re.Match[str] | None:
        """Return the fields of a custom_id made from this template, or None when it is another's.

        Raises `ForgedId` for an id of this template whose number is larger than any id (`MAX_NUMBER`): Python
        would read it, and SQLite would refuse it with an OverflowError.
        """
        found = self.pattern.fullmatch(custom_id)
        if found is not None and any(p == NUMBER and int(found[n]) > MAX_NUMBER for n, p in self.fields.items()):
            raise ForgedId()
        return found


def is_known(custom_id: str) -> bool:
    """Tell whether any template of this bot (a button's, a menu's or a form's) matches the custom_id."""
    return any(pattern.fullmatch(custom_id) for pattern in _TEMPLATES.values())


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
            if self._forged:
                raise ForgedId()
            # A forged number is refused here, before it reaches a query.
            self.ids.match(str(cast(dict[str, Any], interaction.data or {}).get("custom_id", "")))
            await self.run(interaction)
        except Exception as exc:
            await report_failure(interaction, exc)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        """Handle the click (each item)."""
        raise NotImplementedError

    # Set on an item that can only refuse its click (see `_refusing`).
    _forged = False

    @classmethod
    def _refusing(cls, component: discord.ui.Item[Any]) -> Self:
        """Return this item on a component of another kind (a button for a menu: only a forged click sends one).

        It cannot be rebuilt from that component; it answers the click with `ForgedId` instead of failing where
        discord.py builds it, which only logs an error and leaves the member without an answer.
        """
        refusing = cls.__new__(cls)
        discord.ui.DynamicItem.__init__(cast(Any, refusing), component)
        refusing._forged = True
        return refusing


class PersistentButton(_Persistent, discord.ui.DynamicItem[discord.ui.Button[Any]], template=_NOTHING):
    """A button whose custom_id holds everything its click needs, so it keeps working after a restart."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button a click arrived on (discord.py calls this)."""
        return cls.restore(item, match) if isinstance(item, discord.ui.Button) else cls._refusing(item)

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
        return cls.restore(item, match) if isinstance(item, discord.ui.Select) else cls._refusing(item)

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
    is still taken: any other interaction gives None. The text comes without lone surrogates (`plain_text`); a
    forged number in the custom_id raises `ForgedId` (`CustomId.match`).
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    # A modal submit's payload (the same shape for any modal), read as plain JSON.
    data = cast(dict[str, Any], interaction.data or {})
    fields = modal.match(str(data.get("custom_id", "")))
    if fields is None:
        return None
    return fields, plain_text(_text_input_value(data.get("components", []), text_input) or "")


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """Put items on a view that never times out: they are persistent items, so the view itself holds no state."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    # Persistent items are dispatched by their custom_id, through the classes each feature registers at start-up:
    # the view has nothing to listen for. Stopped, discord.py neither keeps it in its view store nor (on a private
    # message) gives it a 15-minute timer: an object graph and a sleeping task per answer, otherwise, which pile
    # up under load and lengthen every full garbage collection.
    view.stop()
    return view


def disabled(view: discord.ui.View) -> discord.ui.View:
    """Return the view with every button disabled."""
    for item in view.children:
        target = item.item if isinstance(item, discord.ui.DynamicItem) else item
        if isinstance(target, discord.ui.Button):
            target.disabled = True
    return view


# -- replies and failures ------------------------------------------------------------------------------------


def plain_text(value: object) -> str:
    """Return text a member typed (a form's field) as text that can be stored and sent on.

    Discord's JSON may carry a lone UTF-16 surrogate (half of an emoji), which no UTF-8 text can hold: SQLite and
    the log would raise UnicodeEncodeError. Each becomes U+FFFD; a pair that came as two halves is joined.
    """
    return str(value).encode("utf-16", "surrogatepass").decode("utf-16", "replace")


async def reply_privately(interaction: discord.Interaction[Any], content: str) -> None:
    """Tell the caller something only they see, whether or not the interaction was answered yet."""
    await send(interaction, content)


# Seconds a handler waits for its database work before it acknowledges the interaction (Discord allows 3).
ACK_SECONDS = 1.5


async def in_time(
    interaction: discord.Interaction[Any], work: Awaitable[T], *, update: bool = False, ephemeral: bool = True
) -> T:
    """Await `work` (what a handler reads and writes); if it is not done within ACK_SECONDS, defer the interaction.

    Discord drops an interaction not answered within 3 seconds, and a write may wait much longer for another
    process's lock (`bot.db` retries it). Deferring keeps the interaction 15 minutes; the reply then goes through
    `send` (a new message, public if not `ephemeral`; "thinking…" meanwhile) or with `update=True` through
    `update` (the clicked message). The work is its own task: a handler cancelled meanwhile does not drop an
    answer it acknowledged.
    """
    task = asyncio.ensure_future(work)
    within = getattr(interaction.client, "ack_seconds", ACK_SECONDS)
    try:
        done, _ = await asyncio.wait({task}, timeout=within)
        if not done and not interaction.response.is_done():
            if update:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        return await asyncio.shield(task)
    except BaseException:
        task.add_done_callback(_finished_alone)  # the handler gave up (cancelled, or Discord refused the deferral)
        raise


def _finished_alone(task: asyncio.Future[Any]) -> None:
    """Log how a handler's database work ended once nobody awaited it any more (its result has no one to tell)."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.warning("the database work of an abandoned interaction failed: %r", error)


async def send(interaction: discord.Interaction[Any], content: str | None = None, **fields: Any) -> int | None:
    """Answer with a new message, private unless `ephemeral=False`: the response, or its followup after a deferral.

    `fields` are `send_message`'s (embeds, view, file …); None stands for "not given". Returns the message's id.
    """
    given = {name: value for name, value in fields.items() if value is not None}
    given.setdefault("ephemeral", True)
    if interaction.response.is_done():
        message = await interaction.followup.send(content or discord.utils.MISSING, wait=True, **given)
        return message.id
    sent = await interaction.response.send_message(content, **given)
    return sent.message_id


async def update(interaction: discord.Interaction[Any], **fields: Any) -> None:
    """Show `fields` (content, embeds, view …; None clears one) on the message whose button was clicked."""
    if interaction.response.is_done():
        await interaction.edit_original_response(**fields)
    else:
        await interaction.response.edit_message(**fields)


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


# What each option type takes, as a reply names it.
_OPTION_KINDS = {
    OptionType.string: "text",
    OptionType.integer: "a whole number",
    OptionType.number: "a number",
    OptionType.boolean: "true or false",
    OptionType.user: "a member",
    OptionType.channel: "a channel",
    OptionType.role: "a role",
    OptionType.mentionable: "a member or a role",
    OptionType.attachment: "a file",
}
_ID = re.compile(r"[0-9]{1,19}")


class OptionMismatch(app_commands.AppCommandError):
    """An option's value is not of the type the command declares (Discord's client never sends such a value)."""

    def __init__(self, name: str, kind: OptionType) -> None:
        super().__init__(f"option {name!r} got a value that is not {_OPTION_KINDS.get(kind, kind.name)}")
        self.name, self.kind = name, kind


def _fits(kind: OptionType, value: object) -> bool:
    """Tell whether a value, as the interaction carries it, is of an option type."""
    if kind is OptionType.string:
        return isinstance(value, str)
    if kind is OptionType.boolean:
        return isinstance(value, bool)
    if kind in (OptionType.integer, OptionType.number):
        numbers = int if kind is OptionType.integer else int | float
        return isinstance(value, numbers) and not isinstance(value, bool)
    # Members, channels, roles and files arrive as their ids.
    return isinstance(value, str) and _ID.fullmatch(value) is not None and int(value) <= MAX_NUMBER


def check_options(tree: app_commands.CommandTree[Any], interaction: discord.Interaction[Any]) -> None:
    """Raise `OptionMismatch` when a slash command's option value is not of the type the command declares.

    discord.py hands a `str` parameter whatever arrives (an integer, say), and builds ids with `int()`; only a
    modified client sends such values, and they must not reach a handler. Text values lose lone surrogates
    (`plain_text`) here, before discord.py reads them, so no handler stores or logs one.
    """
    data = cast(dict[str, Any], interaction.data or {})
    name = str(data.get("name", ""))
    command = tree.get_command(name, guild=interaction.guild) or tree.get_command(name)
    options: list[dict[str, Any]] = data.get("options") or []
    while isinstance(command, app_commands.Group):
        sub = next(
            (o for o in options if o.get("type") in (OptionType.subcommand.value, OptionType.subcommand_group.value)),
            None,
        )
        if sub is None:
            return
        command = command.get_command(str(sub.get("name", "")))
        options = sub.get("options") or []
    if not isinstance(command, app_commands.Command):
        return  # unknown here: discord.py answers it as an outdated command
    for option in options:
        parameter = command.get_parameter(str(option.get("name", "")))
        if parameter is None:
            continue  # an option this version no longer has: discord.py reports the outdated command
        if option.get("type") != parameter.type.value or not _fits(parameter.type, option.get("value")):
            raise OptionMismatch(parameter.display_name, parameter.type)
        if parameter.type is OptionType.string:
            option["value"] = plain_text(option["value"])


def _option_message(
    interaction: discord.Interaction[Any], error: OptionMismatch | app_commands.TransformerError
) -> str:
    """Tell a member which option was not what the command takes."""
    if isinstance(error, OptionMismatch):
        name, kind = error.name, error.kind
    else:  # discord.py's conversion failed: the option is the one whose value it was given
        name = next((n for n, value in interaction.namespace if value is error.value), "")
        kind = error.type
    what = f"“{name}” takes" if name else "One of the options takes"
    return (
        f"{what} {_OPTION_KINDS.get(kind, 'another value')}. Fill it in from Discord's command box (pick from its"
        " list where it offers one), then try again."
    )


STORAGE_FULL = (
    "I can't save anything right now: my storage is full. The people who run me have been told; please try again later."
)


class Throttle:
    """Let something happen at most once per `every` seconds (of `time.monotonic`): a log line that would repeat."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._last: float | None = None

    def ready(self) -> bool:
        """Tell whether it may happen now, and if so count it as happening."""
        now = time.monotonic()
        if self._last is not None and now - self._last < self.every:
            return False
        self._last = now
        return True


# Every interaction meets a full disk until space is freed: the operator hears of it once in 10 minutes.
_STORAGE_FULL_LOG = Throttle(600.0)


async def report_failure(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Turn an exception raised while handling an interaction into a private reply (and a log for bugs)."""
    original = getattr(error, "original", error)
    if isinstance(original, BotError):
        message = str(original)
    elif isinstance(original, StorageFull):
        if _STORAGE_FULL_LOG.ready():
            log.error(
                "the bot's storage is full (%s): nothing can be saved until space is freed on the database's disk;"
                " members are told so (logged again in 10 minutes if it lasts)",
                original,
            )
        message = STORAGE_FULL
    elif isinstance(original, app_commands.MissingPermissions):
        message = f"You need the {permission_names(original.missing_permissions)} permission for this."
    elif isinstance(original, app_commands.BotMissingPermissions):
        message = f"I need the {permission_names(original.missing_permissions)} permission here for this."
    elif isinstance(original, TooSoon):
        message = str(original)
    elif isinstance(original, app_commands.NoPrivateMessage):
        message = "This works in a server channel, not in direct messages."
    elif isinstance(original, app_commands.CheckFailure):
        message = "You can't use this here."
    elif isinstance(original, OptionMismatch | app_commands.TransformerError):
        # A value Discord's client would not have sent (a modified client, a stale form): the member's, not a bug.
        log.warning("refused an option value in interaction %s: %s", interaction.id, original)
        message = _option_message(interaction, original)
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
    """The command tree with one error handler for every slash command, which refuses ill-typed options first."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Refuse a slash command whose options are not of the declared types (`on_error` answers it)."""
        if interaction.type is discord.InteractionType.application_command:
            check_options(self, interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """Answer a failing command privately (see `report_failure`)."""
        await report_failure(interaction, error)


async def answer_unknown(interaction: discord.Interaction[Any]) -> None:
    """Answer a click or form in the bot's namespace that no template matches: from an older version, or forged.

    discord.py drops such an interaction silently, and the member would see "This interaction failed".
    """
    if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
        return
    custom_id = str(cast(dict[str, Any], interaction.data or {}).get("custom_id", ""))
    if not custom_id.startswith(NAMESPACE) or is_known(custom_id):
        return
    log.info("no template matches custom_id %r of interaction %s: outdated or forged", custom_id, interaction.id)
    await report_failure(interaction, ForgedId())


# -- cooldowns on heavy commands -------------------------------------------------------------------------------


class TooSoon(app_commands.CheckFailure):
    """A member asked for a heavy action again before their cooldown allowed it."""

    def __init__(self, wait: timedelta) -> None:
        self.wait = wait
        super().__init__(f"That's a lot at once. Please try again in {max(1, math.ceil(wait.total_seconds()))} s.")


class MemberCooldown:
    """At most `uses` in `seconds` per member, on the bot's clock: a check on a slash command, `enforce` elsewhere.

    `@MemberCooldown(3, 60)` under `@app_commands.command(…)` refuses a fourth use within a minute with a private
    "try again in N s"; a button that starts the same work calls `enforce(interaction)` on the same instance.
    """

    def __init__(self, uses: int, seconds: float) -> None:
        self.cooldown = Cooldown(Rate(uses, timedelta(seconds=seconds)))

    def enforce(self, interaction: discord.Interaction[Any]) -> None:
        """Count a use by the interaction's member, or raise `TooSoon` saying how long to wait."""
        wait = self.cooldown.use(interaction.user.id, interaction.client.clock())
        if wait is not None:
            raise TooSoon(wait)

    def __call__(self, command: T) -> T:
        """Add the cooldown to a slash command as a check."""

        def allowed(interaction: discord.Interaction[Any]) -> bool:
            self.enforce(interaction)
            return True

        return app_commands.check(allowed)(command)


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
