"""What a modified client can send, end to end: forged custom_ids and option values of the wrong type.

Discord's own client only sends what the bot offered; anyone can write another. Whatever arrives gets a plain
private answer and no ERROR in the log (the `env` fixture fails a test on any).
"""

from __future__ import annotations

import re

import pytest

from bot.ui import NUMBER, STALE
from standin import Permissions

TOO_LONG = "9" * 40  # no number the bot makes has 40 digits
BEYOND_INT64 = "9" * 19  # 19 digits, as a template admits, past the largest INTEGER SQLite stores (2**63 - 1)
SAMPLES = ("0", "1", "missed", "join", "next", "define:relu", "random", "all")


def registered_items(bot) -> list[type]:
    """Every persistent item class the running bot dispatches clicks to (discord.py keeps them by template)."""
    return sorted(set(bot._connection._view_store._dynamic_items.values()), key=lambda cls: cls.ids.template)


def forged_ids(cls: type, number: str) -> list[str]:
    """One custom_id per number field of the item's template: that field `number`, the others valid samples."""
    ids = cls.ids
    numbers = [name for name, pattern in ids.fields.items() if pattern == NUMBER]
    made = []
    for forged in numbers:
        values = {}
        for name, pattern in ids.fields.items():
            if name == forged:
                values[name] = number
            elif pattern == NUMBER:
                values[name] = "1"
            else:
                values[name] = next(s for s in SAMPLES if re.fullmatch(pattern, s))
        made.append(ids.template.format(**values))
    return made


async def test_every_number_in_every_custom_id_is_bounded(env):
    bot = await env.start()
    items = registered_items(bot)
    assert len(items) >= 13  # study, daily, solo, battle and review items
    with_numbers = [cls for cls in items if NUMBER in cls.ids.fields.values()]
    assert len(with_numbers) >= 9
    for cls in with_numbers:
        for custom_id in forged_ids(cls, "9" * 20):
            assert cls.__discord_ui_compiled_template__.fullmatch(custom_id) is None, custom_id


@pytest.mark.parametrize("number", [TOO_LONG, BEYOND_INT64], ids=["40-digits", "beyond-int64"])
async def test_a_forged_number_in_any_button_gets_a_plain_answer(env, number):
    bot = await env.start()
    handle = await env.standin.slash("help")
    message = (await handle.response()).message
    forged = [custom_id for cls in registered_items(bot) for custom_id in forged_ids(cls, number)]
    assert len(forged) >= 14
    for custom_id in forged:
        click = await env.standin.forge_click(message, custom_id)
        reply = (await click.response()).message
        assert reply.ephemeral and reply.content == STALE, custom_id
    # The daily answer form carries a post id too.
    submit = await env.standin.forge_modal(f"iq:daily-modal:{number}", {"answer": "An answer."})
    assert (await submit.response()).message.content == STALE
    assert (await bot.db.fetchone("SELECT count(*) FROM daily_answers"))[0] == 0


async def test_a_custom_id_of_no_template_or_on_another_kind_of_component_gets_a_plain_answer(env):
    await env.start()
    message = (await (await env.standin.slash("help")).response()).message
    # No template matches the first three; the last is a select menu's, clicked as a button.
    for custom_id in ("iq:gone-feature:12", "iq:daily:1:9", "iq:solo:x:1:1", "iq:pick"):
        click = await env.standin.forge_click(message, custom_id)
        assert (await click.response()).message.content == STALE, custom_id


async def test_option_values_of_the_wrong_type_are_the_members_mistake(env, caplog):
    admin = env.standin.guild.add_member("admin", permissions=Permissions.MANAGE_GUILD)
    channel = env.standin.channel
    await env.start()
    cases = [
        ("define", {"term": 5}, "“term” takes text"),
        ("quiz solo", {"questions": "five"}, "“questions” takes a whole number"),
        ("streak", {"member": channel}, "“member” takes a member"),
        ("daily setup", {"channel": admin, "time": "09:00", "timezone": "Europe/London"}, "“channel” takes a channel"),
        ("topics", {"chapter": True}, "“chapter” takes text"),
    ]
    with caplog.at_level("WARNING"):
        for name, options, expected in cases:
            handle = await env.standin.slash(name, options, user=admin, forged=True)
            reply = (await handle.response()).message
            assert reply.ephemeral and expected in reply.content, (name, reply.content)
            assert "Something went wrong" not in reply.content
    refused = [r for r in caplog.records if r.name == "bot.ui" and "option" in r.getMessage()]
    assert len(refused) == len(cases) and {r.levelname for r in refused} == {"WARNING"}
    assert not any(r.exc_info for r in refused)
    assert await env.bot.db.fetchall("SELECT * FROM daily_channels") == []


async def test_a_lone_surrogate_in_a_command_option_reaches_no_handler(env):
    await env.start()
    handle = await env.standin.slash("topics", {"chapter": "Neural \ud83d"}, forged=True)
    reply = (await handle.response()).message
    assert reply.content.startswith("No chapter is called “Neural \ufffd”")
