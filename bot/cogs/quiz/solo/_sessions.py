"""The running solo quizzes: the `SoloQuizzes` cog keeps each session's live message and times idle ones out.

The session and every answer live in the database (`SoloRepo`); what this cog holds in memory is only the
last interaction of each session in flight, so that a time-out can close that session's message. It has no
commands (`/quiz solo` is in the `/quiz` group) and shows no buttons; `_views` does both, and reaches this cog
with `quizzes(bot)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cogs.quiz.solo import _render as render
from bot.content.models import Chapter
from bot.core import quiz
from bot.repos.solo import SoloRepo, SoloSession
from bot.ui import disabled, loaded_cog

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15  # how often idle sessions are looked for; a time-out may land this much late
LIVE = 5000  # sessions whose message is remembered; one per member in flight, so past this the oldest are dropped


class SoloQuizzes(commands.Cog, name="SoloQuizzes"):
    """Runs solo quiz sessions: creates them, remembers their live message, times idle ones out."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = SoloRepo(bot.db)
        # The last interaction of each session in flight, with the view it shows: its token (valid 15 minutes,
        # longer than any time-out) lets the time-out disable the buttons. Lost on restart, which only means
        # a session that times out after a restart keeps its (now inert) buttons.
        self.live: dict[int, tuple[discord.Interaction, discord.ui.View]] = {}

    @property
    def timeout(self) -> int:
        """Return the seconds without an answer after which a session ends."""
        return self.bot.config.quiz.solo_timeout_seconds

    async def cog_load(self) -> None:
        """Start sweeping idle sessions."""
        self.bot.scheduler.add_job(
            self.expire_idle, "interval", seconds=SWEEP_SECONDS, id="solo-expire", replace_existing=True
        )

    async def cog_unload(self) -> None:
        """Stop sweeping."""
        if self.bot.scheduler.get_job("solo-expire"):
            self.bot.scheduler.remove_job("solo-expire")

    async def create(
        self, interaction: discord.Interaction, chapter: Chapter | None, count: int, mode: quiz.SessionMode
    ) -> SoloSession:
        """Pick the questions and store a new session for the member behind `interaction`."""
        questions = quiz.build_questions(self.bot.library, chapter, count, mode, self.bot.rng)
        session, ended = await self.repo.create_session(
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            chapter_key=chapter.key if chapter else None,
            mode=mode,
            questions=questions,
            now=self.bot.clock(),
        )
        log.info("solo session %s started by %s: %d questions", session.id, interaction.user.id, session.total)
        for ended_id in ended:  # one live quiz per member: the new one ended the earlier
            await self._close(ended_id, lambda s: render.replaced_embed(self.bot.library, s))
        return session

    def track(self, session_id: int, interaction: discord.Interaction, view: discord.ui.View) -> None:
        """Remember the message a session shows now, with its buttons, for its time-out (the oldest go past LIVE)."""
        self.live.pop(session_id, None)
        self.live[session_id] = (interaction, view)
        while len(self.live) > LIVE:
            self.live.pop(next(iter(self.live)))

    def untrack(self, session_id: int) -> None:
        """Forget a session's message (it is being replaced, or the session is over)."""
        self.live.pop(session_id, None)

    async def expire_idle(self, session_id: int | None = None) -> list[int]:
        """Time out the sessions idle for longer than the time-out (all, or only `session_id`); close their messages.

        A click checks only its own session: closing every other member's quiz first could make the click
        miss Discord's 3-second deadline.
        """
        now = self.bot.clock()
        cutoff = now - timedelta(seconds=self.timeout)
        expired = await self.repo.expire_idle(cutoff, now, session_id=session_id, shards=self.bot.sharding)
        for expired_id in expired:
            log.info("solo session %s timed out", expired_id)
            await self._close(expired_id, lambda s: render.timed_out_embed(self.bot.library, s, self.timeout))
        return expired

    async def _close(self, session_id: int, ending: Callable[[SoloSession], discord.Embed]) -> None:
        """Show how the session ended on its message and disable its buttons, if its last interaction is known."""
        live = self.live.pop(session_id, None)
        session = await self.repo.session(session_id) if live else None
        if live is None or session is None:
            return
        interaction, view = live
        try:
            await interaction.edit_original_response(content=None, embeds=[ending(session)], view=disabled(view))
        except discord.HTTPException as exc:
            log.warning("could not close solo session %s: %s", session_id, exc)


def quizzes(bot: InterviewBot) -> SoloQuizzes:
    """Return the bot's running solo quizzes."""
    return loaded_cog(bot, SoloQuizzes, "Solo quizzes")
