"""The bot's runtime end to end: start-up, command sync, intents, pacing, and the real CLI process."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path

import discord
import pytest

from bot.config import parse_config
from bot.core.errors import BotError
from bot.runner import setup_logging
from bot.ui import loaded_cog
from botprocess import TOKEN, bot_process, write_config
from standin import running_standin

EXPECTED_COMMANDS = {
    "define", "search", "topics", "random", "question", "guide", "help",
    "daily", "streak", "quiz", "interview", "review", "leaderboard", "stats",
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
    # At most 40 in any second by the bot's clock; the stand-in receives them with a little jitter.
    assert env.standin.max_requests_per_second("POST") <= 42


async def test_cli_run_connects_answers_and_stops_cleanly_on_sigterm(tmp_path: Path):
    async with running_standin() as standin:
        config = write_config(standin, tmp_path, level="DEBUG")
        async with bot_process(["run", "--config", str(config)], cwd=tmp_path) as process:
            await process.wait_for_line(r"\] bot.runner: ready as ")
            handle = await standin.slash("help")
            callback = await handle.response(timeout=10)
            assert callback.message is not None and callback.message.embeds
            process.process.send_signal(signal.SIGTERM)
            code, output, lines = await process.finish()
    text = "\n".join([output, *lines])
    assert code == 0, text
    assert "logging in using static token" in text and "received SIGTERM; closing" in text
    assert TOKEN not in text
    assert "Traceback" not in text
    assert (tmp_path / "bot.db").exists()
    assert not standin.problems()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_token_never_reaches_the_log_output(tmp_path, capsys, fmt):
    token = "MTIz.secret-token.value"
    root = logging.getLogger()
    before = [(handler, handler.formatter) for handler in root.handlers]
    level = root.level
    setup_logging(parse_config({"logging": {"level": "DEBUG", "format": fmt}}, tmp_path), token)
    try:
        log = logging.getLogger("bot.test")
        log.info("connecting with %s", token)
        log.debug(f"payload {{'token': '{token}'}}")
        try:
            raise RuntimeError(f"rejected {token}")
        except RuntimeError:
            log.exception("login failed")
        log.warning("where", stack_info=True)
    finally:
        for handler in root.handlers[:]:
            if handler not in [h for h, _ in before]:
                root.removeHandler(handler)
        for handler, formatter in before:
            handler.setFormatter(formatter)
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "connecting with [token]" in err and "payload {'token': '[token]'}" in err
    assert "RuntimeError: rejected [token]" in err, "tracebacks are redacted too"
    assert "login failed" in err and "Stack (most recent call last)" in err
    assert "secret-token" not in err
    if fmt == "json":  # one object per record, the traceback and stack inside it
        records = [json.loads(line) for line in err.splitlines()]
        assert [r["message"] for r in records] == [
            "connecting with [token]", "payload {'token': '[token]'}", "login failed", "where"
        ]  # fmt: skip
        assert records[2]["exception"].endswith("RuntimeError: rejected [token]") and "stack" in records[3]


async def test_a_command_discord_still_shows_after_it_was_removed_gets_a_private_answer(env):
    await env.start()
    # The client shows a command from before the last sync: the bot no longer has it.
    help_command = next(c for c in env.standin.commands[None] if c["name"] == "help")
    env.standin.commands[None].append(help_command | {"name": "oldhelp", "id": str(int(help_command["id"]) + 1)})
    callback = await (await env.standin.slash("oldhelp")).response()
    assert callback.message.ephemeral
    assert callback.message.content.startswith("This command has just changed. Please try again in a minute")


@pytest.mark.parametrize(
    ("method", "route", "status", "line"),
    [
        ("GET", "/users/@me", 401, "Discord refused the token in DISCORD_TOKEN: check it in the developer portal"),
        (
            "PUT",
            "/applications/{application_id}/commands",
            403,
            "a request to Discord failed while starting: 403 Forbidden (error code: 0): 403: injected by the test",
        ),
    ],
)
async def test_cli_run_refused_by_discord_stops_with_one_line(tmp_path: Path, method, route, status, line):
    async with running_standin() as standin:
        standin.inject(method, route, status=status)
        config = write_config(standin, tmp_path, level="ERROR")
        async with bot_process(["run", "--config", str(config)], cwd=tmp_path) as process:
            code, output, lines = await process.finish(timeout=30)
    assert code == 1
    assert output == ""
    assert len(lines) == 1, lines
    assert "CRITICAL" in lines[0] and "bot.runner" in lines[0] and lines[0].endswith(f" {line}"), lines
    assert TOKEN not in lines[0]
    assert not standin.problems()


async def test_a_feature_that_is_not_loaded_is_explained_not_crashed(env):
    bot = await env.start()
    assert loaded_cog(bot, "Review", "Review") is bot.get_cog("Review")
    await bot.remove_cog("Review")  # as while its extension reloads
    with pytest.raises(BotError, match=r"^Review is unavailable for a moment \(the bot is restarting it\)"):
        loaded_cog(bot, "Review", "Review")
