"""Mock interviews end to end: the real bot against the Discord stand-in, on a real SQLite file.

Time is the env's injected clock: deadlines and absences are driven by moving it and running the sweep the
scheduler would run (`_views.sweep`); nothing waits on the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import discord

from bot.cogs.interview import _views
from bot.core import interview as iv
from bot.repos.interview import InterviewRepo
from bot.ui import chapter_label
from standin import Permissions, StoredMessage

# Optimization: every question of a chapter is filed under it and has related terms to review.
CHAPTER = "deep-learning:4"


def buttons(message: StoredMessage) -> list[dict[str, Any]]:
    return [c for c in message.all_components() if c.get("type") == 2]


def labels(message: StoredMessage) -> list[str]:
    return [b["label"] for b in buttons(message)]


def menu(message: StoredMessage) -> dict[str, Any]:
    (found,) = [c for c in message.all_components() if c.get("type") == 3]
    return found


def marked(message: StoredMessage) -> list[str]:
    return [o["value"] for o in menu(message)["options"] if o.get("default")]


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def stamp(moment) -> str:
    seconds = int(moment.timestamp())
    return f"<t:{seconds}:R> (<t:{seconds}:t>)"


def strings(value: Any) -> Iterator[str]:
    """Every text inside a message payload."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


async def start_solo(env, **options: Any) -> tuple[StoredMessage, int]:
    callback = await (await env.standin.slash("interview start", options)).response()
    assert callback.type == 4 and callback.message.ephemeral
    interview_id = int(buttons(callback.message)[0]["custom_id"].split(":")[2])
    return callback.message, interview_id


async def click(env, message: StoredMessage, custom_id: str, **kwargs: Any):
    return await (await env.standin.click(message, custom_id, **kwargs)).response()


async def questions_of(env, library, interview_id: int) -> list[iv.InterviewQuestion]:
    interview = await InterviewRepo(env.bot.db).interview(interview_id)
    return [iv.find_question(library, q.ref) for q in interview.questions]


