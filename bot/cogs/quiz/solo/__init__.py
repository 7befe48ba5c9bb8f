"""Solo quizzes: a private multiple-choice session with feedback, a progress bar and an idle time-out.

The entry points are plain functions: `/quiz solo` (in `bot.cogs.quiz`) calls `start_solo`, and the study
card's "Quiz me on this chapter" button calls `start_chapter_quiz`. The session and every answer live in the
database (`SoloRepo`), and every button's custom_id names the session and question (`_views`), so a
restart loses nothing: the next click carries on. Each answer is published as a `TermAnswer` (spaced review
rates the member's card from it); nothing is written to `score_events`, so solo practice never moves the
server leaderboard. `_sessions` keeps the sessions in flight and times idle ones out; `_render` draws them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

from discord import app_commands

from bot.cogs.options import resolve_chapter
from bot.cogs.quiz.solo._sessions import SoloQuizzes, quizzes
from bot.cogs.quiz.solo._views import DYNAMIC_ITEMS, question_screen
from bot.content.models import Chapter
from bot.content.text import plural
from bot.core import quiz
from bot.core.errors import BotError
from bot.repos.review import ReviewRepo
from bot.repos.solo import SoloSession
from bot.ui import MemberCooldown, in_time, send

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

__all__ = ["DYNAMIC_ITEMS", "MODE_CHOICES", "install", "start_chapter_quiz", "start_solo"]

MODE_CHOICES = [app_commands.Choice(name=name, value=value) for value, name in quiz.MODE_NAMES.items()]
# Starts of a solo quiz per member, from `/quiz solo` or a chapter's "Quiz me" button alike.
STARTS = MemberCooldown(5, 60)


async def start_solo(
    bot: InterviewBot,
    interaction: BotInteraction,
    *,
    chapter: str | None = None,
    count: int = quiz.DEFAULT_QUESTIONS,
    mode: str = "definition",
) -> SoloSession:
    """Start a private solo quiz in answer to `interaction` (which must not be answered yet)."""
    STARTS.enforce(interaction)
    if mode not in quiz.MODE_NAMES:
        raise BotError(f"Pick a mode from the list: {', '.join(quiz.MODE_NAMES.values())}.")
    if not quiz.MIN_QUESTIONS <= count <= quiz.MAX_QUESTIONS:
        raise BotError(f"A quiz has {quiz.MIN_QUESTIONS} to {quiz.MAX_QUESTIONS} questions.")
    found = resolve_chapter(bot.library, chapter)
    return await _start(bot, interaction, found, count, cast("quiz.SessionMode", mode))  # one of MODE_NAMES


async def start_chapter_quiz(bot: InterviewBot, interaction: BotInteraction, chapter_key: str) -> SoloSession:
    """Add a chapter's terms to the member's review deck (new cards, due now) and start a solo quiz on it.

    For the study card's "Quiz me on this chapter" button: call it from the button's callback with the
    button's interaction, before answering it; the quiz arrives as a private message. An unknown chapter
    raises `UnknownChapter` (a `BotError`: the caller's error handler turns it into a private reply).
    """
    STARTS.enforce(interaction)
    found = resolve_chapter(bot.library, chapter_key)
    assert found is not None

    async def add_cards() -> str:
        added = await ReviewRepo(bot.db).add_cards(interaction.user.id, found.term_ids, bot.clock())
        return f"Added {plural(added, 'new card')} from this chapter to your review deck (`/review`)."

    return await _start(bot, interaction, found, quiz.DEFAULT_QUESTIONS, "definition", add_cards)


async def _start(
    bot: InterviewBot,
    interaction: BotInteraction,
    chapter: Chapter | None,
    count: int,
    mode: quiz.SessionMode,
    prepare: Callable[[], Awaitable[str]] | None = None,
) -> SoloSession:
    """Create the session (ending the member's earlier one) and send its first question privately.

    `prepare` writes what goes before the quiz and returns a note for the member, in the same database work.
    """
    cog = quizzes(bot)

    async def create() -> tuple[str | None, SoloSession]:
        note = await prepare() if prepare is not None else None
        return note, await cog.create(interaction, chapter, count, mode)

    note, session = await in_time(interaction, create())
    if session.total < count:
        shortfall = f"This chapter has {session.total} terms, so this quiz has {session.total} questions."
        note = f"{note}\n{shortfall}" if note else shortfall
    embeds, view = question_screen(bot.library, session, session.questions[0])
    await send(interaction, note, embeds=embeds, view=view)
    cog.track(session.id, interaction, view)
    return session


async def install(bot: InterviewBot) -> None:
    """Load the solo-quiz machinery (called from `bot.cogs.quiz.setup`)."""
    await bot.add_cog(SoloQuizzes(bot))
