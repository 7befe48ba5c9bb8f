"""Losing Discord and coming back: a session Discord ends is re-identified on the configured gateway."""

from __future__ import annotations

import pytest


async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """Skip discord.py's 5-second pause before a second IDENTIFY (Discord's identify rate limit; none here)."""


@pytest.mark.parametrize("code", [4009, 1000])
async def test_an_ended_session_is_identified_again_on_the_configured_gateway(env, code):
    bot = await env.start()
    bot.before_identify_hook = identify_at_once
    standin = env.standin
    assert standin.gateway.identified_on == ["/gateway"]

    await standin.end_session(code)  # the RESUME that follows is answered with op 9
    await standin.wait_until(lambda: len(standin.gateway.identified_on) == 2, timeout=10)

    # Not wss://gateway.discord.gg, discord.py's default: the gateway the configured API named.
    assert standin.gateway.identified_on == ["/gateway", "/gateway"]
    assert [f["op"] for f in standin.gateway.frames if f["op"] in (2, 6)] == [2, 6, 2]
    callback = await (await standin.slash("define", {"term": "relu"})).response()
    assert callback.message is not None and callback.message.embeds[0]["title"].startswith("ReLU")