async def test_a_solo_interview_written_then_out_loud_to_its_scorecard_and_review(env, library):
    bot = await env.start()
    started = env.clock()
    screen, iid = await start_solo(env, chapter=CHAPTER, questions=2, minutes=3)
    first, second = await questions_of(env, library, iid)
    assert len(first.points) >= 3 and len(second.points) >= 3  # open questions (the seed is fixed)

    question = screen.embeds[0]
    assert question["title"] == "Question 1 of 2"
    assert question["description"] == f"**{first.text}**\n\n⏳ Time's up {stamp(started + timedelta(minutes=3))}"
    assert question["author"]["name"] == chapter_label(library.chapters[CHAPTER])
    assert labels(screen) == ["Write my answer", "I answered out loud", "End interview"]

    # 1: a written answer, 95 seconds in. It covers the first and the last key point in the member's words.
    opener = await env.standin.click(screen, f"iq:iv:{iid}:0:write")
    await opener.response()
    assert opener.modal["custom_id"] == f"iq:iv-answer:{iid}:0"
    [label] = opener.modal["components"]
    assert (label["component"]["min_length"], label["component"]["max_length"]) == (1, 4000)
    env.clock.advance(seconds=95)
    answer = f"So: {first.points[0]} And in practice, {first.points[-1]}"
    submitted = await (await env.standin.submit_modal(f"iq:iv-answer:{iid}:0", {"answer": answer})).response()
    assert submitted.type == 7 and submitted.message is screen  # the same private message, in place

    marking = screen.embeds[0]
    assert marking["title"] == "Question 1 of 2: mark what you covered"
    assert all(f"**{n}.** {point}" in marking["description"] for n, point in enumerate(first.points, start=1))
    hint = iv.coverage_hint(first, answer)
    assert {0, len(first.points) - 1} <= set(hint)
    assert fields(marking)["Your answer"] == discord.utils.escape_markdown(answer)
    numbers = ", ".join(str(n + 1) for n in hint)
    assert fields(marking)["💡 Hint"].startswith(f"Pre-marked as a hint: {numbers}. These points share")
    assert "that is not the score" in fields(marking)["💡 Hint"]
    assert fields(marking)["Time"] == "1:35 of 3:00"
    assert marked(screen) == [str(n) for n in hint]  # pre-marked, as a hint
    assert (menu(screen)["min_values"], menu(screen)["max_values"]) == (0, len(first.points))
    assert labels(screen) == ["Next question", "End interview"]

    # The member marks what they really covered: every point but the second.
    mine = [str(n) for n in range(len(first.points)) if n != 1]
    await click(env, screen, f"iq:iv:{iid}:0:mark", values=mine)
    assert marked(screen) == mine
    env.clock.advance(seconds=20)
    await click(env, screen, f"iq:iv:{iid}:0:next")

    # 2: out loud, 50 seconds in; nothing pre-marked, and the member marks nothing.
    assert screen.embeds[0]["title"] == "Question 2 of 2"
    env.clock.advance(seconds=50)
    await click(env, screen, f"iq:iv:{iid}:1:spoken")
    marking = screen.embeds[0]
    assert set(fields(marking)) == {"Time"} and fields(marking)["Time"] == "0:50 of 3:00"
    assert marked(screen) == []
    assert labels(screen) == ["Finish: see the scorecard", "End interview"]
    await click(env, screen, f"iq:iv:{iid}:1:finish")

    card = screen.embeds[0]
    total = len(first.points) + len(second.points)
    share = round(100 * len(mine) / total)
    assert card["title"] == "Mock interview scorecard"
    assert card["description"] == f"**{len(mine)} of {total} key points covered ({share} %)**\nTime used: 2:25 of 6:00"
    first_share = round(100 * len(mine) / len(first.points))
    assert fields(card) == {
        f"1. {first.text}": f"{len(mine)}/{len(first.points)} key points ({first_share} %) · 1:35 of 3:00 · written",
        f"2. {second.text}": f"0/{len(second.points)} key points (0 %) · 0:50 of 3:00 · out loud",
        "Chapters to work on": chapter_label(library.chapters[CHAPTER]),
    }
    assert card["footer"]["text"].endswith("Mock interviews are practice: they never add leaderboard points.")
    terms = second.related  # only the second question was weak
    assert labels(screen) == [f"Add these to my review ({len(terms)} terms)"]

    stored = await InterviewRepo(bot.db).interview(iid)
    assert (stored.state, stored.end_reason) == ("ended", "finished")
    assert [(q.answer_kind, q.answer_text, q.hint, q.covered) for q in stored.questions] == [
        ("written", answer, hint, tuple(int(n) for n in mine)),
        ("spoken", None, None, ()),
    ]
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM score_events"))[0] == 0  # practice: no leaderboard points

    # "Add these to my review": the weak question's related terms become review cards, due now.
    env.clock.advance(seconds=5)
    reply = await click(env, screen, f"iq:iv:{iid}:review")
    assert reply.type == 4 and reply.message.ephemeral
    assert reply.message.content.startswith(f"{len(terms)} terms from the questions with fewer than half")
    cards = await bot.db.fetchall("SELECT term_id, due FROM review_cards WHERE user_id = ?", (env.standin.member.id,))
    assert sorted(r["term_id"] for r in cards) == sorted(terms)
    assert {r["due"] for r in cards} == {env.clock().isoformat(timespec="microseconds")}


