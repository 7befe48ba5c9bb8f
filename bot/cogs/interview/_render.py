"""What a mock interview looks like: pure builders, library and interview in, embeds and text out.

The same builders serve both kinds: a solo interview shows its screens privately in one message; a pair interview
posts its questions and scorecard in a thread and shows the key points only to the interviewer, privately.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import discord

from bot.content.index import Library
from bot.content.text import plural, truncate
from bot.core import interview as rules
from bot.core.interview import InterviewQuestion, Scorecard
from bot.core.stats import percent
from bot.repos.interview import AskedQuestion, Interview, PastInterview
from bot.ui import Limit, chapter_label

COLOUR = discord.Colour.blurple()
DONE, TIMED_OUT, ENDED = discord.Colour.green(), discord.Colour.orange(), discord.Colour.dark_grey()
PRACTICE = "Mock interviews are practice: they never add leaderboard points."
HIGH_YIELD = "High-yield question"
PAIR_ENDED = "You ended the interview; the scorecard is in the thread."
NO_THREAD = (
    "I couldn't open a thread here, so the interview is off. I need the Create Public Threads and Send Messages "
    "in Threads permissions in this channel."
)
ANSWER_ECHO = 1000  # characters of a written answer quoted back beside the key points
QUESTION_NAME = 200  # characters of a question's text naming its scorecard field: ten of them stay far below 6,000
MORE = "\n*({} more characters not shown)*"
SPARKS = "▁▂▃▄▅▆▇█"


def question_of(library: Library, asked: AskedQuestion) -> InterviewQuestion:
    """Return the content behind a stored question, or end the interview's screens politely if it left the content."""
    question = rules.find_question(library, asked.ref)
    if question is None or len(question.points) != asked.points:
        raise rules.InterviewOver("This interview's questions changed since it started. Start a new one.")
    return question


def _scope(library: Library, interview: Interview) -> str:
    chapter = library.chapters.get(interview.chapter_key or "")
    return chapter_label(chapter, in_line=True) if chapter else "All chapters"


def _author(library: Library, question: InterviewQuestion) -> str:
    chapter = library.chapters.get(question.chapter_key or "")
    label = chapter_label(chapter) if chapter else ""
    if question.is_high_yield:
        label = f"{HIGH_YIELD} · {label}" if label else HIGH_YIELD
    return truncate(label, Limit.AUTHOR)


def clock_text(seconds: float) -> str:
    """Write a duration as minutes and seconds ("2:05"), rounded to the second."""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def sparkline(shares: Iterable[float]) -> str:
    """Draw coverage shares (0–1, oldest first) as a line of bars, one per interview."""
    return "".join(SPARKS[min(len(SPARKS) - 1, int(share * len(SPARKS)))] for share in shares)


def countdown(moment: datetime) -> str:
    """Write a deadline as Discord's live relative timestamp, with the clock time beside it."""
    return f"{discord.utils.format_dt(moment, 'R')} ({discord.utils.format_dt(moment, 't')})"


def setup_line(interview: Interview, library: Library) -> str:
    """Say what an interview is: its questions, its time per question and its chapters."""
    return (
        f"{plural(interview.total, 'question')} · {plural(interview.minutes, 'minute')} each · "
        f"{_scope(library, interview)}"
    )


def question_embed(library: Library, interview: Interview, asked: AskedQuestion) -> discord.Embed:
    """Put a question: its text and its deadline as a live countdown, with how to answer it."""
    question = question_of(library, asked)
    assert asked.deadline is not None
    embed = discord.Embed(
        title=f"Question {asked.position + 1} of {interview.total}",
        description=f"**{question.text}**\n\n⏳ Time's up {countdown(asked.deadline)}",
        colour=COLOUR,
    )
    if author := _author(library, question):
        embed.set_author(name=author)
    if interview.kind == "solo":
        how = (
            "Write your answer, or say it out loud (in a voice channel, to a friend) and press **I answered out "
            "loud**. Then the key points appear and you mark the ones you covered."
        )
    else:
        how = (
            f"<@{interview.candidate_id}> answers out loud or here in the thread. <@{interview.interviewer_id}> "
            "presses **Key points** to see them privately, marks what was covered, then moves on."
        )
    embed.add_field(name="How it works", value=how, inline=False)
    embed.set_footer(text=f"{setup_line(interview, library)} · {PRACTICE}")
    return embed


