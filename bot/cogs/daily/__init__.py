"""The daily question: /daily setup|stop|status|post for admins, /streak for everyone.

Handlers validate their options and call the core, the repository or the poster; `_posting` posts (and
schedules), `_views` holds the restart-proof buttons and the answer modal, `_render` builds what is shown.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.daily import _render as render
from bot.cogs.daily import _views as views
from bot.cogs.daily._posting import DailyPoster
from bot.cogs.options import resolve_timezone, timezone_autocomplete
from bot.core import daily
from bot.core.daily import DailyError
from bot.repos.daily import DailyChannel, DailyRepo
from bot.ui import in_time, missing_permissions, permission_names, report_failure, send

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

log = logging.getLogger(__name__)

# What the bot needs in a daily channel: post the question with its buttons, open a thread on it, and read the
# channel's recent messages to find a post whose send was interrupted (so that it never posts a day twice).
NEEDED_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "create_public_threads", "read_message_history")


# Discord hides /daily from members without Manage Server (the group's default permissions), but a server can
# change that in its integration settings: every admin command checks again when it runs.
admin_only = app_commands.checks.has_permissions(manage_guild=True)


def check_permissions(channel: discord.TextChannel, me: discord.Member) -> None:
    """Refuse a channel where the bot lacks a permission the daily question needs, naming each one."""
    missing = missing_permissions(channel.permissions_for(me), NEEDED_PERMISSIONS)
    if missing:
        raise DailyError(
            f"I can't run the daily question in {channel.mention}: I'm missing {permission_names(missing)} there. "
            "Allow these for me in the channel's permissions, then run /daily setup again."
        )


class Daily(commands.Cog):
    """A question a day in chosen channels, answered with buttons, with streaks and points."""

    daily_group = app_commands.Group(
        name="daily",
        description="Set up the daily question in this server's channels.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = DailyRepo(bot.db)
        self.poster = DailyPoster(bot, self.repo)
        # Set once the start-up catch-up is done (tests wait on it; so could a health check).
        self.caught_up = asyncio.Event()

    async def cog_load(self) -> None:
        """Register the post's buttons and schedule every daily channel."""
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        count = await self.poster.rebuild()
        log.info("scheduled %d daily question channel(s)", count)

    async def cog_unload(self) -> None:
        """Unregister the buttons and stop the schedule."""
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)
        self.poster.stop()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post what was missed while the bot was away (again after a reconnect: it is idempotent)."""
        try:
            outcomes = await self.poster.catch_up(self.bot.clock())
        finally:
            self.caught_up.set()
        posted = [c for c, o in outcomes.items() if o.status == "posted"]
        # Logged even when nothing was missed: an operator (and a test) sees that the catch-up has finished.
        log.info("caught up the daily question in %d channel(s)", len(posted))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: BotInteraction) -> None:
        """Handle the answer modal by its custom_id, so a modal opened before a restart is still saved."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        try:
            submitted = views.answer_submission(interaction)
            if submitted is not None:
                await views.submit_answer(interaction, *submitted)
        except Exception as exc:
            await report_failure(interaction, exc)

    # -- admin commands ---------------------------------------------------------------------------------

    @daily_group.command(name="setup")
    @admin_only
    @app_commands.describe(
        channel="The channel to post in",
        time="The local posting time, 24-hour HH:MM (e.g. 09:00)",
        timezone="The time zone of that time, e.g. Europe/London",
        chapters="Only these chapters: numbers or titles, comma-separated (leave out for all)",
        kind="definitions (multiple choice), interview (open questions) or mixed",
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 5],
        timezone: app_commands.Range[str, 1, 64],
        chapters: app_commands.Range[str, 1, 200] | None = None,
        kind: Literal["definitions", "interview", "mixed"] = "mixed",
    ) -> None:
        """Post a daily question in a channel at a local time."""
        post_time = daily.parse_post_time(time)
        zone = resolve_timezone(timezone)
        keys = daily.parse_chapters(self.bot.library, chapters)
        size = daily.check_pool(self.bot.library, kind, keys)
        assert interaction.guild is not None
        check_permissions(channel, interaction.guild.me)
        now, guild_id, seed = self.bot.clock(), interaction.guild.id, self.bot.rng.getrandbits(48)

        async def save() -> tuple[DailyChannel, datetime]:
            saved = await self.repo.save_channel(
                channel_id=channel.id,
                guild_id=guild_id,
                post_time=post_time,
                timezone=zone,
                kind=kind,
                chapters=keys,
                set_by=interaction.user.id,
                now=now,
                seed=seed,
            )
            return saved, await self.poster.next_post_time(saved, now)

        saved, first = await in_time(interaction, save())
        self.poster.schedule(saved)
        await send(interaction, render.setup_reply(self.bot.library, saved, channel.mention, size, first))

    @daily_group.command(name="stop")
    @admin_only
    @app_commands.describe(channel="The channel whose daily question to stop")
    async def stop(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop the daily question in a channel."""
        assert interaction.guild is not None
        if not await in_time(interaction, self.repo.disable_channel(channel.id, interaction.guild.id)):
            raise DailyError(f"No daily question runs in {channel.mention}.")
        self.poster.unschedule(channel.id)
        await send(interaction, f"Stopped the daily question in {channel.mention}. Its history and streaks are kept.")

    @daily_group.command(name="status")
    @admin_only
    async def status(self, interaction: discord.Interaction) -> None:
        """Show every daily channel of this server: settings, next and last post."""
        assert interaction.guild is not None
        # A few queries per channel, up to 25 channels: answer Discord first, whatever the database's load.
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock()
        statuses = []
        for channel in await self.repo.channels(interaction.guild.id):
            posts = await self.repo.posted(channel.channel_id, limit=2)
            latest = posts[0] if posts else None
            answers = (await self.poster.with_counts(latest)).answered if latest else 0
            previous = await self.poster.with_counts(posts[1]) if len(posts) > 1 else None
            found = interaction.guild.get_channel(channel.channel_id)
            name = found.name if found else str(channel.channel_id)
            next_post = await self.poster.next_post_time(channel, now)
            statuses.append(render.ChannelStatus(channel, name, next_post, latest, answers, previous))
        embed = render.status_embed(self.bot.library, interaction.guild.name, statuses)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @daily_group.command(name="post")
    @admin_only
    @app_commands.describe(channel="The daily channel to post today's question in now")
    async def post(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Post today's question now, if today's is not out yet."""
        await interaction.response.defer(ephemeral=True, thinking=True)  # sending takes a while, as may the database
        settings = await self.repo.channel(channel.id)
        if settings is None or not settings.enabled or settings.guild_id != interaction.guild_id:
            raise DailyError(f"No daily question runs in {channel.mention}: set it up with /daily setup first.")
        outcome = await self.poster.post_daily(channel.id, self.bot.clock(), manual=True)
        await interaction.followup.send(
            render.post_now_reply(outcome.status, outcome.post, channel.mention), ephemeral=True
        )

    # -- everyone ---------------------------------------------------------------------------------------

    @app_commands.command(name="streak")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose streak to show (leave out for yours)")
    async def streak(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        """Show a daily-question streak: current, longest, freezes and answers this week."""
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        who = member or interaction.user
        row = await self.repo.streak(interaction.guild.id, who.id)
        week = await self.repo.answers_since(interaction.guild.id, who.id, self.bot.clock() - timedelta(days=7))
        embed = render.streak_embed(discord.utils.escape_markdown(who.display_name), row, week)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: InterviewBot) -> None:
    """Add the daily cog."""
    await bot.add_cog(Daily(bot))
