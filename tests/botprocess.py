"""The real `interview-bot` command run as a process against a stand-in, with its log read as it is written."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from standin import StandIn

TOKEN = "secret.token.value"


def environment(**extra: str) -> dict[str, str]:
    """Return this process's environment with the test token, and `extra`."""
    return {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"DISCORD_TOKEN": TOKEN} | extra


def write_config(standin: StandIn, tmp_path: Path, extra: str = "", *, level: str = "INFO") -> Path:
    """Write a config.toml in `tmp_path` that points the bot at the stand-in, with `extra` TOML appended."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[discord]\napi_base = "{standin.api_base}"\nguild_ready_timeout = 0.05\n'
        f'[database]\npath = "bot.db"\n[logging]\nlevel = "{level}"\n' + extra
    )
    return config


class BotProcess:
    """A running `interview-bot` process; its stderr lines are collected as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode().rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def wait_for_line(self, pattern: str, timeout: float = 30) -> str:  # noqa: ASYNC109
        """Wait until a stderr line matches `pattern` (a regular expression); return it."""
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines:
                    if re.search(pattern, line):
                        return line
                if self._reader.done():
                    raise AssertionError(f"the bot exited without logging {pattern!r}: {self.lines}")
                self._changed.clear()
                await self._changed.wait()

    async def finish(self, timeout: float = 20) -> tuple[int, str, list[str]]:  # noqa: ASYNC109
        """Wait for the process to exit; return its exit code, its stdout and its stderr lines."""
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            stdout = await self.process.stdout.read()
            await self._reader
            code = await self.process.wait()
        return code, stdout.decode(), self.lines


@contextlib.asynccontextmanager
async def bot_process(
    args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, command: Sequence[str] | None = None
) -> AsyncIterator[BotProcess]:
    """Run `python -m bot ARGS` (or `command` + ARGS), piping stdout and stderr apart; kill it if still running."""
    process = await asyncio.create_subprocess_exec(
        *(command or (sys.executable, "-m", "bot")), *args,
        env=env or environment(), cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    running = BotProcess(process)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        running._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running._reader
