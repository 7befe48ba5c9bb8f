"""A battle's 500-player burst: the real bot, in its own process, against the project's Discord stand-in.

    .venv/bin/python bench/battle_burst.py [--players 500] [--json]

The bot starts as `interview-bot run` does (config, content, database, gateway), with the stand-in as its
REST base and Discord's global limit of 50 requests/s enforced. Everyone joins a battle's lobby (50 at a time,
not timed), the host starts it, and in round 1 every player clicks an answer at once. The round then closes at
its real deadline (10 s, the shortest round) and the report says:

- how fast the clicks were acknowledged (Discord allows 3 s);
- deadline → public result: when the round's message showed its result;
- deadline → last personal result: when the last player's "Locked in" reply was edited into their result;
- the next round's opening: how late round 2 was posted against the deadline plus the 5-second break.

Figures, not pass/fail: timed assertions flake on shared machines, so a person reads them. The stand-in's
check of every body against Discord's OpenAPI schema runs while the lobby fills, so the bot's answers are known
to be valid; it is off for the timed part, where it would cost the stand-in more than the bot (the end-to-end
tests check the same bodies).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from standin import StandIn, running_standin  # noqa: E402

BREAK_SECONDS = 5.0  # the bot's break between a round's result and the next question
ROUND_SECONDS = 10  # the shortest round /quiz battle allows
WAVE = 50  # players joining at once while the lobby fills (not timed)
CLOCK_OFFSET = time.time() - time.monotonic()  # the stand-in times requests on the monotonic clock


def wall_to_monotonic(moment: datetime) -> float:
    """Return a UTC moment of the bot's (its database) as this process's monotonic time."""
    return moment.timestamp() - CLOCK_OFFSET


def contract_checks(standin: StandIn, on: bool) -> None:
    """Switch the stand-in's per-request check against Discord's OpenAPI schema on or off (see above)."""
    if on:
        standin.rest.__dict__.pop("_check", None)
    else:
        standin.rest._check = lambda record: []  # type: ignore[method-assign]


def write_config(work: Path, api_base: str) -> Path:
    """Write the bot's config: the stand-in as its API, a database in `work`, a lobby that waits for Start."""
    path = work / "config.toml"
    path.write_text(
        f'[discord]\napi_base = "{api_base}"\nguild_ready_timeout = 0.1\n\n'
        f'[database]\npath = "{work / "bot.db"}"\n\n'
        '[quiz]\nlobby_seconds = 600\n\n[logging]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    return path


async def start_bot(config: Path, log: Path) -> asyncio.subprocess.Process:
    """Start `interview-bot run` in its own process, its log in `log`."""
    env = dict(os.environ, DISCORD_TOKEN="bench.bot.token", PYTHONPATH=str(REPO))
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=REPO, env=env, stdout=out, stderr=out
        )


def has(message: Any, custom_id: str) -> bool:
    """Whether a stored message carries a component with this custom_id."""
    return any(c.get("custom_id") == custom_id for c in message.all_components())


