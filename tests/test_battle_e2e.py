"""Group battles end to end: the real bot against the Discord stand-in, with deadlines fired by the test.

`Deadlines` replaces the battle's `sleep_until`: a battle task's sleep ends only when the test fires it, and
the clock jumps to that deadline, so a 10-second round takes milliseconds and every answer time is exact.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest

from bot.cogs.quiz.battle import battles
from bot.db import from_iso
from bot.ui import ordinal
from dblock import other_process_writing
from standin import Permissions

EDIT_REPLY = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"


class Deadlines:
    """Sleeps that end when the test fires them."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.pending: list[tuple[datetime, asyncio.Future]] = []
        self._changed = asyncio.Event()

    async def sleep_until(self, deadline: datetime) -> None:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((deadline, future))
        self._changed.set()
        await future

    def _waiting(self) -> list[tuple[datetime, asyncio.Future]]:
        return [(d, f) for d, f in self.pending if not f.done()]

    async def fire(self) -> datetime:
        """Wait for the battle to sleep, move the clock to the deadline and wake it; return the deadline."""
        async with asyncio.timeout(5):
            while not self._waiting():
                self._changed.clear()
                await self._changed.wait()
        deadline, future = self._waiting()[0]
        self.clock.set(max(self.clock(), deadline))
        future.set_result(None)
        return deadline


class Battle:
    """One battle as a test drives it: its lobby message, rounds and answers."""

    def __init__(self, env, deadlines: Deadlines, lobby) -> None:
        self.env = env
        self.standin = env.standin
        self.deadlines = deadlines
        self.lobby = lobby
        self.opened_at = env.clock()
        join = next(
            c["custom_id"] for c in lobby.all_components() if c.get("custom_id", "").startswith("iq:battle-join:")
        )
        self.id = int(join.rsplit(":", 1)[1])

    async def click(self, message, custom_id: str, user) -> str:
        """Click a button as `user` and return the private reply's text."""
        handle = await self.standin.click(message, custom_id, user=user)
        callback = await handle.response()
        if callback.type in (4, 5):
            reply = await handle.original_message()
            assert reply.ephemeral
            return reply.content
        return ""

    async def answer_handle(self, message, number: int, user, choice: int):
        """Click an answer as `user`; return the interaction, whose reply the round's close edits."""
        handle = await self.standin.click(message, f"iq:battle:{self.id}:{number}:{choice}", user=user)
        await handle.original_message()
        return handle

    async def join(self, *users) -> list[str]:
        return [await self.click(self.lobby, f"iq:battle-join:{self.id}", u) for u in users]

    async def round_message(self, number: int):
        """Wait for round `number` to be posted and return its message."""
        wanted = f"iq:battle:{self.id}:{number}:0"
        return await self.standin.wait_until(
            lambda: next(
                (m for m in self.standin.channel_messages(self.standin.channel) if _has(m, wanted)),
                None,
            )
        )

    async def round(self, number: int) -> tuple[object, datetime, int]:
        """Return round `number`'s message, its start instant and the index of its right answer."""
        message = await self.round_message(number)
        row = await self.env.bot.db.fetchone(
            "SELECT started_at, answer FROM battle_rounds WHERE battle_id = ? AND round = ?", (self.id, number)
        )
        return message, from_iso(row["started_at"]), row["answer"]

    async def answer(self, message, number: int, user, choice: int) -> str:
        return await self.click(message, f"iq:battle:{self.id}:{number}:{choice}", user)

    async def close(self, message):
        """Fire the round's deadline and wait for its results."""
        await self.deadlines.fire()
        return await self.standin.wait_until(lambda: message if "closed" in message.embeds[0]["title"] else None)

    async def final(self):
        """Wait for the podium message."""
        return await self.standin.wait_until(
            lambda: next(
                (
                    m
                    for m in self.standin.channel_messages(self.standin.channel)
                    if _has(m, f"iq:battle-rank:{self.id}")
                ),
                None,
            )
        )

    async def points(self) -> dict[int, list[int]]:
        """Return each member's score events of this battle, round by round."""
        rows = await self.env.bot.db.fetchall(
            "SELECT user_id, ref, points FROM score_events WHERE ref LIKE ? ORDER BY ref, user_id",
            (f"battle:{self.id}:%",),
        )
        out: dict[int, list[int]] = {}
        for r in rows:
            out.setdefault(r["user_id"], []).append(r["points"])
        return out


