"""What a battle looks like.

The lobby, an open round, a closed round, the podium, and the private replies to a player's clicks. Pure
functions: a battle, its standings and the library in, embeds and text out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.content.index import Library
from bot.content.models import Chapter
from bot.content.text import truncate
from bot.core.battle import EndReason, Scored, Standing, distribution, podium
from bot.core.choices import MultipleChoice, option_label
from bot.repos.battle import Battle, Click, Join, RoundResult
from bot.ui import LETTERS, Limit, add_tip, answer_bars, chapter_label, ordinal

MEDALS = ("🥇", "🥈", "🥉")
TOP_SHOWN = 5  # standings lines under a closed round
LOBBY_NAMES = 40  # players named in the lobby (the rest are counted): 40 mentions stay under a field's 1024
PODIUM_SHOWN = 15  # podium lines: places are shared, so a big tie could otherwise pass the description's 4096
COLOR = discord.Colour.gold()

_TITLES: dict[EndReason, str] = {
    "finished": "🏆 Battle over",
    "stopped": "⏹️ Battle stopped",
    "restart": "⚠️ Battle interrupted",
    "error": "⚠️ Battle ended",
}


def _ts(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "R")


def _settings(battle: Battle, chapter: Chapter | None) -> str:
    where = chapter_label(chapter) if chapter else "All chapters"
    scoring = "speed scoring (faster right answers score more)" if battle.scoring == "speed" else "flat scoring"
    return f"{where} · {battle.rounds} rounds · {battle.seconds} s each · {scoring}"


def _names(user_ids: Sequence[int]) -> str:
    if not user_ids:
        return "Nobody yet."
    more = len(user_ids) - LOBBY_NAMES
    return " ".join(f"<@{u}>" for u in user_ids[:LOBBY_NAMES]) + (f" and {more} more" if more > 0 else "")


def lobby_embed(battle: Battle, chapter: Chapter | None, players: Sequence[int], status: str) -> discord.Embed:
    """Render the lobby: settings, host, players and what happens next (`status`)."""
    embed = discord.Embed(title="⚔️ Quiz battle", colour=COLOR, description=_settings(battle, chapter))
    embed.add_field(name="Host", value=f"<@{battle.host_id}>", inline=True)
    embed.add_field(name=f"Players ({len(players)})", value=_names(players), inline=False)
    embed.add_field(name="Status", value=status, inline=False)
    return embed


def lobby_status(battle: Battle) -> str:
    """Say how the lobby goes on."""
    return (
        f"Press **Join** to play. The host (or a moderator) presses **Start**; otherwise it starts "
        f"{_ts(battle.lobby_until)} if anyone joined."
    )


def option_text(library: Library, question: MultipleChoice, index: int) -> str:
    """Label an option as its button shows it: "B · Dropout" (within Discord's limit for a label)."""
    return f"{LETTERS[index]} · {option_label(library, question, index, limit=Limit.LABEL - 4)}"


def round_embed(battle: Battle, number: int, question: MultipleChoice, deadline: datetime) -> discord.Embed:
    """Render an open round: the masked definition and its deadline."""
    embed = discord.Embed(
        title=f"Round {number} of {battle.rounds}: which term is this?",
        colour=COLOR,
        description=truncate(question.prompt, 3000),
    )
    embed.add_field(name="Answer", value=f"Closes {_ts(deadline)}. Your first click counts.", inline=False)
    return embed


def movement_label(moved: int | None) -> str:
    """Show a player's movement in the round summary: ▲2, ▼1, = or "new"."""
    if moved is None:
        return "new"
    if moved > 0:
        return f"▲{moved}"
    if moved < 0:
        return f"▼{-moved}"
    return "="


def _standing_line(s: Standing) -> str:
    return f"{s.place}. <@{s.user_id}> · {s.points:,} pts · {movement_label(s.moved)}"


def result_embed(library: Library, battle: Battle, result: RoundResult) -> discord.Embed:
    """Render a closed round: the right answer, how the answers spread, the top 5 with movement, the interview tip.

    Within an embed's 6,000 characters: a 1,500-character definition, four bars of labels within a button's
    80, five standings lines and a tip within a field's 1,024.
    """
    question = result.round.question
    term = library.terms[question.term_id]
    embed = discord.Embed(
        title=f"Round {result.round.number} of {battle.rounds}: closed",
        colour=discord.Colour.green(),
        description=f"✅ **{option_text(library, question, question.answer)}**\n{truncate(term.definition, 1500)}",
    )
    answers = result.answers
    labels = [option_text(library, question, i) for i in range(len(question.options))]
    lines = answer_bars(labels, distribution(answers, len(labels)), question.answer)
    lines.append(f"No answer: {len(result.scored) - len(answers):,}")
    embed.add_field(name="Answers", value=truncate("\n".join(lines), Limit.FIELD_VALUE), inline=False)
    top = "\n".join(_standing_line(s) for s in result.standings[:TOP_SHOWN]) or "No players."
    embed.add_field(name=f"Top {TOP_SHOWN}", value=top, inline=False)
    return add_tip(embed, term)


def stopped_round_embed(battle: Battle, number: int, why: str) -> discord.Embed:
    """Render a round that never closed (and so scored nothing)."""
    return discord.Embed(
        title=f"Round {number} of {battle.rounds}: not scored",
        colour=discord.Colour.dark_grey(),
        description=why,
    )


def _ending(battle: Battle, reason: EndReason, finished: int) -> str:
    played = f"after {finished} of {battle.rounds} rounds"
    if reason == "finished":
        return f"All {battle.rounds} rounds played."
    if reason == "stopped":
        return f"Stopped {played}; the points of those rounds are kept."
    if reason == "restart":
        return f"The bot restarted, so this battle ended {played}; the points of those rounds are kept."
    return f"A problem ended this battle {played}; their points are kept."


def final_embed(battle: Battle, rows: Sequence[Standing], reason: EndReason, finished: int) -> discord.Embed:
    """Render the podium and how the battle ended."""
    winners = podium(rows)
    lines = [
        f"{MEDALS[s.place - 1]} <@{s.user_id}> · {s.points:,} pts ({s.correct}/{finished} right)"
        for s in winners[:PODIUM_SHOWN]
    ]
    if len(winners) > PODIUM_SHOWN:
        lines.append(f"… and {len(winners) - PODIUM_SHOWN} more sharing these places.")
    embed = discord.Embed(
        title=_TITLES.get(reason, "Battle over"),
        colour=COLOR,
        description="\n".join(lines) if lines else "Nobody scored in this battle.",
    )
    embed.add_field(name="How it ended", value=_ending(battle, reason, finished), inline=False)
    embed.set_footer(text=f"{len(rows)} players · points go to the server's /leaderboard · My rank shows your place")
    return embed


# -- private replies to a player


_CLICK_REPLIES = {
    Click.RECORDED: "Locked in: **{label}**. You'll see how you did when the round closes.",
    Click.JOINED: "You joined the battle, and your answer **{label}** is locked in. Good luck!",
    Click.ALREADY: "You already answered **{label}**: only your first click counts.",
    Click.CLOSED: "This round is closed.",
    Click.NOT_PLAYER: "Joining closed when the first round ended. Watch this one, and join the next battle!",
}
JOIN_REPLIES = {
    Join.JOINED: "You're in! Answer the questions as they appear: the first click counts.",
    Join.ALREADY: "You're already in this battle.",
    Join.CLOSED: "Joining closed when the first round ended (or the battle is over). Join the next one!",
}


def click_reply(status: Click, label: str) -> str:
    """Acknowledge a click on an answer (`label`: the answer counted) without telling whether it is right."""
    return _CLICK_REPLIES[status].format(label=label)


def round_outcomes(library: Library, result: RoundResult) -> dict[int, str]:
    """Tell each player who answered, privately, how their answer did and their place after the round.

    "Round 3 · ✅ Right · +1,049 (+100 streak bonus) · 3rd of 30", or "Round 3 · ❌ It was **Tanh** · 7th of 30";
    places are the standings' (equal points share one). Players who did not answer get nothing.
    """
    question = result.round.question
    answer = option_label(library, question, question.answer, limit=Limit.LABEL)
    place = {s.user_id: s.place for s in result.standings}
    sharing = Counter(place.values())
    players = len(result.standings)

    def outcome(mine: Scored) -> str:
        if mine.correct:
            bonus = f" (+{mine.bonus:,} streak bonus)" if mine.bonus else ""
            verdict = f"✅ Right · +{mine.earned:,}{bonus}"
        else:
            verdict = f"❌ It was **{answer}**"
        at = place[mine.state.user_id]
        where = f"{ordinal(at)}{' (tied)' if sharing[at] > 1 else ''} of {players:,}"
        return f"Round {result.round.number} · {verdict} · {where}"

    return {s.state.user_id: outcome(s) for s in result.scored if s.answer is not None}


def rank_text(mine: Standing, rows: Sequence[Standing], finished: int) -> str:
    """Tell a player their place in a battle."""
    tied = sum(s.place == mine.place for s in rows) > 1
    return (
        f"You placed **{ordinal(mine.place)}**{' (tied)' if tied else ''} of {len(rows)} "
        f"with **{mine.points:,}** points ({mine.correct}/{finished} right)."
    )
