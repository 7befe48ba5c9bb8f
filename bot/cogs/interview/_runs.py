"""The mock interviews in flight: their repository, and the interaction that shows each solo interview's screen.

A cog without commands (the `/interview` group lives in `bot.cogs.interview`), so that the buttons (`_views`) and
the commands reach the same state. Everything that matters is in the database; the interactions kept here only let
the sweep update a solo screen ("time's up", or the scorecard of an interview whose member is gone) while the
token still lives. They are lost on restart, which only means that the next click shows the state instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.repos.interview import InterviewRepo
from bot.ui import loaded_cog

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

log = logging.getLogger(__name__)

# An interaction token lives 15 minutes; the screen of a question shown at most 10 minutes ago, plus a sweep's
# delay, stays inside that. Older tokens are not tried.
TOKEN_LIFETIME = timedelta(minutes=14)


class InterviewRuns(commands.Cog):
    """The interview repository and the live solo screens."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = InterviewRepo(bot.db)
        self.live: dict[int, tuple[BotInteraction, datetime]] = {}

    def track(self, interview_id: int, interaction: BotInteraction) -> None:
        """Remember the interaction whose message shows a solo interview now (its token is fresh)."""
        self.live[interview_id] = (interaction, self.bot.clock())

    def untrack(self, interview_id: int) -> None:
        """Forget a solo interview's screen (it ended)."""
        self.live.pop(interview_id, None)

    async def edit_live(self, interview_id: int, embeds: list[discord.Embed], view: discord.ui.View | None) -> bool:
        """Update a solo interview's screen through its last interaction, if that token still lives."""
        live = self.live.get(interview_id)
        if live is None or self.bot.clock() - live[1] > TOKEN_LIFETIME:
            return False
        try:
            await live[0].edit_original_response(content=None, embeds=embeds, view=view)
        except discord.HTTPException as exc:
            log.warning("could not update the screen of interview %s: %s", interview_id, exc)
            return False
        return True


def runs(client: InterviewBot) -> InterviewRuns:
    """Return the loaded interview machinery (or tell the user it is briefly unavailable)."""
    return loaded_cog(client, InterviewRuns, "Mock interviews")
