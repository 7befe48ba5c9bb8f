"""The Discord stand-in, tested with a tiny AutoShardedBot that the real discord.py client runs.

The bot here is throwaway: just enough commands, buttons and a modal to exercise every route and
interaction type the stand-in models. The project's own end-to-end tests drive the real bot the same way.
"""

from __future__ import annotations

import io
import re

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from PIL import Image

from standin import Permissions, StandIn, collect_errors, running_bot, running_standin

TOPICS = {
    "transformers": "Attention weighs every token against every other.",
    "dropout": "Zeroing random activations while training regularizes.",
    "batchnorm": "Normalizing each batch steadies training.",
}


class Reveal(discord.ui.DynamicItem[discord.ui.Button], template=r"tiny:reveal:(?P<topic>[a-z]+)"):
    """A button that outlives a restart: its state is in its custom_id."""

    def __init__(self, topic: str) -> None:
        super().__init__(discord.ui.Button(label="Reveal", custom_id=f"tiny:reveal:{topic}"))
        self.topic = topic

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> Reveal:
        return cls(match["topic"])

    async def callback(self, interaction: discord.Interaction) -> None:
        embed = interaction.message.embeds[0]
        embed.description = TOPICS[self.topic]
        await interaction.response.edit_message(embed=embed, view=None)


class NoteModal(discord.ui.Modal, title="Your note"):
    text = discord.ui.Label(text="Note", component=discord.ui.TextInput(custom_id="tiny:note:text", max_length=200))

    def __init__(self) -> None:
        super().__init__(custom_id="tiny:note")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.text.component, discord.ui.TextInput)
        await interaction.response.send_message(f"Saved: {self.text.component.value}", ephemeral=True)


class QuestionView(discord.ui.View):
    def __init__(self, topic: str) -> None:
        super().__init__(timeout=None)
        self.add_item(Reveal(topic))

    @discord.ui.button(label="Add note", custom_id="tiny:note-button")
    async def note(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(NoteModal())

    @discord.ui.select(custom_id="tiny:difficulty", options=[discord.SelectOption(label=d) for d in ("easy", "hard")])
    async def difficulty(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"Difficulty: {select.values[0]}", ephemeral=True)


@app_commands.command()
@app_commands.describe(topic="What to be asked about")
async def ask(interaction: discord.Interaction, topic: str) -> None:
    """Ask an interview question."""
    embed = discord.Embed(title=f"Question: {topic}", description="Think first, then reveal.")
    await interaction.response.send_message(embed=embed, view=QuestionView(topic))


@ask.autocomplete("topic")
async def ask_topic(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t, value=t) for t in TOPICS if current.lower() in t][:25]


@app_commands.command()
@app_commands.describe(count="How many times")
async def repeat(interaction: discord.Interaction, count: int) -> None:
    """Laugh a number of times."""
    await interaction.response.send_message("ha" * count)


@app_commands.command()
async def card(interaction: discord.Interaction) -> None:
    """Send a picture."""
    image = io.BytesIO()
    Image.new("RGB", (4, 3), "navy").save(image, "PNG")
    image.seek(0)
    await interaction.response.send_message("Your card", file=discord.File(image, "card.png"))


@app_commands.command()
async def post(interaction: discord.Interaction) -> None:
    """Post a question into the channel and count its history."""
    assert isinstance(interaction.channel, discord.TextChannel)
    try:
        await interaction.channel.send(embed=discord.Embed(title="Daily question"))
    except discord.Forbidden:
        await interaction.response.send_message("I need Embed Links here.", ephemeral=True)
        return
    count = len([m async for m in interaction.channel.history(limit=10)])
    await interaction.response.send_message(f"Posted; {count} messages here.", ephemeral=True)


@app_commands.command()
async def discuss(interaction: discord.Interaction) -> None:
    """Open a discussion thread."""
    await interaction.response.send_message("Discuss below")
    message = await interaction.original_response()
    try:
        await message.create_thread(name="Discussion")
    except discord.Forbidden:
        await interaction.followup.send("I cannot create threads here.", ephemeral=True)