async def test_a_solo_interview_survives_restarts_and_a_deadline_passing(env, library):
    await env.start()
    screen, iid = await start_solo(env, chapter=CHAPTER, questions=2, minutes=2)
    first, second = await questions_of(env, library, iid)

    # The bot restarts while the member writes: the answer is still saved.
    opener = await env.standin.click(screen, f"iq:iv:{iid}:0:write")
    await opener.response()
    await env.restart()
    env.clock.advance(seconds=30)
    await (await env.standin.submit_modal(f"iq:iv-answer:{iid}:0", {"answer": first.points[0]})).response()
    assert screen.embeds[0]["title"] == "Question 1 of 2: mark what you covered"
    assert fields(screen.embeds[0])["Time"] == "0:30 of 2:00"

    # And again between marking and moving on: the buttons still work.
    await env.restart()
    await click(env, screen, f"iq:iv:{iid}:0:next")
    assert screen.embeds[0]["title"] == "Question 2 of 2"

    # The deadline passes: the sweep turns the screen to the key points, time ran out.
    env.clock.advance(seconds=119)
    await _views.sweep(env.bot)
    assert screen.embeds[0]["title"] == "Question 2 of 2"
    env.clock.advance(seconds=1)
    await _views.sweep(env.bot)
    await env.standin.wait_until(lambda: screen.embeds[0]["title"] == "Question 2 of 2: mark what you covered" or None)
    assert fields(screen.embeds[0])["Time"] == "⏰ Time ran out (2:00)"
    assert labels(screen) == ["Finish: see the scorecard", "End interview"]
    await click(env, screen, f"iq:iv:{iid}:1:mark", values=["0"])
    await click(env, screen, f"iq:iv:{iid}:1:finish")
    result = fields(screen.embeds[0])[f"2. {second.text}"]
    assert result.startswith(f"1/{len(second.points)} key points") and result.endswith("time ran out (2:00)")


async def test_a_written_answer_after_the_deadline_still_counts_and_long_answers_are_cut_with_care(env, library):
    await env.start()
    screen, iid = await start_solo(env, chapter=CHAPTER, questions=1, minutes=1)
    opener = await env.standin.click(screen, f"iq:iv:{iid}:0:write")
    await opener.response()
    env.clock.advance(seconds=75)  # the member was still writing when time ran out
    await _views.sweep(env.bot)
    await env.standin.wait_until(lambda: "mark what you covered" in screen.embeds[0]["title"] or None)
    longest = ("**bold** <@123> `code` " * 200)[: iv.ANSWER_LIMIT]
    await (await env.standin.submit_modal(f"iq:iv-answer:{iid}:0", {"answer": longest})).response()
    marking = fields(screen.embeds[0])
    assert marking["Time"] == "1:15 of 1:00 (over time)"
    assert len(marking["Your answer"]) <= 1000 and marking["Your answer"].endswith("more characters not shown)*")
    stored = await InterviewRepo(env.bot.db).interview(iid)
    assert stored.questions[0].answer_text == longest  # kept whole, exactly as typed


async def test_a_member_gone_longer_than_the_deadline_ends_politely(env, library):
    bot = await env.start()
    screen, iid = await start_solo(env, chapter=CHAPTER, questions=3, minutes=1)
    await click(env, screen, f"iq:iv:{iid}:0:spoken")
    await click(env, screen, f"iq:iv:{iid}:0:mark", values=["0"])
    await click(env, screen, f"iq:iv:{iid}:0:next")
    # The second question is due after a minute; the member is gone three more (the shortest grace).
    env.clock.advance(minutes=1)
    await _views.sweep(bot)
    env.clock.advance(minutes=3)
    await env.restart()  # the screen's interaction is forgotten: the next click shows the end instead
    await _views.sweep(env.bot)
    stored = await InterviewRepo(env.bot.db).interview(iid)
    assert (stored.state, stored.end_reason) == ("ended", "abandoned")
    assert await InterviewRepo(env.bot.db).active_of(env.standin.member.id) is None

    late = await click(env, screen, f"iq:iv:{iid}:1:next")
    assert late.type == 7
    card = screen.embeds[0]
    assert card["description"].startswith(
        "⏹ This interview ended: nothing happened for 3 minutes after the deadline.\n\n**1 of "
    )
    assert list(fields(card).values())[1:] == ["Not marked", "Not reached", fields(card)["Chapters to work on"]]
    # The member can start again at once.
    await start_solo(env, questions=1)


