"""Group battle rules: round timing, points, a round's outcome and the standings with their movement.

Plain Python with no Discord and no database: the battle repository feeds it rows and stores what it returns,
the battle feature (`bot.cogs.quiz.battle`) shows it. Times are measured in whole microseconds so the points
are exact integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.errors import BotError

Scoring = Literal["speed", "flat"]
State = Literal["lobby", "running", "ended"]
EndReason = Literal["finished", "stopped", "restart", "empty", "error"]

OPTIONS = 4

FULL_POINTS = 1000  # a correct answer at once (speed) or any correct answer (flat)
RUN_BONUS = 100  # per consecutive correct answer before this one (speed only)
RUN_BONUS_CAP = 500
US = 1_000_000  # microseconds per second


class BattleInProgress(BotError):
    """A channel already has a battle that has not ended."""

    def __init__(self) -> None:
        super().__init__(
            "A battle is already on in this channel. Join it, or ask its host or a moderator to end it "
            "with `/quiz stop`."
        )


def elapsed_us(started: datetime, answered: datetime, seconds: int) -> int:
    """Return the microseconds from a round's start to an answer, clamped to the round's [0, T]."""
    delta = (answered - started) // timedelta(microseconds=1)
    return max(0, min(delta, seconds * US))


def answer_points(correct: bool, elapsed: int, seconds: int, run: int, scoring: Scoring) -> int:
    """Return the points of one answer; `elapsed` in microseconds, `run` the correct answers just before it.

    speed: round(1000 × (1 − (t/T)/2)), halves rounded up, plus 100 per answer of the run, at most +500.
    flat: 1000. A wrong or missing answer scores 0.
    """
    if not correct:
        return 0
    if scoring == "flat":
        return FULL_POINTS
    total = seconds * US
    t = max(0, min(elapsed, total))
    # 1000 − 500·t/T, rounded half up, in integers: floor((2·(1000·T − 500·t) + T) / 2T).
    base = (2 * (FULL_POINTS * total - FULL_POINTS // 2 * t) + total) // (2 * total)
    return base + run_bonus(run, scoring)


def run_bonus(run: int, scoring: Scoring) -> int:
    """Return the bonus of a correct answer after `run` correct answers in a row: +100 each, at most +500 (speed)."""
    return min(RUN_BONUS * run, RUN_BONUS_CAP) if scoring == "speed" else 0


@dataclass(frozen=True, slots=True)
class PlayerState:
    """A player's battle so far: points, the current run of correct answers, how many were correct."""

    user_id: int
    points: int = 0
    run: int = 0
    correct: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """One player's click in a round: the option index and the microseconds it took."""

    user_id: int
    choice: int
    elapsed: int


@dataclass(frozen=True, slots=True)
class Scored:
    """What one round did to one player: their answer (None if they gave none), points earned, new state.

    `bonus` is the part of `earned` that the run of correct answers before this one brought.
    """

    answer: Answer | None
    earned: int
    correct: bool
    state: PlayerState
    bonus: int = 0


def score_round(
    players: Iterable[PlayerState], answers: Mapping[int, Answer], right: int, seconds: int, scoring: Scoring
) -> list[Scored]:
    """Score one closed round for every player; a wrong or missing answer earns 0 and ends the run."""
    out = []
    for player in players:
        answer = answers.get(player.user_id)
        correct = answer is not None and answer.choice == right
        earned = answer_points(correct, answer.elapsed if answer else 0, seconds, player.run, scoring)
        state = PlayerState(
            player.user_id,
            player.points + earned,
            player.run + 1 if correct else 0,
            player.correct + int(correct),
        )
        bonus = run_bonus(player.run, scoring) if correct else 0
        out.append(Scored(answer, earned, correct, state, bonus))
    return out


def distribution(answers: Iterable[Answer], options: int = OPTIONS) -> list[int]:
    """Count the answers given to each option."""
    counts = [0] * options
    for answer in answers:
        counts[answer.choice] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Standing:
    """A player's place; `moved` is places gained since the last round (None when there was no last round)."""

    user_id: int
    points: int
    place: int
    moved: int | None = None
    correct: int = 0


def places(points: Mapping[int, int]) -> dict[int, int]:
    """Rank by points, equal points sharing a place (1, 2, 2, 4): a tie is a tie in a quiz."""
    ordered = sorted(points.values(), reverse=True)
    first_index: dict[int, int] = {}
    for index, value in enumerate(ordered):
        first_index.setdefault(value, index + 1)
    return {user: first_index[value] for user, value in points.items()}


def standings(players: Sequence[PlayerState], before: Mapping[int, int] | None = None) -> list[Standing]:
    """Return the standings of `players` (in join order), best first, with movement against `before`.

    `before` maps user ids to their points before the round; players absent from it (or no `before` at
    all, as after the first round) have no movement.
    """
    now = places({p.user_id: p.points for p in players})
    then = places(dict(before)) if before else {}
    order = {p.user_id: n for n, p in enumerate(players)}
    rows = [
        Standing(
            p.user_id,
            p.points,
            now[p.user_id],
            then[p.user_id] - now[p.user_id] if p.user_id in then else None,
            p.correct,
        )
        for p in players
    ]
    # Equal places keep join order, so the listing is stable from round to round.
    rows.sort(key=lambda s: (s.place, order[s.user_id]))
    return rows


def podium(rows: Sequence[Standing]) -> list[Standing]:
    """Return the players on the podium: places 1 to 3 (more than three people when places are shared)."""
    return [s for s in rows if s.place <= 3 and s.points > 0]


def round_deadline(started: datetime, seconds: int) -> datetime:
    """Return when a round that started at `started` closes."""
    return started + timedelta(seconds=seconds)
