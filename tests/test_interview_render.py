"""What mock interviews look like, checked without Discord: echoed answers, time, trend, embeds within limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import discord

from bot.cogs.interview import _render as render
from bot.core import interview as iv
from bot.repos.interview import AskedQuestion, Interview, PastInterview
from bot.ui import Limit

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
HOSTILE = "**@everyone** ||spoiler|| `code` <@123> # Heading\n> quote\n```py\nunclosed "


def embed_size(embed: discord.Embed) -> int:
    """Count an embed's text the way Discord's 6,000-character total does."""
    data = embed.to_dict()
    fields = sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    return (
        len(data.get("title", ""))
        + len(data.get("description", ""))
        + fields
        + len(data.get("footer", {}).get("text", ""))
        + len(data.get("author", {}).get("name", ""))
    )


def test_a_short_answer_is_quoted_whole_with_markdown_shown_as_typed():
    assert render.quoted_answer("ReLU is *max(0, x)*") == r"ReLU is \*max(0, x)\*"


def test_a_4000_character_answer_is_cut_at_a_word_with_a_note():
    answer = (HOSTILE * 100)[: iv.ANSWER_LIMIT]
    quoted = render.quoted_answer(answer)
    assert len(quoted) <= render.ANSWER_ECHO
    body, note = quoted.rsplit("\n", 1)
    assert body.endswith("…")
    shown = body.removesuffix("…")
    # What is shown is the answer's beginning, escaped; the note counts what is left out.
    assert discord.utils.remove_markdown(shown).replace("\\", "")[:20] == discord.utils.remove_markdown(answer)[:20]
    left = int(note.removeprefix("*(").split(" ")[0].replace(",", ""))
    assert 2900 < left < iv.ANSWER_LIMIT
    assert note.endswith("more characters not shown)*")
    # Escaping can make the cut text longer than its budget: it still fits.
    stars = "*" * iv.ANSWER_LIMIT
    assert len(render.quoted_answer(stars)) <= render.ANSWER_ECHO


def test_clock_text_and_sparkline():
    assert [render.clock_text(s) for s in (0, 5.4, 65, 600, -3)] == ["0:00", "0:05", "1:05", "10:00", "0:00"]
    assert render.sparkline([0.0, 0.5, 0.99, 1.0]) == "▁▅██"


def asked(position, points=6, covered=None, seconds=None, kind=None, text=None, hint=None, ref="question:q001"):
    shown = NOW + timedelta(minutes=3 * position)
    return AskedQuestion(
        position=position,
        ref=ref,
        chapter_key="deep-learning:2",
        points=points,
        message_id=None,
        shown_at=shown,
        deadline=shown + timedelta(minutes=3),
        answer_kind=kind,
        answer_text=text,
        answered_at=None if seconds is None else shown + timedelta(seconds=seconds),
        hint=hint,
        covered=covered,
        marked_at=None if covered is None else shown + timedelta(seconds=(seconds or 0) + 5),
    )


def interview(questions, kind="solo", state="ended", reason="finished"):
    return Interview(
        id=7,
        kind=kind,
        guild_id=1,
        channel_id=2,
        thread_id=None,
        invite_message_id=None,
        host_id=10,
        candidate_id=10,
        interviewer_id=None if kind == "solo" else 20,
        chapter_key=None,
        minutes=3,
        state=state,
        end_reason=reason,
        ended_by=None,
        created_at=NOW,
        started_at=NOW,
        ended_at=NOW,
        expires_at=None,
        questions=tuple(questions),
    )


def test_the_longest_scorecard_stays_within_discords_limits(library):
    longest = sorted(iv.question_pool(library, None), key=lambda q: -len(q.text))[:10]
    questions = [
        asked(n, points=len(q.points), covered=(0,), seconds=100, kind="spoken", ref=q.ref)
        for n, q in enumerate(longest)
    ]
    done = interview(questions)
    card = iv.scorecard(library, done.results(), done.minutes)
    embed = render.scorecard_embed(library, done, card, "note")
    assert len(embed.fields) == 11 and embed_size(embed) <= Limit.EMBED
    assert embed.description.startswith("note\n\n**10 of ")
    assert "Time used: 16:40 of 30:00" in embed.description


def test_the_largest_marking_screen_stays_within_discords_limits(library):
    biggest = max(iv.question_pool(library, None), key=lambda q: sum(map(len, q.points)))
    question = asked(
        0, points=len(biggest.points), seconds=200, kind="written", text=HOSTILE * 60, hint=(0, 2), ref=biggest.ref
    )
    embed = render.marking_embed(library, interview([question], state="active", reason=None), question)
    assert embed_size(embed) <= Limit.EMBED
    names = [f.name for f in embed.fields]
    assert names == ["Your answer", "💡 Hint", "Time"]
    assert embed.fields[2].value == "3:20 of 3:00 (over time)"
    assert "Pre-marked as a hint: 1, 3." in embed.fields[1].value


def test_history_shows_the_trend_and_each_interview():
    past = [
        PastInterview(
            n,
            "solo" if n % 2 else "pair",
            10,
            None if n % 2 else 20,
            NOW + timedelta(days=n),
            "finished",
            5,
            5,
            covered,
            25,
        )
        for n, covered in enumerate([5, 10, 15, 20], start=1)
    ]
    embed = render.history_embed("Ann *the* Tester", past)
    assert embed.title == r"Mock interviews: Ann \*the\* Tester"
    lines = embed.description.split("\n")
    assert lines[0] == "Coverage, oldest to newest: ▂▄▅▇"
    assert lines[1].startswith("Trend: +40 percentage points")
    assert lines[3].endswith("with <@20> interviewing · 5 questions · 20/25 key points (80 %)")  # newest first
    assert render.history_embed("Bo", []).description.startswith("No mock interviews yet.")


def test_weak_questions_without_a_chapter_point_to_the_high_yield_guide(library):
    production = next(q for q in iv.question_pool(library, None) if q.is_high_yield and q.chapter_key is None)
    weak = replace(
        asked(0, points=len(production.points), covered=(), seconds=30, kind="spoken"),
        ref=production.ref,
        chapter_key=None,
    )
    done = interview([weak])
    card = iv.scorecard(library, done.results(), done.minutes)
    embed = render.scorecard_embed(library, done, card)
    assert embed.fields[-1].value == "the high-yield questions (`/guide`)"
    assert card.review_terms == production.related


def test_a_high_yield_question_shows_its_model_answer_after_the_sentences_to_mark(library):
    question = iv.find_question(library, "high-yield:hy-what-is-vanishing-gradient")
    spoken = replace(asked(0, points=len(question.points), seconds=40, kind="spoken"), ref=question.ref)
    embed = render.marking_embed(library, interview([spoken], state="active", reason=None), spoken)
    assert embed.description.endswith(
        "The sentences of the model answer:\n" + "\n".join(f"**{n}.** {p}" for n, p in enumerate(question.points, 1))
    )
    assert (embed.fields[0].name, embed.fields[0].value) == ("Model answer", question.model_answer)
    assert embed.author.name.startswith("High-yield question · Chapter ")