async def test_a_pair_interview_from_invitation_to_both_scorecards(env, library):
    alice = env.standin.member
    bob = env.standin.guild.add_member("bob")
    await env.start()
    started = await env.standin.slash(
        "interview pair", {"member": bob, "chapter": CHAPTER, "questions": 2, "minutes": 2}
    )
    callback = await started.response()
    invitation = callback.message
    assert callback.type == 4 and not invitation.ephemeral
    assert invitation.content == f"<@{bob.id}>, <@{alice.id}> invites you to a mock interview."
    assert callback.data["allowed_mentions"]["users"] == [bob.id]  # only the invited member is pinged
    assert invitation.embeds[0]["description"].startswith(f"Candidate: <@{alice.id}> · interviewer: <@{bob.id}>")
    assert labels(invitation) == ["Accept", "Decline"]
    iid = int(buttons(invitation)[0]["custom_id"].split(":")[2])
    first, second = await questions_of(env, library, iid)

    refused = await click(env, invitation, f"iq:iv:{iid}:accept")
    assert refused.message.ephemeral and refused.message.content == "This invitation is for someone else."
    env.clock.advance(seconds=30)
    accepted = await click(env, invitation, f"iq:iv:{iid}:accept", user=bob)
    assert accepted.type == 7 and buttons(invitation) == []
    assert (
        invitation.content == f"Mock interview: <@{alice.id}> answers, <@{bob.id}> asks. It runs in the thread below."
    )
    thread = await env.standin.wait_until(lambda: env.standin.world.channel(invitation.id))
    assert thread.name == "Mock interview: Tester with Bob"

    def posted() -> list[StoredMessage]:
        return env.standin.channel_messages(thread)

    q1 = (await env.standin.wait_until(lambda: posted() or None))[0]
    assert q1.content == f"<@{alice.id}> answers, <@{bob.id}> asks. Good luck!"  # adds both to the thread
    assert (
        q1.embeds[0]["description"] == f"**{first.text}**\n\n⏳ Time's up {stamp(env.clock() + timedelta(minutes=2))}"
    )
    assert labels(q1) == ["Key points (interviewer)", "End interview"]

    # The candidate cannot see the key points; the interviewer gets them privately.
    refused = await click(env, q1, f"iq:iv:{iid}:0:points")
    assert refused.message.ephemeral and refused.message.content.startswith("Only the interviewer sees the key points")
    panel = (await click(env, q1, f"iq:iv:{iid}:0:points", user=bob)).message
    assert panel.ephemeral and panel.interaction.member is bob
    assert panel.embeds[0]["title"] == "Question 1 of 2: mark what the candidate covered"
    assert first.points[0] in panel.embeds[0]["description"]
    assert fields(panel.embeds[0])["Time"].startswith("Running: time's up <t:")
    env.clock.advance(seconds=70)
    await click(env, panel, f"iq:iv:{iid}:0:mark", user=bob, values=["0", "1"])  # the clock stops at the first mark
    assert marked(panel) == ["0", "1"]

    # A restart in the middle: the interviewer's buttons still work.
    await env.restart()
    await click(env, panel, f"iq:iv:{iid}:0:next", user=bob)
    assert (
        panel.content
        == "Marked question 1: 2/" + f"{len(first.points)} key points covered. The next question is in the thread."
    )
    q2 = (await env.standin.wait_until(lambda: posted()[1:] or None))[0]
    assert q1.embeds[0]["title"] == "Question 1 of 2 ✅" and buttons(q1) == []
    assert fields(q1.embeds[0])["Result"].startswith(f"2/{len(first.points)} key points")
    assert q2.embeds[0]["title"] == "Question 2 of 2"

    env.clock.advance(seconds=40)
    panel2 = (await click(env, q2, f"iq:iv:{iid}:1:points", user=bob)).message
    await click(env, panel2, f"iq:iv:{iid}:1:finish", user=bob)
    assert panel2.content.endswith("The scorecard is in the thread.")
    scorecard = (await env.standin.wait_until(lambda: posted()[2:] or None))[0]
    card = scorecard.embeds[0]
    assert card["title"] == "Mock interview scorecard"
    assert f"Candidate: <@{alice.id}> · interviewer: <@{bob.id}>" in card["description"]
    assert fields(card)[f"2. {second.text}"] == f"0/{len(second.points)} key points (0 %) · 0:40 of 2:00 · out loud"
    assert buttons(q2) == []

    # Both see the scorecard in the thread; the key points never reached the candidate.
    seen_by_alice = [
        m
        for m in env.standin.messages.values()
        if not m.ephemeral or (m.interaction is not None and m.interaction.member is alice)
    ]
    assert scorecard in seen_by_alice
    text = "\n".join(s for m in seen_by_alice for s in strings(m.payload))
    leaked = [p for q in (first, second) for p in q.points if p[:50] in text]
    assert leaked == []

    stored = await InterviewRepo(env.bot.db).interview(iid)
    assert (stored.state, stored.end_reason, stored.questions[0].covered) == ("ended", "finished", (0, 1))
    assert (await env.bot.db.fetchone("SELECT COUNT(*) FROM score_events"))[0] == 0


