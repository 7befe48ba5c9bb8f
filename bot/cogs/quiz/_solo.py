"""Solo quizzes: a private multiple-choice session with feedback, a progress bar and an idle time-out.

The session and every answer live in the database (`SoloRepo`), and every button is a `DynamicItem`
whose custom_id names the session and question (`_solo_views`), so a restart loses nothing: the next click
carries on. Each answer is published as a `TermAnswer` (spaced review rates the member's card from it);
nothing is written to `score_events`, so solo practice never moves the server leaderboard.

The `/quiz solo` command itself is in `bot.cogs.quiz` and calls `start_solo`; the study card's
"Quiz me on this chapter" button calls `start_chapter_quiz`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.options import resolve_chapter
from bot.cogs.quiz._solo_views import (
    COG_NAME,
    DYNAMIC_ITEMS,
    answer_screen,
    disabled,
    question_screen,
    solo_cog,
    timed_out_embed,
)
from bot.content.models import Chapter
from bot.content.text import plural
from bot.core import quiz
from bot.core.answers import TermAnswer
from bot.core.errors import BotError, NotAllowed
from bot.repos.review import ReviewRepo
from bot.repos.solo import SoloRepo, SoloSession

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15  # how often idle sessions are looked for; a time-out may land this much late
MODE_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in quiz.MODE_NAMES.items()]


async def start_solo(
    bot: InterviewBot,
    interaction: discord.Interaction,
    *,
    chapter: str | None = None,
    count: int = quiz.DEFAULT_QUESTIONS,
    mode: str = "definition",
) -> SoloSession:
    """Start a private solo quiz in answer to `interaction` (which must not be answered yet)."""
    if mode not in quiz.MODE_NAMES:
        raise BotError(f"Pick a mode from the list: {', '.join(quiz.MODE_NAMES.values())}.")
    if not quiz.MIN_QUESTIONS <= count <= quiz.MAX_QUESTIONS:
        raise BotError(f"A quiz has {quiz.MIN_QUESTIONS} to {quiz.MAX_QUESTIONS} questions.")
    found = resolve_chapter(bot.library, chapter)
    return await solo_cog(bot).start(interaction, found, count, mode)  # type: ignore[arg-type]


async def start_chapter_quiz(bot: InterviewBot, interaction: discord.Interaction, chapter_key: str) -> SoloSession:
    """Add a chapter's terms to the member's review deck (new cards, due now) and start a solo quiz on it.

    For the study card's "Quiz me on this chapter" button: call it from the button's callback with the
    button's interaction, before answering it; the quiz arrives as a private message. An unknown chapter
    raises `UnknownChapter` (a `BotError`: the caller's error handler turns it into a private reply).
    """
    found = resolve_chapter(bot.library, chapter_key)
    assert found is not None
    added = await ReviewRepo(bot.db).add_cards(interaction.user.id, found.term_ids, bot.clock())
    note = f"Added {plural(added, 'new card')} from this chapter to your review deck (`/review`)."
    return await solo_cog(bot).start(interaction, found, quiz.DEFAULT_QUESTIONS, "definition", note)


class SoloQuizzes(commands.Cog, name=COG_NAME):
    """Runs solo quiz sessions (no commands of its own: `/quiz solo` lives in the Quiz group)."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = SoloRepo(bot.db)
        # The last interaction of each session in flight, with the view it shows: its token (valid 15 minutes,
        # longer than any time-out) lets the time-out disable the buttons. Lost on restart, which only means
        # a session that times out after a restart keeps its (now inert) buttons.
        self.live: dict[int, tuple[discord.Interaction, discord.ui.View]] = {}

    @property
    def timeout(self) -> int:
        return self.bot.config.quiz.solo_timeout_seconds

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.scheduler.add_job(
            self.expire_idle, "interval", seconds=SWEEP_SECONDS, id="solo-expire", replace_existing=True
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
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
        embeds, view = question_screen(self.bot.library, session, session.questions[0])
        assert view is not None
        await interaction.response.send_message(note, embeds=embeds, view=view, ephemeral=True)
        self.live[session.id] = (interaction, view)
        log.info("solo session %s started by %s: %d questions", session.id, interaction.user.id, session.total)
        return session

    async def answer(self, interaction: discord.Interaction, session_id: int, position: int, choice: int) -> None:
        """Record an answer, show the feedback, and hand the answer to spaced review."""
        await self.expire_idle(session_id)  # a click after the time-out, before the sweep came round, is late
        now = self.bot.clock()
        session, asked = await self.repo.answer(session_id, interaction.user.id, position, choice, now)
        self.live.pop(session.id, None)
        try:
            embeds, view = answer_screen(self.bot.library, session, asked)
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
        await self.expire_idle(session_id)
        session = await self.repo.show(session_id, interaction.user.id, position, self.bot.clock())
        embeds, view = question_screen(self.bot.library, session, session.questions[position])
        assert view is not None
        await interaction.response.edit_message(content=None, embeds=embeds, view=view)
        self.live[session.id] = (interaction, view)

    async def review_these(self, interaction: discord.Interaction, session_id: int) -> None:
        """Put the session's missed terms in the member's review deck, due now."""
        session = await self.repo.session(session_id)
        if session is None or session.user_id != interaction.user.id:
            raise NotAllowed("That isn't one of your quizzes.")
        missed = session.score().missed
        await ReviewRepo(self.bot.db).add_cards(interaction.user.id, missed, self.bot.clock(), due_now=True)
        count = len(missed)
        await interaction.response.send_message(
            f"{count} term{'s are' if count != 1 else ' is'} in your review deck, due now. Run `/review` to go "
            "through them.",
            ephemeral=True,
        )

    async def expire_idle(self, session_id: int | None = None) -> list[int]:
        """Time out the sessions idle for longer than the time-out (all, or only `session_id`); close their messages.

        A click checks only its own session: closing every other member's quiz first could make the click
        miss Discord's 3-second deadline.
        """
        now = self.bot.clock()
        cutoff = now - timedelta(seconds=self.timeout)
        expired = await self.repo.expire_idle(cutoff, now, session_id=session_id)
        for expired_id in expired:
            log.info("solo session %s timed out", expired_id)
            await self._close_timed_out(expired_id)
        return expired

    async def _close_timed_out(self, session_id: int) -> None:
        """Show the time-out on the session's message and disable its buttons, if its last interaction is known."""
        live = self.live.pop(session_id, None)
        session = await self.repo.session(session_id) if live else None
        if live is None or session is None:
            return
        interaction, view = live
        try:
            embed = timed_out_embed(self.bot.library, session, self.timeout)
            await interaction.edit_original_response(content=None, embeds=[embed], view=disabled(view))
        except discord.HTTPException as exc:
            log.warning("could not close timed-out solo session %s: %s", session_id, exc)


async def install(bot: InterviewBot) -> None:
    """Load the solo-quiz machinery (called from `bot.cogs.quiz.setup`)."""
    await bot.add_cog(SoloQuizzes(bot))
