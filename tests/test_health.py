"""The heartbeat the bot writes while connected, and `interview-bot health`, which a HEALTHCHECK runs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from bot.health import Heartbeat, check
from botprocess import environment

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def beat_file(path: Path, moment: datetime | str) -> Path:
    when = moment if isinstance(moment, str) else moment.isoformat(timespec="seconds")
    path.write_text(json.dumps({"connected_at": when, "latency_ms": 40, "servers": 3}) + "\n")
    return path


def test_a_fresh_heartbeat_is_healthy(tmp_path):
    path = beat_file(tmp_path / "hb", NOW - timedelta(seconds=20))
    assert check(path, 90, NOW) == (True, "ok: connected to Discord 20 s ago, in 3 server(s)")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (None, "unhealthy: no heartbeat file {path} (the bot is not running or has not connected yet)"),
        (NOW - timedelta(seconds=91), "unhealthy: last connected to Discord 91 s ago (allowed: 90 s), per {path}"),
        ("2026-11-23T08:00:00", "unhealthy: the heartbeat file {path} has a time without a time zone"),
        ("yesterday", "unhealthy: cannot read the heartbeat file {path}: Invalid isoformat string: 'yesterday'"),
    ],
)
def test_a_missing_stale_or_broken_heartbeat_is_unhealthy(tmp_path, content, line):
    path = tmp_path / "hb"
    if content is not None:
        beat_file(path, content)
    assert check(path, 90, NOW) == (False, line.format(path=path))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=environment(), timeout=60
    )


def test_health_command_exit_codes(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[database]\npath = "data/bot.db"\n')
    heartbeat = tmp_path / "data" / "bot.db.heartbeat"  # beside the database unless health.heartbeat_file says
    heartbeat.parent.mkdir()
    beat_file(heartbeat, datetime.now(UTC) - timedelta(seconds=60))

    fresh = cli("health", "--config", str(config), cwd=tmp_path)
    assert fresh.returncode == 0 and fresh.stdout.startswith("ok: connected to Discord 6") and fresh.stderr == ""

    stale = cli("health", "--config", str(config), "--max-age", "30", cwd=tmp_path)
    assert stale.returncode == 1 and stale.stdout == ""
    assert stale.stderr.startswith("unhealthy: last connected to Discord 6")
    assert stale.stderr.endswith(f" s ago (allowed: 30 s), per {heartbeat}\n")

    config.write_text('[health]\nheartbeat_file = "elsewhere/beat.json"\n')
    missing = cli("health", "--config", str(config), cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [
        f"unhealthy: no heartbeat file {tmp_path / 'elsewhere' / 'beat.json'} (the bot is not running or has not "
        "connected yet)"
    ]


async def test_the_bot_beats_only_while_connected(env, tmp_path):
    bot = await env.start()
    heartbeat = Heartbeat(bot, tmp_path / "beats" / "hb", interval=30)
    assert heartbeat.beat(NOW)
    assert json.loads(heartbeat.path.read_text()) == {
        "connected_at": "2026-11-23T08:00:00+00:00",
        "latency_ms": round(bot.latency * 1000),
        "servers": 1,
    }
    await env.stop()  # disconnected: the file stays as it was and grows stale
    assert not heartbeat.beat(NOW + timedelta(minutes=5))
    assert check(heartbeat.path, 90, NOW + timedelta(minutes=5))[0] is False
    heartbeat.remove()
    assert not heartbeat.path.exists()


def test_health_settings_are_checked(tmp_path):
    config = parse_config({"database": {"path": "db/x.db"}}, tmp_path)
    assert config.heartbeat_file == tmp_path / "db" / "x.db.heartbeat"
    assert parse_config({"health": {"heartbeat_file": "hb"}}, tmp_path).heartbeat_file == tmp_path / "hb"
    with pytest.raises(ConfigError, match="max_age_seconds must be more than heartbeat_seconds"):
        parse_config({"health": {"heartbeat_seconds": 60, "max_age_seconds": 60}}, tmp_path)
    with pytest.raises(ConfigError, match='format must be "text" or "json"'):
        parse_config({"logging": {"format": "xml"}}, tmp_path)