def _has(message, custom_id: str) -> bool:
    return any(c.get("custom_id") == custom_id for c in message.all_components())


async def open_battle(env, host, **options) -> Battle:
    """Start the bot (if needed) with fired deadlines and open a battle as `host`."""
    bot = env.bot or await env.start(quiz={"lobby_seconds": 60})
    deadlines = Deadlines(env.clock)
    cog = battles(bot)
    cog.sleep_until = deadlines.sleep_until
    cog.lobby_refresh_seconds = 0
    handle = await env.standin.slash("quiz battle", options, user=host)
    callback = await handle.response()
    assert callback.type == 4 and not callback.message.ephemeral
    return Battle(env, deadlines, callback.message)


def add_players(env, *names):
    return [env.standin.guild.add_member(n) for n in names]


SPEED = {"a": [900, 1100, 700], "b": [750, 0, 950], "c": [0, 800, 1000], "d": [500, 0, 1000]}
FLAT = {"a": [1000, 1000, 1000], "b": [1000, 0, 1000], "c": [0, 1000, 1000], "d": [1000, 0, 1000]}


@pytest.mark.parametrize(("scoring", "expected"), [("speed", SPEED), ("flat", FLAT)])
async def test_a_full_battle_scores_every_answer_exactly(env, scoring, expected):
    host, a, b, c, d, e = add_players(env, "host", "ann", "bob", "cat", "dan", "eve")
    battle = await open_battle(env, host, rounds=3, seconds=10, scoring=scoring)
    assert "⚔️ Quiz battle" in battle.lobby.embeds[0]["title"]
    assert await battle.join(a, b, c) == ["You're in! Answer the questions as they appear: the first click counts."] * 3
    assert (await battle.join(a))[0] == "You're already in this battle."

    # Only the host (or a moderator) may start; the host does not play unless they join.
    refused = await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", a)
    assert refused.startswith("Only the host")
    assert await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host) == ""

    # Round 1: a right at 2 s, b right at 5 s (then a second click), c wrong, d joins by answering at the deadline.
    message, start, right = await battle.round(1)
    wrong = (right + 1) % 4
    assert "<t:" in message.embeds[0]["fields"][0]["value"]
    env.clock.set(start + timedelta(seconds=2))
    assert (await battle.answer(message, 1, a, right)).startswith("Locked in: **")
    env.clock.set(start + timedelta(seconds=5))
    await battle.answer(message, 1, b, right)
    assert (await battle.answer(message, 1, b, wrong)).startswith("You already answered **")
    await battle.answer(message, 1, c, wrong)
    env.clock.set(start + timedelta(seconds=10))
    assert (await battle.answer(message, 1, d, right)).startswith("You joined the battle")
    closed = await battle.close(message)
    shown = closed.embeds[0]
    assert shown["description"].startswith("✅ **")
    assert "No answer: 0" in shown["fields"][0]["value"]
    top = shown["fields"][1]["value"].splitlines()
    first_points = {a.id: expected["a"][0], b.id: expected["b"][0], d.id: expected["d"][0], c.id: 0}
    assert all(f"<@{uid}> · {pts:,} pts · new" in shown["fields"][1]["value"] for uid, pts in first_points.items())
    assert len(top) == 4
    assert all(comp.get("disabled") for comp in closed.all_components() if comp["type"] == 2)
    await env.standin.wait_until(lambda: "joining closed" in battle.lobby.embeds[0]["fields"][-1]["value"])
    assert not battle.lobby.components  # no Join button any more

    # Round 2: a right at once, b wrong, c right at 4 s, d does not answer; e cannot join any more.
    await battle.deadlines.fire()  # the break between rounds
    message, start, right = await battle.round(2)
    env.clock.set(start)
    await battle.answer(message, 2, a, right)
    await battle.answer(message, 2, b, (right + 2) % 4)
    env.clock.set(start + timedelta(seconds=4))
    await battle.answer(message, 2, c, right)
    assert (await battle.answer(message, 2, e, right)).startswith("Joining closed when the first round ended")
    closed = await battle.close(message)
    assert "No answer: 1" in closed.embeds[0]["fields"][0]["value"]

    # Round 3: a right at the deadline, b at 1 s, c at 2 s, d at once.
    await battle.deadlines.fire()
    message, start, right = await battle.round(3)
    for user, seconds in ((d, 0), (b, 1), (c, 2), (a, 10)):
        env.clock.set(start + timedelta(seconds=seconds))
        await battle.answer(message, 3, user, right)
    await battle.close(message)

    final = await battle.final()
    totals = {name: sum(points) for name, points in expected.items()}
    assert await battle.points() == {u.id: expected[n] for n, u in zip("abcd", (a, b, c, d), strict=True)}
    podium = final.embeds[0]["description"]
    best = max(totals.values())
    assert podium.startswith("🥇") and f"{best:,} pts" in podium.splitlines()[0]
    assert final.embeds[0]["title"] == "🏆 Battle over"
    status = await env.bot.db.fetchone("SELECT state, end_reason FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("ended", "finished")

    rank = await battle.click(final, f"iq:battle-rank:{battle.id}", d)
    place = 1 + sum(t > totals["d"] for t in totals.values())
    assert f"**{totals['d']:,}** points (2/3 right)" in rank and rank.startswith("You placed **")
    assert f"{place}" in rank.split("**")[1]
    assert (await battle.click(final, f"iq:battle-rank:{battle.id}", e)) == "You did not play in this battle."


async def test_the_lobby_starts_by_itself_and_rounds_show_movement(env):
    host, a, b = add_players(env, "host", "ann", "bob")
    battle = await open_battle(env, host, rounds=3, seconds=20)
    await battle.join(a, b)
    await env.standin.wait_until(lambda: "Players (2)" in [f["name"] for f in battle.lobby.embeds[0]["fields"]])
    assert battle.lobby.embeds[0]["fields"][1]["value"] == f"<@{a.id}> <@{b.id}>"
    lobby_deadline = await battle.deadlines.fire()  # nobody pressed Start: the lobby's 60 s pass
    assert lobby_deadline == battle.opened_at + timedelta(seconds=60)
    await env.standin.wait_until(lambda: "Started!" in battle.lobby.embeds[0]["fields"][-1]["value"])
    message, start, right = await battle.round(1)
    env.clock.set(start + timedelta(seconds=5))  # 1000 − 125 = 875
    await battle.answer(message, 1, a, right)
    await battle.close(message)
    await battle.deadlines.fire()
    message, _, right = await battle.round(2)
    await battle.answer(message, 2, b, right)  # at once: 1000, a misses
    env.clock.set(start + timedelta(seconds=20))
    closed = await battle.close(message)
    top = closed.embeds[0]["fields"][1]["value"].splitlines()
    assert top == [f"1. <@{b.id}> · 1,000 pts · ▲1", f"2. <@{a.id}> · 875 pts · ▼1"]


async def test_stop_mid_battle_keeps_the_finished_rounds_only(env):
    host, a, b = add_players(env, "host", "ann", "bob")
    mod = env.standin.guild.add_member("mod", permissions=Permissions.MANAGE_MESSAGES)
    battle = await open_battle(env, host, rounds=5, seconds=10, scoring="flat")
    await battle.join(a, b)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    message, _, right = await battle.round(1)
    await battle.answer(message, 1, a, right)
    await battle.answer(message, 1, b, right)
    await battle.close(message)
    await battle.deadlines.fire()
    message, _, right = await battle.round(2)
    await battle.answer(message, 2, a, right)  # round 2 is open when the battle is stopped

    refused = await env.standin.slash("quiz stop", user=a)
    await refused.response()
    assert (await refused.original_message()).content.startswith("Only the host")
    stop = await env.standin.slash("quiz stop", user=mod)
    await stop.response()
    assert "points of finished rounds are kept" in (await stop.original_message()).content

    final = await battle.final()
    assert final.embeds[0]["title"] == "⏹️ Battle stopped"
    assert "Stopped after 1 of 5 rounds" in final.embeds[0]["fields"][0]["value"]
    assert await env.standin.wait_until(lambda: "not scored" in message.embeds[0]["title"])
    assert await battle.points() == {a.id: [1000], b.id: [1000]}
    assert (await env.bot.db.fetchone("SELECT COUNT(*) FROM battle_answers WHERE round = 2"))[0] == 1
    # The channel is free again.
    again = await env.standin.slash("quiz battle", {"rounds": 3}, user=b)
    assert not (await again.response()).message.ephemeral


async def test_restart_mid_battle_ends_it_and_keeps_the_closed_rounds(env):
    host, a, b = add_players(env, "host", "ann", "bob")
    battle = await open_battle(env, host, rounds=3, seconds=10)
    await battle.join(a, b)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    message, _, right = await battle.round(1)
    await battle.answer(message, 1, a, right)
    await battle.close(message)
    await battle.deadlines.fire()
    message, _, right = await battle.round(2)
    await battle.answer(message, 2, b, right)

    await env.restart()
    notice = await battle.final()
    embed = notice.embeds[0]
    assert embed["title"] == "⚠️ Battle interrupted"
    assert "ended after 1 of 3 rounds" in embed["fields"][0]["value"]
    assert f"<@{a.id}> · 1,000 pts" in embed["description"]
    assert await battle.points() == {a.id: [1000], b.id: [0]}
    status = await env.bot.db.fetchone("SELECT state, end_reason FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("ended", "restart")
    # The round left open loses its buttons and says it scored nothing.
    assert message.embeds[0]["title"] == "Round 2 of 3: not scored"
    assert message.embeds[0]["description"] == "The bot restarted before this round closed."
    assert not message.components
    # A second restart does not announce it again. It announces the lobby opened since, which it also
    # interrupts: that notice shows the start-up announcements are done.
    lobby = await open_battle(env, host, rounds=3)
    await lobby.join(a)  # the lobby shows its player once its battle task runs
    await env.standin.wait_until(lambda: "Players (1)" in [f["name"] for f in lobby.lobby.embeds[0]["fields"]])
    await env.restart()
    await env.standin.wait_until(
        lambda: any("restarted before" in m.content for m in env.standin.channel_messages(env.standin.channel))
    )
    notices = [m for m in env.standin.channel_messages(env.standin.channel) if _has(m, f"iq:battle-rank:{battle.id}")]
    assert len(notices) == 1


async def test_one_battle_per_channel_and_an_empty_lobby_closes_politely(env):
    (host,) = add_players(env, "host")
    battle = await open_battle(env, host, rounds=3)
    second = await env.standin.slash("quiz battle", user=host)
    await second.response()
    assert (await second.original_message()).content.startswith("A battle is already on in this channel")
    assert (await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)).startswith("Nobody has joined")
    await battle.deadlines.fire()  # the lobby's 60 s pass with nobody in it
    closed = await env.standin.wait_until(
        lambda: battle.lobby if "Nobody joined" in battle.lobby.embeds[0]["fields"][-1]["value"] else None
    )
    assert not closed.components
    status = await env.bot.db.fetchone("SELECT state, end_reason FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("ended", "empty")


async def test_two_hundred_players_answer_in_the_same_second(env):
    host = env.standin.guild.add_member("host")
    players = [env.standin.guild.add_member(f"player{n}") for n in range(200)]
    battle = await open_battle(env, host, rounds=3, seconds=10)
    joins = await asyncio.gather(
        *(env.standin.click(battle.lobby, f"iq:battle-join:{battle.id}", user=p) for p in players)
    )
    await asyncio.gather(*(h.response() for h in joins))
    assert [(await h.original_message()).content for h in joins] == [
        "You're in! Answer the questions as they appear: the first click counts."
    ] * 200
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    await env.standin.wait_until(lambda: "Started!" in battle.lobby.embeds[0]["fields"][-1]["value"])
    listed = battle.lobby.embeds[0]["fields"][1]
    assert listed["name"] == "Players (200)" and listed["value"].endswith(" and 160 more")
    assert listed["value"].count("<@") == 40
    message, start, right = await battle.round(1)
    env.clock.set(start + timedelta(seconds=3))

    # Everyone clicks at once; every tenth player clicks twice.
    clicks = [env.standin.click(message, f"iq:battle:{battle.id}:1:{n % 4}", user=p) for n, p in enumerate(players)]
    clicks += [env.standin.click(message, f"iq:battle:{battle.id}:1:0", user=p) for p in players[::10]]
    handles = await asyncio.gather(*clicks)
    await asyncio.gather(*(h.response() for h in handles))
    latencies = sorted(h.latency for h in handles)
    assert latencies[-1] < 3.0, f"slowest click answered after {latencies[-1]:.2f} s"
    replies = [(await h.original_message()).content for h in handles]
    # Each player is told the answer that counts: their first click's, also when they click again.
    assert [r.split(" · ")[0] for r in replies[:200]] == [f"Locked in: **{'ABCD'[n % 4]}" for n in range(200)]
    assert [r.split(" · ")[0] for r in replies[200:]] == [
        f"You already answered **{'ABCD'[n % 4]}" for n in range(0, 200, 10)
    ]

    rows = await env.bot.db.fetchall(
        "SELECT user_id, choice FROM battle_answers WHERE battle_id = ? AND round = 1", (battle.id,)
    )
    assert sorted((r["user_id"], r["choice"]) for r in rows) == sorted((p.id, n % 4) for n, p in enumerate(players))
    closed = await battle.close(message)
    assert "No answer: 0" in closed.embeds[0]["fields"][0]["value"]
    points = await battle.points()
    # The quarter who chose right, at 3 s of 10: 1000 − 150; the others 0.
    assert points == {p.id: [850 if n % 4 == right else 0] for n, p in enumerate(players)}
    stop = await env.standin.slash("quiz stop", user=host)  # the host may stop their battle
    await stop.response()
    assert (await stop.original_message()).content.startswith("Stopping the battle.")
    final = await battle.final()
    assert final.embeds[0]["title"] == "⏹️ Battle stopped"
    podium = final.embeds[0]["description"].splitlines()
    # The 50 who chose right share first place: the podium names 15 and counts the rest (Discord limits text).
    assert len(podium) == 16 and podium[-1] == "… and 35 more sharing these places."


async def test_a_battle_needs_a_channel_the_bot_can_post_in(env):
    (host,) = add_players(env, "host")
    await env.start()
    env.standin.channel.set_permissions(env.standin.guild.bot_role, deny=Permissions.EMBED_LINKS)
    handle = await env.standin.slash("quiz battle", user=host)
    await handle.response()
    reply = await handle.original_message()
    assert reply.ephemeral and reply.content == "I need the Embed Links permission here to run a battle."
    assert await env.bot.db.fetchone("SELECT id FROM battles") is None


async def test_a_click_is_acknowledged_in_time_and_kept_while_another_process_holds_the_database(env):
    host, a = add_players(env, "host", "ann")
    await env.start(quiz={"lobby_seconds": 60}, database={"busy_timeout_seconds": 0.05})
    battle = await open_battle(env, host, rounds=3, seconds=10)
    await battle.join(a)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    message, _, right = await battle.round(1)
    env.bot.ack_seconds = 0.2  # instead of 1.5 s, so the test stays fast
    async with other_process_writing(env.db_path):  # a backup tool, an admin's sqlite3 shell
        handle = await env.standin.click(message, f"iq:battle:{battle.id}:1:{right}", user=a)
        assert (await handle.response()).type == 5  # deferred ("thinking"), privately, while the write waits
        assert not handle.original.content  # still thinking: the write has not gone through
    reply = await handle.original_message()
    assert reply.ephemeral and reply.content.startswith(f"Locked in: **{'ABCD'[right]} · ")
    stored = await env.bot.db.fetchall("SELECT user_id, choice FROM battle_answers WHERE battle_id = ?", (battle.id,))
    assert [tuple(r) for r in stored] == [(a.id, right)]
    # The deferred response, filled in by the followup, is the reply the close edits into the result.
    await battle.close(message)
    assert await results([handle], 1) == ["Round 1 · ✅ Right · +1,000 · 1st of 1"]


async def test_a_deleted_round_message_ends_the_battle_and_keeps_closed_rounds(env):
    host, a = add_players(env, "host", "ann")
    battle = await open_battle(env, host, rounds=3, seconds=10, scoring="flat")
    await battle.join(a)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    message, _, right = await battle.round(1)
    await battle.answer(message, 1, a, right)
    message.deleted = True  # a moderator deletes the round: showing its results fails with 404
    await battle.deadlines.fire()
    final = await battle.final()
    assert final.embeds[0]["title"] == "⚠️ Battle ended"
    ending = final.embeds[0]["fields"][0]["value"]
    assert ending == "A problem ended this battle after 1 of 3 rounds; their points are kept."
    assert await battle.points() == {a.id: [1000]}
    status = await env.bot.db.fetchone("SELECT state, end_reason FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("ended", "error")


async def test_the_host_calls_off_a_battle_in_its_lobby(env):
    host, a = add_players(env, "host", "ann")
    battle = await open_battle(env, host, rounds=3)
    await battle.join(a)
    stop = await env.standin.slash("quiz stop", user=host)
    await stop.response()
    assert (await stop.original_message()).content == "Calling the battle off before it starts."
    await env.standin.wait_until(lambda: "called off" in battle.lobby.embeds[0]["fields"][-1]["value"])
    assert not battle.lobby.components
    status = await env.bot.db.fetchone("SELECT state, end_reason FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("ended", "stopped")
    nothing = await env.standin.slash("quiz stop", user=host)
    await nothing.response()
    assert (await nothing.original_message()).content == "There is no battle in this channel."


async def test_a_restart_in_the_lobby_closes_it_and_says_so(env):
    host, a = add_players(env, "host", "ann")
    battle = await open_battle(env, host, rounds=3)
    await battle.join(a)
    await env.restart()
    notice = await env.standin.wait_until(
        lambda: next((m for m in env.standin.channel_messages(env.standin.channel) if "restarted" in m.content), None)
    )
    assert notice.content.startswith("⚠️ The bot restarted before this channel's battle began.")
    assert battle.lobby.embeds[0]["fields"][-1]["value"] == "The bot restarted before this battle began."
    assert battle.lobby.embeds[0]["fields"][1]["value"] == f"<@{a.id}>"
    assert not battle.lobby.components
    status = await env.bot.db.fetchone("SELECT state, end_reason FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("ended", "restart")


async def test_a_deleted_lobby_does_not_stop_the_battle(env):
    host, a = add_players(env, "host", "ann")
    battle = await open_battle(env, host, rounds=3, seconds=10, scoring="flat")
    await battle.join(a)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    message, _, right = await battle.round(1)
    battle.lobby.deleted = True  # a moderator tidies the channel
    await battle.answer(message, 1, a, right)
    await battle.close(message)  # closing round 1 would also update the lobby: that fails quietly
    await battle.deadlines.fire()
    message, _, right = await battle.round(2)
    assert await battle.points() == {a.id: [1000]}
    status = await env.bot.db.fetchone("SELECT state, current_round FROM battles WHERE id = ?", (battle.id,))
    assert tuple(status) == ("running", 2)


async def results(handles, number: int) -> list[str]:
    """Wait until each click's reply tells round `number`'s result; return the replies."""
    for handle in handles:
        await handle.original_message()
    prefix = f"Round {number} · "
    await handles[0].wait_until(lambda: all(h.original.content.startswith(prefix) for h in handles) or None, 10.0)
    return [h.original.content for h in handles]


async def test_bars_in_proportion_the_tip_and_each_players_own_result(env):
    host, *crowd = add_players(env, "host", *(f"p{n}" for n in range(13)))
    pickers, odd, silent = crowd[:11], crowd[11], crowd[12]
    battle = await open_battle(env, host, rounds=3, seconds=10)
    await battle.join(*crowd)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)

    # Round 1: 11 players choose the right answer, one 0.5 s after another; one chooses another; one never clicks.
    message, start, right = await battle.round(1)
    wrong = (right + 1) % 4
    name = message.component(f"iq:battle:{battle.id}:1:{right}")["label"].split(" · ", 1)[1]
    handles = []
    for n, player in enumerate(pickers):
        env.clock.set(start + timedelta(seconds=n / 2))
        handles.append(await battle.answer_handle(message, 1, player, right))
    handles.append(await battle.answer_handle(message, 1, odd, wrong))
    assert all(h.original.content.startswith("Locked in: **") for h in handles)
    closed = await battle.close(message)

    fields = {f["name"]: f["value"] for f in closed.embeds[0]["fields"]}
    bars = fields["Answers"].splitlines()
    assert bars[right].startswith("✅ ▰▰▰▰▰▰▰▰▰▱ 92 % (11) · ") and bars[right].endswith(name)
    assert bars[wrong].startswith("▫️ ▰▱▱▱▱▱▱▱▱▱ 8 % (1) · ")
    assert [bars[i].split(" · ")[0] for i in range(4) if i not in (right, wrong)] == ["▫️ ▱▱▱▱▱▱▱▱▱▱ 0 % (0)"] * 2
    assert bars[4] == "No answer: 1"
    term = env.library.terms[(await env.bot.db.fetchone("SELECT term_id FROM battle_rounds WHERE round = 1"))[0]]
    assert fields["💡 Interview tip"] == term.tip

    # Each player who clicked finds their "Locked in" reply turned into their result; places by points.
    assert await results(handles, 1) == [
        f"Round 1 · ✅ Right · +{1000 - 25 * n:,} · {ordinal(n + 1)} of 13" for n in range(11)
    ] + [f"Round 1 · ❌ It was **{name}** · 12th (tied) of 13"]
    assert all(h.original.ephemeral for h in handles)
    # The one who did not answer has only their private reply to Join.
    assert [m.content for m in env.standin.private_messages(silent)] == [
        "You're in! Answer the questions as they appear: the first click counts."
    ]
    # The results were edited after the public one was up, each reply once.
    edits = env.standin.requests("PATCH", EDIT_REPLY)
    assert sorted(r.params["webhook_token"] for r in edits) == sorted(h.token for h in handles)
    assert min(r.time for r in edits) > closed.last_request.time

    # The break counts from the close. Round 2: p0 right again at once (a run of 1: +100); odd right at once.
    assert await battle.deadlines.fire() == start + timedelta(seconds=10 + 5)
    message, start, right = await battle.round(2)
    env.clock.set(start)
    again = [await battle.answer_handle(message, 2, p, right) for p in (pickers[0], odd)]
    await battle.close(message)
    assert await results(again, 2) == [
        "Round 2 · ✅ Right · +1,100 (+100 streak bonus) · 1st of 13",
        "Round 2 · ✅ Right · +1,000 · 2nd of 13",
    ]
    assert handles[0].original.content.startswith("Round 1 · ")  # each round's reply keeps its own result


async def test_a_result_that_cannot_be_told_is_logged_quietly_and_the_battle_goes_on(env, caplog):
    host, a, b, c = add_players(env, "host", "ann", "bob", "cat")
    battle = await open_battle(env, host, rounds=3, seconds=10, scoring="flat")
    await battle.join(a, b, c)
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    message, _, right = await battle.round(1)
    handles = [await battle.answer_handle(message, 1, p, right) for p in (a, b, c)]
    handles[0].original.deleted = True  # ann's reply is gone (Discord answers 404): nobody to tell, quietly
    await battle.close(message)
    await env.standin.wait_until(lambda: len(env.standin.requests("PATCH", EDIT_REPLY)) == 3 or None)
    await battles(env.bot).settled()
    assert [h.member for h in handles if h.original.content.startswith("Round 1 · ")] == [b, c]

    # Round 2 closes after the tokens expired (as if 15 minutes had passed): Discord refuses the edits.
    await battle.deadlines.fire()
    message, _, right = await battle.round(2)
    handles = [await battle.answer_handle(message, 2, p, right) for p in (a, b)]
    env.standin.token_lifetime = 0.0
    await battle.close(message)
    await env.standin.wait_until(lambda: len(env.standin.requests("PATCH", EDIT_REPLY)) == 5 or None)
    await battles(env.bot).settled()
    assert all(h.original.content.startswith("Locked in") for h in handles)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "result" in r.getMessage()]
    assert warnings == [
        f"could not tell 2 of 2 players their result of battle {battle.id} round 2: "
        "401 Unauthorized (error code: 50027): Invalid Webhook Token"
    ]
    await battle.deadlines.fire()
    await battle.round(3)  # the battle goes on


async def test_five_hundred_players_a_lobby_podium_and_results_within_limits(env):
    host = env.standin.guild.add_member("host")
    players = [env.standin.guild.add_member(f"player{n}") for n in range(500)]
    battle = await open_battle(env, host, rounds=3, seconds=10)

    async def in_waves(click) -> list:
        """Click for every player, 50 at a time (the benchmark suite times 500 at once)."""
        handles = []
        for wave in range(0, len(players), 50):
            handles += await asyncio.gather(*(click(n, p) for n, p in enumerate(players) if wave <= n < wave + 50))
            await asyncio.gather(*(h.response() for h in handles[wave:]))
        return handles

    await in_waves(lambda n, p: env.standin.click(battle.lobby, f"iq:battle-join:{battle.id}", user=p))
    await battle.click(battle.lobby, f"iq:battle-start:{battle.id}", host)
    await env.standin.wait_until(lambda: "Started!" in battle.lobby.embeds[0]["fields"][-1]["value"])
    listed = battle.lobby.embeds[0]["fields"][1]
    assert listed["name"] == "Players (500)" and listed["value"].endswith(" and 460 more")
    assert listed["value"].count("<@") == 40 and len(listed["value"]) <= 1024

    message, start, right = await battle.round(1)
    env.clock.set(start + timedelta(seconds=3))
    clicks = await in_waves(lambda n, p: env.standin.click(message, f"iq:battle:{battle.id}:1:{n % 4}", user=p))
    closed = await battle.close(message)
    bars = closed.embeds[0]["fields"][0]["value"].splitlines()
    assert [line.split(" · ")[0].split(" ", 1)[1] for line in bars[:4]] == ["▰▰▰▱▱▱▱▱▱▱ 25 % (125)"] * 4
    replies = await results(clicks, 1)
    # The 125 right share first place at 850 points, the 375 others share 126th.
    assert {r.split(" · ", 1)[1] for r in replies} == {
        "✅ Right · +850 · 1st (tied) of 500",
        f"❌ It was **{message.component(f'iq:battle:{battle.id}:1:{right}')['label'].split(' · ', 1)[1]}** · "
        "126th (tied) of 500",
    }
    stop = await env.standin.slash("quiz stop", user=host)
    await stop.response()
    final = await battle.final()
    podium = final.embeds[0]["description"].splitlines()
    assert len(podium) == 16 and podium[-1] == "… and 110 more sharing these places."
    assert final.embeds[0]["footer"]["text"].startswith("500 players")
