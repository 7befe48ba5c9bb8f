"""Battle embeds stay within Discord's limits however many players tie or join."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cogs.quiz.battle._render import final_embed, lobby_embed, lobby_status
from bot.core.battle import PlayerState, standings
from bot.repos.battle import Battle

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
