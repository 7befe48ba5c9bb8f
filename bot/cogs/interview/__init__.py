"""`/interview …`: timed mock interviews on the open and high-yield questions, alone or with a partner.

`/interview start` runs privately in one message: a question with its deadline as a live countdown, then the key
points to mark (pre-marked from a written answer as a hint), then the next question, then the scorecard.
`/interview pair` invites a member; once accepted, the questions are posted in a thread for both, only the
interviewer gets the key points (privately) and marks them, and both see the scorecard there. `/interview history`
lists past scorecards with the coverage trend.

The interview lives in the database (`InterviewRepo`, reached through `_runs`), and every button is restart-proof
(`_views`), so a restart loses nothing. A sweep, and each click for its own interview, closes questions whose
deadline passed and ends interviews whose member is gone (`bot.core.interview.expires_at`). `_render` draws the
screens. Mock interviews are practice: they never write score_events, so they never move the leaderboard.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.interview import _render as render
from bot.cogs.interview import _views as views
from bot.cogs.interview._runs import InterviewRuns, runs
from bot.cogs.options import chapter_autocomplete, resolve_chapter
from bot.core import interview as rules
from bot.core.errors import BotError
from bot.core.interview import AlreadyInInterview
from bot.repos.interview import Interview
from bot.ui import in_time, missing_permissions, permission_names, report_failure, send, submitted_modal

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

__all__ = ["Interviews", "setup"]

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15  # how often deadlines and absences are looked for; "time's up" may show this much late
PAIR_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "create_public_threads", "send_messages_in_threads")
THREAD_TYPES = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)
QUESTIONS = app_commands.Range[int, rules.MIN_QUESTIONS, rules.MAX_QUESTIONS]
MINUTES = app_commands.Range[int, rules.MIN_MINUTES, rules.MAX_MINUTES]


class Interviews(commands.GroupCog, group_name="interview"):
    """Mock interviews: timed open questions, answered in writing or out loud, checked against key points."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        """Register the buttons, build the question pool once, and start the sweep."""
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        rules.question_pool(self.bot.library, None)  # cached: the first command needs no glossary scan
        self.bot.scheduler.add_job(
            views.sweep, "interval", args=[self.bot], seconds=SWEEP_SECONDS, id="interview-sweep", replace_existing=True
        )

    async def cog_unload(self) -> None:
        """Unregister the buttons and stop the sweep."""
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)
        if self.bot.scheduler.get_job("interview-sweep"):
            self.bot.scheduler.remove_job("interview-sweep")

    @app_commands.command(name="start")
    @app_commands.describe(
        chapter="Ask about this chapter only; leave out for all chapters",
        questions="How many questions (1–10, default 5)",
        minutes="Minutes to answer each question (1–10, default 3)",
    )
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    async def start(
        self,
        interaction: BotInteraction,
        chapter: str | None = None,
        questions: QUESTIONS = rules.DEFAULT_QUESTIONS,
        minutes: MINUTES = rules.DEFAULT_MINUTES,
    ) -> None:
        """Practise a mock interview privately: timed open questions, then mark the key points you covered."""
        creating = self._create(interaction, chapter, questions, minutes, interaction.user.id, None)
        interview, note = await in_time(interaction, creating)
        embeds, view = views.question_screen(self.bot.library, interview, interview.questions[0])
        tracker = runs(self.bot)  # reached before answering: once the member has the screen, the bot may be closing
        await send(interaction, note, embeds=embeds, view=view)
        tracker.track(interview.id, interaction)
        log.info("interview %s started by %s: %d questions", interview.id, interaction.user.id, interview.total)

    @app_commands.command(name="pair")
    @app_commands.describe(
        member="The member to do the mock interview with",
        role="Your role: candidate (they ask you; the default) or interviewer (you ask them)",
        chapter="Ask about this chapter only; leave out for all chapters",
        questions="How many questions (1–10, default 5)",
        minutes="Minutes to answer each question (1–10, default 3)",
    )
    @app_commands.autocomplete(chapter=chapter_autocomplete)
    @app_commands.guild_only()
    async def pair(
        self,
        interaction: BotInteraction,
        member: discord.Member,
        role: Literal["candidate", "interviewer"] = "candidate",
        chapter: str | None = None,
        questions: QUESTIONS = rules.DEFAULT_QUESTIONS,
        minutes: MINUTES = rules.DEFAULT_MINUTES,
    ) -> None:
        """Invite a member to a mock interview in a thread here: one asks and marks the key points, one answers."""
        if member.bot or member.id == interaction.user.id:
            raise BotError("Pick another member of this server (not yourself, not a bot) to pair with.")
        _check_can_host(interaction)
        me, them = interaction.user.id, member.id
        candidate, interviewer = (me, them) if role == "candidate" else (them, me)
        creating = self._create(interaction, chapter, questions, minutes, candidate, interviewer)
        interview, note = await in_time(interaction, creating, ephemeral=False)
        message_id = await send(
            interaction,
            render.invitation_text(interview, note),
            embed=render.invitation_embed(self.bot.library, interview),
            view=views.invitation_view(interview),
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(them)]),
            ephemeral=False,
        )
        if message_id is not None:
            # After the answer: this write may wait for the database as long as it must, the member has the invitation.
            await runs(self.bot).repo.set_invitation(interview.id, message_id)
        log.info("interview %s: %s invited %s", interview.id, me, them)

    @app_commands.command(name="history")
    @app_commands.describe(member="Whose mock interviews to show; leave out for your own")
    async def history(self, interaction: BotInteraction, member: discord.User | None = None) -> None:
        """Show past mock interview scorecards and how the coverage of key points is trending."""
        target = member or interaction.user
        past = await in_time(interaction, runs(self.bot).repo.history(target.id))  # the read-only connection
        await send(interaction, embed=render.history_embed(target.display_name, past))

    async def _create(
        self,
        interaction: BotInteraction,
        chapter: str | None,
        count: int,
        minutes: int,
        candidate: int,
        interviewer: int | None,
    ) -> tuple[Interview, str | None]:
        """Pick the questions and store the interview; return it with a note when the chapter had fewer."""
        found = resolve_chapter(self.bot.library, chapter)
        picked = rules.pick_questions(self.bot.library, found, count, self.bot.rng)
        try:
            interview = await runs(self.bot).repo.create(
                kind="solo" if interviewer is None else "pair",
                host_id=interaction.user.id,
                candidate_id=candidate,
                interviewer_id=interviewer,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                chapter_key=found.key if found else None,
                minutes=minutes,
                questions=picked,
                now=self.bot.clock(),
            )
        except AlreadyInInterview as busy:
            if busy.user_id == interaction.user.id:
                raise
            raise BotError(render.busy_text(busy.user_id)) from None
        return interview, render.shortfall_text(len(picked)) if len(picked) < count else None

    @commands.Cog.listener()
    async def on_interaction(self, interaction: BotInteraction) -> None:
        """Handle the answer modal by its custom_id, so an answer written across a restart is still saved."""
        submitted = submitted_modal(interaction, views.ANSWER_MODAL, views.ANSWER_INPUT)
        if submitted is None:
            return
        fields, text = submitted
        try:
            await views.submit_answer(interaction, int(fields["interview"]), int(fields["q"]), text)
        except Exception as exc:
            await report_failure(interaction, exc)


def _check_can_host(interaction: BotInteraction) -> None:
    """Refuse a pair interview where the bot could not open a thread and post in it, naming what is missing."""
    if getattr(interaction.channel, "type", None) in THREAD_TYPES:
        raise BotError("Start a pair interview in a text channel, not in a thread: it opens a thread of its own.")
    missing = missing_permissions(interaction.app_permissions, PAIR_PERMISSIONS)
    if missing:
        raise BotError(f"I need the {permission_names(missing)} permission here to run a pair interview.")


async def setup(bot: InterviewBot) -> None:
    """Load the /interview group and the machinery behind it."""
    await bot.add_cog(InterviewRuns(bot))
    await bot.add_cog(Interviews(bot))
