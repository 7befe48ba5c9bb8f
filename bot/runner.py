"""Start the bot: set up logging, open the database, connect to Discord, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp
import discord

from bot.app import InterviewBot
from bot.config import Config
from bot.content.index import Library
from bot.db import Database, DatabaseError

log = logging.getLogger(__name__)


class RedactToken(logging.Filter):
    """Replace the token wherever it would appear in a log line."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[token]"), None
        return True


def setup_logging(config: Config, token: str) -> None:
    """Log through discord.py's handler, at the configured level, with the token redacted."""
    discord.utils.setup_logging(level=getattr(logging, config.logging.level.upper()))
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))


def point_at_api(config: Config) -> None:
    """Send REST (and so the gateway URL lookup) to `discord.api_base` when one is configured."""
    if config.discord.api_base:
        discord.http.Route.BASE = config.discord.api_base.rstrip("/")


async def serve(config: Config, token: str, library: Library) -> None:
    """Open the database, run the bot until it is closed or a stop signal arrives, then close everything."""
    point_at_api(config)
    db = await Database.open(config.database.path)
    try:
        bot = InterviewBot(config=config, db=db, library=library)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(
                sig, lambda s=sig: (log.info("received %s; closing", s.name), loop.create_task(bot.close()))
            )
        async with bot:
            await bot.start(token)
    finally:
        await db.close()


def run(config: Config, token: str, library: Library) -> int:
    """Run the bot; return the process exit code, printing one clear line on a fatal problem."""
    setup_logging(config, token)
    stats = library.stats()
    log.info("loaded %d terms and %d questions from %d pack(s)", stats["terms"], stats["questions"], stats["packs"])
    try:
        asyncio.run(serve(config, token, library))
    except discord.LoginFailure:
        log.critical("Discord refused the token in DISCORD_TOKEN: check it in the developer portal")
        return 1
    except discord.PrivilegedIntentsRequired:  # pragma: no cover - the bot asks for none
        log.critical("Discord refused a privileged intent")
        return 1
    except DatabaseError as exc:
        log.critical("%s", exc)
        return 1
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, OSError) as exc:
        log.critical("cannot reach Discord at %s: %s", discord.http.Route.BASE, exc)
        return 1
    return 0
