"""What an operator sees and does: the README's run command, the ready line with the invite link, plain or JSON
logs, the heartbeat and `interview-bot health`, fatal close codes, `--version`."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from bot.invite import PERMISSIONS
from botprocess import TOKEN, bot_process, environment, write_config
from standin import running_standin

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
READY = r"ready as \S+ \(id \d+\) in \d+ server\(s\); invite link: "
NOT_PLAIN = ("\x1b[", "voice will NOT be supported", "Traceback")


def readme_run_command() -> tuple[dict[str, str], list[str]]:
    """Return the environment and arguments of the README's run command (after the install, its last step)."""
    block = README.split("Run the bot", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    words = shlex.split(block.strip().split("&&")[-1])
    assignments = [w for w in words if re.fullmatch(r"[A-Z_]+=.*", w)]
    program, *args = words[len(assignments) :]
    env = dict(a.split("=", 1) for a in assignments)
    assert Path(program).name == "interview-bot" and env.keys() == {"DISCORD_TOKEN"}, block
    return env, args


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=environment(), timeout=60
    )


async def test_the_readme_run_command_connects_logs_plainly_and_keeps_a_heartbeat(tmp_path: Path):
    env, args = readme_run_command()
    installed = Path(sys.executable).parent / "interview-bot"  # what `pip install .` put in the venv
    async with running_standin() as standin:
        write_config(standin, tmp_path, "[health]\nheartbeat_seconds = 1\nmax_age_seconds = 5\n")  # ./config.toml
        command = environment(**{k: TOKEN for k in env})
        async with bot_process(args, cwd=tmp_path, env=command, command=[str(installed)]) as bot:
            ready = await bot.wait_for_line(READY)
            healthy = cli("health", cwd=tmp_path)
            bot.process.send_signal(signal.SIGTERM)
            code, stdout, lines = await bot.finish()
        assert not standin.problems()
    # The ready line names the bot and its servers and links the invite with the README's permissions.
    app = standin.world.application_id
    assert ready.endswith(
        f"ready as {standin.world.bot_user.name} (id {standin.world.bot_user.id}) in 1 server(s); invite link: "
        f"https://discord.com/oauth2/authorize?client_id={app}&scope=bot+applications.commands"
        f"&permissions={PERMISSIONS.value}"
    )
    assert f"permissions={PERMISSIONS.value}" in README
    # Piped, the log is plain text: no colour codes, no warnings about voice libraries the bot never uses.
    assert code == 0 and stdout == ""
    assert not [line for line in lines if any(mark in line for mark in NOT_PLAIN)], lines
    assert all(re.match(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[(INFO|DEBUG) +\] \S+: ", line) for line in lines), lines
    assert TOKEN not in "\n".join(lines)
    # While connected the heartbeat is fresh; once the bot stopped there is none.
    assert healthy.returncode == 0 and healthy.stdout.startswith("ok: connected to Discord "), healthy
    stopped = cli("health", cwd=tmp_path)
    assert stopped.returncode == 1 and stopped.stdout == ""
    assert stopped.stderr.splitlines() == [
        f"unhealthy: no heartbeat file {tmp_path / 'bot.db.heartbeat'} (the bot is not running or has not "
        "connected yet)"
    ]


async def test_json_logs_are_one_object_per_line(tmp_path: Path):
    async with running_standin() as standin:
        config = write_config(standin, tmp_path, '\nformat = "json"\n', level="DEBUG")
        async with bot_process(["run", "--config", str(config)], cwd=tmp_path) as bot:
            await bot.wait_for_line(r'"message": "ready as ')
            bot.process.send_signal(signal.SIGTERM)
            code, stdout, lines = await bot.finish()
    assert code == 0 and stdout == ""
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(set(r) >= {"time", "level", "logger", "message"} for r in records)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", r["time"]) for r in records)
    loggers = {r["logger"] for r in records}
    assert {"bot.runner", "discord.client", "discord.gateway"} <= loggers, loggers
    assert any(r["message"] == "received SIGTERM; closing" and r["level"] == "INFO" for r in records)
    assert TOKEN not in "\n".join(lines)


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (4004, "the token was refused (reset or revoked in the developer portal?): put the bot's current token"),
        (4013, "the bot sent invalid intents: upgrade the bot"),
    ],
)
async def test_a_fatal_close_code_stops_the_bot_with_one_line(tmp_path: Path, code, advice):
    async with running_standin() as standin:
        config = write_config(standin, tmp_path)
        async with bot_process(["run", "--config", str(config)], cwd=tmp_path) as bot:
            await bot.wait_for_line(READY)
            await standin.drop_connections(code)  # as Discord does when the token is revoked while running
            exit_code, stdout, lines = await bot.finish()
    assert exit_code == 1 and stdout == ""
    assert not [line for line in lines if "Traceback" in line or line.startswith((" ", "\t"))], lines
    worse_than_info = [line for line in lines if not re.match(r"\[[^]]+\] \[(INFO|DEBUG) ", line)]
    assert len(worse_than_info) == 1, lines
    assert "[CRITICAL] bot.runner: " in worse_than_info[0]
    assert worse_than_info[0].endswith(f"Discord closed the gateway connection (close code {code}): {advice}" + (
        " in DISCORD_TOKEN and restart" if code == 4004 else "; if this persists, report it as a bug"
    ))  # fmt: skip


def test_version_names_the_installed_package(tmp_path: Path):
    result = cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"interview-bot {metadata.version('interview-practice-bot')}\n"