@app_commands.command()
async def slow(interaction: discord.Interaction) -> None:
    """Think, then answer."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    await interaction.followup.send("Done thinking.")
    await interaction.followup.send("One more thing.", ephemeral=True)


daily = app_commands.Group(
    name="daily", description="The daily question", default_permissions=discord.Permissions(manage_guild=True)
)


@daily.command()
@app_commands.describe(channel="Where to post", hour="Hour of day, UTC")
async def setup(
    interaction: discord.Interaction, channel: discord.TextChannel, hour: app_commands.Range[int, 0, 23]
) -> None:
    """Set up the daily question."""
    if not interaction.permissions.manage_guild:
        await interaction.response.send_message("You need Manage Server.", ephemeral=True)
        return
    await interaction.response.send_message(f"Daily question in {channel.mention} at {hour}:00.", ephemeral=True)


class TinyBot(commands.AutoShardedBot):
    def __init__(self, api_base: str, intents: discord.Intents | None = None) -> None:
        discord.http.Route.BASE = api_base  # as the real bot does with its `discord.api_base` setting
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Reveal)
        for command in (ask, repeat, card, post, discuss, slow, daily):
            self.tree.add_command(command)
        await self.tree.sync()


@pytest.fixture
def errors():
    with collect_errors() as collector:
        yield collector
    assert collector.messages() == []


@pytest.fixture
async def standin(errors, monkeypatch):
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # undo what TinyBot sets
    async with running_standin() as standin:
        yield standin
        assert standin.problems() == []


@pytest.fixture
async def bot(standin):
    async with running_bot(TinyBot(standin.api_base)) as bot:
        yield bot


async def test_the_bot_logs_in_through_the_stand_in_and_syncs(standin: StandIn, bot: TinyBot):
    assert bot.user.id == standin.world.bot_user.id
    guild = bot.get_guild(standin.guild.id)
    assert guild.me is not None and guild.get_channel(standin.channel.id).name == "general"
    assert [r.route for r in standin.records[:3]] == [
        "/users/@me",
        "/oauth2/applications/@me",
        "/applications/{application_id}/commands",
    ]
    assert standin.requests("GET", "/gateway/bot")
    synced = {c["name"]: c for c in standin.commands[None]}
    assert set(synced) == {"ask", "repeat", "card", "post", "discuss", "slow", "daily"}
    assert synced["daily"]["default_member_permissions"] == str(Permissions.MANAGE_GUILD.value)
    identify = next(f for f in standin.gateway.frames if f["op"] == 2)["d"]
    assert identify["intents"] & ((1 << 1) | (1 << 8) | (1 << 15)) == 0  # no privileged intents


async def test_slash_reply_with_embed_and_button_then_click(standin: StandIn, bot: TinyBot):
    handle = await standin.slash("ask", {"topic": "dropout"})
    reply = await handle.response()

    assert reply.type == 4 and handle.latency < 3
    assert reply.message.embeds[0]["title"] == "Question: dropout"
    assert standin.channel_messages(standin.channel) == [reply.message]
    assert handle.payload["app_permissions"] == str(int(standin.guild.me.permissions_in(standin.channel)))

    click = await standin.click(reply.message, "tiny:reveal:dropout")
    update = await click.response()

    assert update.type == 7 and update.message is reply.message
    assert reply.message.embeds[0]["description"] == TOPICS["dropout"]
    assert reply.message.components == []


async def test_select_menu_choice(standin: StandIn, bot: TinyBot):
    question = await (await standin.slash("ask", {"topic": "dropout"})).response()

    chosen = await standin.click(question.message, "tiny:difficulty", values=["hard"])

    assert (await chosen.original_message()).content == "Difficulty: hard"
    with pytest.raises(ValueError, match="offers"):
        await standin.click(question.message, "tiny:difficulty", values=["impossible"])


async def test_autocomplete_offers_matching_topics(standin: StandIn, bot: TinyBot):
    handle = await standin.autocomplete("ask", "topic", "OUT")
    await handle.response()
    assert handle.choices == [{"name": "dropout", "value": "dropout"}]


async def test_button_opens_a_modal_whose_submission_is_answered(standin: StandIn, bot: TinyBot):
    question = await (await standin.slash("ask", {"topic": "batchnorm"})).response()
    opened = await standin.click(question.message, "tiny:note-button")
    assert (await opened.response()).type == 9
    assert opened.modal["title"] == "Your note"

    submitted = await standin.submit_modal("tiny:note", {"tiny:note:text": "mean and variance per batch"})
    answer = await submitted.response()

    assert answer.message.content == "Saved: mean and variance per batch"
    assert answer.message.ephemeral and answer.message not in standin.channel_messages(standin.channel)


async def test_subcommand_with_channel_option_checks_the_members_permissions(standin: StandIn, bot: TinyBot):
    questions = standin.guild.add_text_channel("questions")
    await standin.announce(questions)
    admin = standin.guild.add_member("admin", permissions=Permissions.MANAGE_GUILD)

    denied = await standin.slash("daily setup", {"channel": questions, "hour": 9})
    allowed = await standin.slash("daily setup", {"channel": questions, "hour": 9}, user=admin)

    assert (await denied.original_message()).content == "You need Manage Server."
    assert (await allowed.original_message()).content == f"Daily question in <#{questions.id}> at 9:00."
    with pytest.raises(ValueError, match="within"):
        await standin.slash("daily setup", {"channel": questions, "hour": 24}, user=admin)


async def test_attachments_are_stored_with_their_bytes(standin: StandIn, bot: TinyBot):
    reply = await (await standin.slash("card")).response()

    upload = reply.message.attachment("card.png")
    assert Image.open(io.BytesIO(upload.data)).size == (4, 3)
    assert reply.message.payload["attachments"][0]["size"] == len(upload.data)


async def test_deferred_answer_and_followups(standin: StandIn, bot: TinyBot):
    handle = await standin.slash("slow")

    assert (await handle.response()).type == 5
    original = await handle.original_message()
    assert original.content == "Done thinking." and original.ephemeral
    assert (await handle.followup(0)).content == "One more thing."


async def test_missing_embed_links_is_refused_like_discord(standin: StandIn, bot: TinyBot):
    standin.channel.set_permissions(standin.guild.bot_role, deny=Permissions.EMBED_LINKS)

    handle = await standin.slash("post")

    assert (await handle.original_message()).content == "I need Embed Links here."
    assert not int(handle.payload["app_permissions"]) & Permissions.EMBED_LINKS
    [refused] = standin.requests("POST", "/channels/{channel_id}/messages")
    assert refused.status == 403


async def test_channel_send_and_history(standin: StandIn, bot: TinyBot):
    handle = await standin.slash("post")

    assert (await handle.original_message()).content == "Posted; 1 messages here."
    [posted] = standin.channel_messages(standin.channel)
    assert posted.embeds[0]["title"] == "Daily question"


async def test_rest_routes_a_bot_calls_directly(standin: StandIn, bot: TinyBot):
    channel = await bot.fetch_channel(standin.channel.id)
    message = await channel.send("draft")
    await message.edit(content="final")
    fetched = await channel.fetch_message(message.id)
    guild = await bot.fetch_guild(standin.guild.id)
    member = await guild.fetch_member(standin.member.id)

    assert fetched.content == "final" and fetched.edited_at is not None
    assert guild.name == "Test Guild" and member.name == "tester"
    await fetched.delete()
    assert standin.channel_messages(standin.channel) == []
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(message.id)


async def test_privileged_intents_are_refused_unless_enabled(standin: StandIn):
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_bot(TinyBot(standin.api_base, intents=discord.Intents.all())):
            pass

    standin.gateway.privileged_intents_enabled = True
    async with running_bot(TinyBot(standin.api_base, intents=discord.Intents.all())) as bot:
        assert bot.is_ready()


async def test_thread_from_a_message_and_its_refusal(standin: StandIn, bot: TinyBot):
    first = await standin.slash("discuss")
    await standin.wait_for_request("POST", "/channels/{channel_id}/messages/{message_id}/threads")
    message = await first.original_message()
    assert message.payload["thread"]["name"] == "Discussion"
    await standin.wait_for_ack()
    assert bot.get_channel(message.id) is not None  # THREAD_CREATE reached the bot

    standin.channel.set_permissions(standin.guild.bot_role, deny=Permissions.CREATE_PUBLIC_THREADS)
    second = await standin.slash("discuss")

    assert (await second.followup(0)).content == "I cannot create threads here."
    assert standin.requests("POST", "/channels/{channel_id}/messages/{message_id}/threads")[-1].status == 403


async def test_the_bot_acknowledges_what_the_gateway_sent_it(standin: StandIn, bot: TinyBot):
    topics = standin.guild.add_text_channel("topics")
    await standin.announce(topics)  # returns once the bot has taken it in
    assert bot.get_channel(topics.id) is not None

    await standin.drop_connections()
    await standin.wait_for_ack()  # after the bot resumed
    assert [f["op"] for f in standin.gateway.frames if f["op"] in (2, 6)] == [2, 6]

    await bot.close()
    with pytest.raises(RuntimeError, match="closed its gateway session"):
        await standin.wait_for_ack()


async def test_a_payload_discord_would_reject_is_a_violation(standin: StandIn, bot: TinyBot, errors):
    handle = await standin.slash("repeat", {"count": 1001})
    callback = await standin.wait_for_request("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    await errors.wait()

    assert callback.status == 400 and handle.callback is None
    assert [(v.source, v.problem) for v in standin.violations] == [
        ("spec", "data/content: maxLength 2000 fails on 2002 characters"),
        ("limit", "content: 2002 characters > 2000"),
    ]
    assert "Invalid Form Body" in errors.messages()[0]
    standin.violations.clear()
    errors.records.clear()


async def test_restart_against_the_same_stand_in(standin: StandIn, bot: TinyBot):
    question = await (await standin.slash("ask", {"topic": "transformers"})).response()
    first_ids = {c["name"]: c["id"] for c in standin.commands[None]}
    await bot.close()

    async with running_bot(TinyBot(standin.api_base)) as second:
        assert second.is_ready()
        assert {c["name"]: c["id"] for c in standin.commands[None]} == first_ids
        click = await standin.click(question.message, "tiny:reveal:transformers")
        assert (await click.response()).type == 7

    assert sum(f["op"] == 2 for f in standin.gateway.frames) == 2


async def test_dropped_gateway_connection_is_resumed(standin: StandIn, bot: TinyBot):
    await standin.drop_connections()
    handle = await standin.slash("ask", {"topic": "dropout"})  # sent while the bot reconnects

    assert (await handle.response()).type == 4
    assert [f["op"] for f in standin.gateway.frames if f["op"] in (2, 6)] == [2, 6]


async def test_429_is_retried_after_retry_after(standin: StandIn, bot: TinyBot):
    callback_route = "/interactions/{interaction_id}/{interaction_token}/callback"
    standin.inject("POST", callback_route, nth=1, retry_after=0.05)
    standin.inject("POST", "/channels/{channel_id}/messages", nth=1, retry_after=0.05, is_global=True)

    handle = await standin.slash("post")

    assert (await handle.original_message()).content == "Posted; 1 messages here."
    assert [r.status for r in standin.requests("POST", callback_route)] == [429, 200]
    assert [r.status for r in standin.requests("POST", "/channels/{channel_id}/messages")] == [429, 200]


async def test_5xx_is_retried(standin: StandIn, bot: TinyBot):
    standin.inject("POST", "/channels/{channel_id}/messages", status=502, nth=1)

    handle = await standin.slash("post")  # discord.py retries a 502 after 1 s

    assert (await handle.original_message()).content == "Posted; 1 messages here."
    assert [r.status for r in standin.requests("POST", "/channels/{channel_id}/messages")] == [502, 200]


async def test_global_rate_limit_is_waited_out(standin: StandIn, bot: TinyBot):
    standin.set_global_limit(limit=3, per=0.2)
    channel = bot.get_channel(standin.channel.id)

    for n in range(5):
        await channel.send(f"message {n}")

    statuses = [r.status for r in standin.requests("POST", "/channels/{channel_id}/messages")]
    assert statuses.count(200) == 5 and 429 in statuses
    assert len(standin.channel_messages(standin.channel)) == 5


async def test_rate_limit_headers_pace_the_bot(standin: StandIn, bot: TinyBot):
    route = "/channels/{channel_id}/messages"
    standin.set_rate_limit("POST", route, limit=2, per=0.2)
    channel = bot.get_channel(standin.channel.id)

    for n in range(5):
        await channel.send(f"message {n}")

    assert [r.status for r in standin.requests("POST", route)] == [200] * 5
    assert standin.max_requests_per_second("POST", route, window=0.2) <= 2


async def test_unmodeled_routes_are_404_and_recorded():
    async with (
        running_standin() as standin,
        aiohttp.ClientSession() as session,
        session.get(standin.api_base + "/voice/regions") as response,
    ):
        assert response.status == 404
        assert response.headers["Content-Type"] == "application/json"
        assert (await response.json())["message"] == "404: Not Found"
    assert [r.path for r in standin.unmodeled] == ["/voice/regions"]
    assert standin.problems() == ["unmodeled route: GET /voice/regions"]