def timed_out_question_embed(library: Library, interview: Interview, asked: AskedQuestion) -> discord.Embed:
    """Show a pair question whose time ran out: the interviewer still marks what was covered."""
    question = question_of(library, asked)
    embed = discord.Embed(
        title=f"Question {asked.position + 1} of {interview.total}: time's up ⏰",
        description=f"**{question.text}**",
        colour=TIMED_OUT,
    )
    embed.add_field(
        name="Next",
        value=f"<@{interview.interviewer_id}>: mark what was covered under **Key points**, then move on.",
        inline=False,
    )
    return embed


def closed_question_embed(library: Library, interview: Interview, asked: AskedQuestion) -> discord.Embed:
    """Show a pair question that is over: how many key points were covered, in what time (no point itself)."""
    question = question_of(library, asked)
    done = " ✅" if asked.marked else ""
    embed = discord.Embed(
        title=f"Question {asked.position + 1} of {interview.total}{done}",
        description=f"**{question.text}**",
        colour=DONE if asked.marked else ENDED,
    )
    result = _result_line(asked.result(), interview.minutes) if asked.marked else "Not marked: the interview ended."
    embed.add_field(name="Result", value=result, inline=False)
    return embed


def quoted_answer(text: str, limit: int = ANSWER_ECHO) -> str:
    """Quote a written answer back within `limit` characters: markdown shown as typed, cut at a word with a note.

    Escaping adds backslashes, so the cut is made shorter until the escaped text and the note fit together.
    """
    whole = discord.utils.escape_markdown(text.strip())
    if len(whole) <= limit:
        return whole
    budget = limit - len(MORE.format(f"{len(text):,}"))
    while True:
        cut = truncate(text.strip(), budget)
        quoted = discord.utils.escape_markdown(cut) + MORE.format(f"{len(text.strip()) - len(cut) + 1:,}")
        if len(quoted) <= limit:
            return quoted
        budget -= len(quoted) - limit


def time_line(asked: AskedQuestion, minutes: int) -> str:
    """Say how long an answer took against the limit ("2:05 of 3:00"), or that time ran out."""
    allowed = clock_text(60 * minutes)
    if asked.answer_kind == "timeout":
        return f"⏰ Time ran out ({allowed})"
    if asked.seconds is None:
        return f"{allowed} allowed"
    over = " (over time)" if asked.seconds > 60 * minutes else ""
    return f"{clock_text(asked.seconds)} of {allowed}{over}"


def hint_text(asked: AskedQuestion) -> str:
    """Explain the pre-marked points of a written answer: a hint from shared words, never the score."""
    if not asked.hint:
        return (
            "Nothing is pre-marked: no key point shares enough distinctive words with your answer. "
            "Mark the ones you covered in your own words."
        )
    numbers = ", ".join(str(n + 1) for n in asked.hint)
    return (
        f"Pre-marked as a hint: {numbers}. These points share distinctive words with your answer; that is not the "
        "score. Untick what you did not really cover and tick what you said in other words."
    )


def marking_embed(library: Library, interview: Interview, asked: AskedQuestion) -> discord.Embed:
    """Reveal the key points (and a high-yield question's model answer) with the answer, for marking."""
    question = question_of(library, asked)
    noun = "sentences of the model answer" if question.is_high_yield else "key points"
    points = "\n".join(f"**{n}.** {point}" for n, point in enumerate(question.points, start=1))
    who = "you" if interview.kind == "solo" else "the candidate"
    embed = discord.Embed(
        title=truncate(f"Question {asked.position + 1} of {interview.total}: mark what {who} covered", Limit.TITLE),
        description=truncate(f"**{question.text}**\n\nThe {noun}:\n{points}", Limit.DESCRIPTION),
        colour=TIMED_OUT if asked.answer_kind == "timeout" else COLOUR,
    )
    if author := _author(library, question):
        embed.set_author(name=author)
    if question.model_answer:
        embed.add_field(name="Model answer", value=truncate(question.model_answer, Limit.FIELD_VALUE), inline=False)
    if asked.answer_kind == "written" and asked.answer_text:
        embed.add_field(name="Your answer", value=quoted_answer(asked.answer_text), inline=False)
        embed.add_field(name="💡 Hint", value=hint_text(asked), inline=False)
    if asked.answered:
        embed.add_field(name="Time", value=time_line(asked, interview.minutes), inline=False)
    else:
        assert asked.deadline is not None
        embed.add_field(name="Time", value=f"Running: time's up {countdown(asked.deadline)}", inline=False)
    embed.set_footer(text="Pick the points covered in the menu, then move on.")
    return embed


