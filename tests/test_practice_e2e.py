"""Solo quizzes and spaced review end to end: the real bot against the Discord stand-in, on a real SQLite file.

Time is the env's injected clock: answers are "slow" because the test moves the clock, and the idle
time-out is driven by calling the sweep the scheduler would run; nothing waits on the wall clock.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fsrs import Rating

from bot.db import from_iso
from bot.repos.review import ReviewRepo
from standin import StoredMessage

REGULARIZATION = "deep-learning:5"


def buttons(message: StoredMessage) -> list[dict[str, Any]]:
    """The message's buttons, in order."""
    return [c for c in message.all_components() if c.get("type") == 2]


def by_label(message: StoredMessage, label: str) -> dict[str, Any]:
    found = [b for b in buttons(message) if b.get("label") == label]
    assert found, f"no button {label!r}; labels: {[b.get('label') for b in buttons(message)]}"
    return found[0]


async def questions_of(bot, session_id: int) -> list[Any]:
    """The stored questions of a session (the test reads the right answers from the database)."""
    return await bot.db.fetchall(
        "SELECT position, term_id, answer, choice, correct, elapsed FROM solo_questions WHERE session_id = ?"
        " ORDER BY position",
        (session_id,),
    )


async def answer(env, message: StoredMessage, custom_id: str, after: float) -> None:
    """Click an answer (or Next) `after` seconds of the bot's clock, and wait for the message update."""
    env.clock.advance(seconds=after)
    callback = await (await env.standin.click(message, custom_id)).response()
    assert callback.type == 7 and callback.message is message  # the private message is updated in place


async def start_quiz(env, **options: Any) -> tuple[StoredMessage, int]:
    handle = await env.standin.slash("quiz solo", options)
    callback = await handle.response()
    message = callback.message
    assert callback.type == 4 and message.ephemeral
    session_id = int(buttons(message)[0]["custom_id"].split(":")[2])
    return message, session_id


async def test_solo_quiz_from_start_to_finish(env, library):
    bot = await env.start()
    start = env.clock()
    quiz, session_id = await start_quiz(env, chapter=REGULARIZATION, questions=3, mode="definition")
    asked = await questions_of(bot, session_id)
    terms = [library.terms[row["term_id"]] for row in asked]
    assert all(t.chapter == 5 for t in terms) and len({t.id for t in terms}) == 3

    embed = quiz.embeds[0]
    assert embed["title"] == "Question 1 of 3"
    assert embed["description"].startswith("Which term is this?\n\n> ")
    assert embed["footer"]["text"] == "Chapter 5: Regularization Techniques · definition → term"
    assert [b["custom_id"] for b in buttons(quiz)] == [f"iq:solo:{session_id}:0:{n}" for n in range(4)]
    assert terms[0].term in [b["label"] for b in buttons(quiz)]

    # 1: right after 5 s.
    await answer(env, quiz, f"iq:solo:{session_id}:0:{asked[0]['answer']}", after=5)
    feedback = quiz.embeds[0]
    assert feedback["title"] == "✅ Right!"
    assert feedback["description"] == f"**{terms[0].term}**: {terms[0].definition}"
    assert feedback["fields"] == [{"name": "💡 Interview tip", "value": terms[0].tip, "inline": False}]
    assert feedback["footer"]["text"] == "Question 1/3 ▰▱▱"
    assert [b["label"] for b in buttons(quiz)] == ["Next question"]

    # 2: wrong.
    await answer(env, quiz, f"iq:solo:{session_id}:1:next", after=3)
    assert quiz.embeds[0]["title"] == "Question 2 of 3"
    wrong = (asked[1]["answer"] + 1) % 4
    options = await bot.db.fetchone(
        "SELECT options FROM solo_questions WHERE session_id = ? AND position = 1", (session_id,)
    )
    picked = library.terms[json.loads(options[0])[wrong]]
    await answer(env, quiz, f"iq:solo:{session_id}:1:{wrong}", after=8)
    feedback = quiz.embeds[0]
    assert feedback["title"] == "❌ Not quite"
    assert feedback["description"] == (
        f"You picked **{picked.term}**.\nThe answer is **{terms[1].term}**: {terms[1].definition}"
    )
    # What the picked option really is, beside the answer, then the answer's interview tip.
    difference, tip = feedback["fields"]
    assert difference["name"] in (f"{picked.term} is", f"Easy to confuse: {picked.term} is")
    assert difference["value"] == picked.definition
    assert tip == {"name": "💡 Interview tip", "value": terms[1].tip, "inline": False}
    assert feedback["footer"]["text"] == "Question 2/3 ▰▰▱"

    # 3: right, but slow (30 s: more than 20 s without a time limit).
    await answer(env, quiz, f"iq:solo:{session_id}:2:next", after=2)
    await answer(env, quiz, f"iq:solo:{session_id}:2:{asked[2]['answer']}", after=30)
    feedback, results = quiz.embeds
    assert feedback["title"] == "✅ Right!" and feedback["footer"]["text"] == "Question 3/3 ▰▰▰"
    assert results["title"] == "Quiz complete: 2/3 right (67 %)"
    assert results["description"] == f"Terms to review: **{terms[1].term}**"
    assert [(b["label"], b["custom_id"]) for b in buttons(quiz)] == [
        ("Review these (1)", f"iq:solo:{session_id}:review")
    ]

    # The database holds the session, every answer with its time, and the cards the answers rated.
    session = await bot.db.fetchone("SELECT status, total, ended_at FROM solo_sessions WHERE id = ?", (session_id,))
    assert (session["status"], session["total"]) == ("finished", 3)
    assert from_iso(session["ended_at"]) == env.clock()
    stored = await questions_of(bot, session_id)
    assert [(r["choice"], r["correct"], r["elapsed"]) for r in stored] == [
        (asked[0]["answer"], 1, 5.0),
        (wrong, 0, 8.0),
        (asked[2]["answer"], 1, 30.0),
    ]
    logs = await bot.db.fetchall(
        "SELECT c.term_id, l.rating, l.source FROM review_logs AS l JOIN review_cards AS c ON c.id = l.card_id"
        " ORDER BY l.id"
    )
    assert [tuple(r) for r in logs] == [
        (terms[0].id, 3, "answer"),
        (terms[1].id, 1, "answer"),
        (terms[2].id, 2, "answer"),
    ]
    missed_card = await ReviewRepo(bot.db).card(env.standin.member.id, terms[1].id)
    assert missed_card.due == start + timedelta(seconds=16) + timedelta(minutes=1)  # Again: back in a minute
    # Solo practice never reaches the server leaderboard.
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM score_events"))[0] == 0

    # "Review these": the missed term is due now.
    env.clock.advance(seconds=10)
    reply = await (await env.standin.click(quiz, f"iq:solo:{session_id}:review")).response()
    assert reply.type == 4 and reply.message.ephemeral
    assert reply.message.content == "1 term is in your review deck, due now. Run `/review` to go through them."
    assert (await ReviewRepo(bot.db).card(env.standin.member.id, terms[1].id)).due == env.clock()


