"""The Discord client: an AutoShardedBot holding the config, database, content, clock and randomness.

Resources are opened by the runner (`bot.runner`) and handed in; `setup_hook` loads the feature cogs, starts
the scheduler and syncs the slash commands when they changed; `close()` stops the scheduler and closes the
database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

from bot.config import Config
from bot.content.index import Library
from bot.core.answers import TermAnswer
from bot.core.errors import BotError
from bot.db import Database
from bot.gateway import keep_configured_gateway
from bot.pacing import Pacer

log = logging.getLogger(__name__)

# Feature cogs, loaded in this order.
EXTENSIONS: tuple[str, ...] = (
    "bot.cogs.study",
    "bot.cogs.daily",
    "bot.cogs.quiz",
    "bot.cogs.review",
    "bot.cogs.leaderboard",
    "bot.cogs.stats",
)


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


async def reply_privately(interaction: discord.Interaction, content: str) -> None:
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


async def report_failure(interaction: discord.Interaction, error: Exception) -> None:
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


def loaded_cog(client: discord.Client, name: str, what: str) -> Any:
    """Return the loaded cog called `name`, or tell the user that `what` is briefly unavailable.

    By name, not isinstance: discord.py re-imports an extension's modules when it reloads (and on every bot
    start in the tests), so a caller may hold a class from an older copy of the module than the loaded cog's.
    """
    cog = client.get_cog(name)  # type: ignore[attr-defined]
    if cog is None:
        raise BotError(f"{what} is unavailable for a moment (the bot is restarting it). Please try again.")
    return cog


class BotTree(app_commands.CommandTree):
    """The command tree with one error handler for every slash command."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_failure(interaction, error)


class GuardedItem:
    """Mixin for buttons and menus: a failure in `run` gets the same private reply as a command's failure.

    discord.py only logs an exception raised in an item's callback; the user would see "interaction failed".
    """

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.run(interaction)
        except Exception as exc:
            await report_failure(interaction, exc)

    async def run(self, interaction: discord.Interaction) -> None:
        """Handle the click (subclasses)."""
        raise NotImplementedError


class InterviewBot(commands.AutoShardedBot):
    """The interview-practice bot."""

    def __init__(
        self,
        *,
        config: Config,
        db: Database,
        library: Library,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        extensions: Sequence[str] = EXTENSIONS,
    ) -> None:
        # Only the `guilds` intent: slash commands, buttons and modals need no privileged intent, and
        # nothing here reads messages or member lists.
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=BotTree,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=config.discord.guild_ready_timeout,
        )
        self.config = config
        self.db = db
        self.library = library
        self.clock = clock
        self.rng = rng or random.Random()
        self.extension_names = tuple(extensions)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.pacer = Pacer(config.rate.requests_per_second)
        self.answer_listeners: list[Callable[[TermAnswer], Awaitable[None]]] = []
        self._pace_requests()
        keep_configured_gateway(self.http)  # discord.py re-identifies on its default gateway otherwise

    async def publish_answer(self, answer: TermAnswer) -> None:
        """Hand a graded term answer to every listener (spaced review); a failing listener is logged, not raised."""
        for listener in self.answer_listeners:
            try:
                await listener(answer)
            except Exception:
                log.exception("answer listener %r failed for %s", listener, answer)

    def _pace_requests(self) -> None:
        """Route every bot-authenticated REST request through the pacer before discord.py sends it."""
        send = self.http.request

        async def paced(route, **kwargs):  # type: ignore[no-untyped-def]
            await self.pacer.acquire()
            return await send(route, **kwargs)

        # discord.py offers no hook here; wrapping this instance's bound method changes nothing else.
        self.http.request = paced  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        for name in self.extension_names:
            await self.load_extension(name)
        self.scheduler.start()
        await self.sync_commands()

    async def sync_commands(self) -> bool:
        """Sync the slash commands when their definition changed since the last sync; return whether it did."""
        guild = discord.Object(self.config.discord.dev_guild_id) if self.config.discord.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = sorted(
            (command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)),
            key=lambda c: (c["name"], c.get("type", 1)),
        )
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"command_hash:{guild.id if guild else 'global'}:{self.application_id}"
        if await self.db.get_meta(key) == digest:
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.db.set_meta(key, digest)
        log.info("synced %d slash commands %s", len(synced), f"to server {guild.id}" if guild else "globally")
        return True

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