def point_label(number: int, point: str) -> str:
    """Label a key point in the marking menu: its number and the start of its text."""
    return truncate(f"{number}. {point}", Limit.OPTION)


def _result_line(result: rules.QuestionResult, minutes: int) -> str:
    if result.covered is None:
        return "Not marked"
    share = f"{result.covered}/{result.points} key points ({percent(result.share)})"
    if result.seconds is None:
        return share
    allowed = clock_text(60 * minutes)
    time = f"time ran out ({allowed})" if result.kind == "timeout" else f"{clock_text(result.seconds)} of {allowed}"
    how = {"written": " · written", "spoken": " · out loud"}.get(result.kind or "", "")
    return f"{share} · {time}{how}"


def _chapters_line(library: Library, card: Scorecard) -> str:
    if not card.marked:
        return "Nothing was marked, so there is nothing to judge yet."
    weak = [r for r in card.marked if r.weak]
    if not weak:
        return "None: every question had at least half of its points covered. 🎉"
    names = [chapter_label(library.chapters[key]) for key in card.weak_chapters if key in library.chapters]
    if any(r.chapter_key is None for r in weak):
        names.append("the high-yield questions (`/guide`)")
    return truncate(", ".join(names), Limit.FIELD_VALUE)


def scorecard_embed(library: Library, interview: Interview, card: Scorecard, note: str = "") -> discord.Embed:
    """Show the scorecard: points covered per question and in all, time used against the limit, what to work on."""
    if card.share is None:
        headline = "No question was marked."
    else:
        headline = f"**{card.covered} of {card.points} key points covered ({percent(card.share)})**"
    if card.seconds_allowed:
        used, allowed = clock_text(card.seconds_used), clock_text(card.seconds_allowed)
        headline += f"\nTime used: {used} of {allowed}"
    who = f"\nCandidate: <@{interview.candidate_id}> · interviewer: <@{interview.interviewer_id}>"
    embed = discord.Embed(
        title="Mock interview scorecard",
        description=(note + "\n\n" if note else "") + headline + (who if interview.kind == "pair" else ""),
        colour=DONE if interview.end_reason == "finished" else ENDED,
    )
    for result in card.results:
        question = rules.find_question(library, result.ref)
        text = question.text if question else result.ref
        if result.covered is None and result.seconds is None:
            value = "Not reached"
        else:
            value = _result_line(result, interview.minutes)
        embed.add_field(name=truncate(f"{result.position + 1}. {text}", QUESTION_NAME), value=value, inline=False)
    embed.add_field(name="Chapters to work on", value=_chapters_line(library, card), inline=False)
    embed.set_footer(text=f"{setup_line(interview, library)} · {PRACTICE}")
    return embed


def ended_note(interview: Interview) -> str:
    """Say how an interview that did not finish ended."""
    if interview.end_reason == "abandoned":
        gone = rules.grace(interview.minutes).total_seconds() // 60
        return f"⏹ This interview ended: nothing happened for {plural(int(gone), 'minute')} after the deadline."
    if interview.end_reason == "ended":
        return f"⏹ <@{interview.ended_by}> ended the interview."
    return ""


def invitation_text(interview: Interview, note: str | None = None) -> str:
    """Address the invited member (the one mention the invitation may ping)."""
    text = f"<@{interview.invited_id}>, <@{interview.host_id}> invites you to a mock interview."
    return f"{text}\n{note}" if note else text


def busy_text(user_id: int) -> str:
    """Say that the member asked to pair is in another interview."""
    return f"<@{user_id}> is already in a mock interview (or invited to one). Try again when it is over."


def shortfall_text(count: int) -> str:
    """Say that a chapter had fewer questions than asked for."""
    return f"This chapter has {plural(count, 'question')}, so this interview has {count}."


