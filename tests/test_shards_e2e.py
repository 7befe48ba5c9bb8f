"""Several bot processes on one PostgreSQL database, each running shards of the bot, against one stand-in.

Three real `interview-bot run` processes: A runs shard 0 of 2, B shard 1, and C shard 0 again, overlapping A
as a rolling restart would. The stand-in serves servers on both shards and sends each server's events to the
newest session of its shard. Every daily post must appear exactly once per channel and date, each interaction
be answered by exactly one process, only one process sync the commands, and `/leaderboard` show the same
totals whichever process answers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.db import open_database
from bot.repos.daily import DailyRepo
from botprocess import bot_process
from standin import Channel, Member, StandIn, StoredMessage, running_standin

SHARDS = 2
PROCESSES = {"A": [0], "B": [1], "C": [0]}  # C runs A's shard too: the overlap of a rolling restart


def write_config(standin: StandIn, folder: Path, url: str, shard_ids: list[int]) -> Path:
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(
        f'[discord]\napi_base = "{standin.api_base}"\nguild_ready_timeout = 0.05\n'
        f"shard_count = {SHARDS}\nshard_ids = {shard_ids}\n"
        f'[database]\nurl = "{url}"\n[logging]\nlevel = "INFO"\n'
    )
    return config


def daily_posts(standin: StandIn, channel: Channel) -> list[StoredMessage]:
    return [m for m in standin.channel_messages(channel) if m.embeds and "Daily" in m.embeds[0].get("title", "")]


def caught_up_count(lines: list[str]) -> int:
    """Return how many channels a process says its start-up catch-up posted in."""
    found = [re.search(r"caught up the daily question in (\d+) channel", line) for line in lines]
    return sum(int(m.group(1)) for m in found if m)


async def leaderboard(standin: StandIn, member: Member) -> dict:
    handle = await standin.slash("leaderboard", {"period": "all"}, user=member)
    return (await handle.original_message(timeout=10)).embeds[0]


async def test_two_processes_share_the_shards_and_one_database(tmp_path, postgres_url):
    async with running_standin(shard_count=SHARDS) as standin:
        guilds = [standin.world.add_guild(f"shard {s} server {n}", shard=(s, SHARDS)) for s in (0, 1) for n in (1, 2)]
        channels = {g.id: [g.add_text_channel(f"daily-{k}") for k in (1, 2)] for g in guilds}
        members = {g.id: g.add_member(f"member-{n}") for n, g in enumerate(guilds)}
        everywhere = [c for listed in channels.values() for c in listed]

        # Every channel's question was due ten minutes ago: each process catches up its own at start.
        now = datetime.now(UTC)
        due = now - timedelta(minutes=10)
        db = await open_database(postgres_url)
        repo = DailyRepo(db)
        for guild_id, listed in channels.items():
            for channel in listed:
                await repo.save_channel(
                    channel_id=channel.id, guild_id=guild_id, post_time=time(due.hour, due.minute), timezone="UTC",
                    kind="definitions", chapters=(), set_by=1, now=now - timedelta(days=2), seed=channel.id % 1000,
                )  # fmt: skip

        try:
            async with contextlib.AsyncExitStack() as stack:
                processes = {}
                for name, shard_ids in PROCESSES.items():
                    config = write_config(standin, tmp_path / name, postgres_url, shard_ids)
                    processes[name] = await stack.enter_async_context(
                        bot_process(["run", "--config", str(config)], cwd=config.parent)
                    )
                try:
                    await asyncio.gather(*(p.wait_for_line(r"ready as ", timeout=60) for p in processes.values()))
                except TimeoutError:
                    logs = {n: p.lines[-20:] for n, p in processes.items()}
                    raise AssertionError(f"not every process got ready: {logs}") from None

                # Exactly one post per channel and date, though A and C both caught shard 0 up at once.
                await standin.wait_until(lambda: all(daily_posts(standin, c) for c in everywhere), timeout=30)
                # Every process has finished its catch-up (it logs that, whatever it posted): a second post
                # of any channel would have been sent by now.
                await asyncio.gather(
                    *(
                        p.wait_for_line(r"caught up the daily question in \d+ channel", timeout=30)
                        for p in processes.values()
                    )
                )
                assert {c.name + str(c.id): len(daily_posts(standin, c)) for c in everywhere} == {
                    c.name + str(c.id): 1 for c in everywhere
                }
                rows = await db.fetchall("SELECT channel_id, local_date, state FROM daily_posts")
                assert sorted((r["channel_id"], r["state"]) for r in rows) == sorted(
                    (c.id, "posted") for c in everywhere
                )
                assert len({(r["channel_id"], r["local_date"]) for r in rows}) == len(everywhere)
                # Each channel was posted by a process of its server's shard: A or C for shard 0, B for shard 1.
                caught_up = {n: caught_up_count(p.lines) for n, p in processes.items()}
                assert (caught_up["A"] + caught_up["C"], caught_up["B"]) == (4, 4), caught_up
                # Only one process (one running shard 0) synced the commands.
                assert len(standin.requests("PUT", "/applications/{application_id}/commands")) == 1

                # Each server's members answer its first channel's post: the process of its shard answers.
                for guild in guilds:
                    message = daily_posts(standin, channels[guild.id][0])[0]
                    choice = next(
                        c["custom_id"] for c in message.all_components() if "iq:daily:" in c.get("custom_id", "")
                    )
                    post_id = int(choice.split(":")[2])
                    row = await db.fetchone("SELECT answer FROM daily_posts WHERE id = ?", (post_id,))
                    handle = await standin.click(message, f"iq:daily:{post_id}:{row['answer']}", user=members[guild.id])
                    callback = await handle.response(timeout=10)
                    assert callback.message is not None and callback.message.content.startswith("✅")

                # /leaderboard in a shard-0 server, from the process that holds the shard's newest session; then
                # that process stops and the other one running shard 0 answers the same: the same totals.
                first_server = guilds[0]
                asked = members[first_server.id]
                board = await leaderboard(standin, asked)
                assert f"<@{asked.id}>" in board["description"] and "10" in board["description"]
                session = standin.gateway.session_for(first_server.id)
                assert session is not None
                holder = next(n for n, p in processes.items() if f"Session ID: {session.id}" in "\n".join(p.lines))
                assert holder in ("A", "C")
                processes[holder].process.send_signal(signal.SIGTERM)
                assert (await processes[holder].finish())[0] == 0
                assert await leaderboard(standin, asked) == board
                other = members[guilds[2].id]  # a shard-1 server: B's
                assert f"<@{other.id}>" in (await leaderboard(standin, other))["description"]

                # Every interaction was answered, each exactly once.
                callbacks = standin.requests("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
                answered = Counter(r.params["interaction_id"] for r in callbacks)
                assert answered == Counter({str(h.id): 1 for h in standin.interactions})

                for name, process in processes.items():
                    if process.process.returncode is None:
                        process.process.send_signal(signal.SIGTERM)
                        assert (await process.finish())[0] == 0, name
                    problems = [line for line in process.lines if "ERROR" in line or "Traceback" in line]
                    assert problems == [], name
        finally:
            await db.close()
        assert standin.problems() == []
