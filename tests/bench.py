"""Benchmarks: print how fast the hot paths are on this machine. Run: `python tests/bench.py`.

Figures, not pass/fail: timed assertions flake on shared machines, so the targets are read here by a person.
Targets: start-up content load < 1 s; an autocomplete answer (fuzzy over ~800 names) well under 10 ms at p99,
since Discord gives 3 s for the whole round trip; a search < 10 ms; a scored answer written < 5 ms.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.content.loader import bundled_content_dir, load_library, pack_directories
from bot.db import open_database
from bot.repos.scores import ScoreEvent, insert_score

QUERIES = ["backprop", "lstm", "relu", "batch norm", "transfomer", "attention", "gan", "dropout", "a", "x"]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms, max {ordered[-1] * 1e3:.2f} ms"


def timed(fn, runs: int) -> list[float]:
    samples = []
    for n in range(runs):
        start = time.perf_counter()
        fn(n)
        samples.append(time.perf_counter() - start)
    return samples


async def bench_answers(players: int = 200) -> tuple[float, list[float]]:
    """Score `players` answers concurrently on one connection, each in its own transaction, as answers arrive."""
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(Path(tmp) / "bench.db")
        now = datetime.now(UTC)
        latencies: list[float] = []

        async def answer(user: int) -> None:
            start = time.perf_counter()
            async with db.transaction() as conn:
                await insert_score(conn, ScoreEvent(1, user, "battle", "battle:1:1", 900, True, now))
            latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(answer(user) for user in range(players)))
        total = time.perf_counter() - start
        await db.close()
        return total, latencies


def main() -> None:
    start = time.perf_counter()
    library = load_library(pack_directories([bundled_content_dir()]))
    print(f"content load and index: {(time.perf_counter() - start) * 1e3:.0f} ms ({library.stats()['terms']} terms)")

    rng = random.Random(7)
    print("autocomplete (fuzzy):  ", percentiles(timed(lambda n: library.fuzzy(QUERIES[n % len(QUERIES)]), 2000)))
    print("full-text search:      ", percentiles(timed(lambda n: library.search(QUERIES[n % len(QUERIES)]), 2000)))
    terms = list(library.terms.values())
    print("related terms:         ", percentiles(timed(lambda n: library.related_terms(rng.choice(terms)), 2000)))

    total, latencies = asyncio.run(bench_answers())
    print(f"200 concurrent scored answers: {total * 1e3:.0f} ms in all; each {percentiles(latencies)}")


if __name__ == "__main__":
    main()