async def test_term_mode_lists_definitions_as_letters(env, library):
    bot = await env.start()
    quiz, session_id = await start_quiz(env, chapter="Regularization Techniques", questions=1, mode="term")
    (asked,) = await questions_of(bot, session_id)
    term = library.terms[asked["term_id"]]
    assert [b["label"] for b in buttons(quiz)] == ["A", "B", "C", "D"]
    description = quiz.embeds[0]["description"]
    assert description.startswith(f"What does **{term.term}** mean?\n\n**A.** ")
    assert all(f"**{letter}.** " in description for letter in "ABCD")
    await answer(env, quiz, f"iq:solo:{session_id}:0:{asked['answer']}", after=4)
    assert quiz.embeds[0]["title"] == "✅ Right!"
    assert quiz.embeds[1]["title"] == "Quiz complete: 1/1 right (100 %)"
    assert buttons(quiz) == []  # nothing missed: no "Review these"


async def test_bad_options_get_a_private_error(env):
    await env.start()
    callback = await (await env.standin.slash("quiz solo", {"chapter": "underwater basket weaving"})).response()
    assert callback.type == 4 and callback.message.ephemeral
    assert callback.message.content.startswith("No chapter is called “underwater basket weaving”")
    handle = await env.standin.autocomplete("quiz solo", "chapter", "regul")
    await handle.response()
    assert handle.choices == [{"name": "5 · Regularization Techniques", "value": REGULARIZATION}]


