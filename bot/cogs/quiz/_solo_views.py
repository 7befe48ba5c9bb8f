"""What a solo quiz looks like: its screens (pure: library and session in, embeds and views out) and its buttons.

Every button is a `DynamicItem` whose custom_id names the session and question, so a click after a restart
carries on; a click finds the running `SoloQuizzes` cog (`bot.cogs.quiz._solo`) by name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.app import GuardedItem, loaded_cog
from bot.content.index import Library
from bot.content.text import plural, truncate
from bot.core import quiz
from bot.core.choices import MultipleChoice, option_label
from bot.core.quiz import QuizEnded
from bot.repos.solo import SoloQuestion, SoloSession

if TYPE_CHECKING:
    from bot.cogs.quiz._solo import SoloQuizzes

COG_NAME = "SoloQuizzes"
LETTERS = "ABCD"
RIGHT, WRONG, NEUTRAL = discord.Colour.green(), discord.Colour.red(), discord.Colour.blurple()
Screen = tuple[list[discord.Embed], discord.ui.View | None]


def _check_terms(library: Library, question: MultipleChoice) -> None:
    """Refuse a stored question whose terms left the content (a pack update since the quiz started)."""
    if any(option not in library.terms for option in question.options):  # the answer is one of the options
        raise QuizEnded("This quiz's content changed since it started. Start a new one with `/quiz solo`.")


def _scope(library: Library, session: SoloSession) -> str:
    chapter = library.chapters.get(session.chapter_key or "")
    return f"Chapter {chapter.number}: {chapter.title}" if chapter else "All chapters"


def question_screen(library: Library, session: SoloSession, asked: SoloQuestion) -> Screen:
    """Ask one question: the masked definition with four term buttons, or the term with definitions A–D."""
    question = asked.question
    _check_terms(library, question)
    if question.mode == "definition":
        body = f"Which term is this?\n\n> {question.prompt}"
    else:
        options = "\n".join(
            f"**{LETTERS[n]}.** {option_label(library, question, n, limit=400)}" for n in range(len(question.options))
        )
        body = f"What does **{question.prompt}** mean?\n\n{options}"
    embed = discord.Embed(title=f"Question {asked.position + 1} of {session.total}", description=body, colour=NEUTRAL)
    embed.set_footer(text=f"{_scope(library, session)} · {quiz.MODE_NAMES[question.mode]}")
    view = discord.ui.View(timeout=None)
    for n in range(len(question.options)):
        label = option_label(library, question, n) if question.mode == "definition" else LETTERS[n]
        view.add_item(SoloAnswer(session.id, asked.position, n, label))
    return [embed], view


def feedback_embed(library: Library, session: SoloSession, asked: SoloQuestion) -> discord.Embed:
    """Say right or wrong, give the answer and the interview tip, and show the progress bar."""
    question = asked.question
    _check_terms(library, question)
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
    embed.add_field(name="💡 Interview tip", value=truncate(term.tip, 1024) or "—", inline=False)
    embed.set_footer(text=quiz.progress_bar(session.answered, session.total))
    return embed


def answer_screen(library: Library, session: SoloSession, asked: SoloQuestion) -> Screen:
    """The feedback on an answer, with "Next question", or with the results after the last question."""
    feedback = feedback_embed(library, session, asked)
    if session.status != "finished":
        view = discord.ui.View(timeout=None)
        view.add_item(SoloNext(session.id, session.answered))
        return [feedback], view
    return [feedback, results_embed(library, session)], results_view(session)


def _missed_line(library: Library, session: SoloSession, none: str = "No misses. 🎉") -> str:
    missed = session.score().missed
    if not missed:
        return none
    names = ", ".join(f"**{library.terms[t].term}**" if t in library.terms else t for t in missed)
    return truncate(f"Terms to review: {names}", 3500)


def results_embed(library: Library, session: SoloSession) -> discord.Embed:
    """The end of a finished session: the score and the terms missed."""
    result = session.score()
    embed = discord.Embed(title=f"Quiz complete: {result.describe()}", colour=NEUTRAL)
    embed.description = _missed_line(library, session)
    embed.set_footer(text="Solo practice trains your review deck; it does not count on the server leaderboard.")
    return embed


def timed_out_embed(library: Library, session: SoloSession, timeout_seconds: int) -> discord.Embed:
    """The end of an abandoned session: what was answered still counts toward the member's review deck."""
    result = session.score()
    embed = discord.Embed(
        title="⏰ This quiz timed out",
        description=(
            f"No answer for {plural(round(timeout_seconds / 60), 'minute')}, so I ended the quiz.\n"
            f"Score: {result.describe()}, with {result.answered} of {result.total} questions answered.\n"
            f"{_missed_line(library, session, none='No misses among your answers.')}"
        ),
        colour=NEUTRAL,
    )
    embed.set_footer(text="Start another with /quiz solo whenever you like.")
    return embed


def results_view(session: SoloSession) -> discord.ui.View | None:
    """A "Review these" button when terms were missed."""
    missed = session.score().missed
    if not missed:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(SoloReviewThese(session.id, len(missed)))
    return view


def disabled(view: discord.ui.View) -> discord.ui.View:
    """Return the view with every button disabled."""
    for item in view.children:
        target = item.item if isinstance(item, discord.ui.DynamicItem) else item
        if isinstance(target, discord.ui.Button):
            target.disabled = True
    return view


# -- buttons ------------------------------------------------------------------------------------------------------


def solo_cog(bot: discord.Client) -> SoloQuizzes:
    """Return the loaded solo-quiz cog."""
    return loaded_cog(bot, COG_NAME, "Solo quizzes")


class SoloAnswer(
    GuardedItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"iq:solo:(?P<session>\d+):(?P<q>\d+):(?P<choice>[0-3])",
):
    """An answer button: session, question position and option index live in the custom_id."""

    def __init__(self, session_id: int, position: int, choice: int, label: str) -> None:
        button = discord.ui.Button(
            label=truncate(label, 80),
            style=discord.ButtonStyle.secondary,
            custom_id=f"iq:solo:{session_id}:{position}:{choice}",
        )
        super().__init__(button)
        self.session_id, self.position, self.choice = session_id, position, choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["session"]), int(match["q"]), int(match["choice"]), item.label or "?")

    async def run(self, interaction: discord.Interaction) -> None:
        await solo_cog(interaction.client).answer(interaction, self.session_id, self.position, self.choice)


class SoloNext(
    GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:solo:(?P<session>\d+):(?P<q>\d+):next"
):
    """The "Next question" button."""

    def __init__(self, session_id: int, position: int) -> None:
        button = discord.ui.Button(
            label="Next question",
            emoji="▶️",
            style=discord.ButtonStyle.primary,
            custom_id=f"iq:solo:{session_id}:{position}:next",
        )
        super().__init__(button)
        self.session_id, self.position = session_id, position

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["session"]), int(match["q"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await solo_cog(interaction.client).next_question(interaction, self.session_id, self.position)


class SoloReviewThese(
    GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:solo:(?P<session>\d+):review"
):
    """The "Review these" button: missed terms into the review deck, due now."""

    def __init__(self, session_id: int, count: int = 0) -> None:
        button = discord.ui.Button(
            label=f"Review these ({count})" if count else "Review these",
            emoji="🔁",
            style=discord.ButtonStyle.success,
            custom_id=f"iq:solo:{session_id}:review",
        )
        super().__init__(button)
        self.session_id = session_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["session"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await solo_cog(interaction.client).review_these(interaction, self.session_id)


DYNAMIC_ITEMS = (SoloAnswer, SoloNext, SoloReviewThese)
