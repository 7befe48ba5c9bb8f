"""What the daily question shows, rendered without the bot: every post of the bundled pack and /daily status with
many channels stay within Discord's limits, and the reveal and replies say what happened."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time

import discord

from bot.cogs.daily import _render as render
from bot.cogs.daily import _views as views
from bot.content.text import truncate
from bot.core.choices import make_question
from bot.core.daily import Reveal
from bot.repos.daily import DailyChannel, Post

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def assert_embed_fits(embed: discord.Embed) -> None:
    """Check Discord's documented embed limits, the 6,000 characters in all included."""
    assert embed.title and len(embed.title) <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert field.name and len(field.name) <= 256
        assert field.value and len(field.value) <= 1024
    assert len(embed.footer.text or "") <= 2048
    assert len(embed) <= 6000


def channel(channel_id: int, **changes) -> DailyChannel:
    settings = {
        "channel_id": channel_id,
        "guild_id": 1,
        "post_time": time(9, 0),
        "timezone": "America/Argentina/ComodRivadavia",  # among the longest names
        "kind": "mixed",
        "chapters": (),
        "enabled": True,
        "cycle": 1,
        "cycle_seed": 1,
        "set_by": 7,
        "set_at": NOW,
    } | changes
    return DailyChannel(**settings)


def post(post_id: int, item: str, day: date, options: tuple[str, ...] = (), answer: int | None = None) -> Post:
    return Post(post_id, 2000, 1, day, "posted", "run", NOW, item, 1, options, answer, 3000 + post_id, None, NOW)


def test_every_post_of_the_bundled_pack_fits_with_a_reveal_below_it(library):
    rng = random.Random(3)
    question = next(iter(library.questions.values()))
    open_past = render.PastPost(post(1, f"question:{question.id}", date(2026, 3, 9)), (), 3, {"nailed": 2})
    for term in library.terms.values():
        choice = make_question(library, term, rng, "definition")
        today = post(2, f"term:{term.id}", date(2026, 3, 10), choice.options, choice.answer)
        assert_embed_fits(render.post_embed(library, today, open_past))
        labels = [button.item.label for button in views.post_view(library, today).children]
        assert labels == [truncate(library.terms[t].term, 80) for t in choice.options]
        closing = render.PastPost(today, (5, 3, 1, 0), 9)
        assert_embed_fits(render.post_embed(library, post(3, f"question:{question.id}", date(2026, 3, 11)), closing))
    for question in library.questions.values():
        assert_embed_fits(render.post_embed(library, post(4, f"question:{question.id}", date(2026, 3, 10)), open_past))


def test_the_reveal_names_the_answer_its_share_and_how_many_answered(library):
    choice = make_question(library, library.terms["dropout"], random.Random(1), "definition")
    counts = [0, 0, 0, 0]
    counts[choice.answer] = 8
    counts[(choice.answer + 1) % 4] = 5
    past = render.PastPost(post(1, "term:dropout", date(2026, 3, 9), choice.options, choice.answer), tuple(counts), 13)
    text = render.reveal_text(library, past)
    assert text.splitlines()[0] == "62 % chose **Dropout** · 13 members answered"
    assert "✅ ▰▰▰▰▰▰▱▱▱▱ 62 % (8) · Dropout" in text.splitlines()
    question = next(iter(library.questions.values()))
    rated = render.PastPost(post(2, f"question:{question.id}", date(2026, 3, 9)), (), 2, {"nailed": 1, "missed": 1})
    assert render.reveal_summary(library, rated) == (
        "2 members answered. Self-ratings: 🟢 1 nailed it · 🟡 0 partly · 🔴 1 missed it"
    )
    nobody = render.PastPost(post(3, f"question:{question.id}", date(2026, 3, 9)))
    assert render.reveal_summary(library, nobody) == "Nobody answered."


def test_daily_status_shows_as_many_channels_as_fit_and_says_how_many(library):
    question = next(iter(library.questions.values()))
    every_chapter = tuple(library.chapters)
    statuses = [
        render.ChannelStatus(
            channel(2000 + n, chapters=every_chapter),
            f"daily-questions-for-the-study-group-{n}",
            NOW,
            post(n, f"question:{question.id}", date(2026, 3, 10)),
            12,
            render.PastPost(post(100 + n, f"question:{question.id}", date(2026, 3, 9)), (), 3, {"partly": 3}),
        )
        for n in range(25)
    ]
    embed = render.status_embed(library, "A" * 100, statuses)
    assert_embed_fits(embed)
    shown = len(embed.fields)
    assert 0 < shown < 25
    assert embed.footer.text == f"Showing {shown} of 25 channels."
    assert [f.name for f in embed.fields] == [f"#daily-questions-for-the-study-group-{n}" for n in range(shown)]
    assert "👁️ Previous: 3 members answered. Self-ratings: 🟢 0 nailed it · 🟡 3 partly" in embed.fields[0].value
    few = render.status_embed(library, "Study", statuses[:3])
    assert len(few.fields) == 3 and few.footer.text is None


def test_the_reply_to_daily_post_says_what_happened():
    sent = post(5, "term:dropout", date(2026, 3, 10), ("a", "b", "c", "d"), 0)
    assert render.post_now_reply("posted", sent, "<#2000>") == (
        "Posted today's question in <#2000>: https://discord.com/channels/1/2000/3005"
    )
    assert render.post_now_reply("exists", sent, "<#2000>").startswith("Today's question is already out in <#2000>")
    assert "no question to post" in render.post_now_reply("no_question", None, "<#2000>")
    assert "I'll keep trying" in render.post_now_reply("failed", None, "<#2000>")


def test_the_reveal_says_who_chose_what():
    reveal = Reveal(("Dropout", "Batch Normalization", "Weight Decay", "Early Stopping"), (13, 5, 2, 1), 0)
    assert render.reveal_headline(reveal) == "62 % chose **Dropout** · 21 members answered"
    assert render.reveal_lines(reveal) == [
        "✅ ▰▰▰▰▰▰▱▱▱▱ 62 % (13) · Dropout",
        "▫️ ▰▰▱▱▱▱▱▱▱▱ 24 % (5) · Batch Normalization",
        "▫️ ▰▱▱▱▱▱▱▱▱▱ 9 % (2) · Weight Decay",
        "▫️ ▰▱▱▱▱▱▱▱▱▱ 5 % (1) · Early Stopping",
    ]
    assert render.reveal_headline(Reveal(("A", "B"), (0, 0), 1)) == "The answer was **B** · nobody answered"