async def test_idle_session_times_out_politely_and_keeps_its_answers(env):
    bot = await env.start()
    quiz, session_id = await start_quiz(env, questions=5)
    (first, *_) = await questions_of(bot, session_id)
    await answer(env, quiz, f"iq:solo:{session_id}:0:{first['answer']}", after=6)
    solo = bot.get_cog("SoloQuizzes")
    env.clock.advance(seconds=599)
    assert await solo.expire_idle() == []  # not idle long enough yet
    env.clock.advance(seconds=1)
    assert await solo.expire_idle() == [session_id]
    await env.standin.wait_until(lambda: quiz.embeds[0]["title"] == "⏰ This quiz timed out" or None)
    assert quiz.embeds[0]["description"] == (
        "No answer for 10 minutes, so I ended the quiz.\nScore: 1/5 right (20 %), with 1 of 5 questions answered.\n"
        "No misses among your answers."
    )
    assert buttons(quiz) and all(b.get("disabled") for b in buttons(quiz))
    session = await bot.db.fetchone("SELECT status FROM solo_sessions WHERE id = ?", (session_id,))
    assert session["status"] == "timed_out"
    assert [r["correct"] for r in await questions_of(bot, session_id)] == [1, None, None, None, None]


async def test_a_late_click_ends_its_own_quiz_and_leaves_the_others_to_the_sweep(env):
    bot = await env.start()
    mine, my_id = await start_quiz(env, questions=3)
    other = env.standin.guild.add_member("other")
    theirs = (await (await env.standin.slash("quiz solo", {"questions": 3}, user=other)).response()).message
    their_id = int(buttons(theirs)[0]["custom_id"].split(":")[2])
    (first, *_) = await questions_of(bot, their_id)
    env.clock.advance(seconds=600)  # both quizzes idle for the whole time-out; the sweep has not run yet

    late = await (await env.standin.click(theirs, f"iq:solo:{their_id}:0:{first['answer']}", user=other)).response()
    assert late.type == 4 and late.message.ephemeral
    assert late.message.content == "This quiz has ended. Start a new one with `/quiz solo`."
    await env.standin.wait_until(lambda: theirs.embeds[0]["title"] == "⏰ This quiz timed out" or None)
    assert all(b.get("disabled") for b in buttons(theirs))
    assert [r["choice"] for r in await questions_of(bot, their_id)] == [None, None, None]  # the late answer: not taken
    # The click did no one else's work: my quiz is still open until the sweep comes round.
    status = "SELECT status FROM solo_sessions WHERE id = ?"
    assert (await bot.db.fetchone(status, (my_id,)))[0] == "active"
    assert mine.embeds[0]["title"] == "Question 1 of 3"
    assert await bot.get_cog("SoloQuizzes").expire_idle() == [my_id]
    await env.standin.wait_until(lambda: mine.embeds[0]["title"] == "⏰ This quiz timed out" or None)


async def test_a_session_survives_a_restart_and_stale_buttons_say_it_ended(env):
    bot = await env.start()
    quiz, session_id = await start_quiz(env, chapter=REGULARIZATION, questions=2)
    asked = await questions_of(bot, session_id)
    await answer(env, quiz, f"iq:solo:{session_id}:0:{asked[0]['answer']}", after=5)

    bot = await env.restart()
    # The buttons are restart-proof: the quiz carries on where it was.
    await answer(env, quiz, f"iq:solo:{session_id}:1:next", after=5)
    assert quiz.embeds[0]["title"] == "Question 2 of 2"

    # The member walks away; the bot restarts again, so nothing can disable the buttons in time.
    bot = await env.restart()
    env.clock.advance(minutes=11)
    stale = await (await env.standin.click(quiz, f"iq:solo:{session_id}:1:{asked[1]['answer']}")).response()
    assert stale.type == 4 and stale.message.ephemeral
    assert stale.message.content == "This quiz has ended. Start a new one with `/quiz solo`."
    rows = await questions_of(bot, session_id)
    assert [r["correct"] for r in rows] == [1, None]  # the first answer was kept; the late click was not taken
    status = (await bot.db.fetchone("SELECT status FROM solo_sessions WHERE id = ?", (session_id,)))[0]
    assert status == "timed_out"


