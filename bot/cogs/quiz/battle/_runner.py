"""One battle's task, from the lobby through its timed rounds to the podium.

Also the notice, after a restart, of the battles it interrupted. The runner only opens and closes rounds and
shows them; the database referees every click (see `bot.repos.battle`). It sleeps until deadlines through
`Battles.sleep_until` (replaceable, so tests run rounds without waiting). Once a round's result is public, a
background task edits each answering player's "Locked in" reply into their own result (right or wrong, points,
place); the next round does not wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

import aiohttp
import discord

from bot.cogs.quiz.battle._battles import Battles, LiveBattle, LockedIn
from bot.cogs.quiz.battle._render import (
    final_embed,
    lobby_embed,
    option_text,
    result_embed,
    round_embed,
    round_outcomes,
    stopped_round_embed,
)
from bot.cogs.quiz.battle._views import answer_view, lobby_view, rank_view
from bot.core.answers import TermAnswer
from bot.core.battle import US, EndReason, round_deadline
from bot.core.choices import MultipleChoice, make_question, quiz_terms
from bot.repos.battle import Battle, RoundResult

log = logging.getLogger(__name__)

REPLY_WAIT = 3.0  # seconds a result waits for its "Locked in" reply still on its way (Discord allows 3 to reply)


class BattleRunner(LiveBattle):
    """The task that takes one battle from its lobby through its rounds to the podium."""

    def __init__(self, battles: Battles, battle: Battle, lobby_message: int) -> None:
        super().__init__(battles, battle, lobby_message)
        self.under_way = False  # the lobby closed and the rounds began
        self._used: set[str] = set()

    def launch(self) -> None:
        """Run the battle in the background."""
        self.task = asyncio.create_task(self.run(), name=f"battle-{self.battle.id}")

    async def run(self) -> None:
        """Lobby, rounds, podium; a failure ends the battle (keeping its points) instead of leaving it stuck."""
        try:
            if not await self._lobby():
                return
            self.under_way = True
            reason: EndReason = "finished"
            for number in range(1, self.battle.rounds + 1):
                if not await self._round(number):
                    reason = "stopped"
                    break
            await self._finish(reason)
        except asyncio.CancelledError:
            raise  # the bot is closing: the next start-up ends the battle and tells the channel
        except discord.HTTPException as exc:
            # A message deleted by a moderator, a permission taken away: not a bug, but the battle cannot go on.
            log.warning(
                "battle %s in channel %s ended: Discord refused %s", self.battle.id, self.battle.channel_id, exc
            )
            await self._fail()
        except Exception:
            log.exception("battle %s failed", self.battle.id)
            await self._fail()
        finally:
            if self._refresher is not None:
                self._refresher.cancel()
            self.battles.live.pop(self.battle.id, None)

    async def _wait(self, deadline: datetime, also: asyncio.Event | None = None) -> str:
        """Sleep until `deadline`; return "stop" if stopped first, "also" if `also` was set first, else "time"."""
        waiters: dict[asyncio.Future[object], str] = {asyncio.ensure_future(self.battles.sleep_until(deadline)): "time"}
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

    # -- the lobby

    async def _lobby(self) -> bool:
        """Wait for Start or the lobby's deadline; return whether the battle goes ahead."""
        why = await self._wait(self.battle.lobby_until, self.start_now)
        async with self._lobby_lock:
            self.in_lobby = False
            now = self.bot.clock()
            if why == "stop":
                await self.repo.end(self.battle.id, "stopped", now)
                await self._edit_lobby("This battle was called off before it started.", None)
                return False
            if not await self.repo.players(self.battle.id):
                await self.repo.end(self.battle.id, "empty", now)
                await self._edit_lobby("Nobody joined, so this battle is off. Start another with `/quiz battle`.", None)
                return False
            await self.repo.start(self.battle.id, now)
            status = "Started! Late? Press Join, or answer the first question, before round 1 closes."
            await self._edit_lobby(status, lobby_view(self.battle.id, start=False))
            return True

    # -- rounds

    def _question(self) -> MultipleChoice:
        library = self.bot.library
        chapter = self.battles.chapter(self.battle)
        # Only terms the builder can ask without giving them away, as in every other quiz.
        pool = [t for t in quiz_terms(library, chapter, ("definition",)) if t.id not in self._used]
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
        labels = [option_text(self.bot.library, question, i) for i in range(len(question.options))]
        embed = round_embed(self.battle, number, question, deadline)
        message = await self.channel.send(embed=embed, view=answer_view(self.battle.id, number, labels))
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
        self._tell_players(result)
        if number == 1:
            await self._edit_lobby("Under way: joining closed with the first round.", None)
        await self._publish(result)
        if number < self.battle.rounds:
            # The break counts from the close, so the work of showing a round never pushes the next one back.
            closed = result.round.closed_at or self.bot.clock()
            return await self._wait(closed + timedelta(seconds=self.battles.break_seconds)) != "stop"
        return True

    def _tell_players(self, result: RoundResult) -> None:
        """Edit each answering player's "Locked in" reply into their result, in the background.

        Started once the public result is up; the next round never waits for it.
        """
        number = result.round.number
        replies = self.take_replies(number)
        outcomes = round_outcomes(self.bot.library, result)
        edits = [(replies[user], text) for user, text in outcomes.items() if user in replies]
        if edits:
            self.battles.in_background(self._edit_replies(number, edits), name=f"battle-{self.battle.id}-{number}")

    async def _edit_replies(self, number: int, edits: list[tuple[LockedIn, str]]) -> None:
        """Edit the replies, a few at a time; a reply that cannot be edited any more keeps its "Locked in"."""
        told = gone = 0
        failed: list[BaseException] = []

        async def edit(reply: LockedIn, text: str) -> None:
            nonlocal told, gone
            if not await reply.sent(within=REPLY_WAIT):
                return
            async with self.battles.result_edits:
                try:
                    await reply.interaction.edit_original_response(content=text)
                    told += 1
                except discord.NotFound:  # dismissed by the player, or the token expired: nobody to tell
                    gone += 1
                except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                    failed.append(exc)

        started = time.perf_counter()
        await asyncio.gather(*(edit(reply, text) for reply, text in edits))
        where = f"battle {self.battle.id} round {number}"
        if failed:
            log.warning(
                "could not tell %d of %d players their result of %s: %s", len(failed), len(edits), where, failed[0]
            )
        log.debug(
            "told %d of %d players their result of %s in %.2f s (%d replies gone)",
            told,
            len(edits),
            where,
            time.perf_counter() - started,
            gone,
        )

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
                        elapsed=scored.answer.elapsed / US,
                        time_limit=float(self.battle.seconds),
                    )
                )

    async def _finish(self, reason: EndReason) -> None:
        """End the battle and post the podium with a My rank button."""
        await self.repo.end(self.battle.id, reason, self.bot.clock())
        rows = await self.repo.standings(self.battle.id)
        finished = await self.repo.finished_rounds(self.battle.id)
        embed = final_embed(self.battle, rows, reason, finished)
        await self.channel.send(embed=embed, view=rank_view(self.battle.id))

    async def _fail(self) -> None:
        """End a battle that cannot go on; once rounds were played, post its podium if Discord still lets us."""
        if not self.under_way:  # no round was played: nothing to show
            await self.repo.end(self.battle.id, "error", self.bot.clock())
            return
        try:
            await self._finish("error")
        except discord.HTTPException as exc:
            log.warning("could not post the podium of battle %s: %s", self.battle.id, exc)


