"""The bot's runtime end to end: start-up, command sync, intents, pacing, and the real CLI process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import discord
from standin import running_standin

EXPECTED_COMMANDS = {
    "define", "search", "topics", "random", "question", "guide", "help",
    "daily", "streak", "quiz", "review", "leaderboard", "stats",
}  # fmt: skip


def command_puts(standin):
    return [r for r in standin.requests("PUT") if r.path.endswith("/commands")]


async def test_first_start_syncs_globally_and_an_unchanged_restart_does_not(env):
    await env.start()
    assert {c["name"] for c in env.standin.commands[None]} == EXPECTED_COMMANDS
    assert len(command_puts(env.standin)) == 1
    await env.restart()
    assert len(command_puts(env.standin)) == 1  # same command set: no second sync
    assert env.starts == 2


async def test_dev_guild_sync_goes_to_that_server_only(env):
    guild_id = env.standin.guild.id
    await env.start(discord={"dev_guild_id": guild_id})
    assert {c["name"] for c in env.standin.commands[guild_id]} == EXPECTED_COMMANDS
    assert not env.standin.commands.get(None)
    puts = command_puts(env.standin)
    assert len(puts) == 1 and f"/guilds/{guild_id}/commands" in puts[0].path


async def test_no_privileged_intents_and_no_mentions(env):
    bot = await env.start()
    assert not bot.intents.members and not bot.intents.presences and not bot.intents.message_content
    assert bot.allowed_mentions is not None
    assert bot.allowed_mentions.to_dict() == {"parse": []}


async def test_a_burst_of_requests_is_paced_below_the_global_limit(env):
    bot = await env.start(rate={"requests_per_second": 40})
    channel = bot.get_channel(env.standin.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await asyncio.gather(*(channel.send(f"message {n}") for n in range(90)))
    assert len(env.standin.channel_messages(env.standin.channel)) == 90
    assert env.standin.max_requests_per_second("POST") <= 45  # 40 per second plus a burst of 4


async def test_cli_run_connects_answers_and_stops_cleanly_on_sigterm(tmp_path: Path):
    token = "secret.token.value"
    async with running_standin() as standin:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[discord]\napi_base = "{standin.api_base}"\nguild_ready_timeout = 0.05\n'
            f'[database]\npath = "bot.db"\n[logging]\nlevel = "DEBUG"\n'
        )
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"DISCORD_TOKEN": token}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config),
            env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await standin.wait_until(lambda: standin.commands.get(None), timeout=30)
            await standin.wait_until(lambda: standin.gateway.connected or None, timeout=10)
            await asyncio.sleep(0.5)  # the process's on_ready follows GUILD_CREATE by guild_ready_timeout
            handle = await standin.slash("help")
            callback = await handle.response(timeout=10)
            assert callback.message is not None and callback.message.embeds
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = output.decode()
    assert process.returncode == 0, text
    assert token not in text
    assert "Traceback" not in text
    assert (tmp_path / "bot.db").exists()
    assert not standin.problems()
