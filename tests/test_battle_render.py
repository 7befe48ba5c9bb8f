"""Battle embeds stay within Discord's limits however many players tie or join; each player's result says it all."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.cogs.quiz.battle._render import final_embed, lobby_embed, lobby_status, result_embed, round_outcomes
from bot.core.battle import Answer, PlayerState, score_round, standings
from bot.core.choices import MultipleChoice, make_question
from bot.repos.battle import Battle, Round, RoundResult

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
BATTLE = Battle(7, 1, 2, 3, None, 20, 60, "flat", "ended", 9, NOW + timedelta(seconds=60), 20, "finished")
BIG_ID = 10**19  # Discord ids reach 19–20 digits: the longest mentions


def test_a_podium_of_two_hundred_tied_players_names_fifteen_and_counts_the_rest():
    rows = standings([PlayerState(BIG_ID + n, 20_000, 0, 20) for n in range(200)])
    embed = final_embed(BATTLE, rows, "finished", 20)
    lines = embed.description.splitlines()
    assert lines[0] == f"🥇 <@{BIG_ID}> · 20,000 pts (20/20 right)"
    assert len(lines) == 16 and lines[-1] == "… and 185 more sharing these places."
    assert len(embed.description) <= 4096 and len(embed) <= 6000
    assert embed.footer.text.startswith("200 players")


def test_podium_medals_follow_shared_places_and_nobody_scoring_is_said():
    rows = standings([PlayerState(1, 900), PlayerState(2, 1500), PlayerState(3, 900), PlayerState(4, 0)])
    embed = final_embed(BATTLE, rows, "stopped", 2)
    assert [line.split(" ·")[0] for line in embed.description.splitlines()] == ["🥇 <@2>", "🥈 <@1>", "🥈 <@3>"]
    assert embed.title == "⏹️ Battle stopped"
    assert embed.fields[0].value == "Stopped after 2 of 20 rounds; the points of those rounds are kept."
    nobody = final_embed(BATTLE, standings([PlayerState(1, 0)]), "restart", 1)
    assert nobody.description == "Nobody scored in this battle."
    assert nobody.fields[0].value.startswith("The bot restarted, so this battle ended after 1 of 20 rounds")


def test_a_lobby_of_two_hundred_names_forty_within_a_field():
    players = [BIG_ID + n for n in range(200)]
    embed = lobby_embed(BATTLE, None, players, lobby_status(BATTLE))
    listed = embed.fields[1]
    assert listed.name == "Players (200)"
    assert listed.value.count("<@") == 40 and listed.value.endswith(" and 160 more")
    assert len(listed.value) <= 1024
    assert lobby_embed(BATTLE, None, [], "x").fields[1].value == "Nobody yet."


def closed_round(
    battle: Battle, question: MultipleChoice, players: list[PlayerState], answers: dict[int, int], number: int = 3
) -> RoundResult:
    """Score a round in which each player in `answers` chose an option after 2 s."""
    given = {user: Answer(user, choice, 2_000_000) for user, choice in answers.items()}
    scored = score_round(players, given, question.answer, battle.seconds, battle.scoring)
    before = {p.user_id: p.points for p in players}
    closed = Round(battle.id, number, question, 1, NOW, NOW + timedelta(seconds=battle.seconds), NOW)
    return RoundResult(closed, scored, standings([s.state for s in scored], before))


def test_every_term_closes_a_round_of_500_players_within_an_embeds_limits(library):
    rng = random.Random(5)
    players = [PlayerState(BIG_ID + n, 99_000 + n, 0, 19) for n in range(500)]
    answers = {p.user_id: n % 4 for n, p in enumerate(players)}
    first = make_question(library, library.terms["dropout"], rng, "definition")
    # The scores depend only on which option is right: score the crowd once per position.
    by_right = {
        right: closed_round(
            BATTLE, MultipleChoice(first.term_id, "definition", "", first.options, right), players, answers
        )
        for right in range(4)
    }
    for term in library.terms.values():
        question = make_question(library, term, rng, "definition")
        scored = by_right[question.answer]
        result = RoundResult(replace(scored.round, question=question), scored.scored, scored.standings)
        embed = result_embed(library, BATTLE, result)
        assert len(embed) <= 6000 and len(embed.description) <= 4096, term.id
        assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields), term.id
        assert [f.name for f in embed.fields] == ["Answers", "Top 5", "💡 Interview tip"]
        assert len(embed.fields[1].value.splitlines()) == 5


def test_a_closed_round_draws_bars_in_proportion_and_gives_the_tip(library):
    question = make_question(library, library.terms["dropout"], random.Random(1), "definition")
    players = [PlayerState(n) for n in range(1, 14)]
    wrong = (question.answer + 1) % 4
    answers = {p.user_id: question.answer for p in players[:11]} | {12: wrong}  # player 13 does not answer
    embed = result_embed(library, BATTLE, closed_round(BATTLE, question, players, answers))
    bars = embed.fields[0].value.splitlines()
    assert bars[question.answer].startswith("✅ ▰▰▰▰▰▰▰▰▰▱ 92 % (11) · ") and bars[question.answer].endswith("Dropout")
    assert bars[wrong].startswith("▫️ ▰▱▱▱▱▱▱▱▱▱ 8 % (1) · ")
    assert [bars[i][:13] for i in range(4) if i not in (question.answer, wrong)] == ["▫️ ▱▱▱▱▱▱▱▱▱▱"] * 2
    assert bars[-1] == "No answer: 1"
    assert embed.fields[2].value == library.terms["dropout"].tip


def test_each_player_who_answered_gets_their_verdict_points_and_place(library):
    speed = Battle(8, 1, 2, 3, None, 5, 10, "speed", "running", 9, NOW, 3, None)
    question = make_question(library, library.terms["dropout"], random.Random(1), "definition")
    wrong = (question.answer + 1) % 4
    # 1 is on a run of 2 (bonus +200); 2 and 3 answer right without a run and tie; 4 is wrong; 5 does not answer.
    players = [PlayerState(1, 2000, 2, 2), PlayerState(2, 0), PlayerState(3, 0), PlayerState(4, 3000), PlayerState(5)]
    answers = {1: question.answer, 2: question.answer, 3: question.answer, 4: wrong}
    outcomes = round_outcomes(library, closed_round(speed, question, players, answers))
    assert outcomes == {
        1: "Round 3 · ✅ Right · +1,100 (+200 streak bonus) · 1st of 5",
        2: "Round 3 · ✅ Right · +900 · 3rd (tied) of 5",
        3: "Round 3 · ✅ Right · +900 · 3rd (tied) of 5",
        4: "Round 3 · ❌ It was **Dropout** · 2nd of 5",
    }
