"""In-process timings of the hot paths, in a child process under the code being measured.

    python -m bench.micro [--pack DIR]… [--queries N]

Loads the bundled content (and the extra packs), then times, on the CPU clock of this thread (so that other
processes on a shared machine do not count): /define's autocomplete handler over what people type while typing
the library's own names, /define's answer (its option's value resolved, mostly a picked term, and the screen
built: the term card with its related terms, or suggestions for a typo), the related terms alone, a full-text
search, and 200 scored answers written concurrently on the bot's one database connection (as a battle round's
answers arrive). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import compat
from bench.harness import percentile
from bench.packs import autocomplete_queries, define_queries


def timed(fn: Callable[[Any], object], items: list[Any]) -> dict[str, float]:
    """Run `fn` on each item; return p50, p99 and the maximum in milliseconds of thread CPU time."""
    samples = []
    for item in items:
        start = time.thread_time()
        fn(item)
        samples.append(time.thread_time() - start)
    return {
        "p50_ms": round(percentile(samples, 0.5) * 1e3, 3),
        "p99_ms": round(percentile(samples, 0.99) * 1e3, 3),
        "max_ms": round(max(samples) * 1e3, 3),
        "count": len(samples),
    }


async def answers(players: int = 200) -> dict[str, float]:
    """Score `players` answers concurrently on one connection, each in its own transaction."""
    with tempfile.TemporaryDirectory() as tmp:
        db, write = await compat.answer_writer(Path(tmp) / "bench.db")
        latencies: list[float] = []

        async def answer(user: int) -> None:
            start = time.perf_counter()
            await write(user)
            latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(answer(user) for user in range(players)))
        total = time.perf_counter() - start
        await db.close()
    return {
        "total_ms": round(total * 1e3, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1e3, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1e3, 2),
    }


def main() -> None:
    """Load the content and time each handler; print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.micro")
    parser.add_argument("--pack", type=Path, action="append", default=[])
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--data", type=Path, help="the bot's data directory (its content cache)")
    args = parser.parse_args()

    from bot.config import parse_config

    data = args.data or Path.cwd()
    config = parse_config(
        {"database": {"path": str(data / "bot.db")}, "content": {"extra_dirs": [str(p) for p in args.pack]}}, data
    )
    library = compat.load_content(config)
    compat.settle(library)  # built after start-up (the full-text index, term relations): not part of a handler
    # What start-up and the warm-up built stays out of later full collections, as the runner has it (otherwise a
    # full collection walking hundreds of megabytes would land inside whichever call is being timed).
    gc.collect()
    gc.freeze()
    choices, answer = compat.term_choices(), compat.define_answer()
    names = [t.term for t in library.terms.values()]
    rng = random.Random(3)
    sample = rng.sample(list(library.terms.values()), min(len(library.terms), max(50, args.queries // 10)))
    other = rng.sample(list(library.terms.values()), len(sample))
    values = define_queries([(t.term, t.id) for t in sample], len(sample), prefix=compat.picked_term_prefix())
    words = [w for t in sample for w in t.definition.split()[:2]]
    result = {
        "terms": len(library.terms),
        "autocomplete": timed(lambda text: choices(library, text), autocomplete_queries(names, args.queries)),
        "define": timed(lambda value: answer(library, value), values),
        "related": timed(library.related_terms, other),
        "search": timed(library.search, words[: len(sample)]),
        "answers": asyncio.run(answers()),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