async def test_a_pair_question_whose_deadline_passes_then_a_member_ends_it(env, library):
    alice = env.standin.member
    bob = env.standin.guild.add_member("bob")
    await env.start()
    invitation = (
        await (
            await env.standin.slash("interview pair", {"member": bob, "role": "interviewer", "minutes": 1})
        ).response()
    ).message
    iid = int(buttons(invitation)[0]["custom_id"].split(":")[2])
    await click(env, invitation, f"iq:iv:{iid}:accept", user=bob)
    thread = await env.standin.wait_until(lambda: env.standin.world.channel(invitation.id))
    q1 = (await env.standin.wait_until(lambda: env.standin.channel_messages(thread) or None))[0]
    assert q1.content == f"<@{bob.id}> answers, <@{alice.id}> asks. Good luck!"  # alice chose to interview

    env.clock.advance(minutes=1)
    await _views.sweep(env.bot)
    await env.standin.wait_until(lambda: "time's up" in q1.embeds[0]["title"] or None)
    assert q1.embeds[0]["title"] == "Question 1 of 5: time's up ⏰"
    assert labels(q1) == ["Key points (interviewer)", "End interview"]  # the interviewer still marks

    # The candidate ends it: the question closes and the scorecard goes to the thread.
    ended = await click(env, q1, f"iq:iv:{iid}:end", user=bob)
    assert ended.type == 6
    scorecard = (await env.standin.wait_until(lambda: env.standin.channel_messages(thread)[1:] or None))[0]
    assert scorecard.embeds[0]["description"].startswith(
        f"⏹ <@{bob.id}> ended the interview.\n\nNo question was marked."
    )
    await env.standin.wait_until(lambda: buttons(q1) == [] or None)
    assert fields(q1.embeds[0])["Result"] == "Not marked: the interview ended."


async def test_a_pair_interview_nobody_moves_on_ends_by_itself_and_the_interviewer_can_end_from_the_key_points(env):
    alice = env.standin.member
    bob = env.standin.guild.add_member("bob")
    await env.start()

    async def accepted_pair() -> tuple[int, StoredMessage, Any]:
        invitation = (
            await (await env.standin.slash("interview pair", {"member": bob, "minutes": 2})).response()
        ).message
        iid = int(buttons(invitation)[0]["custom_id"].split(":")[2])
        await click(env, invitation, f"iq:iv:{iid}:accept", user=bob)
        thread = await env.standin.wait_until(lambda: env.standin.world.channel(invitation.id))
        question = (await env.standin.wait_until(lambda: env.standin.channel_messages(thread) or None))[0]
        return iid, question, thread

    # Nobody marks or moves on: two minutes to the deadline, three more of grace, and the interview ends.
    iid, question, thread = await accepted_pair()
    env.clock.advance(minutes=5)
    await _views.sweep(env.bot)
    scorecard = (await env.standin.wait_until(lambda: env.standin.channel_messages(thread)[1:] or None))[0]
    assert scorecard.embeds[0]["description"].startswith(
        "⏹ This interview ended: nothing happened for 3 minutes after the deadline.\n\nNo question was marked."
    )
    await env.standin.wait_until(lambda: buttons(question) == [] or None)
    assert (await InterviewRepo(env.bot.db).interview(iid)).end_reason == "abandoned"

    # The interviewer ends the next one from their key points.
    iid, question, thread = await accepted_pair()
    panel = (await click(env, question, f"iq:iv:{iid}:0:points", user=bob)).message
    await click(env, panel, f"iq:iv:{iid}:end", user=bob)
    assert panel.content == "You ended the interview; the scorecard is in the thread." and buttons(panel) == []
    scorecard = (await env.standin.wait_until(lambda: env.standin.channel_messages(thread)[1:] or None))[0]
    assert scorecard.embeds[0]["description"].startswith(f"⏹ <@{bob.id}> ended the interview.")
    assert await InterviewRepo(env.bot.db).active_of(alice.id) is None


