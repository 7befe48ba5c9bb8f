"""A solo quiz's screens and restart-proof buttons, and what each click does.

Every button is a persistent item whose custom_id names the session and question, so a click after a restart
carries on. A click records the answer in the database (`SoloRepo`), shows the next screen, and tells the
cog quizzes (`_sessions`) which message the session shows now.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.cogs.quiz.solo import _render as render
from bot.cogs.quiz.solo._sessions import quizzes
from bot.content.index import Library
from bot.content.text import truncate
from bot.core.answers import TermAnswer
from bot.core.choices import option_label
from bot.core.errors import NotAllowed
from bot.repos.review import ReviewRepo
from bot.repos.solo import SoloQuestion, SoloSession
from bot.ui import LETTERS, Limit, PersistentButton, in_time, persistent_view, send, update

if TYPE_CHECKING:
    from bot.app import BotInteraction

Screen = tuple[list[discord.Embed], discord.ui.View | None]


def question_screen(
    library: Library, session: SoloSession, asked: SoloQuestion
) -> tuple[list[discord.Embed], discord.ui.View]:
    """Ask one question: four term buttons under the masked definition, or A–D under the term."""
    embed = render.question_embed(library, session, asked)
    question = asked.question
    labels = [
        option_label(library, question, n) if question.mode == "definition" else LETTERS[n]
        for n in range(len(question.options))
    ]
    return [embed], persistent_view(
        *(SoloAnswer(session.id, asked.position, n, label) for n, label in enumerate(labels))
    )


def answer_screen(library: Library, session: SoloSession, asked: SoloQuestion) -> Screen:
    """Show the feedback on an answer, with "Next question", or with the results after the last question."""
    feedback = render.feedback_embed(library, session, asked)
    if session.status != "finished":
        return [feedback], persistent_view(SoloNext(session.id, session.answered))
    missed = session.score().missed
    view = persistent_view(SoloReviewThese(session.id, len(missed))) if missed else None
    return [feedback, render.results_embed(library, session)], view


class SoloAnswer(PersistentButton, custom_id="iq:solo:{session}:{q}:{choice}", choice="[0-3]"):
    """An answer button: session, question position and option index live in the custom_id."""

    def __init__(self, session_id: int, position: int, choice: int, label: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=truncate(label, Limit.LABEL),
            style=discord.ButtonStyle.secondary,
            custom_id=self.make_id(session=session_id, q=position, choice=choice),
        )
        super().__init__(button)
        self.session_id, self.position, self.choice = session_id, position, choice

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the answer from its session, question and option, keeping its label."""
        return cls(int(fields["session"]), int(fields["q"]), int(fields["choice"]), button.label or "?")

    async def run(self, interaction: BotInteraction) -> None:
        """Record the answer, show the feedback, and hand the answer to spaced review."""
        bot, cog = interaction.client, quizzes(interaction.client)
        now = bot.clock()
        session, asked = await in_time(interaction, self._record(interaction, now), update=True)
        cog.untrack(session.id)
        try:
            embeds, view = answer_screen(bot.library, session, asked)
            await update(interaction, content=None, embeds=embeds, view=view)
            if view is not None and session.status == "active":
                cog.track(session.id, interaction, view)
        finally:
            # The answer is stored whatever happened to the reply; review learns from it either way.
            await bot.publish_answer(
                TermAnswer(interaction.user.id, asked.question.term_id, bool(asked.correct), now, asked.elapsed)
            )

    async def _record(self, interaction: BotInteraction, now: datetime) -> tuple[SoloSession, SoloQuestion]:
        """Store the answer unless the session is over (a click after the time-out, before the sweep, is late)."""
        cog = quizzes(interaction.client)
        await cog.expire_idle(self.session_id)
        return await cog.repo.answer(self.session_id, interaction.user.id, self.position, self.choice, now)


class SoloNext(PersistentButton, custom_id="iq:solo:{session}:{q}:next"):
    """The "Next question" button."""

    def __init__(self, session_id: int, position: int) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Next question",
            emoji="▶️",
            style=discord.ButtonStyle.primary,
            custom_id=self.make_id(session=session_id, q=position),
        )
        super().__init__(button)
        self.session_id, self.position = session_id, position

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its session and question."""
        return cls(int(fields["session"]), int(fields["q"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Show the next question (its answer time starts now)."""
        bot, cog = interaction.client, quizzes(interaction.client)
        session = await in_time(interaction, self._show(interaction), update=True)
        embeds, view = question_screen(bot.library, session, session.questions[self.position])
        await update(interaction, content=None, embeds=embeds, view=view)
        cog.track(session.id, interaction, view)

    async def _show(self, interaction: BotInteraction) -> SoloSession:
        """Mark the next question shown, unless the session is over."""
        cog = quizzes(interaction.client)
        await cog.expire_idle(self.session_id)
        return await cog.repo.show(self.session_id, interaction.user.id, self.position, interaction.client.clock())


class SoloReviewThese(PersistentButton, custom_id="iq:solo:{session}:review"):
    """The "Review these" button: missed terms into the review deck, due now."""

    def __init__(self, session_id: int, count: int = 0) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=f"Review these ({count})" if count else "Review these",
            emoji="🔁",
            style=discord.ButtonStyle.success,
            custom_id=self.make_id(session=session_id),
        )
        super().__init__(button)
        self.session_id = session_id

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its session."""
        return cls(int(fields["session"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Put the session's missed terms in the member's review deck, due now."""
        missed = await in_time(interaction, self._add_missed(interaction))
        await send(interaction, render.review_these_text(len(missed)))

    async def _add_missed(self, interaction: BotInteraction) -> tuple[str, ...]:
        """Add the session's missed terms to the member's deck; return them."""
        session = await quizzes(interaction.client).repo.session(self.session_id)
        if session is None or session.user_id != interaction.user.id:
            raise NotAllowed("That isn't one of your quizzes.")
        missed = session.score().missed
        await ReviewRepo(interaction.client.db).add_cards(
            interaction.user.id, missed, interaction.client.clock(), due_now=True
        )
        return missed


DYNAMIC_ITEMS = (SoloAnswer, SoloNext, SoloReviewThese)
