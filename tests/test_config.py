"""The typed config: defaults, relative paths, and clear errors."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config, read_token


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.daily.grace_hours == 6.0
    assert config.quiz.lobby_seconds == 60
    assert config.database.path == tmp_path / "data" / "interview-bot.db"


def test_example_config_is_valid_and_matches_the_defaults():
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    config = load_config(example)
    assert config == parse_config({}, example.parent)
    # It documents every key: each section and each field of the typed config appears in it.
    written = tomllib.loads(example.read_text(encoding="utf-8"))
    known = {f.name: {k.name for k in dataclasses.fields(getattr(config, f.name))} for f in dataclasses.fields(config)}
    assert {name: set(keys) for name, keys in written.items()} == known


def test_relative_paths_resolve_against_the_config_file(tmp_path):
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text('[database]\npath = "db/bot.db"\n[content]\nextra_dirs = ["packs"]\n')
    config = load_config(path)
    assert config.database.path == path.parent / "db" / "bot.db"
    assert config.content.extra_dirs == (path.parent / "packs",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quiz": {"lobby_seconds": 5}}, "lobby_seconds must be between 10 and 600"),
        ({"discord": {"api_base": "ftp://x"}}, "api_base must start with http"),
        ({"discord": {"dev_guild_id": "123"}}, "discord.dev_guild_id must be a whole number"),
        ({"content": {"extra_dirs": "packs"}}, "content.extra_dirs must be a list"),
        ({"logging": {"level": "LOUD"}}, "level must be one of"),
        ({"rate": {"requests_per_second": 100}}, "between 1 and 50"),
    ],
)
def test_bad_values_name_the_key(tmp_path, data, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(data, tmp_path)


def test_token_only_from_the_environment():
    assert read_token({"DISCORD_TOKEN": " abc "}) == "abc"
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        read_token({})
