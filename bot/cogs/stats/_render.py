"""What /stats looks like beside its picture: the same facts as embed fields, for screen readers.

Pure builders: a member's `MemberStats` in, an embed out (the picture itself is `bot.render.stats_image`).
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.content.text import plural, truncate
from bot.core.interview import InterviewSummary
from bot.core.stats import ACTIVITY_SCOPE, WEEKS, MemberStats, percent, window_activity
from bot.ui import Limit

MASTERY = "Mastery by chapter"
# Mastery lines are spread over up to this many fields: every chapter of the bundled pack (24 lines of about
# 50 characters), and of a few more packs, while the whole embed stays far below Discord's 6000 characters.
MASTERY_FIELDS = 4


def stats_embed(facts: MemberStats, picture: str, interviews: InterviewSummary | None = None) -> discord.Embed:
    """Render the facts as fields, with the attached picture (`picture`: its file name) as the image.

    `interviews`, the member's mock interviews, is a field beside the picture's facts.
    """
    title = truncate(f"Practice statistics: {discord.utils.escape_markdown(facts.name)}", Limit.TITLE)
    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    for name, value in text_fields(facts, interviews):
        embed.add_field(name=name, value=value, inline=not name.startswith(MASTERY))
    embed.set_image(url=f"attachment://{picture}")
    return embed


def _pack_lines(lines: Sequence[str], limit: int, count: int, more: str) -> list[str]:
    """Pack lines into at most `count` texts of at most `limit` characters each.

    If they do not all fit, the last text ends with `more`, formatted with the number of lines left out.
    """
    texts: list[list[str]] = [[]]
    for line in lines:
        line = truncate(line, limit)
        if texts[-1] and len("\n".join([*texts[-1], line])) > limit:
            texts.append([])
        texts[-1].append(line)
    if len(texts) > count:
        texts = texts[:count]
        shown = sum(len(chunk) for chunk in texts)
        while len("\n".join([*texts[-1], more.format(len(lines) - shown)])) > limit:
            texts[-1].pop()
            shown -= 1
        texts[-1].append(more.format(len(lines) - shown))
    return ["\n".join(chunk) for chunk in texts]


def interviews_value(summary: InterviewSummary) -> str:
    """Write a member's mock interviews: how many, and their average coverage of the key points."""
    if not summary.done:
        return "None yet: try `/interview start`"
    return f"{summary.done} done · average coverage {percent(summary.average)}"


def text_fields(stats: MemberStats, interviews: InterviewSummary | None = None) -> list[tuple[str, str]]:
    """Return the facts of the picture (and the mock interviews) as (name, value) embed fields within limits."""
    if stats.streak is None:
        streak = "No daily streak yet"
    else:
        current, longest = stats.streak
        streak = f"{plural(current, 'day')} (longest {longest})"
    if stats.graded:
        accuracy = f"{percent(stats.accuracy)} ({stats.correct} of {stats.graded} graded answers)"
    else:
        accuracy = "No graded answers yet"
    answers, active = window_activity(stats)
    activity = f"{plural(answers, 'answer')} on {plural(active, 'day')}"
    studied = [m for m in stats.mastery if m.carded]
    if studied:
        mastery = _pack_lines(
            [f"{m.number}. {m.title}: {m.mastered}/{m.terms} mastered ({percent(m.share)})" for m in studied],
            Limit.FIELD_VALUE,
            MASTERY_FIELDS,
            "… and {} more chapters",
        )
    else:
        mastery = ["No review cards yet: try `/quiz solo` or `/review`."]
    return [
        ("Daily streak", streak),
        ("Points in this server", str(stats.points)),
        ("Accuracy", accuracy),
        (
            "Review cards",
            f"{stats.due.describe()} · {stats.due.total} in the deck" if stats.due.total else "No cards yet",
        ),
        (f"Activity, last {WEEKS} weeks", f"{activity} ({ACTIVITY_SCOPE})"),
        *([("Mock interviews", interviews_value(interviews))] if interviews is not None else []),
        *((MASTERY if n == 0 else f"{MASTERY} (continued)", value) for n, value in enumerate(mastery)),
    ]
