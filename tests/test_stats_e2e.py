"""/stats end to end: a PNG picture plus the same facts as embed fields, for yourself or another member."""

from __future__ import annotations

import io
from datetime import timedelta

from fsrs import Rating
from PIL import Image

from bot.db import utc_iso
from bot.repos.review import ReviewRepo
from bot.repos.scores import ScoreEvent, insert_score


async def test_stats_sends_a_png_and_the_facts_as_text(env, library):
    bot = await env.start()
    me = env.standin.member
    now = env.clock()
    async with bot.db.transaction() as conn:
        await insert_score(
            conn, ScoreEvent(env.standin.guild.id, me.id, "daily", "post:1", 10, True, now - timedelta(days=1))
        )
        await insert_score(conn, ScoreEvent(env.standin.guild.id, me.id, "daily", "post:2", 0, False, now))
        await insert_score(
            conn, ScoreEvent(env.standin.guild.id + 1, me.id, "daily", "post:3", 10, True, now)
        )  # elsewhere
    await bot.db.execute(
        "INSERT INTO member_streaks (guild_id, user_id, current, longest, freezes, updated_at, longest_at)"
        " VALUES (?, ?, 2, 5, 0, ?, ?)",
        (env.standin.guild.id, me.id, utc_iso(now), utc_iso(now)),
    )
    # All eight terms of chapter 24 graduated to the Review state yesterday: the chapter is mastered.
    repo = ReviewRepo(bot.db)
    chapter = library.chapters["deep-learning:24"]
    for term_id in chapter.term_ids:
        await repo.rate(me.id, term_id, Rating.Good, now - timedelta(days=1), "answer")
        await repo.rate(me.id, term_id, Rating.Good, now - timedelta(days=1) + timedelta(minutes=10), "answer")
    await repo.add_cards(me.id, ["dropout"], now)  # one new card, due now

    handle = await env.standin.slash("stats")
    callback = await handle.response()
    assert callback.type == 5  # deferred: the picture is drawn in a worker thread
    message = await handle.original_message()
    assert message.ephemeral
    embed = message.embeds[0]
    assert embed["title"] == "Practice statistics: Tester"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Daily streak"] == "2 days (longest 5)"
    assert fields["Points in this server"] == "10"
    assert fields["Accuracy"] == "50 % (1 of 2 graded answers)"
    assert fields["Review cards"].startswith("1 due now · 1 by the end of today")
    assert fields["Review cards"].endswith("9 in the deck")
    assert fields["Activity, last 12 weeks"].startswith("2 answers on 2 days (")
    assert fields["Mastery by chapter"] == (
        "5. Regularization Techniques: 0/12 mastered (0 %)\n24. Explainable AI: 8/8 mastered (100 %)"
    )

    assert embed["image"]["url"] == "attachment://stats.png"
    png = message.attachment("stats.png").data
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size[0] == 1000 and 500 <= image.size[1] <= 1000


async def test_stats_of_another_member_and_refusal_for_bots(env):
    await env.start()
    other = env.standin.guild.add_member("newcomer")
    message = await (await env.standin.slash("stats", {"member": other})).original_message()
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert message.embeds[0]["title"] == "Practice statistics: Newcomer"
    assert fields["Daily streak"] == "No daily streak yet"
    assert fields["Accuracy"] == "No graded answers yet"
    assert fields["Review cards"] == "No cards yet"
    assert message.attachment("stats.png").data[:8] == b"\x89PNG\r\n\x1a\n"

    bot_member = env.standin.guild.me
    callback = await (await env.standin.slash("stats", {"member": bot_member})).response()
    assert callback.type == 4 and callback.message.ephemeral
    assert callback.message.content == "Bots don't practise, so they have no statistics."


async def test_stats_for_a_long_marked_up_name_active_in_every_chapter(env, library):
    bot = await env.start()
    name = "*bold* __under__ `code` @everyon"  # 32 characters, as long as Discord allows
    member = env.standin.guild.add_member(name)
    now = env.clock()
    repo = ReviewRepo(bot.db)
    # A card for one term of every chapter since yesterday; every other chapter's card graduated to Review.
    yesterday = now - timedelta(days=1)
    for n, chapter in enumerate(library.chapters.values()):
        card = await repo.rate(member.id, chapter.term_ids[0], Rating.Good, yesterday, "answer")
        if n % 2 == 0:
            await repo.rate_card(card.id, member.id, Rating.Good, yesterday + timedelta(minutes=10), expected_reps=1)
    async with bot.db.transaction() as conn:
        for n in range(30):
            at = now - timedelta(days=n)
            await insert_score(conn, ScoreEvent(env.standin.guild.id, member.id, "daily", f"post:{n}", 10, True, at))

    handle = await env.standin.slash("stats", {"member": member}, user=member)
    message = await handle.original_message()
    embed = message.embeds[0]
    # The name's markdown is shown as typed, not applied.
    assert embed["title"] == r"Practice statistics: \*Bold\* \_\_Under\_\_ \`Code\` @Everyon"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Points in this server"] == "300"
    mastery = fields["Mastery by chapter"] + "\n" + fields["Mastery by chapter (continued)"]
    assert [line.split(".")[0] for line in mastery.splitlines()] == [str(c.number) for c in library.chapters.values()]
    assert mastery.splitlines()[-2:] == [
        "24. Explainable AI: 1/8 mastered (12 %)",
        "25. Deep Learning Project Topics: 0/22 mastered (0 %)",
    ]
    assert fields["Activity, last 12 weeks"].startswith("42 answers on 30 days (")  # 30 daily answers, 12 reviews
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in embed["fields"])
    total = len(embed["title"]) + sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    with Image.open(io.BytesIO(message.attachment("stats.png").data)) as image:
        # One mastery bar per chapter makes the picture taller than a newcomer's, still a sensible size.
        assert image.format == "PNG" and image.width == 1000 and 700 <= image.height <= 1000