def invitation_embed(library: Library, interview: Interview) -> discord.Embed:
    """Describe a pair invitation: who answers, who asks, the setup, and when it lapses."""
    embed = discord.Embed(
        title="Mock interview invitation",
        description=(
            f"Candidate: <@{interview.candidate_id}> · interviewer: <@{interview.interviewer_id}>\n"
            f"{setup_line(interview, library)}\n\n"
            "The questions are posted in a thread for both of you; only the interviewer sees the key points, "
            "and marks which ones the candidate covered."
        ),
        colour=COLOUR,
    )
    if interview.expires_at is not None:
        embed.add_field(name="Accept", value=f"The invitation lapses {countdown(interview.expires_at)}.", inline=False)
    embed.set_footer(text=PRACTICE)
    return embed


def invitation_closed_text(interview: Interview) -> str:
    """Say what became of an invitation (for its message once it is no longer open)."""
    if interview.end_reason == "lapsed":
        return f"The invitation to <@{interview.invited_id}> lapsed: no answer within {rules.INVITE_MINUTES} minutes."
    if interview.end_reason == "declined":
        if interview.ended_by == interview.host_id:
            return f"<@{interview.host_id}> withdrew the invitation."
        return f"<@{interview.invited_id}> declined the mock interview."
    return (
        f"Mock interview: <@{interview.candidate_id}> answers, <@{interview.interviewer_id}> asks. "
        "It runs in the thread below."
    )


def thread_name(candidate: str | None, interviewer: str | None) -> str:
    """Name a pair interview's thread after its members (as far as their names are known)."""
    if candidate and interviewer:
        return truncate(f"Mock interview: {candidate} with {interviewer}", Limit.THREAD_NAME)
    return truncate(f"Mock interview: {candidate or interviewer or 'two members'}", Limit.THREAD_NAME)


def members_text(interview: Interview) -> str:
    """Name both members of a pair interview (mentioning them adds them to its thread)."""
    return f"<@{interview.candidate_id}> answers, <@{interview.interviewer_id}> asks. Good luck!"


def review_added_text(count: int) -> str:
    """Confirm "Add these to my review"."""
    if count == 0:
        return "No question was weak enough to review, so nothing was added. 🎉"
    return (
        f"{plural(count, 'term')} from the questions with fewer than half of their points covered "
        f"{'is' if count == 1 else 'are'} in your review deck, due now. Run `/review` to go through them."
    )


def history_embed(name: str, past: Sequence[PastInterview]) -> discord.Embed:
    """Show a member's past scorecards with the coverage trend (oldest first, as the sparkline reads)."""
    title = truncate(f"Mock interviews: {discord.utils.escape_markdown(name)}", Limit.TITLE)
    embed = discord.Embed(title=title, colour=COLOUR)
    if not past:
        embed.description = "No mock interviews yet. Start one with `/interview start`, or `/interview pair` a friend."
        return embed
    shares = [p.share for p in past]
    change = rules.trend(shares)
    lines = [f"Coverage, oldest to newest: {sparkline(shares)}"]
    if change is not None:
        lines.append(
            f"Trend: {round(100 * change):+d} percentage points (the latest interviews against the ones before)"
        )
    lines.append("")
    for item in reversed(past):
        when = discord.utils.format_dt(item.ended_at, "d")
        kind = "solo" if item.kind == "solo" else f"with <@{item.interviewer_id}> interviewing"
        partial = "" if item.marked == item.total else f" (ended after {item.marked} of {item.total})"
        lines.append(
            f"{when} · {kind} · {plural(item.marked, 'question')}{partial} · {item.covered}/{item.points} key points "
            f"({percent(item.share)})"
        )
    embed.description = truncate("\n".join(lines), Limit.DESCRIPTION)
    embed.set_footer(text=PRACTICE)
    return embed


def marked_text(interview: Interview, asked: AskedQuestion) -> str:
    """Confirm an interviewer's marks on their private key points, and say where the interview went on."""
    covered = len(asked.covered or ())
    where = "The scorecard is in the thread." if interview.state == "ended" else "The next question is in the thread."
    return f"Marked question {asked.position + 1}: {covered}/{asked.points} key points covered. {where}"
