"""The heartbeat: a small file the bot rewrites while it is connected to Discord, and the check that reads it.

A container's HEALTHCHECK runs `interview-bot health` in a fresh process that cannot ask the bot anything; the
file is how the bot tells it. The bot writes it only while every shard holds a live gateway connection, so a
bot that has lost Discord (and keeps failing to reconnect) lets it grow stale, and the check fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the health check runs in a fresh process every time: it does not import discord.py
    import discord

log = logging.getLogger(__name__)


def connected(client: discord.AutoShardedClient) -> bool:
    """Tell whether the client is ready and every shard holds a gateway connection with a running keep-alive."""
    if client.is_closed() or not client.is_ready() or not client.shards:
        return False
    # A shard's latency is infinite once its connection closed (discord.py drops the keep-alive).
    return all(not shard.is_closed() and math.isfinite(shard.latency) for shard in client.shards.values())


class Heartbeat:
    """Rewrite `path` every `interval` seconds while `client` is connected; remove it when the bot stops."""

    def __init__(self, client: discord.AutoShardedClient, path: Path, interval: float) -> None:
        self.client = client
        self.path = path
        self.interval = interval
        self._failing = False

    async def run(self) -> None:
        """Beat until cancelled; a failure is logged and the next beat tried (a stale file fails the check)."""
        while True:
            try:
                self.beat()
            except Exception:
                log.exception("the heartbeat failed")
            await asyncio.sleep(self.interval)

    def beat(self, now: datetime | None = None) -> bool:
        """Write the heartbeat if the client is connected; return whether it did.

        A write fails only for reasons the operator must fix (a full disk, a read-only directory): it is logged
        once, and again when it works again, not every beat.
        """
        if not connected(self.client):
            return False
        moment = now or datetime.now(UTC)
        beat = {
            "connected_at": moment.isoformat(timespec="seconds"),
            "latency_ms": round(self.client.latency * 1000),
            "servers": len(self.client.guilds),
        }
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(beat) + "\n", encoding="utf-8")
            os.replace(partial, self.path)  # a reader never sees half a file
        except OSError as exc:
            if not self._failing:
                log.warning("cannot write the heartbeat file %s: %s", self.path, exc)
            self._failing = True
            return False
        if self._failing:
            log.info("writing the heartbeat file %s again", self.path)
        self._failing = False
        return True

    def remove(self) -> None:
        """Delete the heartbeat (the bot is stopping: it is not connected any more)."""
        self.path.unlink(missing_ok=True)


def check(path: Path, max_age: float, now: datetime | None = None) -> tuple[bool, str]:
    """Read the heartbeat at `path`; return whether the bot was connected within `max_age` seconds, and a line."""
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        when = datetime.fromisoformat(beat["connected_at"])
    except FileNotFoundError:
        return False, f"unhealthy: no heartbeat file {path} (the bot is not running or has not connected yet)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return False, f"unhealthy: cannot read the heartbeat file {path}: {exc}"
    if when.tzinfo is None:
        return False, f"unhealthy: the heartbeat file {path} has a time without a time zone"
    age = ((now or datetime.now(UTC)) - when).total_seconds()
    if age > max_age:
        return False, f"unhealthy: last connected to Discord {age:.0f} s ago (allowed: {max_age:g} s), per {path}"
    return True, f"ok: connected to Discord {max(age, 0):.0f} s ago, in {beat.get('servers', '?')} server(s)"
