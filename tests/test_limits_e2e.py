"""Limits against load and abuse, end to end: per-member cooldowns on the heavy commands, one live solo quiz.

Time is the env's injected clock: a cooldown runs out when the test moves the clock, never by waiting.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.cogs.quiz.solo._sessions import LIVE
from standin import StoredMessage

# The heavy commands and how often a member may run each: (uses, per seconds).
HEAVY = {"stats": (3, 60), "review": (10, 60), "quiz solo": (5, 60), "quiz battle": (2, 60)}


async def reply_text(handle) -> str:
    callback = await handle.response()
    return (await handle.original_message()).content if callback.type == 5 else callback.message.content


@pytest.mark.parametrize("command", list(HEAVY))
async def test_a_heavy_command_has_a_per_member_cooldown_on_the_bot_clock(env, command):
    uses, per = HEAVY[command]
    # Battles: one per channel, so each use opens its lobby in a channel of its own.
    channels = [env.standin.guild.add_text_channel(f"arena-{n}") for n in range(uses + 2)]
    other = env.standin.guild.add_member("other")
    await env.start()

    async def run(n: int, user=None) -> str:
        where = channels[n] if command == "quiz battle" else None
        return await reply_text(await env.standin.slash(command, user=user, channel=where))

    for n in range(uses):
        assert "try again in" not in await run(n), n
    env.clock.advance(seconds=15)
    assert await run(uses) == f"That's a lot at once. Please try again in {per - 15} s."
    assert "try again in" not in await run(uses, user=other)  # per member
    env.clock.advance(seconds=per - 15)
    assert "try again in" not in await run(uses + 1)


def buttons(message: StoredMessage) -> list[dict[str, Any]]:
    return [c for c in message.all_components() if c.get("type") == 2]


async def start_quiz(env, **options: Any) -> tuple[StoredMessage, int]:
    callback = await (await env.standin.slash("quiz solo", options)).response()
    message = callback.message
    return message, int(buttons(message)[0]["custom_id"].split(":")[2])


async def test_a_new_solo_quiz_ends_the_members_earlier_one(env):
    me = env.standin.member
    bot = await env.start()
    first, first_id = await start_quiz(env, questions=3)
    right = (
        await bot.db.fetchone("SELECT answer FROM solo_questions WHERE session_id = ? AND position = 0", (first_id,))
    )[0]
    click = await env.standin.click(first, f"iq:solo:{first_id}:0:{right}")
    await click.response()
    other = env.standin.guild.add_member("other")
    theirs = (await (await env.standin.slash("quiz solo", user=other)).response()).message

    second, second_id = await start_quiz(env, questions=3)
    await env.standin.wait_until(lambda: first.embeds[0]["title"] == "⏹️ This quiz ended" or None)
    assert first.embeds[0]["description"].startswith("You started a new quiz, so this one ended.\nScore: 1/3 right")
    assert all(b.get("disabled") for b in buttons(first))
    stale = await (await env.standin.forge_click(first, f"iq:solo:{first_id}:1:next")).response()  # disabled
    assert stale.message.content == "This quiz has ended. Start a new one with `/quiz solo`."
    mine = await bot.db.fetchall("SELECT id, status FROM solo_sessions WHERE user_id = ? ORDER BY id", (me.id,))
    assert [tuple(r) for r in mine] == [(first_id, "timed_out"), (second_id, "active")]
    assert theirs.embeds[0]["title"] == "Question 1 of 5"  # another member's quiz goes on
    assert (await bot.db.fetchone("SELECT status FROM solo_sessions WHERE user_id = ?", (other.id,)))[0] == "active"
    assert second.embeds[0]["title"] == "Question 1 of 3"


async def test_the_solo_messages_kept_in_memory_are_bounded(env):
    await env.start()
    cog = env.bot.get_cog("SoloQuizzes")
    for session_id in range(LIVE + 50):
        cog.track(session_id, object(), object())
    assert len(cog.live) == LIVE and min(cog.live) == 50  # the oldest went first
    cog.track(50, object(), object())  # tracked again (the next question): now the newest
    cog.track(LIVE + 50, object(), object())
    assert 50 in cog.live and 51 not in cog.live and len(cog.live) == LIVE
    cog.live.clear()
