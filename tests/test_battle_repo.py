"""The battle repository on a real migrated database: joining, clicks, closing rounds, ending battles."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.battle import BattleInProgress
from bot.core.choices import MultipleChoice
from bot.core.shards import Shards
from bot.repos.battle import BattleRepo, Click, Join

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
GUILD, CHANNEL, HOST = 100, 200, 300
QUESTION = MultipleChoice("dropout", "definition", "A ▢▢▢ …", ("relu", "dropout", "adam", "softmax"), 1)


@pytest.fixture
def repo(db):
    return BattleRepo(db)


async def new_battle(repo, channel=CHANNEL, scoring="speed", seconds=10):
    return await repo.create(
        guild_id=GUILD,
        channel_id=channel,
        host_id=HOST,
        chapter_key=None,
        rounds=3,
        seconds=seconds,
        scoring=scoring,
        now=NOW,
        lobby_until=NOW + timedelta(seconds=60),
    )


async def score_rows(db, ref=None):
    rows = await db.fetchall(
        "SELECT user_id, ref, points, correct FROM score_events WHERE ref LIKE ? ORDER BY ref, user_id",
        (ref or "%",),
    )
    return [tuple(r) for r in rows]


async def test_one_battle_per_channel_until_it_ends(repo):
    battle = await new_battle(repo)
    assert (battle.state, battle.current_round, battle.lobby_until) == ("lobby", 0, NOW + timedelta(seconds=60))
    with pytest.raises(BattleInProgress, match="already on in this channel"):
        await new_battle(repo)
    other = await new_battle(repo, channel=201)  # another channel is free
    assert other.id != battle.id
    assert (await repo.active_in(CHANNEL)).id == battle.id
    assert await repo.end(battle.id, "stopped", NOW)
    assert not await repo.end(battle.id, "stopped", NOW)  # ending twice changes nothing
    assert await repo.active_in(CHANNEL) is None
    again = await new_battle(repo)
    assert again.state == "lobby"


async def test_joining_is_open_until_the_first_round_closes(repo):
    battle = await new_battle(repo)
    assert await repo.join(battle.id, 1, NOW) is Join.JOINED
    assert await repo.join(battle.id, 1, NOW) is Join.ALREADY
    assert await repo.start(battle.id, NOW)
    assert not await repo.start(battle.id, NOW)
    await repo.open_round(battle.id, 1, QUESTION, NOW, NOW + timedelta(seconds=10))
    assert await repo.join(battle.id, 2, NOW) is Join.JOINED  # late, but round 1 is still open
    await repo.close_round(await repo.get(battle.id), 1, NOW + timedelta(seconds=10))
    assert await repo.join(battle.id, 3, NOW) is Join.CLOSED
    assert [p.user_id for p in await repo.players(battle.id)] == [1, 2]


async def test_first_click_counts_and_newcomers_join_by_answering_round_one(repo, db):
    battle = await new_battle(repo)
    await repo.join(battle.id, 1, NOW)
    await repo.start(battle.id, NOW)
    await repo.open_round(battle.id, 1, QUESTION, NOW, NOW + timedelta(seconds=10))
    first = await repo.record_answer(battle.id, 1, 1, 1, NOW + timedelta(seconds=2))
    second = await repo.record_answer(battle.id, 1, 1, 3, NOW + timedelta(seconds=3))
    late = await repo.record_answer(battle.id, 1, 2, 0, NOW + timedelta(seconds=4))
    assert (first.status, first.choice) == (Click.RECORDED, 1)
    assert (second.status, second.choice) == (Click.ALREADY, 1)
    assert (late.status, late.choice) == (Click.JOINED, 0)
    rows = await db.fetchall("SELECT user_id, choice, elapsed_us FROM battle_answers ORDER BY user_id")
    assert [tuple(r) for r in rows] == [(1, 1, 2_000_000), (2, 0, 4_000_000)]

    result = await repo.close_round(await repo.get(battle.id), 1, NOW + timedelta(seconds=10))
    assert [(s.state.user_id, s.earned) for s in result.scored] == [(1, 900), (2, 0)]
    assert await repo.close_round(await repo.get(battle.id), 1, NOW + timedelta(seconds=11)) is None
    assert (await repo.record_answer(battle.id, 1, 1, 1, NOW + timedelta(seconds=12))).status is Click.CLOSED

    await repo.open_round(battle.id, 2, QUESTION, NOW + timedelta(seconds=15), NOW + timedelta(seconds=25))
    stranger = await repo.record_answer(battle.id, 2, 3, 1, NOW + timedelta(seconds=16))
    assert stranger.status is Click.NOT_PLAYER
    assert (await repo.record_answer(battle.id, 99, 1, 1, NOW)).status is Click.CLOSED  # no such round


async def test_closing_rounds_writes_one_score_event_per_player_and_round(repo, db):
    battle = await new_battle(repo, seconds=20)
    for user in (1, 2, 3):
        await repo.join(battle.id, user, NOW)
    await repo.start(battle.id, NOW)
    battle = await repo.get(battle.id)
    t0 = NOW
    await repo.open_round(battle.id, 1, QUESTION, t0, t0 + timedelta(seconds=20))
    await repo.record_answer(battle.id, 1, 1, 1, t0 + timedelta(seconds=5))  # right: 875
    await repo.record_answer(battle.id, 1, 2, 1, t0)  # right: 1000
    await repo.record_answer(battle.id, 1, 3, 2, t0)  # wrong
    round1 = await repo.close_round(battle, 1, t0 + timedelta(seconds=20))
    assert [(s.user_id, s.points, s.place, s.moved) for s in round1.standings] == [
        (2, 1000, 1, None),
        (1, 875, 2, None),
        (3, 0, 3, None),
    ]
    # The leaderboard sees round 1 only once it closed; round 2 is open and not in the ledger yet.
    t1 = t0 + timedelta(seconds=25)
    await repo.open_round(battle.id, 2, QUESTION, t1, t1 + timedelta(seconds=20))
    await repo.record_answer(battle.id, 2, 1, 1, t1)  # right with a run of 1: 1100
    await repo.record_answer(battle.id, 2, 3, 1, t1 + timedelta(seconds=20))  # right at T: 500
    assert await score_rows(db) == [
        (1, f"battle:{battle.id}:1", 875, 1),
        (2, f"battle:{battle.id}:1", 1000, 1),
        (3, f"battle:{battle.id}:1", 0, 0),
    ]
    round2 = await repo.close_round(battle, 2, t1 + timedelta(seconds=20))
    assert [(s.user_id, s.points, s.place, s.moved) for s in round2.standings] == [
        (1, 1975, 1, 1),
        (2, 1000, 2, -1),
        (3, 500, 3, 0),
    ]
    assert await score_rows(db, f"battle:{battle.id}:2") == [
        (1, f"battle:{battle.id}:2", 1100, 1),
        (2, f"battle:{battle.id}:2", 0, 0),  # no answer: graded wrong, run reset
        (3, f"battle:{battle.id}:2", 500, 1),
    ]
    players = {p.user_id: p for p in await repo.players(battle.id)}
    assert (players[1].points, players[1].run, players[1].correct) == (1975, 2, 2)
    assert (players[2].points, players[2].run, players[2].correct) == (1000, 0, 1)
    assert await repo.finished_rounds(battle.id) == 2


async def test_end_interrupted_ends_every_unfinished_battle_once(repo, db):
    lobby = await new_battle(repo, channel=1)
    running = await new_battle(repo, channel=2)
    await repo.join(running.id, 1, NOW)
    await repo.start(running.id, NOW)
    await repo.open_round(running.id, 1, QUESTION, NOW, NOW + timedelta(seconds=10))
    done = await new_battle(repo, channel=3)
    await repo.end(done.id, "finished", NOW)
    ended = await repo.end_interrupted(NOW)
    assert sorted(b.id for b in ended) == [lobby.id, running.id]
    assert all(b.state == "ended" and b.end_reason == "restart" for b in ended)
    assert (await repo.get(done.id)).end_reason == "finished"
    assert await repo.end_interrupted(NOW) == []
    # The round that was open takes no more answers, by either path.
    for opened in ((NOW, 10), None):
        click = await repo.record_answer(running.id, 1, 1, 1, NOW + timedelta(seconds=1), opened)
        assert click.status is Click.CLOSED
    assert await db.fetchall("SELECT * FROM battle_answers") == []
    assert (await repo.get_round(running.id, 1)).closed_at is None  # and it was never scored
    assert await score_rows(db) == []


async def test_a_process_ends_only_the_interrupted_battles_of_its_shards(repo):
    on = {shard: (shard << 22) | 7 for shard in range(4)}  # a server id on each shard of 4
    battles = {shard: await repo.create(
        guild_id=guild, channel_id=guild + 1, host_id=HOST, chapter_key=None, rounds=3, seconds=10,
        scoring="flat", now=NOW, lobby_until=NOW,
    ) for shard, guild in on.items()}  # fmt: skip
    ended = await repo.end_interrupted(NOW, Shards.of(4, [1, 3]))
    assert sorted(b.id for b in ended) == [battles[1].id, battles[3].id]
    assert [(await repo.get(battles[s].id)).state for s in (0, 2)] == ["lobby", "lobby"]  # another process's


@pytest.mark.parametrize("fast", [True, False], ids=["batched-first-clicks", "one-transaction-each"])
async def test_two_hundred_simultaneous_clicks_are_each_recorded_once_and_fast(repo, db, fast):
    battle = await new_battle(repo)
    for user in range(1, 201):
        await repo.join(battle.id, user, NOW)
    await repo.start(battle.id, NOW)
    await repo.open_round(battle.id, 1, QUESTION, NOW, NOW + timedelta(seconds=10))
    at = NOW + timedelta(seconds=1)
    opened = (NOW, 10) if fast else None
    clicks = []
    for user in range(1, 201):
        clicks.append(repo.record_answer(battle.id, 1, user, user % 4, at, opened))
        if user % 10 == 0:  # a double click with another answer, right behind the first
            clicks.append(repo.record_answer(battle.id, 1, user, (user + 1) % 4, at, opened))
    began = time.perf_counter()
    outcomes = await asyncio.gather(*clicks)
    took = time.perf_counter() - began
    statuses = [o.status for o in outcomes]
    assert statuses.count(Click.RECORDED) == 200
    assert statuses.count(Click.ALREADY) == 20
    assert all(o.choice == o_user % 4 for o, o_user in zip(outcomes, _users(), strict=True))  # the first counts
    rows = await db.fetchall("SELECT user_id, choice, elapsed_us FROM battle_answers ORDER BY user_id")
    assert [tuple(r) for r in rows] == [(user, user % 4, 1_000_000) for user in range(1, 201)]
    # Every click is written well inside Discord's 3-second answer window (typically ~0.1 s for all 220).
    assert took < 1.5, f"220 clicks took {took:.2f} s"


def _users():
    for user in range(1, 201):
        yield user
        if user % 10 == 0:
            yield user


async def test_batched_clicks_refuse_closed_rounds_and_strangers(repo):
    battle = await new_battle(repo)
    await repo.join(battle.id, 1, NOW)
    await repo.start(battle.id, NOW)
    await repo.open_round(battle.id, 1, QUESTION, NOW, NOW + timedelta(seconds=10))
    opened = (NOW, 10)
    stranger = await repo.record_answer(battle.id, 1, 2, 1, NOW + timedelta(seconds=12), opened)
    assert (stranger.status, stranger.choice) == (Click.JOINED, 1)  # round 1: a newcomer joins, 10 s (clamped)
    await repo.close_round(await repo.get(battle.id), 1, NOW + timedelta(seconds=10))
    late = await repo.record_answer(battle.id, 1, 1, 1, NOW + timedelta(seconds=11), opened)
    assert late.status is Click.CLOSED
    assert [p.points for p in await repo.players(battle.id)] == [0, 500]
