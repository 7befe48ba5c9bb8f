"""Start the bot: set up logging, open the database, connect to Discord, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

import aiohttp
import discord

from bot.app import InterviewBot
from bot.config import Config
from bot.content.index import Library
from bot.db import Database

log = logging.getLogger(__name__)


class RedactToken(logging.Formatter):
    """Wrap a handler's formatter so the token never reaches the output: not in messages, not in tracebacks."""

    def __init__(self, inner: logging.Formatter, token: str) -> None:
        super().__init__()
        self.inner = inner
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        # Redacting the finished line covers the message, its arguments, exc_info and stack_info alike.
        return self.inner.format(record).replace(self.token, "[token]")


def redact_token(handler: logging.Handler, token: str) -> None:
    """Make `handler` write "[token]" wherever the token would appear."""
    handler.setFormatter(RedactToken(handler.formatter or logging.Formatter(), token))


def setup_logging(config: Config, token: str) -> None:
    """Log through discord.py's handler, at the configured level, with the token redacted."""
    discord.utils.setup_logging(level=getattr(logging, config.logging.level.upper()))
    for handler in logging.getLogger().handlers:
        redact_token(handler, token)


def point_at_api(config: Config) -> None:
    """Send REST (and so the gateway URL lookup) to `discord.api_base` when one is configured."""
    if config.discord.api_base:
        discord.http.Route.BASE = config.discord.api_base.rstrip("/")


async def freeze_when_ready(bot: discord.Client) -> None:
    """Once the bot is ready (cogs loaded, caches filled), keep what start-up built out of later full garbage
    collections: each would walk all of it again, pausing the event loop (a tenth of a second, several times a
    minute under load)."""
    await bot.wait_until_ready()
    gc.freeze()


async def serve(config: Config, token: str, library: Library) -> None:
    """Open the database, run the bot until it is closed or a stop signal arrives, then close everything."""
    point_at_api(config)
    db = await Database.open(config.database.path)
    stats = library.stats()
    log.info("loaded %d terms and %d questions from %d pack(s)", stats["terms"], stats["questions"], stats["packs"])
    try:
        bot = InterviewBot(config=config, db=db, library=library)
        loop = asyncio.get_running_loop()
        closing: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks

        def stop(sig: signal.Signals) -> None:
            log.info("received %s; closing", sig.name)
            closing.add(loop.create_task(bot.close()))

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop, sig)
        closing.add(loop.create_task(freeze_when_ready(bot)))
        async with bot:
            await bot.start(token)
    finally:
        await db.close()


def run(config: Config, token: str, library: Library) -> int:
    """Run the bot; return the process exit code, logging one clear line on a fatal problem with Discord.

    A database that cannot be used raises `DatabaseError` before anything connects; the command line reports it.
    """
    setup_logging(config, token)
    try:
        asyncio.run(serve(config, token, library))
    except discord.LoginFailure:
        log.critical("Discord refused the token in DISCORD_TOKEN: check it in the developer portal")
        return 1
    except discord.PrivilegedIntentsRequired:  # pragma: no cover - the bot asks for none
        log.critical("Discord refused a privileged intent")
        return 1
    except discord.HTTPException as exc:
        # Only start-up requests (the command sync) raise out of start(); later ones are handled where made.
        log.critical("a request to Discord failed while starting: %s", exc)
        return 1
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, OSError) as exc:
        log.critical("cannot reach Discord at %s: %s", discord.http.Route.BASE, exc)
        return 1
    return 0
