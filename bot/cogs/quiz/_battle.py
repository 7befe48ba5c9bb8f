"""Group battles in a channel: the lobby, timed rounds with answer buttons, the podium, and `/quiz stop`.

One `BattleRunner` task per battle drives it from the lobby to the podium, sleeping until deadlines through
`Battles.sleep_until` (replaceable, so tests run rounds without waiting). The database referees every
click (see `bot.repos.battle`); the runner only opens and closes rounds and renders them.

Decisions the spec left open:
- The host does not join automatically (they may be a moderator running the battle): they press Join too.
  A lobby with nobody in it at its deadline closes politely; Start with nobody in it is refused.
- Late joining: until the first round closes, the lobby's Join button still works, and a newcomer who
  clicks an answer in round 1 joins with that answer counted. From round 2 on a newcomer is told privately
  that joining closed with the first round.
- Equal battle points share a place (a tie in a quiz is a tie); the server leaderboard breaks ties.
- A stopped or interrupted battle keeps the points of its closed rounds; the round that was open when it
  stopped scores nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.app import GuardedItem
from bot.cogs.options import resolve_chapter
from bot.content.index import Library
from bot.content.models import Chapter
from bot.content.text import truncate
from bot.core.answers import TermAnswer
from bot.core.battle import EndReason, Scoring, Standing, movement_label, ordinal, podium, round_deadline
from bot.core.choices import MultipleChoice, make_question, option_label
from bot.core.errors import BotError, NotAllowed
from bot.repos.battle import Battle, BattleRepo, Click, Join, RoundResult

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

SleepUntil = Callable[[datetime], Awaitable[None]]

LETTERS = "ABCD"
MEDALS = ("🥇", "🥈", "🥉")
TOP_SHOWN = 5  # standings lines under a closed round
LOBBY_NAMES = 40  # players named in the lobby (the rest are counted)
ACK_WITHIN = 1.5  # seconds a click waits for its write before deferring (Discord allows 3)
COLOR = discord.Colour.gold()


def clock_sleeper(clock: Callable[[], datetime]) -> SleepUntil:
    """Return a `sleep_until(deadline)` that sleeps until the clock reads `deadline`."""

    async def sleep_until(deadline: datetime) -> None:
        remaining = (deadline - clock()).total_seconds()
        if remaining > 0:
            await asyncio.sleep(remaining)

    return sleep_until


# -- rendering ---------------------------------------------------------------------------------------------


def _ts(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "R")


def _settings(battle: Battle, chapter: Chapter | None) -> str:
    where = f"Chapter {chapter.number} · {chapter.title}" if chapter else "All chapters"
    scoring = "speed scoring (faster right answers score more)" if battle.scoring == "speed" else "flat scoring"
    return f"{where} · {battle.rounds} rounds · {battle.seconds} s each · {scoring}"


def _names(user_ids: Sequence[int]) -> str:
    shown = " ".join(f"<@{u}>" for u in user_ids[:LOBBY_NAMES])
    more = len(user_ids) - LOBBY_NAMES
    return shown + (f" and {more} more" if more > 0 else "") if user_ids else "Nobody yet."


def lobby_embed(battle: Battle, chapter: Chapter | None, players: Sequence[int], status: str) -> discord.Embed:
    """Render the lobby: settings, host, players and what happens next (`status`)."""
    embed = discord.Embed(title="⚔️ Quiz battle", colour=COLOR, description=_settings(battle, chapter))
    embed.add_field(name="Host", value=f"<@{battle.host_id}>", inline=True)
    embed.add_field(name=f"Players ({len(players)})", value=truncate(_names(players), 1024), inline=False)
    embed.add_field(name="Status", value=status, inline=False)
    return embed


def lobby_status(battle: Battle) -> str:
    """Say how the lobby goes on."""
    return (
        f"Press **Join** to play. The host (or a moderator) presses **Start**; otherwise it starts "
        f"{_ts(battle.lobby_until)} if anyone joined."
    )


def _option(library: Library, question: MultipleChoice, index: int) -> str:
    return f"{LETTERS[index]} · {option_label(library, question, index, limit=76)}"


def round_embed(battle: Battle, number: int, question: MultipleChoice, deadline: datetime) -> discord.Embed:
    """Render an open round: the masked definition and its deadline."""
    embed = discord.Embed(
        title=f"Round {number} of {battle.rounds}: which term is this?",
        colour=COLOR,
        description=truncate(question.prompt, 3000),
    )
    embed.add_field(name="Answer", value=f"Closes {_ts(deadline)}. Your first click counts.", inline=False)
    return embed


def _standing_line(s: Standing) -> str:
    return f"{s.place}. <@{s.user_id}> · {s.points:,} pts · {movement_label(s.moved)}"


def result_embed(library: Library, battle: Battle, result: RoundResult) -> discord.Embed:
    """Render a closed round: the right answer, how the answers spread, the top 5 with movement."""
    question = result.round.question
    term = library.terms[question.term_id]
    embed = discord.Embed(
        title=f"Round {result.round.number} of {battle.rounds}: closed",
        colour=discord.Colour.green(),
        description=f"✅ **{_option(library, question, question.answer)}**\n{truncate(term.definition, 1500)}",
    )
    counts = [0] * len(LETTERS)
    for answer in result.answers:
        counts[answer.choice] += 1
    missing = len(result.scored) - len(result.answers)
    lines = [
        " ".join(filter(None, (LETTERS[i], "✅" if i == question.answer else "▫️", "▰" * min(n, 10), str(n))))
        for i, n in enumerate(counts)
    ]
    lines.append(f"No answer: {missing}")
    embed.add_field(name="Answers", value="\n".join(lines), inline=True)
    top = "\n".join(_standing_line(s) for s in result.standings[:TOP_SHOWN]) or "No players."
    embed.add_field(name="Top 5", value=truncate(top, 1024), inline=True)
    return embed


def stopped_round_embed(battle: Battle, number: int, why: str) -> discord.Embed:
    """Render a round that never closed."""
    return discord.Embed(
        title=f"Round {number} of {battle.rounds}: not scored",
        colour=discord.Colour.dark_grey(),
        description=why,
    )


_ENDINGS: dict[str, str] = {
    "finished": "🏆 Battle over",
    "stopped": "⏹️ Battle stopped",
    "restart": "⚠️ Battle interrupted",
    "error": "⚠️ Battle ended",
}


def final_embed(battle: Battle, rows: Sequence[Standing], reason: EndReason, finished: int) -> discord.Embed:
    """Render the podium and how the battle ended."""
    notes = {
        "finished": f"All {battle.rounds} rounds played.",
        "stopped": f"Stopped after {finished} of {battle.rounds} rounds; the points of those rounds are kept.",
        "restart": (
            f"The bot restarted, so this battle ended after {finished} of {battle.rounds} rounds; "
            "the points of those rounds are kept."
        ),
        "error": f"A problem ended this battle after {finished} of {battle.rounds} rounds; their points are kept.",
    }
    lines = [
        f"{MEDALS[s.place - 1]} <@{s.user_id}> · {s.points:,} pts ({s.correct}/{finished} right)" for s in podium(rows)
    ]
    embed = discord.Embed(
        title=_ENDINGS.get(reason, "Battle over"),
        colour=COLOR,
        description="\n".join(lines) if lines else "Nobody scored in this battle.",
    )
    embed.add_field(name="How it ended", value=notes.get(reason, ""), inline=False)
    embed.set_footer(text=f"{len(rows)} players · points go to the server's /leaderboard · My rank shows your place")
    return embed


# -- buttons -------------------------------------------------------------------------------------------------


def battles(bot: discord.Client) -> Battles:
    """Return the bot's `Battles` cog."""
    # By name, not isinstance: unloading an extension drops its modules, so a reload makes a new class.
    cog = bot.get_cog("Battles")  # type: ignore[attr-defined]
    if cog is None:
        raise BotError("Battles are not available right now. Please try again in a minute.")
    return cog  # type: ignore[return-value]


