"""Shard ranges: which servers a process owns, which process syncs the commands, and the config that says so."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config, read_database_password
from bot.core.shards import EVERY_SHARD, Shards, shard_of

# Discord's documented example: this server is on shard 0 of 1, and (its id >> 22) % count in general.
GUILD = 197038439483310086


def test_a_server_is_on_the_shard_discord_sends_its_events_to():
    assert shard_of(GUILD, 1) == 0
    assert shard_of(GUILD, 4) == (GUILD >> 22) % 4
    assert [shard_of((n << 22) | 123, 4) for n in range(8)] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert shard_of(None, 4) == 0  # direct messages


def test_a_process_owns_the_servers_of_its_shards():
    first, second = Shards.of(2, [0]), Shards.of(2, [1])
    servers = [(n << 22) | 5 for n in range(10)]
    assert [first.owns(s) for s in servers] == [n % 2 == 0 for n in range(10)]
    assert all(first.owns(s) != second.owns(s) for s in servers)  # each server has exactly one owner
    assert first.owns(None) and not second.owns(None)
    assert first.syncs_commands and not second.syncs_commands
    assert EVERY_SHARD.owns(GUILD) and EVERY_SHARD.syncs_commands and EVERY_SHARD.everything
    assert Shards.of(4, []) == Shards(4, None) and Shards.of(0, []) == EVERY_SHARD


def test_shard_settings_in_the_config(tmp_path):
    config = parse_config({"discord": {"shard_count": 4, "shard_ids": [0, 1]}}, tmp_path)
    assert (config.discord.shard_count, config.discord.shard_ids) == (4, (0, 1))
    assert parse_config({}, tmp_path).discord.shard_ids == ()


@pytest.mark.parametrize(
    ("discord", "message"),
    [
        ({"shard_ids": [0]}, "shard_ids needs shard_count"),
        ({"shard_count": 2, "shard_ids": [2]}, "shard_ids must be different numbers from 0 to 1"),
        ({"shard_count": 2, "shard_ids": [1, 1]}, "shard_ids must be different numbers from 0 to 1"),
        ({"shard_count": -1}, "shard_count must be a positive number"),
    ],
)
def test_bad_shard_settings_are_refused(tmp_path, discord, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"discord": discord}, tmp_path)


def test_a_database_url_must_be_postgresql(tmp_path):
    with pytest.raises(ConfigError, match="url must be empty"):
        parse_config({"database": {"url": "mysql://x"}}, tmp_path)
    config = parse_config({"database": {"url": "postgresql://bot@db/iq"}}, tmp_path)
    assert config.database.target == "postgresql://bot@db/iq"
    assert parse_config({}, tmp_path).database.target == tmp_path / "data" / "interview-bot.db"
    assert read_database_password({"DATABASE_PASSWORD": "s3cret"}) == "s3cret"
    assert read_database_password({}) is None
