"""The daily question end to end: the real bot against the Discord stand-in, on a real SQLite file.

Time is injected: the bot's clock is set by the test and the posting coroutine (or the start-up catch-up)
is driven with it; no test waits for the scheduler's wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core import daily
from standin import NO_PERMISSIONS, Permissions, StoredMessage

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, before New York's clock change


class DailyEnv:
    """The shared `env` (tests/conftest.py) with what the daily tests need: an admin, posts, the cog."""

    def __init__(self, env) -> None:
        self.env = env
        self.standin = env.standin
        self.library = env.library
        self.clock = env.clock
        self.admin = env.standin.guild.add_member("admin", permissions=Permissions.MANAGE_GUILD)
        self.answered: list[tuple[int, bool]] = []  # what spaced review heard

    @property
    def bot(self):
        return self.env.bot

    @property
    def starts(self) -> int:
        return self.env.starts

    @property
    def db(self):
        return self.env.bot.db

    @property
    def cog(self):
        return self.env.bot.get_cog("Daily")

    async def start(self):
        bot = await self.env.start(seed=7 + self.env.starts)
        bot.answer_listeners.append(self._listen)
        await asyncio.wait_for(self.cog.caught_up.wait(), 10)  # the start-up catch-up
        return bot

    async def stop(self) -> None:
        await self.env.stop()

    async def restart(self):
        await self.stop()
        return await self.start()

    async def _listen(self, answer) -> None:
        self.answered.append((answer.user_id, answer.correct))

    def posts(self, channel) -> list[StoredMessage]:
        """Return the daily posts in a channel, oldest first."""
        return [
            m for m in self.standin.channel_messages(channel) if m.embeds and "Daily" in m.embeds[0].get("title", "")
        ]


@pytest.fixture
def env(env) -> DailyEnv:
    """Override the shared `env` with the daily helpers around it, starting the clock at START."""
    env.clock.set(START)
    return DailyEnv(env)


# -- helpers ----------------------------------------------------------------------------------------------


async def setup_daily(env: DailyEnv, channel, *, time_: str = "09:00", zone: str = "America/New_York", **extra) -> str:
    handle = await env.standin.slash(
        "daily setup", {"channel": channel, "time": time_, "timezone": zone, **extra}, user=env.admin
    )
    callback = await handle.response()
    return callback.message.content


def slot(day: date, zone: str, at: time = time(9, 0)) -> datetime:
    return daily.slot_at(day, at, zone)


async def click(env: DailyEnv, message: StoredMessage, custom_id: str, member) -> str:
    handle = await env.standin.click(message, custom_id, user=member)
    callback = await handle.response()
    return callback.message.content if callback.message else ""


def choice_ids(message: StoredMessage) -> list[str]:
    return [c["custom_id"] for c in message.all_components() if c.get("custom_id", "").startswith("iq:daily:")]


async def right_and_wrong(env: DailyEnv, message: StoredMessage) -> tuple[str, str]:
    """Return the custom_ids of the right and a wrong option of a multiple-choice post, from the database."""
    post_id = int(choice_ids(message)[0].split(":")[2])
    post = await env.cog.repo.post(post_id)
    return f"iq:daily:{post_id}:{post.answer}", f"iq:daily:{post_id}:{(post.answer + 1) % 4}"


# -- tests ------------------------------------------------------------------------------------------------


async def test_setup_post_answer_thread_reveal_and_streak(env):
    alice = env.standin.guild.add_member("alice")
    bob = env.standin.guild.add_member("bob")
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    reply = await setup_daily(env, channel, kind="definitions", chapters="5")
    assert "Daily question set up in" in reply and "09:00 America/New_York" in reply
    assert "definitions" in reply and "<t:" in reply

    monday = date(2026, 3, 2)
    env.clock.now = slot(monday, "America/New_York")
    outcome = await env.cog.poster.post_daily(channel.id, env.clock.now)
    assert outcome.status == "posted"
    [post] = env.posts(channel)
    embed = post.embeds[0]
    assert embed["title"] == "🧠 Daily question · Monday 2 March"
    assert "Which term is this?" in embed["description"]
    assert len(choice_ids(post)) == 4
    # The thread opened on the post (it takes the message's id, as on Discord).
    assert env.standin.world.channel(post.id).is_thread
    assert (await env.cog.repo.post(outcome.post.id)).thread_id == post.id

    right, wrong = await right_and_wrong(env, post)
    env.clock.now += timedelta(minutes=30)
    text = await click(env, post, right, alice)
    assert text.startswith("✅ **Right:") and "+10 points" in text and "Streak: 1 day" in text
    assert "Interview tip:" in text
    text = await click(env, post, wrong, bob)
    assert text.startswith("❌ **Not quite.**")
    # A second click: privately told, no second row, no second points.
    text = await click(env, post, wrong, alice)
    assert "You already answered this one" in text and "(right)" in text
    rows = await env.db.fetchall("SELECT user_id, points, correct FROM score_events ORDER BY points DESC")
    assert [tuple(r) for r in rows] == [(alice.id, 10, 1), (bob.id, 0, 0)]
    assert env.answered == [(alice.id, True), (bob.id, False)]  # spaced review heard both

    tuesday = date(2026, 3, 3)
    env.clock.now = slot(tuesday, "America/New_York")
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "posted"
    first, second = env.posts(channel)
    reveal = next(f for f in second.embeds[0]["fields"] if f["name"] == "Previous question")
    assert "50 % chose" in reveal["value"] and "2 members answered" in reveal["value"]
    # Monday's question is closed now.
    text = await click(env, first, right, bob)
    assert text.startswith("This question is closed; the answer was **")

    right, _ = await right_and_wrong(env, second)
    assert (await click(env, second, right, alice)).startswith("✅")
    handle = await env.standin.slash("streak", {}, user=alice)
    embed = (await handle.response()).message.embeds[0]
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert values["Current"] == "🔥 2 days" and values["Longest"] == "🏆 2 days"
    assert values["This week"] == "2 answers in the last 7 days"
    handle = await env.standin.slash("streak", {"member": bob}, user=alice)
    values = {f["name"]: f["value"] for f in (await handle.response()).message.embeds[0]["fields"]}
    assert values["Current"] == "🔥 1 day"  # answering counts, right or wrong; Tuesday is not over yet
    # Wednesday's post closes Tuesday, which bob missed without a freeze: his streak is broken.
    env.clock.now = slot(date(2026, 3, 4), "America/New_York")
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "posted"
    streaks = await env.db.fetchall("SELECT user_id, current, longest FROM member_streaks ORDER BY user_id")
    assert {r["user_id"]: (r["current"], r["longest"]) for r in streaks} == {alice.id: (2, 2), bob.id: (0, 1)}


async def test_open_question_answered_in_the_modal_then_self_rated(env):
    alice = env.standin.guild.add_member("alice")
    channel = env.standin.guild.add_text_channel("interview")
    await env.start()
    await setup_daily(env, channel, zone="Asia/Kolkata", kind="interview")
    # Set up at 12:00 UTC on 2026-03-02, after that day's 09:00 in Kolkata: the first post is on the 3rd.
    env.clock.now = slot(date(2026, 3, 2), "Asia/Kolkata")
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "not_due"
    env.clock.now = slot(date(2026, 3, 3), "Asia/Kolkata")
    outcome = await env.cog.poster.post_daily(channel.id, env.clock.now)
    [post] = env.posts(channel)
    assert post.embeds[0]["title"] == "🎤 Daily interview question · Tuesday 3 March"
    question = daily.item_question(env.library, outcome.post.item)
    assert question.text in post.embeds[0]["description"]

    handle = await env.standin.click(post, f"iq:daily-answer:{outcome.post.id}", user=alice)
    await handle.response()
    assert handle.modal["custom_id"] == f"iq:daily-modal:{outcome.post.id}"
    # The bot restarts while alice is writing: her answer is still saved.
    env.clock.now += timedelta(minutes=10)
    await env.restart()
    submit = await env.standin.submit_modal(
        f"iq:daily-modal:{outcome.post.id}", {"answer": "It trades bias for variance."}, user=alice
    )
    feedback = (await submit.response()).message
    assert feedback.ephemeral
    assert feedback.embeds[0]["title"] == "Answer saved · +5 points"
    assert question.key_points[0][:50] in feedback.embeds[0]["description"]
    rating = f"iq:daily-rate:{outcome.post.id}:partly"
    assert rating in [c.get("custom_id") for c in feedback.all_components()]
    text = await click(env, feedback, rating, alice)
    assert text == "You rated yourself: **Partly** 🟡. See you at the next question!"
    row = await env.db.fetchone("SELECT answer_text, rating, correct FROM daily_answers")
    assert tuple(row) == ("It trades bias for variance.", "partly", None)
    score = await env.db.fetchone("SELECT points, correct, ref FROM score_events")
    assert tuple(score) == (5, None, f"post:{outcome.post.id}")
    # Answer again: told privately, no modal.
    again = await env.standin.click(post, f"iq:daily-answer:{outcome.post.id}", user=alice)
    callback = await again.response()
    assert callback.type == 4 and "You already answered this one" in callback.message.content
    assert env.answered == []  # open questions are not graded term answers

    # The next post reveals how members rated themselves.
    env.clock.now = slot(date(2026, 3, 4), "Asia/Kolkata")
    await env.cog.poster.post_daily(channel.id, env.clock.now)
    reveal = next(f for f in env.posts(channel)[1].embeds[0]["fields"] if f["name"] == "Previous question")
    assert "1 member answered" in reveal["value"] and "🟡 1 partly" in reveal["value"]


HOSTILE = "**@everyone** ||spoiler|| `code` <@123> # Heading\n> quote\n```py\nunclosed"


async def test_open_answers_keep_hostile_text_exactly_and_a_closed_post_gives_the_draft_back_whole(env):
    alice = env.standin.guild.add_member("alice")
    bob = env.standin.guild.add_member("bob")
    channel = env.standin.guild.add_text_channel("interview")
    await env.start()
    await setup_daily(env, channel, kind="interview")
    env.clock.now = slot(date(2026, 3, 3), "America/New_York")
    post = (await env.cog.poster.post_daily(channel.id, env.clock.now)).post
    answer_id, modal_id = f"iq:daily-answer:{post.id}", f"iq:daily-modal:{post.id}"
    [message] = env.posts(channel)

    opener = await env.standin.click(message, answer_id, user=alice)
    await opener.response()
    [label] = opener.modal["components"]
    text_input = label["component"]
    assert (text_input["min_length"], text_input["max_length"]) == (1, 2000)  # Discord enforces both
    longest = (HOSTILE * 40)[:2000]
    submit = await env.standin.submit_modal(modal_id, {"answer": longest}, user=alice)
    assert (await submit.response()).message.embeds[0]["title"] == "Answer saved · +5 points"
    stored = await env.db.fetchone("SELECT answer_text FROM daily_answers WHERE user_id = ?", (alice.id,))
    assert stored["answer_text"] == longest  # exactly as typed: nothing cut, nothing escaped

    # Blank text saves nothing and says so.
    opener = await env.standin.click(message, answer_id, user=bob)
    await opener.response()
    submit = await env.standin.submit_modal(modal_id, {"answer": "   \n  "}, user=bob)
    assert (await submit.response()).message.content.startswith("Your answer was empty, so nothing was saved.")
    assert (await env.db.fetchone("SELECT count(*) FROM daily_answers"))[0] == 1

    # Bob writes a long answer while the next question goes out: it is not saved, and he gets all of it back.
    opener = await env.standin.click(message, answer_id, user=bob)
    await opener.response()
    env.clock.now = slot(date(2026, 3, 4), "America/New_York")
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "posted"
    submit = await env.standin.submit_modal(modal_id, {"answer": longest}, user=bob)
    reply = (await submit.response()).message
    assert reply.ephemeral
    assert reply.content.startswith("This question is closed (the next one is out). Its key points:\n• ")
    assert reply.embeds[0]["title"] == "Your answer (not saved)"
    assert reply.embeds[0]["description"] == longest
    assert (await env.db.fetchone("SELECT count(*) FROM daily_answers"))[0] == 1


async def test_a_restart_between_claim_and_send_posts_once(env):
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    await setup_daily(env, channel)
    day = date(2026, 3, 9)
    env.clock.now = slot(day, "America/New_York")
    # The state a crash leaves: another run claimed the day and died before sending.
    settings = await env.cog.repo.channel(channel.id)
    crashed = await env.cog.repo.claim(settings, day, "crashed-run", env.clock.now)
    await env.stop()
    env.clock.now += timedelta(minutes=1)
    await env.start()
    # Within its lease the claim stands (that run might be another process still sending): nothing is posted,
    # and the poster looks again once the lease is over.
    assert env.posts(channel) == []
    assert channel.id in env.cog.poster._later
    env.clock.now += daily.CLAIM_LEASE
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "posted"  # what that look does
    [post] = env.posts(channel)
    stored = await env.cog.repo.post_on(channel.id, day)
    assert (stored.id, stored.state, stored.message_id) == (crashed.id, "posted", post.id)
    # Later fires and a reconnect change nothing.
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "exists"
    await env.standin.drop_connections()
    await env.standin.wait_for_ack()  # the bot has resumed
    await env.cog.poster.catch_up(env.clock.now)
    assert len(env.posts(channel)) == 1


async def test_two_scheduler_fires_at_once_post_once(env):
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    await setup_daily(env, channel, time_="01:30")
    # 01:30 happens twice in New York on 2026-11-01: the scheduler fires at both; the first one posts.
    first = slot(date(2026, 11, 1), "America/New_York", time(1, 30))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    env.clock.now = first
    outcomes = await asyncio.gather(*(env.cog.poster.post_daily(channel.id, first) for _ in range(2)))
    assert sorted(o.status for o in outcomes) == ["exists", "posted"]
    again = await env.cog.poster.post_daily(channel.id, first + timedelta(hours=1))  # the second 01:30
    assert again.status == "exists"
    assert len(env.posts(channel)) == 1
    assert env.posts(channel)[0].embeds[0]["title"].endswith("Sunday 1 November")


async def test_offline_across_the_posting_time_within_and_beyond_the_grace_window(env, caplog):
    late = env.standin.guild.add_text_channel("late")
    lost = env.standin.guild.add_text_channel("lost")
    await env.start()
    # Definitions only: a mixed pool's first item (term or open question) depends on the pack's content.
    await setup_daily(env, late, zone="Europe/London", kind="definitions")
    await setup_daily(env, lost, zone="Asia/Kolkata", kind="definitions")
    await env.stop()
    # Down from before 09:00 in both; back at 14:00 London (5 h late, grace 6 h) = 19:30 Kolkata (10.5 h).
    env.clock.now = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    with caplog.at_level("INFO", logger="bot.cogs.daily"):
        await env.start()
    assert [p.embeds[0]["title"] for p in env.posts(late)] == ["🧠 Daily question · Tuesday 10 March"]
    assert env.posts(lost) == []
    skipped = [r for r in caplog.records if "skipping the daily question of 2026-03-10" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].levelname == "WARNING"
    # The next day posts as usual.
    env.clock.now = slot(date(2026, 3, 11), "Asia/Kolkata")
    assert (await env.cog.poster.post_daily(lost.id, env.clock.now)).status == "posted"


async def test_a_double_click_at_once_records_one_answer(env):
    alice = env.standin.guild.add_member("alice")
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    await setup_daily(env, channel, kind="definitions")
    env.clock.now = slot(date(2026, 3, 2), "America/New_York")
    await env.cog.poster.post_daily(channel.id, env.clock.now)
    [post] = env.posts(channel)
    right, _ = await right_and_wrong(env, post)
    handles = await asyncio.gather(*(env.standin.click(post, right, user=alice) for _ in range(2)))
    texts = sorted([(await h.response()).message.content for h in handles])
    assert texts[0].startswith("You already answered") and texts[1].startswith("✅")
    assert (await env.db.fetchone("SELECT count(*) FROM daily_answers"))[0] == 1
    assert (await env.db.fetchone("SELECT sum(points) FROM score_events"))[0] == 10


async def test_only_admins_may_set_up_and_bad_settings_are_explained(env):
    member = env.standin.guild.add_member("member")
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    handle = await env.standin.slash(
        "daily setup", {"channel": channel, "time": "09:00", "timezone": "Europe/London"}, user=member
    )
    callback = await handle.response()
    assert callback.message.ephemeral
    assert callback.message.content == "You need the Manage Server permission for this."
    # Discord hides the group from non-admins too.
    command = next(c for c in env.standin.commands[None] if c["name"] == "daily")
    assert command["default_member_permissions"] == str(Permissions.MANAGE_GUILD.value)
    assert "Daily question set up" not in await setup_daily(env, channel, zone="Europe/Londn")
    assert "Closest: Europe/London" in await setup_daily(env, channel, zone="Europe/Londn")
    assert "use 24-hour HH:MM" in await setup_daily(env, channel, time_="25:00")
    assert "Unknown chapter “99”" in await setup_daily(env, channel, chapters="5, 99")
    assert await env.db.fetchall("SELECT * FROM daily_channels") == []
    auto = await env.standin.autocomplete(
        "daily setup", "timezone", "york", {"channel": channel, "time": "09:00"}, user=env.admin
    )
    await auto.response()
    assert auto.choices[0] == {"name": "America/New_York", "value": "America/New_York"}
    assert len(auto.choices) <= 25


async def test_every_admin_command_is_refused_at_run_time_to_a_member_without_manage_server(env):
    member = env.standin.guild.add_member("member")
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    assert "Daily question set up" in await setup_daily(env, channel)
    # A server may show /daily to everyone in its integration settings: each command checks again.
    for name, options in (
        ("daily stop", {"channel": channel}),
        ("daily post", {"channel": channel}),
        ("daily status", {}),
    ):
        handle = await env.standin.slash(name, options, user=member)
        callback = await handle.response()
        assert callback.type == 4, name  # refused at once, not deferred
        assert callback.message.ephemeral and not callback.message.embeds, name
        assert callback.message.content == "You need the Manage Server permission for this.", name
    assert [c.channel_id for c in await env.cog.repo.channels()] == [channel.id]  # still running
    assert env.posts(channel) == []
    assert await env.db.fetchall("SELECT * FROM daily_posts") == []


async def test_missing_permissions_are_named_and_a_missing_thread_permission_degrades(env):
    channel = env.standin.guild.add_text_channel("locked")
    bot_role = env.standin.guild.bot_role
    channel.set_permissions(bot_role, deny=Permissions.EMBED_LINKS | Permissions.CREATE_PUBLIC_THREADS)
    await env.start()
    reply = await setup_daily(env, channel)
    assert "I'm missing Embed Links, Create Public Threads there" in reply
    assert await env.db.fetchall("SELECT * FROM daily_channels") == []
    # Allowed at setup, the thread permission is taken away later: the post goes out without a thread.
    channel.set_permissions(bot_role, deny=NO_PERMISSIONS)
    await env.standin.announce(channel)
    assert "Daily question set up" in await setup_daily(env, channel)
    channel.set_permissions(bot_role, deny=Permissions.CREATE_PUBLIC_THREADS)
    await env.standin.announce(channel)
    env.clock.now = slot(date(2026, 3, 2), "America/New_York")
    outcome = await env.cog.poster.post_daily(channel.id, env.clock.now)
    assert outcome.status == "posted" and outcome.post.thread_id is None
    assert len(env.posts(channel)) == 1
    assert env.standin.requests("POST", "/channels/{channel_id}/messages/{message_id}/threads") == []


async def test_a_failed_send_is_released_and_retried_into_one_post(env):
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    await setup_daily(env, channel)
    env.cog.poster.retry_delays = (0.01, 0.01, 0.01)
    # A 429 (discord.py waits and retries it), then two 503s (released and retried here with backoff).
    env.standin.inject("POST", "/channels/{channel_id}/messages", status=429, nth=1)
    env.standin.inject("POST", "/channels/{channel_id}/messages", status=503, nth=[1, 2])
    env.clock.now = slot(date(2026, 3, 3), "America/New_York")
    outcome = await env.cog.poster.post_daily(channel.id, env.clock.now)
    assert outcome.status == "posted"
    sends = env.standin.requests("POST", "/channels/{channel_id}/messages")
    assert [r.status for r in sends] == [429, 503, 503, 200]
    assert {r.json["nonce"] for r in sends} == {f"iq-daily-{outcome.post.id}"}  # the same post each time
    assert len(env.posts(channel)) == 1


async def test_status_post_now_and_stop(env):
    channel = env.standin.guild.add_text_channel("daily")
    other = env.standin.guild.add_text_channel("other")
    env.clock.now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    await env.start()
    await setup_daily(
        env, channel, zone="Europe/London", kind="definitions", chapters="5, Optimization in Deep Learning"
    )
    await setup_daily(env, other, time_="18:30", zone="Asia/Kolkata")
    handle = await env.standin.slash("daily post", {"channel": channel}, user=env.admin)
    await handle.response()
    reply = await handle.original_message()
    assert reply.content.startswith("Posted today's question in <#")
    handle = await env.standin.slash("daily post", {"channel": channel}, user=env.admin)
    await handle.response()
    assert (await handle.original_message()).content.startswith("Today's question is already out")
    assert len(env.posts(channel)) == 1
    # 09:00 comes: the scheduled fire finds today's out already.
    assert (await env.cog.poster.post_daily(channel.id, slot(date(2026, 3, 2), "Europe/London"))).status == "exists"

    handle = await env.standin.slash("daily status", {}, user=env.admin)
    assert (await handle.response()).type == 5  # deferred: the status reads the database for every channel
    embed = (await handle.original_message()).embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert set(fields) == {"#daily", "#other"}
    assert "09:00 Europe/London · definitions · chapters: 5, 4" in fields["#daily"]
    tomorrow = int(slot(date(2026, 3, 3), "Europe/London").timestamp())
    assert f"Next post: Tue 03 Mar 09:00 Europe/London · <t:{tomorrow}:f> (<t:{tomorrow}:R>)" in fields["#daily"]
    assert "Last post: Monday 2 March (open, 0 members answered)" in fields["#daily"]
    assert (
        "Last post: none yet" in fields["#other"] and "18:30 Asia/Kolkata · mixed · chapters: all" in fields["#other"]
    )

    # Once the next post is out, status reveals the previous one's answer.
    alice = env.standin.guild.add_member("alice")
    right, _ = await right_and_wrong(env, env.posts(channel)[0])
    await click(env, env.posts(channel)[0], right, alice)
    env.clock.now = slot(date(2026, 3, 3), "Europe/London")
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "posted"
    handle = await env.standin.slash("daily status", {}, user=env.admin)
    fields = {f["name"]: f["value"] for f in (await handle.original_message()).embeds[0]["fields"]}
    assert "Last post: Tuesday 3 March (open, 0 members answered)" in fields["#daily"]
    assert "👁️ Previous: 100 % chose **" in fields["#daily"] and "1 member answered" in fields["#daily"]

    handle = await env.standin.slash("daily stop", {"channel": other}, user=env.admin)
    assert "Stopped the daily question" in (await handle.response()).message.content
    assert env.bot.scheduler.get_job(f"iq-daily:{other.id}") is None
    assert (await env.cog.poster.post_daily(other.id, slot(date(2026, 3, 2), "Asia/Kolkata"))).status == "stopped"
    handle = await env.standin.slash("daily stop", {"channel": other}, user=env.admin)
    assert "No daily question runs in" in (await handle.response()).message.content


async def test_jobs_are_rebuilt_from_the_database_at_start_up(env):
    london = env.standin.guild.add_text_channel("london")
    kolkata = env.standin.guild.add_text_channel("kolkata")
    await env.start()
    await setup_daily(env, london, time_="09:00", zone="Europe/London")
    await setup_daily(env, kolkata, time_="07:15", zone="Asia/Kolkata")
    await env.restart()
    jobs = {job.id: job for job in env.bot.scheduler.get_jobs() if job.id.startswith("iq-daily:")}
    assert set(jobs) == {f"iq-daily:{london.id}", f"iq-daily:{kolkata.id}"}
    trigger = jobs[f"iq-daily:{kolkata.id}"].trigger
    assert str(trigger.timezone) == "Asia/Kolkata"
    assert trigger.get_next_fire_time(None, datetime(2026, 3, 2, 2, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 1, 45, tzinfo=UTC
    ) + timedelta(days=1)


async def test_many_channels_due_in_one_minute_stay_under_the_global_limit(env):
    channels = [env.standin.guild.add_text_channel(f"daily-{n}") for n in range(30)]
    await env.start()
    for channel in channels:
        await setup_daily(env, channel, zone="Etc/UTC")
    env.standin.set_global_limit(50)
    env.standin.records.clear()
    outcomes = await env.cog.poster.catch_up(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    assert {o.status for o in outcomes.values()} == {"posted"}
    assert all(len(env.posts(c)) == 1 for c in channels)
    assert env.standin.max_requests_per_second() <= 50
    assert all(r.status != 429 for r in env.standin.records)


# -- the acceptance test ----------------------------------------------------------------------------------

SIM_CHANNELS = {  # name: (time zone, local posting time, kind)
    "london": ("Europe/London", time(8, 0), "definitions"),
    "new-york": ("America/New_York", time(9, 0), "definitions"),
    "kolkata": ("Asia/Kolkata", time(7, 30), "mixed"),
}
SIM_DAYS = [date(2026, 3, 1) + timedelta(days=n) for n in range(30)]  # New York changes clocks on the 8th,
ALL_DAYS = frozenset(range(30))  # London on the 29th
# Who answers which channel's post on which day (indexes into SIM_DAYS).
SIM_PLAN = {
    "ann": {"london": ALL_DAYS},
    "ben": {"new-york": ALL_DAYS - {9, 19, 20}},
    "cai": {"kolkata": frozenset(range(15)), "new-york": frozenset(range(15, 30)) | {4}},
    "dee": {"london": frozenset({0, 1, 2})},
    "eve": {"london": ALL_DAYS - {7, 13, 14}},
}
# The streaks counted by hand from SIM_PLAN: (current, longest, freezes).
# ann: 30 days running; a freeze at 7, 14 (21 and 28 find the cap of 2).
# ben: 03-01..03-09 (9, a freeze at 7); 03-10 missed, covered (0 freezes); 03-11..03-19 (10..18, a freeze at 14);
#      03-20 and 03-21 missed: 2 > 1 freeze, broken; 03-22..03-30: 9, a freeze at 7 → 2.
# cai: Kolkata 03-01..03-15 then New York 03-16..03-30 (and both on 03-05): 30 consecutive post dates.
# dee: 03-01..03-03, then every day is missed: broken (0) by the time 03-29 is over.
# eve: 03-01..03-07 (7, a freeze); 03-08 covered (0); 03-09..03-13 (8..12); 03-14 and 03-15 missed without a
#      freeze: broken; 03-16..03-30: 15, freezes at 7 and 14.
SIM_STREAKS = {
    "ann": (30, 30, 2),
    "ben": (9, 18, 2),
    "cai": (30, 30, 2),
    "dee": (0, 3, 0),
    "eve": (15, 15, 2),
}


async def answer_post(env: DailyEnv, message: StoredMessage, member) -> None:
    """Answer a post as a member would: the right option, or an open answer through the modal."""
    ids = choice_ids(message)
    if ids:
        right, _ = await right_and_wrong(env, message)
        text = await click(env, message, right, member)
        assert text.startswith("✅"), text
        return
    answer_id = next(
        c["custom_id"] for c in message.all_components() if c.get("custom_id", "").startswith("iq:daily-answer:")
    )
    opener = await env.standin.click(message, answer_id, user=member)
    await opener.response()
    post_id = answer_id.rsplit(":", 1)[1]
    submit = await env.standin.submit_modal(f"iq:daily-modal:{post_id}", {"answer": "My answer."}, user=member)
    assert (await submit.response()).message.embeds[0]["title"] == "Answer saved · +5 points"


async def test_acceptance_three_time_zones_for_thirty_days_with_restarts(env):
    guild = env.standin.guild
    members = {name: guild.add_member(name) for name in SIM_PLAN}
    channels = {name: guild.add_text_channel(name) for name in SIM_CHANNELS}
    env.clock.now = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    await env.start()
    for name, (zone, at, kind) in SIM_CHANNELS.items():
        await setup_daily(env, channels[name], time_=at.strftime("%H:%M"), zone=zone, kind=kind)

    events = sorted(
        (daily.slot_at(day, at, zone), index, name)
        for index, day in enumerate(SIM_DAYS)
        for name, (zone, at, _) in SIM_CHANNELS.items()
    )
    for moment, index, name in events:
        channel = channels[name]
        if (index, name) == (4, "kolkata"):
            # The bot is down across Kolkata's posting time and back 2 hours later: the catch-up posts.
            await env.stop()
            env.clock.now = moment + timedelta(hours=2)
            await env.start()
        elif (index, name) == (19, "new-york"):
            # A crash between claim and send, then a restart 3 minutes later.
            settings = await env.cog.repo.channel(channel.id)
            assert await env.cog.repo.claim(settings, SIM_DAYS[index], "dead-run", moment) is not None
            await env.stop()
            env.clock.now = moment + timedelta(minutes=3)
            await env.start()
        else:
            env.clock.now = moment
            fires = 2 if index == 24 else 1  # two scheduler fires at once on day 25
            outcomes = await asyncio.gather(*(env.cog.poster.post_daily(channel.id, moment) for _ in range(fires)))
            assert sorted(o.status for o in outcomes) == ["exists"] * (fires - 1) + ["posted"]
            if (index, name) == (11, "london"):
                await env.restart()  # a restart in the posting minute, after the post
        posts = env.posts(channel)
        assert posts[-1].embeds[0]["title"].endswith(render_day(SIM_DAYS[index]))
        env.clock.now += timedelta(minutes=10)
        for member_name, plan in SIM_PLAN.items():
            if index in plan.get(name, ()):
                await answer_post(env, posts[-1], members[member_name])

    # Exactly one post per channel and day, in the channel's own dates.
    for channel in channels.values():
        titles = [p.embeds[0]["title"] for p in env.posts(channel)]
        assert len(titles) == 30
        assert [t.split(" · ")[1] for t in titles] == [render_day(d) for d in SIM_DAYS]
        rows = await env.db.fetchall(
            "SELECT local_date, state, item FROM daily_posts WHERE channel_id = ? ORDER BY local_date", (channel.id,)
        )
        assert [r["local_date"] for r in rows] == [d.isoformat() for d in SIM_DAYS]
        assert {r["state"] for r in rows} == {"posted"}
        assert len({r["item"] for r in rows}) == 30  # no repeats within the cycle
    assert env.starts == 4  # three restarts
    kolkata = await env.db.fetchall("SELECT item FROM daily_posts WHERE channel_id = ?", (channels["kolkata"].id,))
    assert {r["item"].split(":")[0] for r in kolkata} == {"term", "question"}  # mixed: buttons and the modal
    rows = await env.db.fetchall("SELECT user_id, current, longest, freezes FROM member_streaks")
    streaks = {r["user_id"]: (r["current"], r["longest"], r["freezes"]) for r in rows}
    assert {name: streaks[m.id] for name, m in members.items()} == SIM_STREAKS
    ann_points = await env.db.fetchone("SELECT sum(points) FROM score_events WHERE user_id = ?", (members["ann"].id,))
    assert ann_points[0] == 30 * daily.POINTS_CORRECT
    handle = await env.standin.slash("streak", {"member": members["ben"]}, user=members["ann"])
    values = {f["name"]: f["value"] for f in (await handle.response()).message.embeds[0]["fields"]}
    assert (values["Current"], values["Longest"], values["Freezes"]) == ("🔥 9 days", "🏆 18 days", "🧊 2 of 2")


def render_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


async def test_a_deleted_channel_stops_its_daily_question(env, caplog):
    channel = env.standin.guild.add_text_channel("doomed")
    await env.start()
    await setup_daily(env, channel)
    env.standin.guild.channels.remove(channel)  # deleted on Discord's side
    env.clock.now = slot(date(2026, 3, 3), "America/New_York")
    with caplog.at_level("WARNING", logger="bot.cogs.daily"):
        outcome = await env.cog.poster.post_daily(channel.id, env.clock.now)
    assert outcome.status == "stopped"
    assert any("cannot post the daily question" in r.getMessage() for r in caplog.records)
    assert await env.cog.repo.channels() == []
    assert env.bot.scheduler.get_job(f"iq-daily:{channel.id}") is None
    assert (await env.db.fetchone("SELECT state FROM daily_posts"))["state"] == "failed"


async def _never(*_: object) -> bool:
    return False


@pytest.mark.parametrize(
    ("death", "window_passed"),
    [("crash", True), ("shutdown", True), ("crash", False)],
    ids=["crash", "shutdown", "within-the-nonce-window"],
)
async def test_a_send_whose_answer_never_came_back_is_found_not_posted_twice(env, monkeypatch, death, window_passed):
    channel = env.standin.guild.add_text_channel("daily")
    await env.start()
    await setup_daily(env, channel)
    day = date(2026, 3, 9)
    env.clock.now = slot(day, "America/New_York")
    # Discord creates the message, and the bot dies before it reads the answer.
    hold = env.standin.hold("POST", "/channels/{channel_id}/messages")
    poster = env.cog.poster
    if death == "crash":
        monkeypatch.setattr(poster.repo, "release", _never)  # a crash: not even the claim's release runs
    sending = asyncio.create_task(poster.post_daily(channel.id, env.clock.now))
    await asyncio.wait_for(hold.caught.wait(), 5)
    [sent] = env.posts(channel)
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sending
    left = await env.cog.repo.post_on(channel.id, day)
    assert left.state == ("claimed" if death == "crash" else "failed")  # a shutdown frees the day for a retry
    await env.stop()
    hold.release()
    if window_passed:
        env.standin.pass_nonce_window()  # the restart comes after Discord forgot the send's nonce
    env.clock.now += timedelta(minutes=10)
    await env.start()  # the start-up catch-up takes the day over
    assert env.posts(channel) == [sent]
    stored = await env.cog.repo.post_on(channel.id, day)
    assert (stored.state, stored.message_id, stored.thread_id) == ("posted", sent.id, sent.id)
    assert (await env.cog.poster.post_daily(channel.id, env.clock.now)).status == "exists"
    assert len(env.posts(channel)) == 1


async def test_a_lone_surrogate_in_an_open_answer_is_replaced_not_a_crash(env):
    alice = env.standin.guild.add_member("alice")
    channel = env.standin.guild.add_text_channel("interview")
    await env.start()
    await setup_daily(env, channel, kind="interview")
    env.clock.now = slot(date(2026, 3, 3), "America/New_York")
    post = (await env.cog.poster.post_daily(channel.id, env.clock.now)).post
    [message] = env.posts(channel)
    opener = await env.standin.click(message, f"iq:daily-answer:{post.id}", user=alice)
    await opener.response()
    # Half of an emoji, as a modified client (or a cut paste) can send it; the other pair arrives in two halves.
    typed = "Bias \ud83d and variance \ud83d\ude00"
    submit = await env.standin.submit_modal(f"iq:daily-modal:{post.id}", {"answer": typed}, user=alice)
    assert (await submit.response()).message.embeds[0]["title"] == "Answer saved · +5 points"
    stored = await env.db.fetchone("SELECT answer_text FROM daily_answers WHERE user_id = ?", (alice.id,))
    assert stored["answer_text"] == "Bias \ufffd and variance 😀"
