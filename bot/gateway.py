"""The bot's side of Discord's gateway: keep every connection on the configured gateway; explain fatal closes.

discord.py asks `GET /gateway/bot` (on the configured API, `discord.api_base`) for the gateway URL only when it
first connects. When Discord ends a session (op 9 after a failed RESUME, or a reconnect after a close) it
connects again to its built-in default, `wss://gateway.discord.gg`: behind a self-hosted or proxied API the
bot would never hear another event. `keep_configured_gateway` sends those connections to the gateway the
configured API named. After a few close codes discord.py gives up; `close_code_message` tells the operator why.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
import yarl

log = logging.getLogger(__name__)


# What an operator does about the close codes after which discord.py gives up
# (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
FATAL_CLOSE_CODES = {
    4004: "the token was refused (reset or revoked in the developer portal?): put the bot's current token in "
    "DISCORD_TOKEN and restart",
    4010: "the bot sent an invalid shard: restart it; if this persists, report it as a bug",
    4011: "the bot is in too many servers for one connection and must be sharded: restart it (it asks Discord "
    "how many shards to use when it starts)",
    4012: "the gateway refused discord.py's API version: upgrade the bot (discord.py)",
    4013: "the bot sent invalid intents: upgrade the bot; if this persists, report it as a bug",
    4014: "the bot asked for a privileged intent the application may not use: enable it in the developer "
    "portal (Bot tab, Privileged Gateway Intents) or upgrade the bot",
}


def close_code_message(code: int | None) -> str:
    """Say, in one line, why Discord ended the connection for good and what the operator should do."""
    advice = FATAL_CLOSE_CODES.get(code or 0, "check Discord's status and the bot's configuration, then restart")
    return f"Discord closed the gateway connection (close code {code}): {advice}"


def _origin(url: yarl.URL) -> yarl.URL:
    return url.with_query(None).with_fragment(None)


def keep_configured_gateway(http: discord.http.HTTPClient) -> None:
    """Send `http`'s gateway connections meant for discord.py's default to the gateway the configured API named.

    The configured gateway is the URL of the last `GET /gateway/bot` answer. discord.py offers no setting for
    this: it falls back to `DiscordWebSocket.DEFAULT_GATEWAY` (a class-wide constant) on re-identify and
    reconnect. Wrapping this client's own two methods changes nothing for any other client. A resume URL that
    READY gave (`resume_gateway_url`) is left alone: it came from the configured gateway.
    """
    default = _origin(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    configured: list[yarl.URL] = []
    ask, connect = http.get_bot_gateway, http.ws_connect

    async def get_bot_gateway(*args: Any, **kwargs: Any) -> Any:
        shards, url, limits = await ask(*args, **kwargs)
        configured[:] = [yarl.URL(url)]
        return shards, url, limits

    async def ws_connect(url: str, **kwargs: Any) -> Any:
        target = yarl.URL(url)
        if configured and _origin(target) == default and _origin(configured[0]) != default:
            target = configured[0].with_query(target.query)
            log.debug("connecting to the configured gateway %s instead of discord.py's default", _origin(target))
        return await connect(str(target), **kwargs)

    http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]
    http.ws_connect = ws_connect  # type: ignore[method-assign]
