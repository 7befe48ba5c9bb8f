"""A battle's buttons (the four answers of a round, and Join, Start and My rank), and what each click does.

Every button is a persistent item whose custom_id names the battle (and round and option), so a click needs
no state on the view and still works after a restart. The database referees every click (see
`bot.repos.battle`); a click reaches the battle in progress through `battles(bot)`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import discord

from bot.cogs.quiz.battle import _render as render
from bot.cogs.quiz.battle._battles import battles, check_may_run
from bot.core.errors import BotError
from bot.repos.battle import Battle, Click, Join, PlayerState, Standing
from bot.ui import LETTERS, PersistentButton, in_time, persistent_view, reply_privately, send

if TYPE_CHECKING:
    from bot.app import BotInteraction

Action = Literal["join", "start", "rank"]

# label, emoji, style of each lobby or podium button
_ACTIONS: dict[Action, tuple[str, str, discord.ButtonStyle]] = {
    "join": ("Join", "⚔️", discord.ButtonStyle.success),
    "start": ("Start", "▶️", discord.ButtonStyle.primary),
    "rank": ("My rank", "🏅", discord.ButtonStyle.secondary),
}


class AnswerButton(PersistentButton, custom_id="iq:battle:{battle}:{round}:{choice}", choice="[0-3]"):
    """One of a round's four answers."""

    def __init__(
        self,
        battle: int,
        number: int,
        choice: int,
        label: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
        disabled: bool = False,
    ) -> None:
        custom_id = self.make_id(battle=battle, round=number, choice=choice)
        super().__init__(discord.ui.Button(label=label, custom_id=custom_id, style=style, disabled=disabled))
        self.battle, self.number, self.choice = battle, number, choice

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the answer from its battle, round and option, keeping its label."""
        return cls(int(fields["battle"]), int(fields["round"]), int(fields["choice"]), button.label or "")

    async def run(self, interaction: BotInteraction) -> None:
        """Record the click and acknowledge it privately, without telling whether it is right.

        The reply to a player's first click is kept: the round's close edits it into their result.
        """
        cog = battles(interaction.client)
        now = interaction.client.clock()
        live = cog.live.get(self.battle)
        opened = live.opened(self.number) if live else None
        write = cog.repo.record_answer(self.battle, self.number, interaction.user.id, self.choice, now, opened)
        outcome = await in_time(interaction, write)  # milliseconds, unless another process holds the database
        counted = outcome.choice if outcome.choice is not None else self.choice
        custom_id = self.make_id(battle=self.battle, round=self.number, choice=counted)
        label = label_of(interaction.message, custom_id) or LETTERS[counted]
        first = outcome.status in (Click.RECORDED, Click.JOINED)
        kept = live.locked_in(self.number, interaction) if live is not None and first else None
        sent = False
        try:
            await reply_privately(interaction, render.click_reply(outcome.status, label))
            sent = True
        finally:
            if kept is not None:
                kept.settle(sent)


class BattleButton(PersistentButton, custom_id="iq:battle-{action}:{battle}", action="|".join(_ACTIONS)):
    """Join or Start (on the lobby), My rank (on the podium): what it does is in the custom_id."""

    def __init__(self, action: Action, battle: int) -> None:
        label, emoji, style = _ACTIONS[action]
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, emoji=emoji, style=style, custom_id=self.make_id(action=action, battle=battle)
        )
        super().__init__(button)
        self.action, self.battle = action, battle

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its action and battle (the template admits only the three actions)."""
        return cls(cast("Action", fields["action"]), int(fields["battle"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Join, start or tell the clicker their rank."""
        handler = {"join": _join, "start": _start, "rank": _my_rank}[self.action]
        await handler(interaction, self.battle)


async def _join(interaction: BotInteraction, battle_id: int) -> None:
    """Add the clicker to a battle."""
    cog = battles(interaction.client)
    result = await in_time(interaction, cog.repo.join(battle_id, interaction.user.id, interaction.client.clock()))
    live = cog.live.get(battle_id)
    if result is Join.JOINED and live is not None:
        live.lobby_changed()
    await send(interaction, render.JOIN_REPLIES[result])


async def _start(interaction: BotInteraction, battle_id: int) -> None:
    """Start a battle from its lobby now."""
    cog = battles(interaction.client)

    async def lobby() -> tuple[Battle | None, list[PlayerState]]:
        return await cog.repo.get(battle_id), await cog.repo.players(battle_id)

    battle, players = await in_time(interaction, lobby(), update=True)
    live = cog.live.get(battle_id)
    if battle is None or battle.state != "lobby" or live is None:
        raise BotError("This battle has already started or is over.")
    check_may_run(interaction, battle, "start")
    if not players:
        raise BotError("Nobody has joined yet: press Join first (you too, if you want to play).")
    live.start_now.set()
    if not interaction.response.is_done():
        await interaction.response.defer()


async def _my_rank(interaction: BotInteraction, battle_id: int) -> None:
    """Tell the clicker their place in a battle."""
    repo = battles(interaction.client).repo

    async def results() -> tuple[list[Standing], int]:
        return await repo.standings(battle_id), await repo.finished_rounds(battle_id)

    rows, rounds = await in_time(interaction, results())
    mine = next((s for s in rows if s.user_id == interaction.user.id), None)
    if mine is None:
        raise BotError("You did not play in this battle.")
    await send(interaction, render.rank_text(mine, rows, rounds))


DYNAMIC_ITEMS = (AnswerButton, BattleButton)


def lobby_view(battle: int, *, start: bool = True) -> discord.ui.View:
    """Join and Start; Join alone once the battle started (late players may join until round 1 closes)."""
    return persistent_view(BattleButton("join", battle), *([BattleButton("start", battle)] if start else []))


def rank_view(battle: int) -> discord.ui.View:
    """Return the podium's My rank button."""
    return persistent_view(BattleButton("rank", battle))


def answer_view(battle: int, number: int, labels: Sequence[str], right: int | None = None) -> discord.ui.View:
    """Four answer buttons; once the round closed (`right` given) disabled, the right one green."""
    if right is None:
        return persistent_view(*(AnswerButton(battle, number, i, label) for i, label in enumerate(labels)))
    return persistent_view(
        *(
            AnswerButton(
                battle,
                number,
                i,
                label,
                style=discord.ButtonStyle.success if i == right else discord.ButtonStyle.secondary,
                disabled=True,
            )
            for i, label in enumerate(labels)
        )
    )


def label_of(message: discord.Message | None, custom_id: str) -> str | None:
    """Return the label of the button with this custom_id on a message (what the player saw)."""
    for row in message.components if message else []:
        for component in getattr(row, "children", []):
            if getattr(component, "custom_id", None) == custom_id:
                return component.label
    return None
