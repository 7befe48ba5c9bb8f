"""The REST pacer, on an injected clock: never more than the limit in any one-second window, evenly spread."""

from __future__ import annotations

import asyncio
import itertools
import random
from bisect import bisect_left

import pytest

from bot.config import RateConfig
from bot.pacing import Pacer


class FakeTime:
    """A monotonic clock that only moves when the pacer sleeps (plus any jitter the test adds)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept += 1
        self.now += seconds
        await asyncio.sleep(0)


def most_in_a_window(times: list[float], window: float = 1.0) -> int:
    """The most admissions in any half-open window [t, t + window) starting at an admission."""
    ordered = sorted(times)
    return max(bisect_left(ordered, t + window) - n for n, t in enumerate(ordered))


async def burst(pacer: Pacer, fake: FakeTime, count: int) -> list[float]:
    admitted: list[float] = []

    async def request() -> None:
        await pacer.acquire()
        admitted.append(fake.clock())

    await asyncio.gather(*(request() for _ in range(count)))
    return admitted


@pytest.mark.parametrize("rate", [50, 49, 48, 40, 1])
async def test_a_burst_of_1000_never_puts_more_than_the_rate_into_any_second(rate):
    fake = FakeTime()
    pacer = Pacer(rate, clock=fake.clock, sleep=fake.sleep)
    admitted = await burst(pacer, fake, 1000)
    assert len(admitted) == 1000
    assert most_in_a_window(admitted) == rate
    # As close to the limit as that allows: 1,000 requests take (1000 - 1) / rate seconds.
    assert admitted[-1] - admitted[0] == pytest.approx(999 / rate)


async def test_at_the_default_rate_jitter_on_the_way_to_discord_cannot_put_51_into_its_second():
    rate = RateConfig().requests_per_second
    fake = FakeTime()
    pacer = Pacer(rate, clock=fake.clock, sleep=fake.sleep)
    admitted = await burst(pacer, fake, 1000)
    gaps = [b - a for a, b in itertools.pairwise(admitted)]
    assert min(gaps) == pytest.approx(1 / rate)  # evenly spread, never in clumps
    # Each request reaches Discord up to 40 ms late (any mix): 51 requests still span more than a second.
    rng = random.Random(3)
    for _ in range(20):
        arrived = [t + rng.uniform(0, 0.04) for t in admitted]
        assert most_in_a_window(arrived) <= 50


async def test_a_fractional_rate_keeps_its_whole_number_per_second():
    fake = FakeTime()
    pacer = Pacer(48.5, clock=fake.clock, sleep=fake.sleep)
    admitted = await burst(pacer, fake, 500)
    assert most_in_a_window(admitted) == 48


async def test_an_idle_pacer_lets_a_request_through_at_once_and_a_late_wakeup_never_makes_a_clump():
    fake = FakeTime()
    pacer = Pacer(48, clock=fake.clock, sleep=fake.sleep)
    await pacer.acquire()
    fake.now += 60
    slept = fake.slept
    await pacer.acquire()
    assert fake.slept == slept  # no wait after a quiet minute

    # The event loop wakes the pacer very late (a stall): the next requests still keep their spacing from the late
    # one, give or take the little lateness the pacer absorbs.
    late = FakeTime()
    pacer = Pacer(48, clock=late.clock, sleep=late.sleep)

    async def oversleep(seconds: float) -> None:
        late.now += seconds + 0.3
        await asyncio.sleep(0)

    pacer._sleep = oversleep
    admitted = await burst(pacer, late, 100)
    gaps = [b - a for a, b in itertools.pairwise(admitted)]
    assert min(gaps) >= 1 / 48 - pacer.tolerance - 1e-9
    assert most_in_a_window(admitted) <= 48


async def test_a_little_lateness_on_every_wakeup_does_not_slow_the_pace():
    late = FakeTime()
    pacer = Pacer(48, clock=late.clock, sleep=late.sleep)

    async def oversleep(seconds: float) -> None:
        late.now += seconds + 0.001  # a busy loop wakes each sleeper a millisecond late
        await asyncio.sleep(0)

    pacer._sleep = oversleep
    admitted = await burst(pacer, late, 481)
    assert admitted[-1] - admitted[0] == pytest.approx(10.0, abs=0.002)  # 48 a second, not 46
    assert most_in_a_window(admitted) <= 49  # the slots hold 48 a second; wake-ups wobble by a millisecond


def test_the_default_is_just_below_discords_limit():
    default = RateConfig().requests_per_second
    assert 45 <= default < 50
    with pytest.raises(ValueError):
        Pacer(0.5)
