"""Start the bot: set up logging, open the database, connect to Discord, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord

from bot.app import InterviewBot
from bot.config import Config, read_database_password
from bot.content.index import Library
from bot.core.choices import warm_up
from bot.db import open_database
from bot.gateway import close_code_message
from bot.health import Heartbeat
from bot.invite import invite_url

log = logging.getLogger(__name__)


class RedactToken(logging.Formatter):
    """Wrap a handler's formatter so the token never reaches the output: not in messages, not in tracebacks."""

    def __init__(self, inner: logging.Formatter, token: str) -> None:
        super().__init__()
        self.inner = inner
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        """Format the record with the wrapped formatter, the token replaced by "[token]"."""
        # Redacting the finished line covers the message, its arguments, exc_info and stack_info alike.
        return self.inner.format(record).replace(self.token, "[token]")


def redact_token(handler: logging.Handler, token: str) -> None:
    """Make `handler` write "[token]" wherever the token would appear."""
    handler.setFormatter(RedactToken(handler.formatter or logging.Formatter(), token))


class JsonFormatter(logging.Formatter):
    """One JSON object per record and line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as JSON: time (UTC), level, logger, message, and exception and stack when present."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


# discord.py's own line format, without its colours.
PLAIN = logging.Formatter("[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{")


def setup_logging(config: Config, token: str) -> None:
    """Log to stderr at the configured level and format, with the token redacted.

    discord.py colours its output on a terminal and also inside any container, where the log goes to a file or
    a collector that shows the escape codes: colour only on a terminal here.
    """
    handler = logging.StreamHandler(sys.stderr)
    options: dict[str, Any] = {}
    if config.logging.format == "json":
        options["formatter"] = JsonFormatter()
    elif not handler.stream.isatty():
        options["formatter"] = PLAIN
    discord.utils.setup_logging(handler=handler, level=getattr(logging, config.logging.level.upper()), **options)
    for root_handler in logging.getLogger().handlers:
        redact_token(root_handler, token)
    # The bot never joins voice: discord.py's warnings about its missing voice libraries are noise at every start.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


def announce_ready(bot: InterviewBot, heartbeat: Heartbeat) -> Callable[[], Coroutine[Any, Any, None]]:
    """Return an on_ready listener: beat at once, then log who the bot is, its server count and invite link."""

    async def on_ready() -> None:
        heartbeat.beat()  # the heartbeat loop's next beat may be a whole interval away
        assert bot.user is not None and bot.application_id is not None  # both are known once ready
        log.info(
            "ready as %s (id %s) in %d server(s); invite link: %s",
            bot.user,
            bot.user.id,
            len(bot.guilds),
            invite_url(bot.application_id),
        )

    return on_ready


async def settle(bot: discord.Client, library: Library) -> None:
    """Warm the content up in a thread, then, once the bot is ready too, freeze what start-up built.

    The full-text index, the typo table, the term relations and the quiz texts take seconds for a large pack:
    built in a thread while the bot connects, they never hold up the event loop (should it fail, what it would
    have built is built when first asked for). Frozen, start-up's objects (the content, its indexes, the caches
    discord.py filled) stay out of later full garbage collections, which would otherwise walk all of them again
    and again, each time pausing the event loop (a tenth of a second or more under load).
    """
    started = time.perf_counter()
    try:
        unusable = await asyncio.to_thread(warm_up, library)
    except Exception:
        log.exception("warming the content up failed; searches and quizzes build what they need when asked")
        unusable = []
    else:
        log.info("content warmed up in %.1f s: full-text search and quiz texts ready", time.perf_counter() - started)
    if unusable:
        log.warning(
            "%d quiz prompt(s) read too little once their term's names are masked, so quizzes leave those terms "
            "out (%s); `interview-bot content check` says what to fix",
            len(unusable),
            ", ".join(unusable[:10]) + (" …" if len(unusable) > 10 else ""),
        )
    await bot.wait_until_ready()
    gc.freeze()


def point_at_api(config: Config) -> None:
    """Send REST (and so the gateway URL lookup) to `discord.api_base` when one is configured."""
    if config.discord.api_base:
        discord.http.Route.BASE = config.discord.api_base.rstrip("/")


async def serve(config: Config, token: str, library: Library) -> None:
    """Open the database, run the bot until it is closed or a stop signal arrives, then close everything."""
    point_at_api(config)
    db = await open_database(
        config.database.target,
        password=read_database_password(),
        busy_timeout=config.database.busy_timeout_seconds,
    )
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
        heartbeat = Heartbeat(bot, config.heartbeat_file, config.health.heartbeat_seconds)
        heartbeat.remove()  # one left by an earlier run says nothing about this one
        bot.add_listener(announce_ready(bot, heartbeat), "on_ready")
        beating = asyncio.create_task(heartbeat.run(), name="heartbeat")
        settling = asyncio.create_task(settle(bot, library), name="settle")
        try:
            async with bot:
                await bot.start(token)
        finally:
            for task in (beating, settling):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            heartbeat.remove()
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
    except discord.PrivilegedIntentsRequired:
        log.critical(close_code_message(4014))
        return 1
    except discord.ConnectionClosed as exc:
        # A close code after which discord.py does not reconnect (4004 when the token is revoked while running).
        log.critical(close_code_message(exc.code))
        return 1
    except discord.HTTPException as exc:
        # Only start-up requests (the command sync) raise out of start(); later ones are handled where made.
        log.critical("a request to Discord failed while starting: %s", exc)
        return 1
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, OSError) as exc:
        log.critical("cannot reach Discord at %s: %s", discord.http.Route.BASE, exc)
        return 1
    return 0
