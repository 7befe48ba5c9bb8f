"""`/leaderboard` end to end: what a member sees for each metric and period, ties, and their own place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_battle_e2e import open_battle

from bot.db import utc_iso
from bot.repos.scores import ScoreEvent, insert_score

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # the env clock reads Monday 08:00 UTC of ISO week 48


async def add_events(db, guild_id, events):
    """Write score events: (member, points, correct, at)."""
    async with db.transaction() as conn:
        for n, (member, points, correct, at) in enumerate(events):
            await insert_score(conn, ScoreEvent(guild_id, member.id, "battle", f"battle:9:{n}", points, correct, at))


async def show(env, user, **options):
    """Run /leaderboard as `user` and return the embed everyone sees."""
    handle = await env.standin.slash("leaderboard", options, user=user)
    callback = await handle.response()
    assert callback.type == 5  # deferred (publicly) while the ranking queries run
    message = await handle.original_message()
    assert not message.ephemeral
    (sent,) = [r for r in env.standin.requests("POST") if handle.token in r.path and "/webhooks/" in r.path]
    assert sent.json["allowed_mentions"] == {"parse": []}  # the mentions of the ranked members never ping
    (embed,) = message.embeds
    return embed


async def test_points_this_week_with_ties_and_the_caller_outside_the_top_ten(env):
    bot = await env.start()
    guild = env.standin.guild
    members = [guild.add_member(f"m{n}") for n in range(14)]
    events = [(m, 100 * (n + 1), True, MONDAY + timedelta(hours=1)) for n, m in enumerate(members)]
    tie_early, tie_late = guild.add_member("early"), guild.add_member("late")
    events += [
        (tie_late, 1400, True, MONDAY + timedelta(hours=2)),
        (tie_early, 700, True, MONDAY + timedelta(minutes=30)),
        (tie_early, 700, True, MONDAY + timedelta(minutes=90)),
        (tie_early, 0, False, MONDAY + timedelta(hours=5)),  # a later miss does not change when
        (members[0], 5000, True, MONDAY - timedelta(minutes=1)),  # Sunday 23:59: last week
    ]
    await add_events(bot.db, guild.id, events)

    embed = await show(env, members[1])
    lines = embed["description"].splitlines()
    assert embed["title"] == "🏆 Points leaderboard · this week"
    # Three members on 1,400: reached at 01:00, at 01:30 (700 + 700) and at 02:00.
    assert lines[0] == f"**1.** <@{members[13].id}> · 1,400 pts"
    assert lines[1] == f"**2.** <@{tie_early.id}> · 1,400 pts"
    assert lines[2] == f"**3.** <@{tie_late.id}> · 1,400 pts"
    assert lines[9] == f"**10.** <@{members[6].id}> · 700 pts"
    assert len(lines) == 10
    assert embed["fields"] == [{"name": "You", "value": "**15th** of 16 · 200 pts", "inline": False}]
    assert "ISO week 48, from Monday 23 Nov 2026 00:00 UTC" in embed["footer"]["text"]
    assert "Ties go to whoever got there first." in embed["footer"]["text"]

    all_time = await show(env, members[0], period="all")
    assert all_time["description"].splitlines()[0] == f"**1.** <@{members[0].id}> · 5,100 pts"
    assert all_time["footer"]["text"].startswith("All time.")

    nobody = await show(env, guild.add_member("new"), period="month")
    assert nobody["fields"][0]["value"] == "No points this month yet."
    assert "November 2026, from the 1st 00:00 UTC" in nobody["footer"]["text"]


async def test_accuracy_needs_five_graded_answers(env):
    bot = await env.start()
    guild = env.standin.guild
    sharp, steady, newcomer = (guild.add_member(n) for n in ("sharp", "steady", "newcomer"))
    at = MONDAY + timedelta(hours=2)
    events = [(sharp, 1000, True, at + timedelta(minutes=n)) for n in range(5)]
    events += [(steady, 900 if n < 6 else 0, n < 6, at + timedelta(minutes=n)) for n in range(8)]
    events += [(newcomer, 1000, True, at + timedelta(minutes=n)) for n in range(3)]
    await add_events(bot.db, guild.id, events)

    embed = await show(env, newcomer, metric="accuracy")
    assert embed["description"].splitlines() == [
        f"**1.** <@{sharp.id}> · 100% (5/5)",
        f"**2.** <@{steady.id}> · 75% (6/8)",
    ]
    assert embed["fields"][0]["value"] == "100% (3/3): ranked from 5 graded answers."
    assert "at least 5 graded answers" in embed["footer"]["text"]


async def test_streaks_ignore_the_period_and_say_so(env):
    bot = await env.start()
    guild = env.standin.guild
    long, short, tied = (guild.add_member(n) for n in ("long", "short", "tied"))
    rows = [(long, 12, MONDAY), (tied, 3, MONDAY + timedelta(hours=1)), (short, 3, MONDAY - timedelta(days=40))]
    for member, current, updated in rows:
        await bot.db.execute(
            "INSERT INTO member_streaks (guild_id, user_id, current, longest, freezes, last_date, updated_at,"
            " longest_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            (guild.id, member.id, current, current, updated.date().isoformat(), utc_iso(updated), utc_iso(updated)),
        )
    embed = await show(env, tied, metric="streak", period="week")
    assert embed["title"] == "🏆 Daily streak leaderboard"
    assert embed["description"].splitlines() == [
        f"**1.** <@{long.id}> · 12 days",
        f"**2.** <@{short.id}> · 3 days",  # reached 3 first
        f"**3.** <@{tied.id}> · 3 days",
    ]
    assert embed["fields"][0]["value"] == "**3rd** of 3 · 3 days"
    assert "the period does not apply to streaks" in embed["footer"]["text"]


async def test_a_battle_fills_the_leaderboard(env):
    host, a, b = (env.standin.guild.add_member(n) for n in ("host", "ann", "bob"))
    battle = await open_battle(env, host, rounds=3, seconds=10, scoring="flat")
    await battle.join(a, b)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    for number in (1, 2, 3):
        message, _, right = await battle.round(number)
        await battle.answer(message, number, a, right)
        await battle.answer(message, number, b, right if number == 1 else (right + 1) % 4)
        await battle.close(message)
        if number < 3:
            await battle.deadlines.fire()  # the break between rounds
    await battle.final()
    embed = await show(env, b)
    assert embed["description"].splitlines() == [f"**1.** <@{a.id}> · 3,000 pts", f"**2.** <@{b.id}> · 1,000 pts"]
    accuracy = await show(env, b, metric="accuracy")
    assert accuracy["fields"][0]["value"] == "33% (1/3): ranked from 5 graded answers."
