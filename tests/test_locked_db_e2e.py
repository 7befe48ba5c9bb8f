"""The database in trouble, end to end: held by another process, or full.

Another process (tests/dblock.py) holds a real write transaction while members click and run commands: every
interaction is answered within Discord's 3 seconds while the lock is still held, reads go on beside it, and
every answer acknowledged is stored once the lock goes. The busy timeout is shortened in the config, so the
bot's writes are refused as locked and retried several times within a short test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core import daily
from bot.db import StorageFull
from bot.ui import STORAGE_FULL
from dblock import other_process_writing
from standin import Permissions

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def setup_daily(env, admin, channel, kind: str) -> None:
    options = {"channel": channel, "time": "09:00", "timezone": "Etc/UTC", "kind": kind}
    reply = (await (await env.standin.slash("daily setup", options, user=admin)).response()).message
    assert "Daily question set up" in reply.content


def custom_ids(message) -> list[str]:
    return [c["custom_id"] for c in message.all_components() if "custom_id" in c]


async def test_members_are_answered_and_their_answers_kept_while_another_process_holds_the_database(env, caplog):
    guild = env.standin.guild
    admin = guild.add_member("admin", permissions=Permissions.MANAGE_GUILD)
    clickers = [guild.add_member(f"member-{n}") for n in range(5)]
    solo_player, newcomer, writer = (guild.add_member(name) for name in ("solo", "newcomer", "writer"))
    choice, interview, later = (guild.add_text_channel(name) for name in ("daily", "interview", "later"))
    env.clock.set(START)
    bot = await env.start(database={"busy_timeout_seconds": 0.1})
    await setup_daily(env, admin, choice, "definitions")
    await setup_daily(env, admin, interview, "interview")
    await setup_daily(env, admin, later, "definitions")
    env.clock.set(daily.slot_at(date(2026, 3, 3), daily.parse_post_time("09:00"), "Etc/UTC"))
    cog = bot.get_cog("Daily")
    post = (await cog.poster.post_daily(choice.id, env.clock())).post
    question = (await cog.poster.post_daily(interview.id, env.clock())).post
    [post_message] = env.standin.channel_messages(choice)
    [question_message] = env.standin.channel_messages(interview)
    quiz = (await (await env.standin.slash("quiz solo", {"questions": 2}, user=solo_player)).response()).message
    session_id = int(custom_ids(quiz)[0].split(":")[2])
    solo_right = (
        await bot.db.fetchone("SELECT answer FROM solo_questions WHERE session_id = ? AND position = 0", (session_id,))
    )[0]

    with caplog.at_level("INFO", logger="bot.db"):
        async with other_process_writing(env.db_path) as holder:
            clicks = [
                await env.standin.click(post_message, f"iq:daily:{post.id}:{post.answer}", user=member)
                for member in clickers
            ]
            solo_answer = await env.standin.click(quiz, f"iq:solo:{session_id}:0:{solo_right}", user=solo_player)
            new_quiz = await env.standin.slash("quiz solo", {"questions": 3}, user=newcomer)
            post_now = await env.standin.slash("daily post", {"channel": later}, user=admin)
            streak = await env.standin.slash("streak", user=clickers[0])
            opener = await env.standin.click(question_message, f"iq:daily-answer:{question.id}", user=writer)
            assert (await opener.response()).type == 9  # the answer form opens: its reads do not wait for writes
            written = await env.standin.submit_modal(f"iq:daily-modal:{question.id}", {"answer": "Held, then saved."})
            handles = [*clicks, solo_answer, new_quiz, post_now, streak, written]
            # Every interaction is answered, or deferred, while the other process still holds the database.
            await env.standin.wait_until(lambda: all(h.callback for h in handles), timeout=3)
            assert env.standin.late_interactions() == []
            assert streak.callback.type == 4  # a read: answered at once, beside the lock
            assert any("another process holds the database" in r.getMessage() for r in caplog.records)
            await holder.release()

            # Once it lets go, every acknowledged answer is stored and its member told.
            for click in clicks:
                assert (await click.original_message()).content.startswith("✅ **Right:")
            await env.standin.wait_until(lambda: quiz.embeds[0]["title"] == "✅ Right!" or None)
            assert (await new_quiz.original_message()).embeds[0]["title"] == "Question 1 of 3"
            assert (await post_now.original_message()).content.startswith("Posted today's question in <#")
            assert (await written.original_message()).embeds[0]["title"] == "Answer saved · +5 points"

    rows = await bot.db.fetchall("SELECT user_id FROM daily_answers WHERE post_id = ?", (post.id,))
    assert sorted(r[0] for r in rows) == sorted(m.id for m in clickers)
    text = await bot.db.fetchone("SELECT answer_text FROM daily_answers WHERE post_id = ?", (question.id,))
    assert text[0] == "Held, then saved."
    solo = await bot.db.fetchone(
        "SELECT choice FROM solo_questions WHERE session_id = ? AND position = 0", (session_id,)
    )
    assert solo[0] == solo_right
    assert (await bot.db.fetchone("SELECT count(*) FROM solo_sessions WHERE user_id = ?", (newcomer.id,)))[0] == 1
    assert len(env.standin.channel_messages(later)) == 1
    assert await bot.db.fetchone("SELECT value FROM meta WHERE key = 'held-by'") is None  # its write rolled back


async def test_a_full_disk_is_named_to_every_member_and_logged_once(env):
    if env.backend != "sqlite":
        pytest.skip("SQLite's size limit stands for a full disk")
    members = [env.standin.guild.add_member(f"member-{n}") for n in range(40)]
    bot = await env.start()
    await fill_solo_storage(bot)
    for member in members:
        handle = await env.standin.slash("quiz solo", user=member)
        reply = (await handle.response()).message
        assert reply.ephemeral and reply.content == STORAGE_FULL
    [logged] = env.expected_errors("the bot's storage is full")
    assert "database or disk is full" in logged.getMessage() and logged.exc_info is None
    assert (await bot.db.fetchone("SELECT count(*) FROM solo_sessions"))[0] == 1  # only the filler's


async def fill_solo_storage(bot) -> None:
    """Fill the database up to a size limit, the last pages with solo questions: a new quiz then finds it full.

    SQLite's own limit (PRAGMA max_page_count) stands for the disk: it fails the same way, SQLITE_FULL.
    """
    db = bot.db
    pages = (await db.fetchone("PRAGMA page_count"))[0]
    await db.fetchone(f"PRAGMA max_page_count = {pages + 4}")
    session = await db.fetchone(
        "INSERT INTO solo_sessions (user_id, guild_id, mode, total, started_at, last_activity)"
        " VALUES (1, NULL, 'definition', 1, '2026-03-02', '2026-03-02') RETURNING id"
    )
    position = 0
    while True:
        try:
            await db.execute(
                "INSERT INTO solo_questions (session_id, position, term_id, mode, prompt, options, answer)"
                " VALUES (?, ?, 'x', 'definition', 'x', '[]', 0)",
                (session[0], position),
            )
        except StorageFull:
            return
        position += 1


async def test_a_solo_mock_interview_clicked_through_while_another_process_holds_the_database(env):
    """Each step of a mock interview is taken while another process holds the database (a fresh hold each time:
    the next step's button only appears once the last one is stored): start, write an answer, mark, next, and a
    write click on a question whose time ran out. Each is answered within 3 s while the lock is held; the answer
    form opens at once; once the lock goes, each step shows and is stored."""
    member = env.standin.guild.add_member("candidate")
    env.clock.set(START)
    bot = await env.start(database={"busy_timeout_seconds": 0.1})
    db = bot.db

    async def held(step):
        """Take one step while another process holds the database; return its handle once the lock is let go."""
        async with other_process_writing(env.db_path) as holder:
            handle = await step()
            await env.standin.wait_until(lambda: handle.callback, timeout=3)
            assert env.standin.late_interactions() == []
            assert holder.process.returncode is None  # answered while the other process still holds its write
            await holder.release()
        return handle

    # Start: deferred (its interview is a write), then the first question once the lock goes.
    start = await held(lambda: env.standin.slash("interview start", {"questions": 2, "minutes": 3}, user=member))
    assert start.callback.type == 5  # "thinking…" while the interview waits to be stored
    history = None

    screen = await start.original_message()
    assert screen.ephemeral and screen.embeds[0]["title"] == "Question 1 of 2"
    interview_id = int(custom_ids(screen)[0].split(":")[2])

    # Write: the form opens at once, the lock still held (a read, and no catch-up due); the answer is deferred.
    async def write():
        nonlocal history
        opener = await env.standin.click(screen, f"iq:iv:{interview_id}:0:write", user=member)
        assert (await opener.response(timeout=3)).type == 9
        history = await env.standin.slash("interview history", user=member)
        await env.standin.wait_until(lambda: history.callback, timeout=3)
        assert history.callback.type == 4  # a read on the read-only connection: answered beside the lock
        env.clock.advance(seconds=60)
        return await env.standin.submit_modal(f"iq:iv-answer:{interview_id}:0", {"answer": "Held, then saved."})

    submitted = await held(write)
    assert submitted.callback.type == 6  # a deferred update of the interview's screen
    await env.standin.wait_until(lambda: "mark what you covered" in screen.embeds[0]["title"] or None)

    # Mark, then Next: each deferred while held, each shown and stored once the lock goes.
    marked = await held(lambda: env.standin.click(screen, f"iq:iv:{interview_id}:0:mark", user=member, values=["0"]))
    assert marked.callback.type == 6
    await env.standin.wait_until(lambda: marked_values(screen) == ["0"] or None)
    moved = await held(lambda: env.standin.click(screen, f"iq:iv:{interview_id}:0:next", user=member))
    assert moved.callback.type == 6
    await env.standin.wait_until(lambda: screen.embeds[0]["title"] == "Question 2 of 2" or None)

    # Write after the deadline: a catch-up is due, so no form: the click is deferred and shows time's up.
    env.clock.advance(minutes=4)
    late = await held(lambda: env.standin.click(screen, f"iq:iv:{interview_id}:1:write", user=member))
    assert late.callback.type == 6
    await env.standin.wait_until(lambda: "mark what you covered" in screen.embeds[0]["title"] or None)

    rows = await db.fetchall(
        "SELECT answer_kind, answer_text, covered, marked_at FROM interview_questions"
        " WHERE interview_id = ? ORDER BY position",
        (interview_id,),
    )
    first, second = rows
    assert (first["answer_kind"], first["answer_text"], first["covered"]) == ("written", "Held, then saved.", "[0]")
    assert first["marked_at"] is not None
    assert (second["answer_kind"], second["marked_at"]) == ("timeout", None)
    assert all(h.callback.request.answered.is_set() for h in (start, history, submitted, marked, moved, late))
    assert await db.fetchone("SELECT value FROM meta WHERE key = 'held-by'") is None  # its writes rolled back


def marked_values(message) -> list[str]:
    [menu] = [c for c in message.all_components() if c.get("type") == 3]
    return [o["value"] for o in menu["options"] if o.get("default")]
