"""Spaced review's screens and their restart-proof buttons: "Show definition", then Again / Hard / Good / Easy.

A button's custom_id names the card and its revision (`reps`), so a button left on an old screen cannot act
on a card that has moved on, and every button keeps working after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

import discord
from fsrs import Rating

from bot.cogs.review import _render as render
from bot.content.text import truncate
from bot.core.errors import NotAllowed
from bot.repos.review import ReviewRepo
from bot.ui import Limit, PersistentButton, in_time, persistent_view, update

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

RATING_STYLES = {
    Rating.Again: discord.ButtonStyle.danger,
    Rating.Hard: discord.ButtonStyle.secondary,
    Rating.Good: discord.ButtonStyle.success,
    Rating.Easy: discord.ButtonStyle.primary,
}
Screen = tuple[discord.Embed, discord.ui.View | None]


async def next_screen(bot: InterviewBot, user_id: int, header: str | None) -> Screen:
    """Return the member's next due card (its front), or the caught-up screen."""
    repo = ReviewRepo(bot.db)
    now = bot.clock()
    summary = await repo.due_summary(user_id, now)
    # Cards of terms no longer in the content (a pack update) are skipped, not shown broken.
    card = await repo.next_due(user_id, now)
    skipped: list[str] = []
    while card is not None and card.term_id not in bot.library.terms:
        skipped.append(card.term_id)
        card = await repo.next_due(user_id, now, skip=skipped)
    if card is None:
        upcoming = await repo.soonest(user_id)
        return render.done_embed(summary, upcoming.due if upcoming else None, now, header), None
    front = render.front_embed(bot.library, card, summary, header)
    return front, persistent_view(ShowDefinition(card.id, card.reps))


class ShowDefinition(PersistentButton, custom_id="iq:review:{card}:{reps}:show"):
    """Turn the card over; `reps` is the card's revision, so an old button cannot act on a newer state."""

    def __init__(self, card_id: int, reps: int) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Show definition",
            style=discord.ButtonStyle.primary,
            custom_id=self.make_id(card=card_id, reps=reps),
        )
        super().__init__(button)
        self.card_id, self.reps = card_id, reps

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its card and revision."""
        return cls(int(fields["card"]), int(fields["reps"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Show the back of the card with the four ratings (or the next card if this one moved on)."""
        embed, view = await in_time(interaction, self._back(interaction), update=True)
        await update(interaction, embed=embed, view=view)

    async def _back(self, interaction: BotInteraction) -> Screen:
        """Return the card's back, or the next card when this one moved on."""
        bot = interaction.client
        card = await ReviewRepo(bot.db).card_by_id(self.card_id)
        if card is None or card.user_id != interaction.user.id:
            raise NotAllowed("That card isn't in your review deck.")
        if card.reps != self.reps or card.term_id not in bot.library.terms:
            return await next_screen(bot, interaction.user.id, header="You already reviewed that card.")
        now = bot.clock()
        buttons = (ReviewButton(card.id, card.reps, r, render.rating_label(card, r, now)) for r in Rating)
        return render.back_embed(bot.library, card), persistent_view(*buttons)


class ReviewButton(PersistentButton, custom_id="iq:review:{card}:{reps}:{rating}", rating="[1-4]"):
    """Again / Hard / Good / Easy for one revision of one card."""

    def __init__(self, card_id: int, reps: int, rating: Rating, label: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=truncate(label, Limit.LABEL),
            style=RATING_STYLES[rating],
            custom_id=self.make_id(card=card_id, reps=reps, rating=int(rating)),
        )
        super().__init__(button)
        self.card_id, self.reps, self.rating = card_id, reps, rating

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its card, revision and rating, keeping its label."""
        return cls(int(fields["card"]), int(fields["reps"]), Rating(int(fields["rating"])), button.label or "")

    async def run(self, interaction: BotInteraction) -> None:
        """Apply the rating, then show the next due card."""
        embed, view = await in_time(interaction, self._rate(interaction), update=True)
        await update(interaction, embed=embed, view=view)

    async def _rate(self, interaction: BotInteraction) -> Screen:
        """Store the rating (once per revision) and return the next due card."""
        bot = interaction.client
        now = bot.clock()
        repo = ReviewRepo(bot.db)
        rated = await repo.rate_card(self.card_id, interaction.user.id, self.rating, now, expected_reps=self.reps)
        header = "You already rated that card." if rated is None else render.rated_header(self.rating, rated.due, now)
        return await next_screen(bot, interaction.user.id, header)


DYNAMIC_ITEMS = (ShowDefinition, ReviewButton)
