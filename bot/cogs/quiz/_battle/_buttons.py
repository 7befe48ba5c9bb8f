"""A battle's buttons: the four answers of a round, and Join, Start and My rank.

Every button is a `DynamicItem` whose custom_id names the battle (and round and option), so clicks reach
the `Battles` cog without any state on the view, and still after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import discord

from bot.ui import PersistentButton, loaded_cog, persistent_view

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot
    from bot.cogs.quiz._battle import Battles

COG_NAME = "Battles"
Action = Literal["join", "start", "rank"]

# label, emoji, style of each lobby or podium button
_ACTIONS: dict[Action, tuple[str, str, discord.ButtonStyle]] = {
    "join": ("Join", "⚔️", discord.ButtonStyle.success),
    "start": ("Start", "▶️", discord.ButtonStyle.primary),
    "rank": ("My rank", "🏅", discord.ButtonStyle.secondary),
}


def battles(bot: InterviewBot) -> Battles:
    """Return the bot's `Battles` cog."""
    return loaded_cog(bot, COG_NAME, "Battles")  # type: ignore[return-value]


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
        """Record the click."""
        await battles(interaction.client).answer(interaction, self.battle, self.number, self.choice)


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
        cog = battles(interaction.client)
        handler = {"join": cog.join, "start": cog.start, "rank": cog.my_rank}[self.action]
        await handler(interaction, self.battle)


DYNAMIC_ITEMS = (AnswerButton, BattleButton)


def lobby_view(battle: int, *, start: bool = True) -> discord.ui.View:
    """Join and Start; Join alone once the battle started (late players may join until round 1 closes)."""
    return persistent_view(BattleButton("join", battle), *([BattleButton("start", battle)] if start else []))


def rank_view(battle: int) -> discord.ui.View:
    """The podium's My rank button."""
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
