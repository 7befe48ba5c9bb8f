"""The per-member cooldown rule, with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.cooldowns import Cooldown, Rate

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_uses_within_the_rate_pass_and_the_next_waits_for_the_oldest_to_expire():
    cooldown = Cooldown(Rate(3, timedelta(seconds=60)))
    assert [cooldown.use(1, at(t)) for t in (0, 10, 20)] == [None, None, None]
    assert cooldown.use(1, at(30)) == timedelta(seconds=30)
    assert cooldown.use(1, at(59)) == timedelta(seconds=1)  # refused tries do not count
    assert cooldown.use(2, at(59)) is None  # per member
    assert cooldown.use(1, at(60)) is None  # the use at 0 no longer counts
    assert cooldown.use(1, at(61)) == timedelta(seconds=9)


def test_members_are_forgotten_when_their_uses_expire_and_never_beyond_the_cap():
    cooldown = Cooldown(Rate(1, timedelta(seconds=10)), max_members=100)
    for member in range(50):
        cooldown.use(member, at(member * 0.1))
    assert len(cooldown) == 50
    cooldown.use(999, at(20))  # everyone else's use is older than the period
    assert len(cooldown) == 1
    for member in range(1000):
        cooldown.use(member, at(30))
    assert len(cooldown) == 100  # the least recently active went first
    assert cooldown.use(999, at(31)) == timedelta(seconds=9)  # the latest are remembered


def test_a_rate_needs_a_use_and_a_period():
    with pytest.raises(ValueError):
        Rate(0, timedelta(seconds=1))
    with pytest.raises(ValueError):
        Rate(1, timedelta(0))
