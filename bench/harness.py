"""Running code under test in child processes.

The code is this checkout or an older revision of the bot; the bot process protocol is `bench.botproc`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CodeRoot:
    """A directory holding a `bot` package (and its `content`) to benchmark: this checkout or a snapshot."""

    label: str
    path: Path

    def env(self) -> dict[str, str]:
        """Return the environment of a child process importing `bot` from here and `bench` from this checkout."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(self.path), str(REPO)])
        env.pop("PYTHONDEVMODE", None)
        return env


CURRENT = CodeRoot("now", REPO)


def snapshot(rev: str, work_dir: Path) -> CodeRoot:
    """Export `bot/` and `content/` of a git revision into `work_dir` (reused when already there)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    target = work_dir / f"rev-{sha[:12]}"
    if not (target / ".complete").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", sha, "bot", "content"], cwd=REPO, check=True, capture_output=True
        ).stdout
        with tempfile.TemporaryFile() as tmp:
            tmp.write(archive)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tar:
                tar.extractall(target, filter="data")
        (target / ".complete").write_text(sha + "\n", encoding="utf-8")
    return CodeRoot(sha[:7] if sha.startswith(rev) else f"{rev} ({sha[:7]})", target)


def run_json(root: CodeRoot, module: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run `python -m module args…` under `root`; return the JSON object it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=root.path,
        env=root.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed under {root.label}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class BotProcess:
    """A bot (see bench.botproc) in a child process, against a stand-in."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log
        self.ready: dict[str, Any] = {}

    @classmethod
    async def start(
        cls,
        root: CodeRoot,
        api_base: str,
        *,
        kind: str,
        db: Path,
        packs: list[Path] = (),  # type: ignore[assignment]
        rate: float | None = None,
        clock: str | None = None,
        slow_callback_ms: float = 0,
        log: Path,
        timeout: float = 120,  # noqa: ASYNC109
    ) -> BotProcess:
        """Start a bot process (see `bench.botproc` for the arguments); return once it is ready."""
        args = ["--api-base", api_base, "--kind", kind, "--db", str(db)]
        for pack in packs:
            args += ["--pack", str(pack)]
        if rate is not None:
            args += ["--rate", str(rate)]
        if clock:
            args += ["--clock", clock]
        if slow_callback_ms:
            args += ["--slow-callback-ms", str(slow_callback_ms)]
        stderr = log.open("ab")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.botproc",
            *args,
            cwd=root.path,
            env=root.env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            limit=1 << 24,
        )
        stderr.close()
        bot = cls(proc, log)
        try:
            bot.ready = await bot.event("ready", timeout)
        except BaseException:
            await bot.kill()
            raise
        return bot

    async def event(self, name: str, timeout: float = 60) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait for the bot's next `name` event."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    tail = self.log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the bot process ended before '{name}'; its log ends:\n{tail}")
                with contextlib.suppress(ValueError):
                    data = json.loads(line)
                    if data.get("event") == name:
                        return data

    async def reset(self) -> None:
        """Forget the loop measurements so far (after a warm-up)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"reset\n")
        await self.proc.stdin.drain()
        await self.event("reset")

    async def stop(self) -> dict[str, Any]:
        """Close the bot; return its loop and GC measurements."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"stop\n")
        await self.proc.stdin.drain()
        try:
            stats = await self.event("stats", 20)
        except TimeoutError:
            stats = {"killed": True}  # still working through a backlog: its figures are lost, not needed
        finally:
            await self.kill()
        return stats

    async def kill(self) -> None:
        """End the process: terminate it, kill it if it does not end within 10 s."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def percentile(samples: list[float], fraction: float) -> float:
    """Return the value below which `fraction` of the samples lie (nearest rank)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
