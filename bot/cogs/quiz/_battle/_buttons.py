"""A battle's buttons: the four answers of a round, and Join, Start and My rank.

Every button is a `DynamicItem` whose custom_id names the battle (and round and option), so clicks reach
the `Battles` cog without any state on the view, and still after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import discord

from bot.app import GuardedItem, loaded_cog

if TYPE_CHECKING:
    from bot.cogs.quiz._battle import Battles

COG_NAME = "Battles"
Action = Literal["join", "start", "rank"]

# label, emoji, style of each lobby or podium button
_ACTIONS: dict[str, tuple[str, str, discord.ButtonStyle]] = {
    "join": ("Join", "⚔️", discord.ButtonStyle.success),
    "start": ("Start", "▶️", discord.ButtonStyle.primary),
    "rank": ("My rank", "🏅", discord.ButtonStyle.secondary),
}


def battles(bot: discord.Client) -> Battles:
    """Return the bot's `Battles` cog."""
    return loaded_cog(bot, COG_NAME, "Battles")


class AnswerButton(
    GuardedItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"iq:battle:(?P<battle>\d+):(?P<round>\d+):(?P<choice>[0-3])",
):
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
        custom_id = f"iq:battle:{battle}:{number}:{choice}"
        super().__init__(discord.ui.Button(label=label, custom_id=custom_id, style=style, disabled=disabled))
        self.battle, self.number, self.choice = battle, number, choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["battle"]), int(match["round"]), int(match["choice"]), item.label or "")

    async def run(self, interaction: discord.Interaction) -> None:
        await battles(interaction.client).answer(interaction, self.battle, self.number, self.choice)


class BattleButton(
    GuardedItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"iq:battle-(?P<action>join|start|rank):(?P<battle>\d+)",
):
    """Join or Start (on the lobby), My rank (on the podium): what it does is in the custom_id."""

    def __init__(self, action: Action, battle: int) -> None:
        label, emoji, style = _ACTIONS[action]
        button = discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"iq:battle-{action}:{battle}")
        super().__init__(button)
        self.action, self.battle = action, battle

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["action"], int(match["battle"]))  # type: ignore[arg-type]

    async def run(self, interaction: discord.Interaction) -> None:
        cog = battles(interaction.client)
        handler = {"join": cog.join, "start": cog.start, "rank": cog.my_rank}[self.action]
        await handler(interaction, self.battle)


DYNAMIC_ITEMS = (AnswerButton, BattleButton)


def view_of(*items: discord.ui.Item) -> discord.ui.View:
    """Put items on a view that never times out (the items are dynamic: the view holds no state)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def lobby_view(battle: int, *, start: bool = True) -> discord.ui.View:
    """Join and Start; Join alone once the battle started (late players may join until round 1 closes)."""
    return view_of(BattleButton("join", battle), *([BattleButton("start", battle)] if start else []))


def rank_view(battle: int) -> discord.ui.View:
    """The podium's My rank button."""
    return view_of(BattleButton("rank", battle))


def answer_view(battle: int, number: int, labels: Sequence[str], right: int | None = None) -> discord.ui.View:
    """Four answer buttons; once the round closed (`right` given) disabled, the right one green."""
    if right is None:
        return view_of(*(AnswerButton(battle, number, i, label) for i, label in enumerate(labels)))
    return view_of(
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
