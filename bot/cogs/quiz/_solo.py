"""Solo quizzes: a private multiple-choice session with feedback, a progress bar and an idle time-out.

The session and every answer live in the database (`PracticeRepo`), and every button is a `DynamicItem`
whose custom_id names the session and question, so a restart loses nothing: the next click carries on.
Each answer is published as a `TermAnswer` (spaced review rates the member's card from it); nothing is
written to `score_events`, so solo practice never moves the server leaderboard.

The `/quiz solo` command itself is in `bot.cogs.quiz` and calls `start_solo`; the study card's
"Quiz me on this chapter" button calls `start_chapter_quiz`.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import GuardedItem
from bot.cogs.options import resolve_chapter
from bot.content.index import Library
from bot.content.models import Chapter, Term
from bot.content.text import truncate
from bot.core import quiz
from bot.core.answers import TermAnswer
from bot.core.choices import option_label
from bot.core.errors import BotError
from bot.core.quiz import QuizEnded
from bot.repos.practice import PracticeRepo, SoloQuestion, SoloSession

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

COG_NAME = "SoloQuizzes"
SWEEP_SECONDS = 15  # how often idle sessions are looked for; a time-out may land this much late
LETTERS = "ABCD"
RIGHT, WRONG, NEUTRAL = discord.Colour.green(), discord.Colour.red(), discord.Colour.blurple()
MODE_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in quiz.MODE_NAMES.items()]


# -- rendering (pure: library and session in, embeds and views out) ---------------------------------------------


def _term(library: Library, term_id: str) -> Term:
    """Return a term of a stored session; a term gone from the content (a pack update) ends the quiz."""
    term = library.terms.get(term_id)
    if term is None:
        raise QuizEnded("This quiz's content changed since it started. Start a new one with `/quiz solo`.")
    return term


def _scope(library: Library, session: SoloSession) -> str:
    chapter = library.chapters.get(session.chapter_key or "")
    return f"Chapter {chapter.number}: {chapter.title}" if chapter else "All chapters"


def question_embed(library: Library, session: SoloSession, asked: SoloQuestion) -> discord.Embed:
    """Show one question: the masked definition (pick the term) or the term (pick its definition A–D)."""
    question = asked.question
    if question.mode == "definition":
        body = f"Which term is this?\n\n> {question.prompt}"
    else:
        for option in question.options:
            _term(library, option)
        options = "\n".join(
            f"**{LETTERS[n]}.** {option_label(library, question, n, limit=400)}" for n in range(len(question.options))
        )
        body = f"What does **{question.prompt}** mean?\n\n{options}"
    embed = discord.Embed(title=f"Question {asked.position + 1} of {session.total}", description=body, colour=NEUTRAL)
    embed.set_footer(text=f"{_scope(library, session)} · {quiz.MODE_NAMES[question.mode]}")
    return embed


def answer_view(library: Library, session: SoloSession, asked: SoloQuestion) -> discord.ui.View:
    """Four answer buttons: term names, or the letters A–D when the options are definitions."""
    view = discord.ui.View(timeout=None)
    for n in range(len(asked.question.options)):
        _term(library, asked.question.options[n])
        label = option_label(library, asked.question, n) if asked.question.mode == "definition" else LETTERS[n]
        view.add_item(SoloAnswer(session.id, asked.position, n, label))
    return view


def feedback_embed(library: Library, session: SoloSession, asked: SoloQuestion) -> discord.Embed:
    """Say right or wrong, give the answer and the interview tip, and show the progress bar."""
    question = asked.question
    term = _term(library, question.term_id)
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


def next_view(session: SoloSession) -> discord.ui.View:
    """The "Next question" button under the feedback."""
    view = discord.ui.View(timeout=None)
    view.add_item(SoloNext(session.id, session.answered))
    return view


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
    minutes = round(timeout_seconds / 60)
    embed = discord.Embed(
        title="⏰ This quiz timed out",
        description=(
            f"No answer for {minutes} minutes, so I ended the quiz.\n"
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


# -- starting a quiz ------------------------------------------------------------------------------------------


def solo_cog(bot: commands.Bot) -> SoloQuizzes:
    """Return the loaded solo-quiz cog."""
    cog = bot.get_cog(COG_NAME)
    # By name, not isinstance: discord.py re-imports extension modules on reload (and on every bot start in
    # tests), so a caller may hold this function from an older copy of the module than the loaded cog's.
    if cog is None:
        raise BotError("Solo quizzes are unavailable right now; please try again later.")
    return cog  # type: ignore[return-value]


async def start_solo(
    bot: InterviewBot,
    interaction: discord.Interaction,
    *,
    chapter: str | None = None,
    count: int = quiz.DEFAULT_QUESTIONS,
    mode: str = "definition",
    note: str | None = None,
) -> SoloSession:
    """Start a private solo quiz in answer to `interaction` (which must not be answered yet)."""
    if mode not in quiz.MODE_NAMES:
        raise BotError(f"Pick a mode from the list: {', '.join(quiz.MODE_NAMES.values())}.")
    if not quiz.MIN_QUESTIONS <= count <= quiz.MAX_QUESTIONS:
        raise BotError(f"A quiz has {quiz.MIN_QUESTIONS} to {quiz.MAX_QUESTIONS} questions.")
    found = resolve_chapter(bot.library, chapter)
    return await solo_cog(bot).start(interaction, found, count, mode, note)  # type: ignore[arg-type]


async def start_chapter_quiz(bot: InterviewBot, interaction: discord.Interaction, chapter_key: str) -> SoloSession:
    """Add a chapter's terms to the member's review deck (new cards, due now) and start a solo quiz on it.

    For the study card's "Quiz me on this chapter" button: call it from the button's callback with the
    button's interaction, before answering it; the quiz arrives as a private message. An unknown chapter
    raises `UnknownChapter` (a `BotError`: the caller's error handler turns it into a private reply).
    """
    found = resolve_chapter(bot.library, chapter_key)
    assert found is not None
    added = await PracticeRepo(bot.db).add_cards(interaction.user.id, found.term_ids, bot.clock())
    note = f"Added {added} new card{'s' if added != 1 else ''} from this chapter to your review deck (`/review`)."
    return await solo_cog(bot).start(interaction, found, quiz.DEFAULT_QUESTIONS, "definition", note)


# -- the cog: sessions in flight and their time-out ----------------------------------------------------------------


class SoloQuizzes(commands.Cog, name=COG_NAME):
    """Runs solo quiz sessions (no commands of its own: `/quiz solo` lives in the Quiz group)."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = PracticeRepo(bot.db)
        # The last interaction of each session in flight, with the view it shows: its token (valid 15 minutes,
        # longer than any time-out) lets the time-out disable the buttons. Lost on restart, which only means
        # a session that times out after a restart keeps its (now inert) buttons.
        self.live: dict[int, tuple[discord.Interaction, discord.ui.View]] = {}

    @property
    def timeout(self) -> int:
        return self.bot.config.quiz.solo_timeout_seconds

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SoloAnswer, SoloNext, SoloReviewThese)
        self.bot.scheduler.add_job(
            self.expire_idle, "interval", seconds=SWEEP_SECONDS, id="solo-expire", replace_existing=True
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SoloAnswer, SoloNext, SoloReviewThese)
        if self.bot.scheduler.get_job("solo-expire"):
            self.bot.scheduler.remove_job("solo-expire")

    async def start(
        self,
        interaction: discord.Interaction,
        chapter: Chapter | None,
        count: int,
        mode: quiz.SessionMode,
        note: str | None = None,
    ) -> SoloSession:
        """Create the session and send its first question privately."""
        questions = quiz.build_questions(self.bot.library, chapter, count, mode, self.bot.rng)
        session = await self.repo.create_session(
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            chapter_key=chapter.key if chapter else None,
            mode=mode,
            questions=questions,
            now=self.bot.clock(),
        )
        if len(questions) < count:
            shortfall = f"This chapter has {len(questions)} terms, so this quiz has {len(questions)} questions."
            note = f"{note}\n{shortfall}" if note else shortfall
        first = session.questions[0]
        view = answer_view(self.bot.library, session, first)
        embed = question_embed(self.bot.library, session, first)
        await interaction.response.send_message(note, embed=embed, view=view, ephemeral=True)
        self.live[session.id] = (interaction, view)
        log.info("solo session %s started by %s: %d questions", session.id, interaction.user.id, session.total)
        return session

    async def answer(self, interaction: discord.Interaction, session_id: int, position: int, choice: int) -> None:
        """Record an answer, show the feedback, and hand the answer to spaced review."""
        await self.expire_idle()
        now = self.bot.clock()
        session, asked = await self.repo.answer(session_id, interaction.user.id, position, choice, now)
        library = self.bot.library
        embeds = [feedback_embed(library, session, asked)]
        view: discord.ui.View | None
        if session.status == "finished":
            embeds.append(results_embed(library, session))
            view = results_view(session)
            self.live.pop(session.id, None)
        else:
            view = next_view(session)
        try:
            await interaction.response.edit_message(content=None, embeds=embeds, view=view)
            if view is not None and session.status == "active":
                self.live[session.id] = (interaction, view)
        finally:
            # The answer is stored whatever happened to the reply; review learns from it either way.
            await self.bot.publish_answer(
                TermAnswer(interaction.user.id, asked.question.term_id, bool(asked.correct), now, asked.elapsed)
            )

    async def next_question(self, interaction: discord.Interaction, session_id: int, position: int) -> None:
        """Show the next question (its answer time starts now)."""
        await self.expire_idle()
        session = await self.repo.show(session_id, interaction.user.id, position, self.bot.clock())
        asked = session.questions[position]
        view = answer_view(self.bot.library, session, asked)
        embed = question_embed(self.bot.library, session, asked)
        await interaction.response.edit_message(content=None, embed=embed, view=view)
        self.live[session.id] = (interaction, view)

    async def review_these(self, interaction: discord.Interaction, session_id: int) -> None:
        """Put the session's missed terms in the member's review deck, due now."""
        session = await self.repo.session(session_id)
        if session is None or session.user_id != interaction.user.id:
            raise QuizEnded("That isn't one of your quizzes.")
        missed = session.score().missed
        await self.repo.add_cards(interaction.user.id, missed, self.bot.clock(), due_now=True)
        count = len(missed)
        await interaction.response.send_message(
            f"{count} term{'s are' if count != 1 else ' is'} in your review deck, due now. Run `/review` to go "
            "through them.",
            ephemeral=True,
        )

    async def expire_idle(self) -> list[int]:
        """Time out every session idle for longer than the time-out, and disable the buttons we can reach."""
        now = self.bot.clock()
        expired = await self.repo.expire_idle(now - timedelta(seconds=self.timeout), now)
        for session_id in expired:
            log.info("solo session %s timed out", session_id)
            live = self.live.pop(session_id, None)
            session = await self.repo.session(session_id)
            if live is None or session is None:
                continue
            interaction, view = live
            try:
                embed = timed_out_embed(self.bot.library, session, self.timeout)
                await interaction.edit_original_response(content=None, embeds=[embed], view=disabled(view))
            except discord.HTTPException as exc:
                log.warning("could not close timed-out solo session %s: %s", session_id, exc)
        return expired


# -- buttons ------------------------------------------------------------------------------------------------------


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


async def install(bot: InterviewBot) -> None:
    """Load the solo-quiz machinery (called from `bot.cogs.quiz.setup`)."""
    await bot.add_cog(SoloQuizzes(bot))