# -- after a restart


async def announce_interrupted(battles: Battles, interrupted: list[Battle]) -> None:
    """Once connected, tell each channel that its battle ended with the restart (its points are kept)."""
    await battles.bot.wait_until_ready()
    for battle in interrupted:
        try:
            await _announce_one(battles, battle)
        except discord.HTTPException as exc:
            log.warning("could not announce interrupted battle %s in channel %s: %s", battle.id, battle.channel_id, exc)


async def _announce_one(battles: Battles, battle: Battle) -> None:
    """Tell a channel its battle ended with the restart, and take the buttons off what was left open."""
    repo = battles.repo
    channel = battles.bot.get_partial_messageable(battle.channel_id, guild_id=battle.guild_id)
    if battle.current_round == 0:
        if battle.lobby_message is not None:
            players = [p.user_id for p in await repo.players(battle.id)]
            status = "The bot restarted before this battle began."
            embed = lobby_embed(battle, battles.chapter(battle), players, status)
            await _take_buttons_off(channel, battle.lobby_message, embed)
        await channel.send(
            "⚠️ The bot restarted before this channel's battle began. Start a new one with `/quiz battle`."
        )
        return
    left_open = await repo.get_round(battle.id, battle.current_round)
    if left_open is not None and left_open.closed_at is None and left_open.message_id is not None:
        why = "The bot restarted before this round closed."
        embed = stopped_round_embed(battle, left_open.number, why)
        await _take_buttons_off(channel, left_open.message_id, embed)
    rows = await repo.standings(battle.id)
    finished = await repo.finished_rounds(battle.id)
    await channel.send(embed=final_embed(battle, rows, "restart", finished), view=rank_view(battle.id))


async def _take_buttons_off(channel: discord.PartialMessageable, message_id: int, embed: discord.Embed) -> None:
    """Show `embed` without buttons on a message; best effort (a moderator may have deleted it)."""
    try:
        await channel.get_partial_message(message_id).edit(embed=embed, view=None)
    except discord.HTTPException as exc:
        log.warning("could not update message %s in channel %s: %s", message_id, channel.id, exc)