def _battles(interaction: discord.Interaction) -> Battles:
    return battles(interaction.client)


class AnswerButton(
    GuardedItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"iq:battle:(?P<battle>\d+):(?P<round>\d+):(?P<choice>[0-3])",
):
    """One of a round's four answers."""

    def __init__(
        self, battle: int, number: int, choice: int, label: str, *, style=discord.ButtonStyle.primary, disabled=False
    ) -> None:  # type: ignore[no-untyped-def]
        custom_id = f"iq:battle:{battle}:{number}:{choice}"
        super().__init__(discord.ui.Button(label=label, custom_id=custom_id, style=style, disabled=disabled))
        self.battle, self.number, self.choice = battle, number, choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["battle"]), int(match["round"]), int(match["choice"]), item.label or "")

    async def run(self, interaction: discord.Interaction) -> None:
        await _battles(interaction).answer(interaction, self.battle, self.number, self.choice)


class JoinButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:battle-join:(?P<battle>\d+)"):
    """Join a battle from its lobby (until the first round closes)."""

    def __init__(self, battle: int) -> None:
        button = discord.ui.Button(
            label="Join", emoji="⚔️", style=discord.ButtonStyle.success, custom_id=f"iq:battle-join:{battle}"
        )
        super().__init__(button)
        self.battle = battle

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["battle"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await _battles(interaction).join(interaction, self.battle)


class StartButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:battle-start:(?P<battle>\d+)"):
    """Start a battle now (its host, or anyone with Manage Messages)."""

    def __init__(self, battle: int) -> None:
        button = discord.ui.Button(
            label="Start", emoji="▶️", style=discord.ButtonStyle.primary, custom_id=f"iq:battle-start:{battle}"
        )
        super().__init__(button)
        self.battle = battle

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["battle"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await _battles(interaction).start(interaction, self.battle)


class RankButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:battle-rank:(?P<battle>\d+)"):
    """Tell whoever presses it their place in a battle, privately."""

    def __init__(self, battle: int) -> None:
        button = discord.ui.Button(label="My rank", emoji="🏅", custom_id=f"iq:battle-rank:{battle}")
        super().__init__(button)
        self.battle = battle

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["battle"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await _battles(interaction).my_rank(interaction, self.battle)


DYNAMIC_ITEMS = (AnswerButton, JoinButton, StartButton, RankButton)


def _view(*items: discord.ui.Item) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def answer_view(battle: int, number: int, labels: Sequence[str], right: int | None = None) -> discord.ui.View:
    """Four answer buttons; once the round closed (`right` given) disabled, the right one green."""
    if right is None:
        return _view(*(AnswerButton(battle, number, i, label) for i, label in enumerate(labels)))
    styles = [discord.ButtonStyle.success if i == right else discord.ButtonStyle.secondary for i in range(len(labels))]
    return _view(
        *(AnswerButton(battle, number, i, label, style=styles[i], disabled=True) for i, label in enumerate(labels))
    )


def _label_of(message: discord.Message | None, custom_id: str) -> str | None:
    """Return the label of the button with this custom_id on a message (what the player saw)."""
    for row in message.components if message else []:
        for component in getattr(row, "children", []):
            if getattr(component, "custom_id", None) == custom_id:
                return component.label
    return None


# -- the battles ---------------------------------------------------------------------------------------------


class Battles(commands.Cog):
    """Every battle of this bot: creates them, runs one task per battle and answers their buttons.

    A cog without commands (`/quiz battle` and `/quiz stop` live in the `/quiz` group and delegate here), so
    it loads and unloads with the bot.
    """

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = BattleRepo(bot.db)
        self.runners: dict[int, BattleRunner] = {}
        # Replaceable for tests, which then run rounds without waiting for wall-clock deadlines.
        self.sleep_until: SleepUntil = clock_sleeper(bot.clock)
        self.break_seconds = 5  # between a round's results and the next question
        self.lobby_refresh_seconds = 2.0  # joins are shown in the lobby at most this often (edits are rate-limited)
        self._announcer: asyncio.Task | None = None

    async def cog_load(self) -> None:
        """Register the buttons, and end the battles a previous run left unfinished (announced once ready)."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        interrupted = await self.repo.end_interrupted(self.bot.clock())
        if interrupted:
            log.info("ended %d battle(s) interrupted by a restart", len(interrupted))
            self._announcer = asyncio.create_task(self._announce_interrupted(interrupted), name="battle-interrupted")

    async def cog_unload(self) -> None:
        """Stop every battle task (their battles end at the next start-up) and unregister the buttons."""
        tasks = [r.task for r in self.runners.values() if r.task] + ([self._announcer] if self._announcer else [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    async def _announce_interrupted(self, battles: list[Battle]) -> None:
        await self.bot.wait_until_ready()
        for battle in battles:
            channel = self.bot.get_partial_messageable(battle.channel_id, guild_id=battle.guild_id)
            try:
                if battle.current_round == 0:
                    await channel.send(
                        "⚠️ The bot restarted before this channel's battle began. Start a new one with `/quiz battle`."
                    )
                    continue
                rows = await self.repo.standings(battle.id)
                finished = await self.repo.finished_rounds(battle.id)
                embed = final_embed(battle, rows, "restart", finished)
                await channel.send(embed=embed, view=_view(RankButton(battle.id)))
            except discord.HTTPException as exc:
                log.warning(
                    "could not announce interrupted battle %s in channel %s: %s", battle.id, battle.channel_id, exc
                )

    def chapter(self, battle: Battle) -> Chapter | None:
        """Return a battle's chapter (None: every chapter)."""
        return self.bot.library.chapters.get(battle.chapter_key) if battle.chapter_key else None

    # -- commands

    async def open(
        self, interaction: discord.Interaction, chapter: str | None, rounds: int, seconds: int, scoring: Scoring
    ) -> None:
        """Open a battle's lobby in the channel (`/quiz battle`)."""
        if interaction.guild_id is None or interaction.channel_id is None:
            raise BotError("Battles happen in a server channel. Try `/quiz solo` here instead.")
        _check_bot_can_post(interaction)
        found = resolve_chapter(self.bot.library, chapter)
        pool = len(self.bot.library.terms_in(found)) if found else len(self.bot.library.terms)
        if pool < rounds:
            raise BotError(f"Chapter {found.number if found else ''} has {pool} terms: choose at most {pool} rounds.")
        now = self.bot.clock()
        battle = await self.repo.create(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            host_id=interaction.user.id,
            chapter_key=found.key if found else None,
            rounds=rounds,
            seconds=seconds,
            scoring=scoring,
            now=now,
            lobby_until=now + timedelta(seconds=self.bot.config.quiz.lobby_seconds),
        )
        try:
            embed = lobby_embed(battle, found, [], lobby_status(battle))
            sent = await interaction.response.send_message(
                embed=embed, view=_view(JoinButton(battle.id), StartButton(battle.id))
            )
        except BaseException:
            await self.repo.end(battle.id, "error", now)
            raise
        assert sent.message_id is not None
        await self.repo.set_lobby_message(battle.id, sent.message_id)
        runner = BattleRunner(self, battle, sent.message_id)
        self.runners[battle.id] = runner
        runner.launch()

    async def stop(self, interaction: discord.Interaction) -> None:
        """End the channel's battle, keeping the points of its closed rounds (`/quiz stop`)."""
        battle = await self.repo.active_in(interaction.channel_id or 0)
        if battle is None:
            raise BotError("There is no battle in this channel.")
        _check_may_run(interaction, battle, "stop")
        runner = self.runners.get(battle.id)
        if runner is not None:
            runner.stopping.set()
        else:  # not run by this process (cannot happen after start-up's clean-up, but never leave it stuck)
            await self.repo.end(battle.id, "stopped", self.bot.clock())
        if battle.state == "lobby":
            text = "Calling the battle off before it starts."
        else:
            text = "Stopping the battle. The points of finished rounds are kept; the final standings follow."
        await interaction.response.send_message(text, ephemeral=True)

    # -- buttons

    async def join(self, interaction: discord.Interaction, battle_id: int) -> None:
        """Add the clicker to a battle."""
        result = await self.repo.join(battle_id, interaction.user.id, self.bot.clock())
        runner = self.runners.get(battle_id)
        if result is Join.JOINED:
            if runner is not None:
                runner.lobby_changed()
            text = "You're in! Answer the questions as they appear: the first click counts."
        elif result is Join.ALREADY:
            text = "You're already in this battle."
        else:
            text = "Joining closed when the first round ended (or the battle is over). Join the next one!"
        await interaction.response.send_message(text, ephemeral=True)

    async def start(self, interaction: discord.Interaction, battle_id: int) -> None:
        """Start a battle from its lobby now."""
        battle = await self.repo.get(battle_id)
        runner = self.runners.get(battle_id)
        if battle is None or battle.state != "lobby" or runner is None:
            raise BotError("This battle has already started or is over.")
        _check_may_run(interaction, battle, "start")
        if not await self.repo.players(battle_id):
            raise BotError("Nobody has joined yet: press Join first (you too, if you want to play).")
        runner.start_now.set()
        await interaction.response.defer()

    async def answer(self, interaction: discord.Interaction, battle_id: int, number: int, choice: int) -> None:
        """Record a click on an answer and acknowledge it privately, without telling whether it is right."""
        now = self.bot.clock()
        runner = self.runners.get(battle_id)
        opened = runner.opened(number) if runner else None
        write = asyncio.ensure_future(
            self.repo.record_answer(battle_id, number, interaction.user.id, choice, now, opened)
        )
        # The write normally takes milliseconds; if the database is ever slow, acknowledge in time anyway.
        done, _ = await asyncio.wait({write}, timeout=ACK_WITHIN)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await write
        label = _label_of(interaction.message, f"iq:battle:{battle_id}:{number}:{outcome.choice}")
        texts = {
            Click.RECORDED: f"Locked in: **{label}**. You'll see how you did when the round closes.",
            Click.JOINED: f"You joined the battle, and your answer **{label}** is locked in. Good luck!",
            Click.ALREADY: f"You already answered **{label}**: only your first click counts.",
            Click.CLOSED: "This round is closed.",
            Click.NOT_PLAYER: "Joining closed when the first round ended. Watch this one, and join the next battle!",
        }
        await _say(interaction, texts[outcome.status])

    async def my_rank(self, interaction: discord.Interaction, battle_id: int) -> None:
        """Tell the clicker their place in a battle."""
        rows = await self.repo.standings(battle_id)
        mine = next((s for s in rows if s.user_id == interaction.user.id), None)
        if mine is None:
            raise BotError("You did not play in this battle.")
        finished = await self.repo.finished_rounds(battle_id)
        tied = sum(s.place == mine.place for s in rows) > 1
        text = (
            f"You placed **{ordinal(mine.place)}**{' (tied)' if tied else ''} of {len(rows)} "
            f"with **{mine.points:,}** points ({mine.correct}/{finished} right)."
        )
        await interaction.response.send_message(text, ephemeral=True)


async def install(bot: InterviewBot) -> None:
    """Load the battle machinery (called from `bot.cogs.quiz.setup`)."""
    await bot.add_cog(Battles(bot))


async def _say(interaction: discord.Interaction, text: str) -> None:
    """Answer privately, or fill in the deferred answer."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=text)
    else:
        await interaction.response.send_message(text, ephemeral=True)


def _check_may_run(interaction: discord.Interaction, battle: Battle, action: str) -> None:
    """Let the host, or anyone who may manage messages here, start or stop a battle."""
    if interaction.user.id != battle.host_id and not interaction.permissions.manage_messages:
        raise NotAllowed(f"Only the host (<@{battle.host_id}>) or someone with Manage Messages can {action} it.")


def _check_bot_can_post(interaction: discord.Interaction) -> None:
    """Refuse a battle where the bot could not post its rounds."""
    perms = interaction.app_permissions
    channel_type = getattr(interaction.channel, "type", None)
    threads = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)
    can_send = perms.send_messages_in_threads if channel_type in threads else perms.send_messages
    if not (perms.view_channel and can_send and perms.embed_links):
        raise BotError("I need the View Channel, Send Messages and Embed Links permissions here to run a battle.")


# -- one battle --------------------------------------------------------------------------------------------


class BattleRunner:
    """The task that takes one battle from its lobby through its rounds to the podium."""

    def __init__(self, battles: Battles, battle: Battle, lobby_message: int) -> None:
        self.battles = battles
        self.bot = battles.bot
        self.repo = battles.repo
        self.battle = battle
        self.channel = self.bot.get_partial_messageable(battle.channel_id, guild_id=battle.guild_id)
        self.lobby = self.channel.get_partial_message(lobby_message)
        self.start_now = asyncio.Event()
        self.stopping = asyncio.Event()
        self.in_lobby = True
        self.task: asyncio.Task | None = None
        self._used: set[str] = set()
        self._current: tuple[int, datetime] | None = None  # the open round's number and start
        self._lobby_lock = asyncio.Lock()
        self._dirty = False
        self._refresher: asyncio.Task | None = None

    def launch(self) -> None:
        """Run the battle in the background."""
        self.task = asyncio.create_task(self.run(), name=f"battle-{self.battle.id}")

    async def run(self) -> None:
        """Lobby, rounds, podium; a failure ends the battle (keeping its points) instead of leaving it stuck."""
        try:
            if not await self._lobby():
                return
            reason: EndReason = "finished"
            for number in range(1, self.battle.rounds + 1):
                if not await self._round(number):
                    reason = "stopped"
                    break
            await self._finish(reason)
        except asyncio.CancelledError:
            raise  # the bot is closing: the next start-up ends the battle and tells the channel
        except discord.HTTPException as exc:
            log.warning(
                "battle %s in channel %s ended: Discord refused %s", self.battle.id, self.battle.channel_id, exc
            )
            await self.repo.end(self.battle.id, "error", self.bot.clock())
        except Exception:
            log.exception("battle %s failed", self.battle.id)
            await self.repo.end(self.battle.id, "error", self.bot.clock())
        finally:
            if self._refresher is not None:
                self._refresher.cancel()
            self.battles.runners.pop(self.battle.id, None)

    async def _wait(self, deadline: datetime, also: asyncio.Event | None = None) -> str:
        """Sleep until `deadline`; return "stop" if stopped first, "also" if `also` was set first, else "time"."""
        waiters = {asyncio.ensure_future(self.battles.sleep_until(deadline)): "time"}
        waiters[asyncio.ensure_future(self.stopping.wait())] = "stop"
        if also is not None:
            waiters[asyncio.ensure_future(also.wait())] = "also"
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if self.stopping.is_set():
            return "stop"
        return "also" if also is not None and also.is_set() else "time"

    def opened(self, number: int) -> tuple[datetime, int] | None:
        """Return round `number`'s start and seconds while this runner has it open."""
        if self._current is None or self._current[0] != number:
            return None
        return self._current[1], self.battle.seconds

    # -- the lobby

    def lobby_changed(self) -> None:
        """Show the new player list soon; joins arriving meanwhile share one edit."""
        self._dirty = True
        if self.in_lobby and (self._refresher is None or self._refresher.done()):
            self._refresher = asyncio.create_task(self._refresh_lobby())

    async def _refresh_lobby(self) -> None:
        while self._dirty:
            await asyncio.sleep(self.battles.lobby_refresh_seconds)
            self._dirty = False
            async with self._lobby_lock:
                if not self.in_lobby:
                    return
                players = [p.user_id for p in await self.repo.players(self.battle.id)]
                embed = lobby_embed(self.battle, self.battles.chapter(self.battle), players, lobby_status(self.battle))
                try:
                    await self.lobby.edit(embed=embed)
                except discord.HTTPException as exc:
                    log.warning("could not update the lobby of battle %s: %s", self.battle.id, exc)

    async def _edit_lobby(self, status: str, view: discord.ui.View | None) -> None:
        players = [p.user_id for p in await self.repo.players(self.battle.id)]
        embed = lobby_embed(self.battle, self.battles.chapter(self.battle), players, status)
        await self.lobby.edit(embed=embed, view=view)

    async def _lobby(self) -> bool:
        """Wait for Start or the lobby's deadline; return whether the battle goes ahead."""
        why = await self._wait(self.battle.lobby_until, self.start_now)
        async with self._lobby_lock:
            self.in_lobby = False
            now = self.bot.clock()
            if why == "stop":
                await self.repo.end(self.battle.id, "stopped", now)
                await self._edit_lobby("The host called this battle off.", None)
                return False
            if not await self.repo.players(self.battle.id):
                await self.repo.end(self.battle.id, "empty", now)
                await self._edit_lobby("Nobody joined, so this battle is off. Start another with `/quiz battle`.", None)
                return False
            await self.repo.start(self.battle.id, now)
            status = "Started! Late? Press Join, or answer the first question, before round 1 closes."
            await self._edit_lobby(status, _view(JoinButton(self.battle.id)))
            return True

    # -- rounds

    def _question(self) -> MultipleChoice:
        library = self.bot.library
        chapter = self.battles.chapter(self.battle)
        pool = [t for t in (library.terms_in(chapter) if chapter else library.terms.values()) if t.id not in self._used]
        term = self.bot.rng.choice(pool)
        self._used.add(term.id)
        return make_question(library, term, self.bot.rng, "definition")

    async def _round(self, number: int) -> bool:
        """Ask one question, close it at its deadline and show the results; return False if stopped."""
        question = self._question()
        started = self.bot.clock()
        deadline = round_deadline(started, self.battle.seconds)
        # Stored before it is shown, so every click finds its round.
        await self.repo.open_round(self.battle.id, number, question, started, deadline)
        self._current = (number, started)
        labels = [_option(self.bot.library, question, i) for i in range(len(question.options))]
        message = await self.channel.send(
            embed=round_embed(self.battle, number, question, deadline), view=answer_view(self.battle.id, number, labels)
        )
        await self.repo.set_round_message(self.battle.id, number, message.id)
        if await self._wait(deadline) == "stop":
            why = "The battle was stopped before this round closed."
            await message.edit(embed=stopped_round_embed(self.battle, number, why), view=None)
            return False
        self._current = None
        result = await self.repo.close_round(self.battle, number, self.bot.clock())
        if result is None:  # only this task closes rounds; nothing to show if it somehow was closed
            return True
        embed = result_embed(self.bot.library, self.battle, result)
        await message.edit(embed=embed, view=answer_view(self.battle.id, number, labels, right=question.answer))
        if number == 1:
            await self._edit_lobby("Under way: joining closed with the first round.", None)
        await self._publish(result)
        if number < self.battle.rounds:
            rest = self.bot.clock() + timedelta(seconds=self.battles.break_seconds)
            return await self._wait(rest) != "stop"
        return True

    async def _publish(self, result: RoundResult) -> None:
        """Hand each graded answer to spaced review."""
        at = result.round.closed_at or self.bot.clock()
        for scored in result.scored:
            if scored.answer is not None:
                await self.bot.publish_answer(
                    TermAnswer(
                        scored.state.user_id,
                        result.round.question.term_id,
                        scored.correct,
                        at,
                        elapsed=scored.answer.elapsed / 1_000_000,
                        time_limit=float(self.battle.seconds),
                    )
                )

    async def _finish(self, reason: EndReason) -> None:
        """End the battle and post the podium with a My rank button."""
        await self.repo.end(self.battle.id, reason, self.bot.clock())
        rows = await self.repo.standings(self.battle.id)
        finished = await self.repo.finished_rounds(self.battle.id)
        embed = final_embed(self.battle, rows, reason, finished)
        await self.channel.send(embed=embed, view=_view(RankButton(self.battle.id)))
