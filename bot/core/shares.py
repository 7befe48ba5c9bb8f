"""Shares of a whole: how answers spread over options, as whole percentages and as lengths of a fixed width.

The daily reveal and a battle's closed round both show the spread (`bot.ui.answer_bars` draws it).
"""

from __future__ import annotations

from collections.abc import Sequence


def percentages(counts: Sequence[int]) -> list[int]:
    """Return whole percentages of `counts` that add up to 100 (largest remainder), all 0 when none answered."""
    total = sum(counts)
    if total == 0:
        return [0 for _ in counts]
    raw = [c * 100 / total for c in counts]
    floors = [int(r) for r in raw]
    short = 100 - sum(floors)
    for index in sorted(range(len(raw)), key=lambda i: (floors[i] - raw[i], i))[:short]:
        floors[index] += 1
    return floors


def proportional(count: int, total: int, width: int) -> int:
    """Return how many of `width` units `count` of `total` fills, in proportion, rounded half up.

    Two exceptions keep a bar honest at a glance: any count at all fills at least one unit (1 of 500 is not
    nobody), and only the whole fills every unit (499 of 500 is not everyone).
    """
    if count <= 0 or total <= 0:
        return 0
    if count >= total:
        return width
    filled = (2 * width * count + total) // (2 * total)
    return max(1, min(filled, width - 1))