def percentile(samples: list[float], fraction: float) -> float:
    """Return the sample at `fraction` of the sorted samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def burst(standin: StandIn, database: Path, players: int) -> dict[str, Any]:
    """Run one battle to its second round with `players` clicking at once in round 1; return the figures."""
    channel = standin.channel
    host = standin.guild.add_member("host")
    crowd = [standin.guild.add_member(f"player{n}") for n in range(players)]
    opened = await standin.slash("quiz battle", {"rounds": 3, "seconds": ROUND_SECONDS}, user=host)
    lobby = (await opened.response(timeout=30)).message
    assert lobby is not None
    join = next(c["custom_id"] for c in lobby.all_components() if "battle-join" in c.get("custom_id", ""))
    battle = int(join.rsplit(":", 1)[1])

    for wave in range(0, players, WAVE):
        joins = [standin.click(lobby, f"iq:battle-join:{battle}", user=p) for p in crowd[wave : wave + WAVE]]
        await asyncio.gather(*(h.response(timeout=30) for h in await asyncio.gather(*joins)))
    if standin.violations:
        raise RuntimeError(f"the bot's answers break Discord's contract: {standin.violations[:3]}")
    contract_checks(standin, False)

    start = await standin.click(lobby, f"iq:battle-start:{battle}", user=host)
    await start.response(timeout=30)
    first = f"iq:battle:{battle}:1:0"
    message = await standin.wait_until(
        lambda: next((m for m in standin.channel_messages(channel) if has(m, first)), None), 30
    )

    # Everyone clicks at once.
    sent = time.monotonic()
    clicks = await asyncio.gather(
        *(standin.click(message, f"iq:battle:{battle}:1:{n % 4}", user=p) for n, p in enumerate(crowd))
    )
    await asyncio.gather(*(h.response(timeout=60) for h in clicks))
    delivered = time.monotonic() - sent
    acks = [h.latency for h in clicks if h.latency is not None]

    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (deadline_text,) = db.execute(
            "SELECT deadline FROM battle_rounds WHERE battle_id = ? AND round = 1", (battle,)
        ).fetchone()
    deadline = wall_to_monotonic(datetime.fromisoformat(deadline_text))

    result = await standin.wait_until(
        lambda: message.last_request if "closed" in message.embeds[0]["title"] else None, ROUND_SECONDS + 30
    )
    for handle in clicks:
        await handle.original_message(timeout=30)
    await standin.wait_until(lambda: all(h.original.content.startswith("Round 1 · ") for h in clicks) or None, 60)
    tokens = {h.token for h in clicks}
    edits = [r for r in standin.requests("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")]
    edit_times = sorted(r.time for r in edits if r.params["webhook_token"] in tokens)

    second = f"iq:battle:{battle}:2:0"
    round_two = await standin.wait_until(
        lambda: next((m for m in standin.channel_messages(channel) if has(m, second)), None), BREAK_SECONDS + 30
    )
    posted = round_two.last_request.time if round_two.last_request else time.monotonic()

    stop = await standin.slash("quiz stop", user=host)
    await stop.response(timeout=30)
    rank = f"iq:battle-rank:{battle}"  # the podium: the bot is done with this battle
    await standin.wait_until(lambda: any(has(m, rank) for m in standin.channel_messages(channel)) or None, 30)
    return {
        "players": players,
        "clicks_delivered_s": round(delivered, 3),
        "click_ack_p50_s": round(statistics.median(acks), 3),
        "click_ack_p99_s": round(percentile(acks, 0.99), 3),
        "click_ack_max_s": round(max(acks), 3),
        "clicks_over_3s": sum(a > 3.0 for a in acks),
        "deadline_to_public_result_s": round(result.time - deadline, 3),
        "deadline_to_first_personal_result_s": round(edit_times[0] - deadline, 3),
        "deadline_to_last_personal_result_s": round(edit_times[-1] - deadline, 3),
        "personal_results": len(edit_times),
        "next_round_due_after_deadline_s": BREAK_SECONDS,
        "next_round_late_s": round(posted - (deadline + BREAK_SECONDS), 3),
    }


async def main(players: int) -> dict[str, Any]:
    """Start a stand-in and the bot, run the burst, stop both; return the figures."""
    with tempfile.TemporaryDirectory(prefix="battle-burst-") as tmp:
        work = Path(tmp)
        async with running_standin(interaction_deadline=None) as standin:
            standin.set_global_limit(50)
            log = work / "bot.log"
            bot = await start_bot(write_config(work, standin.api_base), log)
            try:
                await standin.wait_until(lambda: (standin.gateway.connected and standin.commands) or None, 60)
                figures = await burst(standin, work / "bot.db", players)
            finally:
                if bot.returncode is None:
                    bot.terminate()
                    await bot.wait()
            problems = [line for line in log.read_text(encoding="utf-8").splitlines() if "ERROR" in line]
            figures["bot_errors"] = problems[:5]
            figures["unmodeled_routes"] = [str(r) for r in standin.unmodeled][:5]
            return figures


def report(figures: dict[str, Any]) -> str:
    """Return the figures as a person reads them."""
    return "\n".join(
        [
            f"{figures['players']} players click at once in one round ({ROUND_SECONDS} s round, "
            f"{BREAK_SECONDS:.0f} s break)",
            f"  clicks delivered in {figures['clicks_delivered_s']} s; acknowledged p50 "
            f"{figures['click_ack_p50_s']} s, p99 {figures['click_ack_p99_s']} s, max {figures['click_ack_max_s']} s "
            f"({figures['clicks_over_3s']} over Discord's 3 s)",
            f"  deadline → public result          {figures['deadline_to_public_result_s']:7.3f} s",
            f"  deadline → first personal result  {figures['deadline_to_first_personal_result_s']:7.3f} s",
            f"  deadline → last personal result   {figures['deadline_to_last_personal_result_s']:7.3f} s "
            f"({figures['personal_results']} results)",
            f"  next round posted                 {figures['next_round_late_s']:+7.3f} s against deadline + "
            f"{BREAK_SECONDS:.0f} s",
            f"  bot errors: {len(figures['bot_errors'])}, unmodeled routes: {len(figures['unmodeled_routes'])}",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = asyncio.run(main(args.players))
    print(json.dumps(result, indent=2) if args.json else report(result))
