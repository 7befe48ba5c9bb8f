"""The container files, checked without a Docker daemon: the dependency layer, the HEALTHCHECK, compose.yaml.

`interview-bot health` itself, which the HEALTHCHECK runs, is tested end to end in test_operations_e2e.py and
test_health.py.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0], line.split(None, 1)[1]) for line in lines]


def test_dependencies_are_installed_in_their_own_layer_before_the_source(tmp_path):
    steps = instructions()
    copies = [n for n, (keyword, _) in enumerate(steps) if keyword == "COPY"]
    assert steps[copies[0]] == ("COPY", "pyproject.toml ./")
    install = next(n for n, (keyword, args) in enumerate(steps) if keyword == "RUN" and "pip install -r" in args)
    source = next(n for n, (keyword, args) in enumerate(steps) if keyword == "COPY" and args.startswith("bot "))
    assert copies[0] < install < source
    assert "--no-deps" in next(args for keyword, args in steps[source:] if keyword == "RUN")

    # The requirements are pyproject.toml's dependencies, exactly.
    command = shlex.split(steps[install][1].split(" > ", 1)[0])
    assert command[:2] == ["python", "-c"]
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    listed = subprocess.run([sys.executable, *command[1:]], cwd=tmp_path, capture_output=True, text=True, check=True)
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert listed.stdout.splitlines() == dependencies


def test_the_healthcheck_runs_the_health_command():
    (healthcheck,) = [args for keyword, args in instructions() if keyword == "HEALTHCHECK"]
    options, command = healthcheck.split(" CMD ", 1)
    assert json.loads(command) == ["interview-bot", "health"]
    assert "--interval=" in options and "--start-period=" in options
    assert dict(instructions())["USER"] == "bot" and dict(instructions())["WORKDIR"] == "/data"


def test_compose_keeps_the_data_on_a_volume_and_the_token_in_an_env_file():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and bot["env_file"] == ".env"
    assert "interview-data:/data" in bot["volumes"] and "interview-data" in compose["volumes"]
    assert "DISCORD_TOKEN" not in json.dumps(bot.get("environment", {}))
    # The env file holds the token: it stays out of the repository and of the image.
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()
