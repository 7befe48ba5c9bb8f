"""Start-up, measured in a fresh process: what `interview-bot run` does before it connects to Discord.

    python -m bench.startup --data DIR [--pack DIR]…

Imports the bot (discord.py included), reads the configuration's packs (the bundled one and `--pack`s) the way
`run` does, and prints one JSON line: seconds since the interpreter started until the content was ready for
lookups, peak memory then, and (after building them as the bot does once it runs) when the full-text index and
the term relations were ready, and peak memory then.
The driver runs this twice for a cold and a warm start where the bot caches parsed content (in `--data`).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def _since_start() -> float:
    """Seconds since this process started (from /proc, so the interpreter's own start-up counts too)."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as uptime:
        now = float(uptime.read().split()[0])
    import os

    return now - ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    """Load the content as `run` does; print the timings and peak memory."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup")
    parser.add_argument("--data", type=Path, required=True, help="the directory of the bot's database")
    parser.add_argument("--pack", type=Path, action="append", default=[])
    args = parser.parse_args()
    origin = time.perf_counter() - _since_start()

    import bot.runner  # noqa: F401  (run imports the Discord client before it connects)
    from bench import compat
    from bot.config import parse_config

    config = parse_config(
        {"database": {"path": str(args.data / "bot.db")}, "content": {"extra_dirs": [str(p) for p in args.pack]}},
        args.data,
    )
    library = compat.load_content(config)
    ready = time.perf_counter() - origin
    rss_ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    compat.settle(library)  # the full-text index and term relations, built after start-up
    searchable = time.perf_counter() - origin
    print(
        json.dumps(
            {
                "terms": len(library.terms),
                "ready_s": round(ready, 3),
                "rss_ready_mib": round(rss_ready, 1),
                "search_ready_s": round(searchable, 3),
                "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
