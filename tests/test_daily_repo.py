"""Daily-question storage on a real migrated database (SQLite, PostgreSQL when configured): claims, cycle, answers,
points and streaks."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core import daily
from bot.core.errors import AlreadyAnswered
from bot.db import Database, open_database
from bot.repos.daily import DailyChannel, DailyRepo, PostClosed

GUILD = 1001
NOW = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


@pytest.fixture
def repo(db: Database) -> DailyRepo:
    return DailyRepo(db)


async def make_channel(repo: DailyRepo, channel_id: int = 2001, **changes) -> DailyChannel:
    settings = {
        "channel_id": channel_id,
        "guild_id": GUILD,
        "post_time": time(9, 0),
        "timezone": "America/New_York",
        "kind": "definitions",
        "chapters": ("deep-learning:5",),
        "set_by": 7,
        "now": NOW - timedelta(days=30),
        "seed": 42,
    } | changes
    return await repo.save_channel(**settings)


async def publish(repo: DailyRepo, library, channel: DailyChannel, day: date, message_id: int, rng=None):
    """Claim, assign and mark a post as sent, as the poster does."""
    post = await repo.claim(channel, day, "run-1", NOW)
    assert post is not None
    post = await repo.assign(post, library, rng or random.Random(1))
    assert await repo.mark_posted(post, message_id, NOW)
    return await repo.post(post.id)


async def test_settings_are_saved_updated_and_stopped_keeping_the_cycle(repo):
    channel = await make_channel(repo)
    assert (channel.post_time, channel.timezone, channel.kind, channel.chapters) == (
        time(9, 0),
        "America/New_York",
        "definitions",
        ("deep-learning:5",),
    )
    assert (channel.cycle, channel.cycle_seed, channel.enabled) == (1, 42, True)
    await repo.db.execute("UPDATE daily_channels SET cycle = 3, cycle_seed = 99 WHERE channel_id = 2001")
    updated = await make_channel(repo, post_time=time(18, 30), timezone="Asia/Kolkata", chapters=(), seed=7)
    assert (updated.post_time, updated.timezone, updated.chapters) == (time(18, 30), "Asia/Kolkata", ())
    assert (updated.cycle, updated.cycle_seed) == (3, 99)  # a new setup continues the cycle
    await make_channel(repo, channel_id=2002)
    await make_channel(repo, channel_id=3001, guild_id=9999)
    assert [c.channel_id for c in await repo.channels(GUILD)] == [2001, 2002]
    assert await repo.disable_channel(2001, GUILD)
    assert not await repo.disable_channel(2001, GUILD)  # already stopped
    assert not await repo.disable_channel(3001, GUILD)  # another server's channel
    assert [c.channel_id for c in await repo.channels()] == [2002, 3001]
    assert (await repo.channel(2001)).enabled is False


async def test_one_claim_per_channel_and_day_and_stale_claims_can_be_taken_over(repo):
    channel = await make_channel(repo)
    day = date(2026, 3, 9)
    first = await repo.claim(channel, day, "run-1", NOW)
    assert first is not None and first.state == "claimed"
    assert await repo.claim(channel, day, "run-1", NOW + timedelta(seconds=30)) is None  # a second fire
    # After the lease, a claim of this run that never sent is stale.
    again = await repo.claim(channel, day, "run-1", NOW + daily.CLAIM_LEASE + timedelta(seconds=1))
    assert again is not None and again.id == first.id
    # Another run (another process, or a restart) leaves a claim alone while it is within its lease: the claim
    # decides who sends, not the process. After the lease it takes it over, same id.
    later = NOW + daily.CLAIM_LEASE + timedelta(seconds=2)
    assert await repo.claim(channel, day, "run-2", later) is None
    restarted = await repo.claim(channel, day, "run-2", later + daily.CLAIM_LEASE)
    assert restarted is not None and restarted.id == first.id and restarted.claim_token == "run-2"
    assert not await repo.mark_posted(again, 555, NOW)  # run-1 lost it
    assert await repo.mark_posted(restarted, 555, NOW)
    assert await repo.claim(channel, day, "run-3", NOW + timedelta(hours=1)) is None  # posted: final
    rows = await repo.db.fetchall("SELECT state, message_id FROM daily_posts")
    assert [tuple(r) for r in rows] == [("posted", 555)]


async def test_concurrent_claims_give_exactly_one_winner(repo):
    channel = await make_channel(repo)
    results = await asyncio.gather(*(repo.claim(channel, date(2026, 3, 9), "run-1", NOW) for _ in range(5)))
    assert sum(r is not None for r in results) == 1


async def test_processes_claiming_at_once_give_exactly_one_winner(repo, db_target):
    """Each process has its own connection; on PostgreSQL their claims truly run at the same time."""
    if repo.db.dialect == "sqlite":
        pytest.skip("one process per SQLite file")
    channels = [await make_channel(repo, 3000 + n) for n in range(20)]
    others = [await open_database(db_target) for _ in range(3)]
    try:
        runs = [DailyRepo(db) for db in (repo.db, *others)]
        results = await asyncio.gather(
            *(run.claim(c, date(2026, 3, 9), f"run-{n}", NOW) for c in channels for n, run in enumerate(runs))
        )
    finally:
        for db in others:
            await db.close()
    winners = [r for r in results if r is not None]
    assert sorted(w.channel_id for w in winners) == [c.channel_id for c in channels]  # one per channel


async def test_a_released_claim_is_claimed_again_with_its_question(repo, library):
    channel = await make_channel(repo)
    post = await repo.claim(channel, date(2026, 3, 9), "run-1", NOW)
    post = await repo.assign(post, library, random.Random(3))
    assert post.item.startswith("term:") and len(post.options) == 4
    assert await repo.release(post)
    assert (await repo.post(post.id)).state == "failed"
    retry = await repo.claim(channel, date(2026, 3, 9), "run-1", NOW + timedelta(seconds=5))
    assert (retry.id, retry.item, retry.options, retry.answer) == (post.id, post.item, post.options, post.answer)
    assert (await repo.assign(retry, library, random.Random(99))).item == post.item  # kept


async def test_the_cycle_is_persisted_and_has_no_repeats_until_used_up(repo, library):
    channel = await make_channel(repo)
    pool = daily.build_pool(library, "definitions", channel.chapters)
    rng = random.Random(5)
    start = date(2026, 1, 1)
    items = []
    for n in range(len(pool) + 2):
        post = await publish(repo, library, channel, start + timedelta(days=n), 100 + n, rng)
        items.append(post.item)
    assert sorted(items[: len(pool)]) == pool
    stored = await repo.channel(channel.channel_id)
    assert stored.cycle == 2 and stored.cycle_seed != 42
    assert items[len(pool) :] == list(daily.cycle_order(pool, stored.cycle_seed))[:2]


async def test_an_answer_its_points_and_streak_are_written_together_and_only_once(repo, library):
    channel = await make_channel(repo)
    post = await publish(repo, library, channel, date(2026, 3, 9), 700)
    right, wrong = post.answer, (post.answer + 1) % 4
    recorded = await repo.record_answer(post, 11, NOW + timedelta(minutes=5), choice=right, points=10)
    assert (recorded.answer.correct, recorded.points, recorded.streak.current) == (True, 10, 1)
    missed = await repo.record_answer(post, 12, NOW + timedelta(minutes=6), choice=wrong, points=10)
    assert (missed.answer.correct, missed.points) == (False, 0)
    with pytest.raises(AlreadyAnswered):
        await repo.record_answer(post, 11, NOW + timedelta(minutes=7), choice=wrong, points=10)
    scores = await repo.db.fetchall("SELECT user_id, source, ref, points, correct FROM score_events ORDER BY user_id")
    assert [tuple(r) for r in scores] == [
        (11, "daily", f"post:{post.id}", 10, 1),
        (12, "daily", f"post:{post.id}", 0, 0),
    ]
    answers = await repo.db.fetchall("SELECT user_id, choice, correct FROM daily_answers ORDER BY user_id")
    assert [tuple(r) for r in answers] == [(11, right, 1), (12, wrong, 0)]
    counts = await repo.choice_counts(post)
    assert sum(counts) == 2 and counts[right] == 1 and counts[wrong] == 1
    streak = await repo.streak(GUILD, 11)
    assert (streak.current, streak.longest, streak.last_date) == (1, 1, date(2026, 3, 9))
    assert not await repo.rate(post.id, 11, "nailed", NOW)  # a self-rating is for open answers only
    assert (await repo.answer(post.id, 11)).rating is None


async def test_two_simultaneous_clicks_give_one_answer_and_one_score(repo, library):
    channel = await make_channel(repo)
    post = await publish(repo, library, channel, date(2026, 3, 9), 700)
    results = await asyncio.gather(
        *(repo.record_answer(post, 11, NOW, choice=post.answer, points=10) for _ in range(3)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, AlreadyAnswered) for r in results) == 2
    assert (await repo.db.fetchone("SELECT count(*) FROM score_events"))[0] == 1


async def test_answers_close_when_the_channel_posts_its_next_question(repo, library):
    channel = await make_channel(repo)
    monday = await publish(repo, library, channel, date(2026, 3, 9), 700)
    assert not await repo.is_closed(monday)
    await publish(repo, library, channel, date(2026, 3, 10), 701)
    assert await repo.is_closed(monday)
    with pytest.raises(PostClosed):
        await repo.record_answer(monday, 11, NOW + timedelta(days=1), choice=0, points=10)
    assert (await repo.db.fetchone("SELECT count(*) FROM daily_answers"))[0] == 0
    assert [p.local_date for p in await repo.posted(channel.channel_id, limit=5)] == [
        date(2026, 3, 10),
        date(2026, 3, 9),
    ]
    assert [p.local_date for p in await repo.posted(channel.channel_id, before=date(2026, 3, 10))] == [date(2026, 3, 9)]


async def test_open_answers_store_the_text_and_the_self_rating(repo, library):
    channel = await make_channel(repo, kind="interview", chapters=())
    post = await publish(repo, library, channel, date(2026, 3, 9), 700)
    assert post.item.startswith("question:") and post.options == ()
    recorded = await repo.record_answer(post, 11, NOW, text="Dropout zeroes activations at random.", points=5)
    assert (recorded.points, recorded.answer.correct) == (5, None)
    assert await repo.rate(post.id, 11, "partly", NOW)
    assert not await repo.rate(post.id, 12, "nailed", NOW)  # no answer to rate
    answer = await repo.answer(post.id, 11)
    assert (answer.text, answer.rating) == ("Dropout zeroes activations at random.", "partly")
    assert await repo.rating_counts(post.id) == (1, {"partly": 1})
    score = await repo.db.fetchone("SELECT points, correct FROM score_events")
    assert tuple(score) == (5, None)


async def test_streaks_follow_post_dates_and_break_once_days_are_over(repo, library):
    channel = await make_channel(repo)
    for n in range(2):
        post = await publish(repo, library, channel, date(2026, 3, 1) + timedelta(days=n), 900 + n)
        await repo.record_answer(post, 11, NOW, choice=post.answer, points=10)
    await publish(repo, library, channel, date(2026, 3, 3), 902)
    first = await repo.streak(GUILD, 11)
    assert (first.current, first.longest) == (2, 2)
    # 03-03 is open still: nothing is missed yet.
    assert await repo.settle_streaks(GUILD, NOW + timedelta(days=1)) == 0
    await publish(repo, library, channel, date(2026, 3, 4), 950)  # closes 03-03, which 11 missed
    assert await repo.settle_streaks(GUILD, NOW + timedelta(days=2)) == 1
    broken = await repo.streak(GUILD, 11)
    assert (broken.current, broken.longest) == (0, 2)
    assert broken.updated_at == NOW + timedelta(days=2)  # when `current` last changed
    assert broken.longest_at == NOW


async def test_answers_this_week_are_counted_per_server(repo, library):
    channel = await make_channel(repo)
    other = await make_channel(repo, channel_id=3001, guild_id=9999)
    mine = await publish(repo, library, channel, date(2026, 3, 9), 1)
    theirs = await publish(repo, library, other, date(2026, 3, 9), 2)
    await repo.record_answer(mine, 11, NOW, choice=0, points=10)
    await repo.record_answer(theirs, 11, NOW, choice=0, points=10)
    assert await repo.answers_since(GUILD, 11, NOW - timedelta(days=7)) == 1
    assert await repo.answers_since(GUILD, 11, NOW + timedelta(seconds=1)) == 0
