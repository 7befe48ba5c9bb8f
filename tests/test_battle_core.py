"""Battle rules: the points of an answer, a round's scoring, and standings with their movement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cogs.quiz.battle._render import movement_label
from bot.core.battle import (
    Answer,
    PlayerState,
    answer_points,
    distribution,
    elapsed_us,
    places,
    podium,
    score_round,
    standings,
)
from bot.ui import ordinal

S = 1_000_000  # microseconds in a second
START = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "seconds", "expected"),
    [
        (0, 20, 1000),  # t = 0: full points
        (20 * S, 20, 500),  # t = T: half
        (10 * S, 20, 750),
        (5 * S, 20, 875),
        (1 * S, 10, 950),
        (int(3.3 * S), 10, 835),  # 1000 − 165 = 835
        (20 * S // 3, 20, 833),  # 833.33… rounds down
        (10_000, 10, 1000),  # 999.5 rounds half up
        (30_000, 10, 999),  # 998.5 → 999
        (99 * S, 20, 500),  # past T counts as T
    ],
)
def test_speed_points_fall_linearly_from_1000_to_500(elapsed, seconds, expected):
    assert answer_points(True, elapsed, seconds, 0, "speed") == expected


@pytest.mark.parametrize(("run", "bonus"), [(0, 0), (1, 100), (2, 200), (4, 400), (5, 500), (6, 500), (19, 500)])
def test_speed_run_bonus_is_100_per_previous_correct_answer_capped_at_500(run, bonus):
    assert answer_points(True, 0, 20, run, "speed") == 1000 + bonus
    assert answer_points(True, 20 * S, 20, run, "speed") == 500 + bonus


def test_wrong_answers_score_nothing_and_flat_scoring_ignores_time_and_runs():
    assert answer_points(False, 0, 20, 3, "speed") == 0
    assert answer_points(False, 0, 20, 3, "flat") == 0
    assert answer_points(True, 0, 20, 0, "flat") == 1000
    assert answer_points(True, 19 * S, 20, 7, "flat") == 1000


def test_elapsed_is_measured_from_the_round_start_and_clamped_to_the_round():
    assert elapsed_us(START, START + timedelta(seconds=3, microseconds=250), 20) == 3 * S + 250
    assert elapsed_us(START, START - timedelta(seconds=1), 20) == 0
    assert elapsed_us(START, START + timedelta(seconds=25), 20) == 20 * S


def test_a_round_scores_every_player_and_a_miss_resets_the_run():
    players = [
        PlayerState(1, 2100, 2, 2),
        PlayerState(2, 1000, 1, 1),
        PlayerState(3, 0, 0, 0),
        PlayerState(4, 500, 0, 1),
    ]
    answers = {1: Answer(1, 2, 4 * S), 2: Answer(2, 0, 0), 4: Answer(4, 2, 10 * S)}
    scored = score_round(players, answers, right=2, seconds=10, scoring="speed")
    by_user = {s.state.user_id: s for s in scored}
    # Player 1: 1000 − 200 = 800, plus a run of 2 → +200.
    assert (by_user[1].earned, by_user[1].state) == (1000, PlayerState(1, 3100, 3, 3))
    assert (by_user[2].earned, by_user[2].correct, by_user[2].state) == (0, False, PlayerState(2, 1000, 0, 1))
    assert (by_user[3].earned, by_user[3].answer, by_user[3].state) == (0, None, PlayerState(3, 0, 0, 0))
    assert (by_user[4].earned, by_user[4].state) == (500, PlayerState(4, 1000, 1, 2))
    assert distribution(answers.values()) == [1, 0, 2, 0]
    # What the run brought is told apart (the player's private result names it); a miss brings none.
    assert [by_user[u].bonus for u in (1, 2, 3, 4)] == [200, 0, 0, 0]
    (flat,) = score_round([PlayerState(1, 0, 3, 3)], {1: Answer(1, 2, 0)}, right=2, seconds=10, scoring="flat")
    assert (flat.earned, flat.bonus) == (1000, 0)


def test_a_run_over_a_whole_battle_reaches_the_cap():
    player = PlayerState(7)
    earned = []
    for _ in range(8):
        (result,) = score_round([player], {7: Answer(7, 1, 0)}, right=1, seconds=20, scoring="speed")
        earned.append(result.earned)
        player = result.state
    assert earned == [1000, 1100, 1200, 1300, 1400, 1500, 1500, 1500]
    assert player.points == 10_500


def test_equal_points_share_a_place():
    assert places({1: 900, 2: 1500, 3: 900, 4: 0}) == {2: 1, 1: 2, 3: 2, 4: 4}


def test_standings_show_movement_since_the_last_round():
    before = {1: 3000, 2: 2500, 3: 2400, 4: 100}
    players = [PlayerState(1, 3000), PlayerState(2, 3400), PlayerState(3, 3500), PlayerState(4, 100)]
    rows = standings(players, before)
    assert [(r.user_id, r.place, movement_label(r.moved)) for r in rows] == [
        (3, 1, "▲2"),
        (2, 2, "="),
        (1, 3, "▼2"),
        (4, 4, "="),
    ]


def test_first_round_standings_have_no_movement_and_ties_keep_join_order():
    rows = standings([PlayerState(5, 0), PlayerState(6, 950), PlayerState(7, 950)])
    assert [(r.user_id, r.place, movement_label(r.moved)) for r in rows] == [
        (6, 1, "new"),
        (7, 1, "new"),
        (5, 3, "new"),
    ]


def test_podium_holds_places_one_to_three_with_points():
    rows = standings(
        [PlayerState(1, 500), PlayerState(2, 900), PlayerState(3, 900), PlayerState(4, 400), PlayerState(5, 0)]
    )
    assert [(r.user_id, r.place) for r in podium(rows)] == [(2, 1), (3, 1), (1, 3)]
    assert podium(standings([PlayerState(1, 0), PlayerState(2, 0)])) == []


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st"), (113, "113th")],
)
def test_ordinal(n, text):
    assert ordinal(n) == text
