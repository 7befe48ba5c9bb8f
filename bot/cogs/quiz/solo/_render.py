"""What a solo quiz looks like: a question, the feedback on an answer, the results and the time-out.

Pure builders: the library and a stored session in, embeds out.
"""

from __future__ import annotations

import discord

from bot.content.index import Library
from bot.content.text import plural, truncate
from bot.core import quiz
from bot.core.choices import Mode, MultipleChoice, PickExplanation, explain_pick, option_label
from bot.core.quiz import QuizEnded
from bot.repos.solo import SoloQuestion, SoloSession
from bot.ui import LETTERS, Limit, add_tip, chapter_label

RIGHT, WRONG, NEUTRAL = discord.Colour.green(), discord.Colour.red(), discord.Colour.blurple()


def check_terms(library: Library, question: MultipleChoice) -> None:
    """Refuse a stored question whose terms left the content (a pack update since the quiz started)."""
    if any(option not in library.terms for option in question.options):  # the answer is one of the options
        raise QuizEnded("This quiz's content changed since it started. Start a new one with `/quiz solo`.")


def _scope(library: Library, session: SoloSession) -> str:
    chapter = library.chapters.get(session.chapter_key or "")
    return chapter_label(chapter, in_line=True) if chapter else "All chapters"


def question_embed(library: Library, session: SoloSession, asked: SoloQuestion) -> discord.Embed:
    """Ask one question: the masked definition (its options are the buttons), or the term with definitions A–D."""
    question = asked.question
    check_terms(library, question)
    if question.mode == "definition":
        body = f"Which term is this?\n\n> {question.prompt}"
    else:
        options = "\n".join(
            f"**{LETTERS[n]}.** {option_label(library, question, n, limit=400)}" for n in range(len(question.options))
        )
        body = f"What does **{question.prompt}** mean?\n\n{options}"
    embed = discord.Embed(title=f"Question {asked.position + 1} of {session.total}", description=body, colour=NEUTRAL)
    embed.set_footer(text=f"{_scope(library, session)} · {quiz.MODE_NAMES[question.mode]}")
    return embed


def feedback_embed(library: Library, session: SoloSession, asked: SoloQuestion) -> discord.Embed:
    """Say right or wrong, give the answer and the interview tip, and show the progress bar."""
    question = asked.question
    check_terms(library, question)
    term = library.terms[question.term_id]
    answer = f"**{term.term}**: {term.definition}"
    if asked.correct:
        embed = discord.Embed(title="✅ Right!", description=answer, colour=RIGHT)
    else:
        assert asked.choice is not None
        picked = option_label(library, question, asked.choice, limit=400)
        if question.mode == "term":
            picked = f"{LETTERS[asked.choice]}: “{picked}”"
        embed = discord.Embed(
            title="❌ Not quite", description=f"You picked **{picked}**.\nThe answer is {answer}", colour=WRONG
        )
        add_difference(embed, explain_pick(library, question, asked.choice), question.mode, asked.choice)
    add_tip(embed, term)
    embed.set_footer(text=quiz.progress_bar(session.answered, session.total))
    return embed


def add_difference(embed: discord.Embed, pick: PickExplanation, mode: Mode, choice: int) -> None:
    """Add what the wrongly picked option really is, so the member sees how it differs from the answer."""
    what = f"{LETTERS[choice]} describes {pick.picked.term}" if mode == "term" else f"{pick.picked.term} is"
    if pick.confusable:
        what = f"Easy to confuse: {what}"
    embed.add_field(
        name=truncate(what, Limit.FIELD_NAME),
        value=truncate(pick.picked.definition, Limit.FIELD_VALUE),
        inline=False,
    )


def _missed_line(library: Library, session: SoloSession, none: str = "No misses. 🎉") -> str:
    missed = session.score().missed
    if not missed:
        return none
    names = ", ".join(f"**{library.terms[t].term}**" if t in library.terms else t for t in missed)
    return truncate(f"Terms to review: {names}", 3500)


def results_embed(library: Library, session: SoloSession) -> discord.Embed:
    """Close a finished session: the score and the terms missed."""
    result = session.score()
    embed = discord.Embed(title=f"Quiz complete: {result.describe()}", colour=NEUTRAL)
    embed.description = _missed_line(library, session)
    embed.set_footer(text="Solo practice trains your review deck; it does not count on the server leaderboard.")
    return embed


def timed_out_embed(library: Library, session: SoloSession, timeout_seconds: int) -> discord.Embed:
    """Close an abandoned session: what was answered still counts toward the member's review deck."""
    why = f"No answer for {plural(round(timeout_seconds / 60), 'minute')}, so I ended the quiz."
    return _ended_embed(library, session, "⏰ This quiz timed out", why)


def replaced_embed(library: Library, session: SoloSession) -> discord.Embed:
    """Close a session the member left for a new one (one live quiz each); its answers still count."""
    return _ended_embed(library, session, "⏹️ This quiz ended", "You started a new quiz, so this one ended.")


def _ended_embed(library: Library, session: SoloSession, title: str, why: str) -> discord.Embed:
    result = session.score()
    embed = discord.Embed(
        title=title,
        description=(
            f"{why}\nScore: {result.describe()}, with {result.answered} of {result.total} questions answered.\n"
            f"{_missed_line(library, session, none='No misses among your answers.')}"
        ),
        colour=NEUTRAL,
    )
    embed.set_footer(text="Start another with /quiz solo whenever you like.")
    return embed


def review_these_text(count: int) -> str:
    """Confirm that the missed terms are in the member's review deck."""
    return (
        f"{count} term{'s are' if count != 1 else ' is'} in your review deck, due now. Run `/review` to go "
        "through them."
    )