async def test_an_invitation_lapses_and_pairing_needs_free_members_and_thread_permissions(env):
    alice = env.standin.member
    bob = env.standin.guild.add_member("bob")
    carol = env.standin.guild.add_member("carol")
    await env.start()
    invitation = (await (await env.standin.slash("interview pair", {"member": bob})).response()).message
    iid = int(buttons(invitation)[0]["custom_id"].split(":")[2])

    # While invited, bob is taken.
    busy = await (await env.standin.slash("interview pair", {"member": bob}, user=carol)).response()
    assert busy.message.ephemeral
    assert (
        busy.message.content
        == f"<@{bob.id}> is already in a mock interview (or invited to one). Try again when it is over."
    )
    mine = await (await env.standin.slash("interview start")).response()
    assert mine.message.content.startswith("You're already in a mock interview")

    env.clock.advance(minutes=4, seconds=59)
    await _views.sweep(env.bot)
    assert labels(invitation) == ["Accept", "Decline"]
    env.clock.advance(seconds=1)
    await _views.sweep(env.bot)
    await env.standin.wait_until(lambda: buttons(invitation) == [] or None)
    assert invitation.content == f"The invitation to <@{bob.id}> lapsed: no answer within 5 minutes."
    assert invitation.embeds == []
    stored = await InterviewRepo(env.bot.db).interview(iid)
    assert (stored.state, stored.end_reason) == ("ended", "lapsed")

    # Withdrawing one's own invitation.
    second = (await (await env.standin.slash("interview pair", {"member": bob})).response()).message
    second_id = int(buttons(second)[0]["custom_id"].split(":")[2])
    await click(env, second, f"iq:iv:{second_id}:decline")
    assert second.content == f"<@{alice.id}> withdrew the invitation."

    # The permission is taken away between the invitation and its acceptance: the interview is off, and says why.
    third = (await (await env.standin.slash("interview pair", {"member": bob})).response()).message
    third_id = int(buttons(third)[0]["custom_id"].split(":")[2])
    env.standin.channel.set_permissions(env.standin.guild.bot_role, deny=Permissions.CREATE_PUBLIC_THREADS)
    await click(env, third, f"iq:iv:{third_id}:accept", user=bob)
    await env.standin.wait_until(lambda: third.content.startswith("I couldn't open a thread here") or None)
    assert (await InterviewRepo(env.bot.db).active_of(bob.id)) is None

    # A channel where the bot cannot open threads is refused, naming the permission.
    refused = await (await env.standin.slash("interview pair", {"member": bob})).response()
    assert refused.message.ephemeral
    assert refused.message.content == "I need the Create Public Threads permission here to run a pair interview."
    themselves = await (await env.standin.slash("interview pair", {"member": alice})).response()
    assert themselves.message.content.startswith("Pick another member of this server")


async def test_history_shows_past_scorecards_and_stats_counts_them(env, library):
    await env.start()
    for marks in (["0"], ["0", "1", "2"]):
        screen, iid = await start_solo(env, chapter=CHAPTER, questions=1)
        await click(env, screen, f"iq:iv:{iid}:0:spoken")
        await click(env, screen, f"iq:iv:{iid}:0:mark", values=marks)
        await click(env, screen, f"iq:iv:{iid}:0:finish")
        env.clock.advance(days=1)
    history = (await (await env.standin.slash("interview history")).response()).message
    assert history.ephemeral
    lines = history.embeds[0]["description"].split("\n")
    assert lines[0].startswith("Coverage, oldest to newest: ") and len(lines[0].rsplit(" ", 1)[1]) == 2
    assert lines[1].startswith("Trend: +")
    assert lines[3].endswith("· solo · 1 question · 3/" + lines[3].rsplit("/", 1)[1])
    stats = await env.standin.slash("stats")
    await stats.response()
    reply = await stats.original_message()
    value = fields(reply.embeds[0])["Mock interviews"]
    assert value.startswith("2 done · average coverage ")