async def test_review_moves_due_dates_with_the_clock(env, library):
    bot = await env.start()
    member = env.standin.member.id
    repo = ReviewRepo(bot.db)
    assert await repo.add_cards(member, ["dropout"], env.clock()) == 1
    term = library.terms["dropout"]

    review = (await (await env.standin.slash("review")).response()).message
    assert review.ephemeral
    front = review.embeds[0]
    assert front["title"] == term.term
    assert front["footer"]["text"].endswith(
        "1 due now · 1 by the end of today · 1 by the end of this week (UTC days; weeks end Sunday midnight UTC)"
    )
    assert [b["label"] for b in buttons(review)] == ["Show definition"]

    card = await repo.card(member, "dropout")
    await (await env.standin.click(review, f"iq:review:{card.id}:0:show")).response()
    assert review.embeds[0]["description"] == term.definition
    assert [b["label"] for b in buttons(review)] == [
        "Again · in 1 minute",
        "Hard · in 6 minutes",
        "Good · in 10 minutes",
        "Easy · in 8 days",
    ]
    await (await env.standin.click(review, f"iq:review:{card.id}:0:3")).response()
    done = review.embeds[0]
    assert done["title"] == "All caught up ✅"
    assert done["description"].startswith("**Good**: back in 10 minutes.\n\nNothing is due right now.")
    first_due = (await repo.card(member, "dropout")).due
    assert first_due == env.clock() + timedelta(minutes=10)

    # Ten minutes later the card is due again; Good now graduates it to days away.
    env.clock.advance(minutes=10)
    review = (await (await env.standin.slash("review")).response()).message
    assert review.embeds[0]["title"] == term.term
    await (await env.standin.click(review, f"iq:review:{card.id}:1:show")).response()
    await (await env.standin.click(review, f"iq:review:{card.id}:1:3")).response()
    graduated = await repo.card(member, "dropout")
    assert graduated.reps == 2 and graduated.card.state.name == "Review"
    assert graduated.due >= env.clock() + timedelta(days=1)
    assert review.embeds[0]["description"].startswith("**Good**: back in ")
    logs = await bot.db.fetchall("SELECT rating, source, reviewed_at FROM review_logs ORDER BY id")
    assert [(r["rating"], r["source"]) for r in logs] == [(3, "review"), (3, "review")]
    assert from_iso(logs[1]["reviewed_at"]) == env.clock()


async def test_review_with_an_empty_deck_says_how_to_fill_it(env):
    await env.start()
    reply = (await (await env.standin.slash("review")).response()).message
    assert reply.ephemeral and buttons(reply) == []
    assert reply.embeds[0]["description"].startswith("Your review deck is empty.")


async def test_quiz_me_on_this_chapter_fills_the_deck_and_starts_a_quiz(env, library):
    bot = await env.start()
    member = env.standin.member.id
    await ReviewRepo(bot.db).rate(member, "saliency-maps", Rating.Good, env.clock(), "answer")  # known already
    card = (await (await env.standin.slash("define", {"term": "saliency-maps"})).response()).message
    callback = await (await env.standin.click(card, "iq:chapterquiz:deep-learning:24")).response()
    quiz = callback.message
    assert callback.type == 4 and quiz.ephemeral
    assert quiz.content == "Added 7 new cards from this chapter to your review deck (`/review`)."
    assert quiz.embeds[0]["title"] == "Question 1 of 5"
    assert quiz.embeds[0]["footer"]["text"] == "Chapter 24: Explainable AI · definition → term"
    cards = await bot.db.fetchall("SELECT term_id, due, reps FROM review_cards WHERE user_id = ?", (member,))
    chapter = library.chapters["deep-learning:24"]
    assert sorted(r["term_id"] for r in cards) == sorted(chapter.term_ids)
    new = [r for r in cards if r["term_id"] != "saliency-maps"]
    assert all(from_iso(r["due"]) == env.clock() and r["reps"] == 0 for r in new)
    session_id = int(buttons(quiz)[0]["custom_id"].split(":")[2])
    stored = await questions_of(bot, session_id)
    assert len(stored) == 5 and all(r["term_id"] in chapter.term_ids for r in stored)


async def test_only_the_question_on_screen_can_be_answered(env):
    bot = await env.start()
    quiz, session_id = await start_quiz(env, chapter=REGULARIZATION, questions=3)
    asked = await questions_of(bot, session_id)
    await answer(env, quiz, f"iq:solo:{session_id}:0:{asked[0]['answer']}", after=5)
    # The screen shows the feedback and "Next question"; a modified client answers question 2 unseen.
    for position in (1, 2):
        forged = await env.standin.forge_click(quiz, f"iq:solo:{session_id}:{position}:{asked[position]['answer']}")
        reply = (await forged.response()).message
        assert reply.ephemeral and reply.content == "That question isn't on your screen yet. Press Next question."
    assert [r["choice"] for r in await questions_of(bot, session_id)] == [asked[0]["answer"], None, None]
    # Shown, it can be answered as usual.
    await answer(env, quiz, f"iq:solo:{session_id}:1:next", after=2)
    await answer(env, quiz, f"iq:solo:{session_id}:1:{asked[1]['answer']}", after=4)
    assert quiz.embeds[0]["title"] == "✅ Right!"
    assert [r["elapsed"] for r in await questions_of(bot, session_id)] == [5.0, 4.0, None]
