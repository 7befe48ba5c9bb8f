"""What the leaderboard looks like: the top 10, the caller's place, and how the period is counted.

Pure builders: a board from `LeaderboardRepo` in, an embed out. Members appear as mentions, which Discord
renders without pinging (the bot allows no mentions).
"""

from __future__ import annotations

import discord

from bot.content.text import plural
from bot.repos.leaderboard import MIN_GRADED, Board, Entry, Metric
from bot.ui import ordinal

TITLES = {"points": "Points", "streak": "Daily streak", "accuracy": "Accuracy"}
EMPTY = {
    "points": "No points {when} yet: battles (`/quiz battle`) and daily questions earn them.",
    "streak": "Nobody has a daily streak yet: answer the daily question to start one.",
    "accuracy": f"Nobody has {MIN_GRADED} graded answers {{when}} yet.",
}


def value_text(metric: Metric, entry: Entry) -> str:
    """Render a member's value: points, days, or a percentage with its fraction."""
    if metric == "points":
        return f"{entry.value:,} pts"
    if metric == "streak":
        return plural(entry.value, "day")
    graded = entry.graded or 0
    percent = round(100 * entry.value / graded) if graded else 0
    return f"{percent}% ({entry.value}/{graded})"


def period_text(board: Board) -> str:
    """Name the period as the footer explains it (always UTC)."""
    if board.metric == "streak":
        return "Current daily streaks: the period does not apply to streaks."
    if board.period == "week" and board.start:
        week = board.start.isocalendar().week
        return f"This week: ISO week {week}, from Monday {board.start:%d %b %Y} 00:00 UTC."
    if board.period == "month" and board.start:
        return f"This month: {board.start:%B %Y}, from the 1st 00:00 UTC."
    return "All time."


def board_embed(board: Board) -> discord.Embed:
    """Render a leaderboard: the top entries, the caller's place, and how it is counted."""
    when = {"week": "this week", "month": "this month", "all": "so far"}[board.period]
    title = f"🏆 {TITLES[board.metric]} leaderboard" + ("" if board.metric == "streak" else f" · {when}")
    lines = [f"**{e.place}.** <@{e.user_id}> · {value_text(board.metric, e)}" for e in board.top]
    embed = discord.Embed(
        title=title,
        colour=discord.Colour.gold(),
        description="\n".join(lines) or EMPTY[board.metric].format(when=when),
    )
    embed.add_field(name="You", value=my_line(board, when), inline=False)
    notes = [period_text(board), "Ties go to whoever got there first."]
    if board.metric == "accuracy":
        notes.append(f"Ranks members with at least {MIN_GRADED} graded answers in the period.")
    embed.set_footer(text=" ".join(notes))
    return embed


def my_line(board: Board, when: str) -> str:
    """Say where the caller stands, even outside the top 10 or below the accuracy minimum."""
    me = board.me
    if me is None:
        return {
            "points": f"No points {when} yet.",
            "streak": "No daily streak right now.",
            "accuracy": f"No graded answers {when} yet.",
        }[board.metric]
    if me.place is None:
        return f"{value_text(board.metric, me)}: ranked from {MIN_GRADED} graded answers."
    return f"**{ordinal(me.place)}** of {board.ranked} · {value_text(board.metric, me)}"
