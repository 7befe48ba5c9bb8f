"""The benchmark suite: `python -m bench` (about 15 minutes), `python -m bench --quick` (a smoke run, under 60 s).

What it measures, each against a baseline measured in the same run (the machine may be shared and busy, so
absolute figures move; ratios much less):

- start-up with a generated 50,000-term pack, in a fresh process (time, peak memory), against the bundled pack;
- /define's autocomplete handler, its answer, related terms and search, in process (CPU time), 50,000 vs bundled;
- autocomplete end to end (the real bot against the project's Discord stand-in), 50,000 terms vs bundled;
- interaction latency under open-loop load at 50, 100 and 200 interactions/s, /define and its autocomplete, the
  real bot with the 50,000-term pack against a bare discord.py bot (the floor), with the event loop's stalls and
  garbage-collector pauses in the bot process; each configuration three times, the median p99 counts;
- the daily fan-out: 1,000 channels due in the same minute under Discord's global limit, against the floor
  (requests needed ÷ 50/s), with the 429s and the most requests in any one second, as the stand-in saw them.

`--baseline REV` measures the bot of a git revision too (exported to the work directory), side by side.
`--profile` samples the bot with py-spy during each load run (folded stacks in the work directory).
The result is a Markdown report (`--out FILE`, else printed) and, with `--json FILE`, the raw figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.harness import CURRENT, REPO, CodeRoot, run_json, snapshot
from bench.load import daily_fanout, interaction_load
from bench.packs import autocomplete_queries, define_queries, large_pack


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    terms: int
    queries: int
    startup_runs: int
    e2e_rate: float
    e2e_seconds: float
    rates: tuple[float, ...]
    seconds: float
    commands: tuple[str, ...]
    channels: int
    repeats: int  # load runs of each bot, command and rate: the median p99 of these counts


FULL = Plan(50_000, 500, 3, 40.0, 15.0, (50.0, 100.0, 200.0), 10.0, ("define", "autocomplete"), 1000, 3)
QUICK = Plan(2_000, 300, 1, 0.0, 0.0, (20.0,), 1.5, ("define", "autocomplete"), 10, 1)


def log(message: str) -> None:
    """Say what the benchmark is doing (on stderr)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def startup(root: CodeRoot, work: Path, pack: Path, plan: Plan) -> dict[str, Any]:
    """Start-up of the bundled content and of bundled + the large pack: cold (no content cache) and warm."""
    data = work / "startup" / root.path.name
    out: dict[str, Any] = {}
    for name, packs in (("bundled", []), ("large", [pack])):
        args = ["--data", str(data)] + [a for p in packs for a in ("--pack", str(p))]
        shutil.rmtree(data / "content-cache", ignore_errors=True)
        cold = run_json(root, "bench.startup", *args)
        warm = [run_json(root, "bench.startup", *args) for _ in range(plan.startup_runs)]
        warm.sort(key=lambda r: r["ready_s"])
        out[name] = {"cold": cold, "warm": warm[len(warm) // 2], "warm_runs": [r["ready_s"] for r in warm]}
    return out


def micro(root: CodeRoot, work: Path, pack: Path, plan: Plan) -> dict[str, Any]:
    """In-process timings, bundled and large (content cache warm from the start-up runs)."""
    data = work / "startup" / root.path.name
    base = ["--data", str(data), "--queries", str(plan.queries)]
    return {
        "bundled": run_json(root, "bench.micro", *base),
        "large": run_json(root, "bench.micro", *base, "--pack", str(pack)),
    }


def terms_of(packs: list[Path], work: Path) -> list[tuple[str, str]]:
    """Return the (name, id) of each term of the bundled content plus `packs` (what people type and pick)."""
    from bench import compat
    from bot.content.loader import bundled_content_dir, pack_directories

    loaded = compat.load_packs(pack_directories([bundled_content_dir(), *packs]), work / "driver-cache")
    return [(t.term, t.id) for p in loaded for t in p.terms]


def term_prefix(root: CodeRoot) -> str:
    """Return what the bot of `root` puts before a term's id in /define's autocomplete values ("term:")."""
    return str(run_json(root, "bench.compat", "describe")["term_prefix"])


async def end_to_end(root: CodeRoot, work: Path, pack: Path, plan: Plan, args: argparse.Namespace) -> dict:
    """Autocomplete through the stand-in at a steady rate: the bot with the bundled content, then with the pack."""
    out = {}
    for name, packs in (("bundled", []), ("large", [pack])):
        queries = autocomplete_queries([name for name, _ in terms_of(packs, work)], 5000, seed=21)
        result = await interaction_load(
            root,
            kind="real",
            command="autocomplete",
            rate=plan.e2e_rate,
            duration=plan.e2e_seconds,
            queries=queries,
            packs=packs,
            work_dir=work,
        )
        out[name] = report.load_summary(result)
    return out


async def load(
    roots: list[CodeRoot], work: Path, pack: Path, plan: Plan, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Run open-loop load per command and rate: the bare bot and the real bot (with the pack) of each root.

    Each runs `plan.repeats` times, in turns; the run of median p99 counts.
    """
    terms = terms_of([pack], work)
    autocomplete = autocomplete_queries([name for name, _ in terms], 20_000, seed=5)
    profile = work / "profiles" if args.profile else None
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
    bots = [("bare", CURRENT), *(("real", r) for r in roots)]
    # /define's values as each bot's autocomplete gives them (the bare bot takes anything, as this checkout's).
    define = {
        root.label: define_queries(terms, 20_000, prefix=term_prefix(root), seed=6) for root in {r for _, r in bots}
    }
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for command in plan.commands:
        for rate in plan.rates:
            key = f"{command}@{rate:g}"
            # Alternating runs (bare, baseline, now, bare, now …): a busy moment of the machine then hits all.
            for repeat in range(plan.repeats):
                for kind, root in bots:
                    label = "bare" if kind == "bare" else root.label
                    log(f"load: {label} {command} at {rate:g}/s for {plan.seconds:g} s (run {repeat + 1})")
                    result = await interaction_load(
                        root,
                        kind=kind,
                        command=command,
                        rate=rate,
                        duration=plan.seconds,
                        queries=autocomplete if command == "autocomplete" else define[root.label],
                        packs=[] if kind == "bare" else [pack],
                        work_dir=work,
                        profile=profile if kind == "real" else None,
                    )
                    runs.setdefault((label, key), []).append(report.load_summary(result))
    out: dict[str, dict[str, Any]] = {"bare": {}, **{r.label: {} for r in roots}}
    for (label, key), summaries in runs.items():
        out[label][key] = median_run(summaries)
    return out


def median_run(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the run of median p99 (of an even count, the lower middle), with every run's p99 in run order."""
    middle = sorted(summaries, key=lambda s: s["p99_ms"])[(len(summaries) - 1) // 2]
    return {
        **middle,
        "runs_p99_ms": [s["p99_ms"] for s in summaries],
        "runs_stalls": [s["stalls"] for s in summaries],
        "runs": len(summaries),
    }


def machine() -> dict[str, Any]:
    """Describe what ran the benchmark."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "platform": platform.platform(),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the plan; return every figure (see `report.markdown`)."""
    plan = QUICK if args.quick else FULL
    if args.terms:
        plan = Plan(**{**plan.__dict__, "terms": args.terms})
    work: Path = args.work_dir
    roots = [CURRENT]
    if args.baseline:
        roots.insert(0, snapshot(args.baseline, work))
    log(f"generating (or reusing) a pack of {plan.terms:,} terms in {work}")
    pack = large_pack(work, plan.terms)
    results: dict[str, Any] = {
        "command": "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "plan": plan.__dict__,
        "machine": machine(),
        "roots": [r.label for r in roots],
        "startup": {},
        "micro": {},
        "e2e": {},
        "fanout": {},
    }
    for root in roots:
        log(f"start-up: {root.label}")
        results["startup"][root.label] = startup(root, work, pack, plan)
        log(f"handler timings: {root.label}")
        results["micro"][root.label] = micro(root, work, pack, plan)
    if plan.e2e_rate:
        for root in roots:
            log(f"autocomplete end to end: {root.label}")
            results["e2e"][root.label] = await end_to_end(root, work, pack, plan, args)
    results["load"] = await load(roots, work, pack, plan, args)
    for root in roots:
        log(f"daily fan-out of {plan.channels} channels: {root.label}")
        results["fanout"][root.label] = await daily_fanout(root, channels=plan.channels, rate=None, work_dir=work)
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write (or print) the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: small pack, short runs (< 60 s)")
    parser.add_argument("--baseline", metavar="REV", help="also measure the bot of this git revision")
    parser.add_argument("--terms", type=int, help="terms in the generated pack (default 50,000; quick 2,000)")
    parser.add_argument("--profile", action="store_true", help="sample the bot with py-spy during load runs")
    parser.add_argument("--work-dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "interview-bot-bench")
    parser.add_argument("--out", type=Path, help="write the Markdown report here (default: print it)")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args(argv)
    os.chdir(REPO)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run(args))
    text = report.markdown(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        log(f"report written to {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
