"""The Discord client: an AutoShardedBot holding the config, database, content, clock and randomness.

Resources are opened by the runner (`bot.runner`) and handed in; `setup_hook` loads the feature cogs, starts
the scheduler and syncs the slash commands when they changed; `close()` stops the scheduler and closes the
database. Features know this module only as a type (`InterviewBot`, `BotInteraction`); what they share is in
`bot.ui`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

from bot.config import Config
from bot.content.index import Library
from bot.core.answers import TermAnswer
from bot.core.shards import Shards
from bot.db import Database
from bot.gateway import keep_configured_gateway
from bot.pacing import Pacer
from bot.ui import ACK_SECONDS, BotTree, answer_unknown

log = logging.getLogger(__name__)

# Feature cogs, loaded in this order.
EXTENSIONS: tuple[str, ...] = (
    "bot.cogs.study",
    "bot.cogs.daily",
    "bot.cogs.quiz",
    "bot.cogs.review",
    "bot.cogs.interview",
    "bot.cogs.leaderboard",
    "bot.cogs.stats",
)


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


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
        self.sharding = Shards.of(config.discord.shard_count, config.discord.shard_ids)
        sharding: dict[str, Any] = {}
        if config.discord.shard_count:
            sharding["shard_count"] = config.discord.shard_count
        if self.sharding.ids is not None:
            sharding["shard_ids"] = sorted(self.sharding.ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=BotTree,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=config.discord.guild_ready_timeout,
            **sharding,
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
        self.ack_seconds = ACK_SECONDS  # how long a handler waits for the database before deferring (`bot.ui.in_time`)
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

        async def paced(route: discord.http.Route, **kwargs: Any) -> Any:
            await self.pacer.acquire()
            return await send(route, **kwargs)

        # discord.py offers no hook here; wrapping this instance's bound method changes nothing else.
        self.http.request = paced  # type: ignore[method-assign]  # replaced on purpose, see above

    async def setup_hook(self) -> None:
        """Load the feature cogs, start the scheduler and sync the slash commands (discord.py calls this)."""
        for name in self.extension_names:
            await self.load_extension(name)
        self.scheduler.start()
        await self.sync_commands()

    async def sync_commands(self) -> bool:
        """Sync the slash commands when their definition changed since the last sync; return whether it did.

        Of the processes of one bot, only those running shard 0 sync; of those, the first to record the new
        definition's hash in the database (two may start together during a rolling restart).
        """
        if not self.sharding.syncs_commands:
            log.info("slash commands are synced by the process running shard 0; not syncing")
            return False
        guild = discord.Object(self.config.discord.dev_guild_id) if self.config.discord.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = sorted(
            (command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)),
            key=lambda c: (c["name"], c.get("type", 1)),
        )
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"command_hash:{guild.id if guild else 'global'}:{self.application_id}"
        if not await self.db.claim_meta(key, digest):
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        try:
            synced = await self.tree.sync(guild=guild)
        except BaseException:
            await self.db.forget_meta(key, digest)  # not synced after all: the next start tries again
            raise
        log.info("synced %d slash commands %s", len(synced), f"to server {guild.id}" if guild else "globally")
        return True

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer a click or form that no item of this version handles (discord.py calls this for every interaction)."""
        await answer_unknown(interaction)

    async def close(self) -> None:
        """Stop the scheduler, then disconnect."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()


# What every handler of this bot receives: `interaction.client` is the InterviewBot, typed.
BotInteraction: TypeAlias = "discord.Interaction[InterviewBot]"
