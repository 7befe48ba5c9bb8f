"""The benchmark's report: the issue's goals as ratios within one run, then the figures behind them."""

from __future__ import annotations

from typing import Any

from bench.load import LoadResult

STALL_MS = 100


def load_summary(result: LoadResult) -> dict[str, Any]:
    """Return the figures of one load run that the report shows."""
    stats = result.stats
    gc = stats.get("gc", {})
    return {
        "sent": result.sent,
        "missing": result.missing,
        "p50_ms": round(result.p(0.5) * 1e3, 1),
        "p99_ms": round(result.p(0.99) * 1e3, 1),
        "behind_ms": result.behind_ms,
        "stalls": len(stats.get("stalls", [])),
        "worst_lag_ms": stats.get("lag_max_ms"),
        "gc_max_ms": max((g["max_ms"] for g in gc.values()), default=None),
        "gc_full": gc.get("2", {}).get("count"),
        "killed": bool(stats.get("killed")),
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else a / b


def _met(ok: bool | None) -> str:
    return "–" if ok is None else "yes" if ok else "**no**"


def _get(data: dict, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def markdown(results: dict[str, Any]) -> str:
    """Return the report: the issue's goals as a table of ratios, met or not, then the figures behind them."""
    roots: list[str] = results["roots"]
    now = roots[-1]
    before = roots[0] if len(roots) > 1 else None
    cols = ([f"Before: {before}"] if before else []) + ["Now", "Goal", "Met (now)"]
    m = results["machine"]
    plan = results["plan"]
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{results['command']}` — run {results['date']}.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}; load average "
        f"{' / '.join(map(str, m['load_average']))} at the start, "
        f"{' / '.join(map(str, m.get('load_average_after', [])))} at the end (the machine is shared: absolute "
        "times move with its load, ratios within the run much less).",
        "",
        f"Content: the bundled pack (504 terms) and a generated pack of {plan['terms']:,} terms "
        "(`bench/packs.py`). Handler times are CPU time of the handling thread; latencies are the stand-in's, from "
        "delivering an interaction to receiving the bot's answer; an interaction not answered at all counts as 10 s.",
        "",
        "## The issue's goals",
        "",
        "| What | Measure | " + " | ".join(cols) + " |",
        "| --- | --- | " + " | ".join("---" for _ in cols) + " |",
    ]

    def row(what: str, measure: str, values: dict[str, str], goal: str, ok: bool | None) -> None:
        cells = ([values.get(before, "–")] if before else []) + [values.get(now, "–"), goal, _met(ok)]
        lines.append(f"| {what} | {measure} | " + " | ".join(cells) + " |")

    micro = results["micro"]
    # Autocomplete handler.
    p99 = {r: _get(micro, r, "large", "autocomplete", "p99_ms") for r in roots}
    row(
        "/define autocomplete handler, large pack",
        "p50 / p99 / max",
        {
            r: " / ".join(_ms(_get(micro, r, "large", "autocomplete", k)) for k in ("p50_ms", "p99_ms", "max_ms"))
            for r in roots
        },
        "p99 ≤ 10 ms",
        None if p99[now] is None else p99[now] <= 10,
    )
    row(
        "… against the bundled pack alone",
        "p50 ratio / p99 ratio",
        {
            r: " / ".join(
                _x(_ratio(_get(micro, r, "large", "autocomplete", k), _get(micro, r, "bundled", "autocomplete", k)))
                for k in ("p50_ms", "p99_ms")
            )
            for r in roots
        },
        "–",
        None,
    )
    rel = {r: _get(micro, r, "large", "related", "p99_ms") for r in roots}
    row(
        "/define related terms, large pack",
        "p50 / p99 (each term once; worked out while warming up)",
        {r: " / ".join(_ms(_get(micro, r, "large", "related", k)) for k in ("p50_ms", "p99_ms")) for r in roots},
        "≤ 1 ms",
        None if rel[now] is None else rel[now] <= 1,
    )
    # Start-up.
    start = results["startup"]
    ready = {r: _get(start, r, "large", "warm", "ready_s") for r in roots}
    row(
        "start-up with the large pack",
        "seconds until lookups are ready: warm (cold cache)",
        {r: f"{ready[r]:.2f} s ({_get(start, r, 'large', 'cold', 'ready_s'):.2f} s)" for r in roots if ready[r]},
        "≤ 1.5 s",
        None if ready[now] is None else ready[now] <= 1.5,
    )
    row(
        "… the bundled pack alone, for scale",
        "seconds (warm)",
        {r: f"{_get(start, r, 'bundled', 'warm', 'ready_s'):.2f} s" for r in roots},
        "–",
        None,
    )
    rss = {r: _get(start, r, "large", "warm", "rss_ready_mib") for r in roots}
    row(
        "start-up memory with the large pack",
        "peak resident MiB when lookups are ready (bundled alone)",
        {
            r: f"{rss[r]:.0f} MiB ({_get(start, r, 'bundled', 'warm', 'rss_ready_mib'):.0f} MiB)"
            for r in roots
            if rss[r]
        },
        "≤ 150 MiB",
        None if rss[now] is None else rss[now] <= 150,
    )
    row(
        "… once warmed up (search, typo tables, relations, related terms, quiz texts)",
        "peak resident MiB; seconds from start (bundled alone)",
        {
            r: f"{_get(start, r, 'large', 'warm', 'rss_mib'):.0f} MiB; "
            f"{_get(start, r, 'large', 'warm', 'search_ready_s'):.1f} s"
            f" ({_get(start, r, 'bundled', 'warm', 'rss_mib'):.0f} MiB; "
            f"{_get(start, r, 'bundled', 'warm', 'search_ready_s'):.1f} s)"
            for r in roots
            if rss[r]
        },
        "–",
        None,
    )
    # End to end.
    e2e = results.get("e2e") or {}
    if e2e:
        ratios = {r: _ratio(_get(e2e, r, "large", "p99_ms"), _get(e2e, r, "bundled", "p99_ms")) for r in roots}
        row(
            f"autocomplete end to end at {plan['e2e_rate']:g}/s, large vs bundled",
            "p99 ratio (large p99)",
            {r: f"{_x(ratios[r])} ({_ms(_get(e2e, r, 'large', 'p99_ms'))})" for r in roots},
            "≤ 2×",
            None if ratios[now] is None else ratios[now] <= 2,
        )
    # Load against the bare bot.
    loads = results["load"]
    repeats = plan.get("repeats", 1)
    p99_of_runs = f"median p99 of {repeats} runs," if repeats > 1 else "p99"
    for command in plan["commands"]:
        for rate in plan["rates"]:
            key = f"{command}@{rate:g}"
            bare = _get(loads, "bare", key, "p99_ms")
            ratios = {r: _ratio(_get(loads, r, key, "p99_ms"), bare) for r in roots}
            name = "/define" if command == "define" else "/define autocomplete"
            row(
                f"{name} at {rate:g}/s (large pack) vs a bare bot",
                f"{p99_of_runs} ratio (bare p99 {_ms(bare)})",
                {r: f"{_x(ratios[r])} ({_ms(_get(loads, r, key, 'p99_ms'))})" for r in roots},
                "≤ 1.5×",
                None if ratios[now] is None else ratios[now] <= 1.5,
            )

    def all_stalls(run: dict[str, Any]) -> list[int]:
        return run.get("runs_stalls") or [run.get("stalls", 0)]

    stalls = {r: sum(sum(all_stalls(v)) for v in loads.get(r, {}).values()) for r in roots}
    runs = {r: sum(len(all_stalls(v)) for v in loads.get(r, {}).values()) for r in roots}
    row(
        "event-loop stalls during those runs",
        f"loop ≥ {STALL_MS} ms late: count (runs with any)",
        {
            r: f"{stalls[r]} ({sum(1 for v in loads.get(r, {}).values() for n in all_stalls(v) if n)} of {runs[r]})"
            for r in roots
        },
        "–",
        None,
    )
    # Fan-out.
    fan = results["fanout"]
    ok = None
    if _get(fan, now, "ratio") is not None:
        ok = fan[now]["ratio"] <= 1.05 and fan[now]["global_429"] == 0
    row(
        f"daily fan-out, {plan['channels']:,} channels due at once, default pace",
        "time from due ÷ floor (requests ÷ 50/s); global 429s; most in any second",
        {r: f"{fan[r]['ratio']:.3f}×; {fan[r]['global_429']}; {fan[r]['max_per_second']}" for r in roots if r in fan},
        "≤ 1.05×; 0; ≤ 50",
        ok,
    )
    spans = {r: f"{fan[r]['span_s'] / fan[r]['floor_s']:.3f}×" for r in roots if r in fan}
    row("… of which the paced requests", "first to last request ÷ floor", spans, "–", None)

    # Details.
    lines += ["", "## Figures", "", "### Start-up (fresh process: imports, content loaded and indexed)", ""]
    lines += ["| Code | Content | Cold cache | Warm (runs) | Peak MiB when ready | All warmed up | Peak MiB |"]
    lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
    for r in roots:
        for name in ("bundled", "large"):
            s = start[r][name]
            runs_s = ", ".join(f"{x:.2f}" for x in s["warm_runs"])
            lines.append(
                f"| {r} | {name} | {s['cold']['ready_s']:.2f} s | {s['warm']['ready_s']:.2f} s ({runs_s}) | "
                f"{s['warm']['rss_ready_mib']:.0f} | {s['warm']['search_ready_s']:.2f} s | {s['warm']['rss_mib']:.0f} |"
            )
    lines += ["", "### Handlers, in process (CPU time: p50 / p99 / max)", ""]
    lines += [
        "| Code | Content | Autocomplete | /define answer | Related terms | Search |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in roots:
        for name in ("bundled", "large"):
            cells = [
                " / ".join(_ms(_get(micro, r, name, what, k)) for k in ("p50_ms", "p99_ms", "max_ms"))
                for what in ("autocomplete", "define", "related", "search")
            ]
            lines.append(f"| {r} | {name} ({_get(micro, r, name, 'terms'):,} terms) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "200 scored answers written concurrently on the bot's database connection (total; each p50 / p99):",
        "",
    ]
    for r in roots:
        a = _get(micro, r, "bundled", "answers")
        if a:
            lines.append(f"- {r}: {_ms(a['total_ms'])}; {_ms(a['p50_ms'])} / {_ms(a['p99_ms'])}")
    if e2e:
        lines += ["", f"### Autocomplete end to end at {plan['e2e_rate']:g}/s for {plan['e2e_seconds']:g} s", ""]
        lines += ["| Code | Content | p50 | p99 | Unanswered |", "| --- | --- | --- | --- | --- |"]
        for r in roots:
            for name in ("bundled", "large"):
                v = e2e[r][name]
                lines.append(f"| {r} | {name} | {_ms(v['p50_ms'])} | {_ms(v['p99_ms'])} | {v['missing']} |")
    lines += [
        "",
        f"### Open-loop load, {plan['seconds']:g} s per run, each {plan.get('repeats', 1)} times; the run of median "
        f"p99 shown (bot process: loop stalls ≥ {STALL_MS} ms, "
        "worst loop lag, longest GC pause, full collections)",
        "",
    ]
    lines += [
        "| Command @ rate | Bot | p50 | median p99 (each run) | p99 ÷ bare | Unanswered | Stalls | Worst lag "
        "| Longest GC | Full GCs |"
    ]
    lines += ["| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for command in plan["commands"]:
        for rate in plan["rates"]:
            key = f"{command}@{rate:g}"
            bare = _get(loads, "bare", key, "p99_ms")
            for bot in ["bare", *roots]:
                v = _get(loads, bot, key)
                if v is None:
                    continue
                each = ", ".join(_ms(x) for x in v.get("runs_p99_ms", []))
                gone = " (killed with a backlog)" if v["killed"] else ""
                lines.append(
                    f"| {key}/s | {bot} | {_ms(v['p50_ms'])} | {_ms(v['p99_ms'])} ({each}) | "
                    f"{_x(_ratio(v['p99_ms'], bare))} | "
                    f"{v['missing']} of {v['sent']} | {v['stalls']} | {_ms(v['worst_lag_ms'])}{gone} | "
                    f"{_ms(v['gc_max_ms'])} | {v['gc_full'] if v['gc_full'] is not None else '–'} |"
                )
    lines += ["", "### Daily fan-out (the stand-in enforcing 50 requests/s)", ""]
    lines += [
        "| Code | Channels | Requests | Done after due | First to last request | Floor | Ratio | Global 429s "
        "| Most in any second |"
    ]
    lines += ["| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in roots:
        if r in fan:
            f = fan[r]
            lines.append(
                f"| {r} | {f['channels']:,} | {f['requests']:,} | {f['from_ready_s']:.1f} s | {f['span_s']:.1f} s | "
                f"{f['floor_s']:.1f} s | "
                f"{f['ratio']:.3f}× | {f['global_429']} | {f['max_per_second']} |"
            )
    return "\n".join(lines) + "\n"
