"""Spaced review: `/review` goes through the member's due cards privately, and graded answers rate their cards.

Every member has one FSRS card per term they met (`ReviewRepo`). Answers anywhere in the bot (daily posts,
solo quizzes, battles) arrive as `TermAnswer`s through `bot.answer_listeners` and rate the card (wrong →
Again, right → Good, right but slow → Hard; see `bot.core.review`). `/review` shows one due card at a time:
the term, "Show definition", then Again / Hard / Good / Easy.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord.ext import commands
from fsrs import Rating

from bot.app import GuardedItem, loaded_cog
from bot.content.index import Library
from bot.content.text import truncate
from bot.core import review
from bot.core.answers import TermAnswer
from bot.core.errors import NotAllowed
from bot.repos.review import ReviewCard, ReviewRepo

if TYPE_CHECKING:
    from bot.app import InterviewBot

log = logging.getLogger(__name__)

COLOUR = discord.Colour.teal()
RATING_STYLES = {
    Rating.Again: discord.ButtonStyle.danger,
    Rating.Hard: discord.ButtonStyle.secondary,
    Rating.Good: discord.ButtonStyle.success,
    Rating.Easy: discord.ButtonStyle.primary,
}
EMPTY_DECK = (
    "Your review deck is empty. Cards arrive as you answer daily questions and solo quizzes (`/quiz solo`), "
    "or from a quiz's “Review these” button."
)


# -- screens (pure: cards in, embeds and views out) ----------------------------------------------------------------


def front(library: Library, card: ReviewCard, summary: review.DueSummary, header: str | None) -> discord.Embed:
    """The front of a card: the term only."""
    term = library.terms[card.term_id]
    chapter = library.chapter_of(term)
    lines = [header] if header else []
    lines.append("Recall what it means, then reveal the definition.")
    embed = discord.Embed(title=term.term, description="\n\n".join(lines), colour=COLOUR)
    embed.set_footer(text=truncate(f"Chapter {chapter.number}: {chapter.title} · {summary.describe()}", 2048))
    return embed


def back(library: Library, card: ReviewCard, now: datetime) -> tuple[discord.Embed, discord.ui.View]:
    """The back of a card: definition and tip, and the four ratings with when each brings the card back."""
    term = library.terms[card.term_id]
    embed = discord.Embed(title=term.term, description=term.definition, colour=COLOUR)
    embed.add_field(name="💡 Interview tip", value=truncate(term.tip, 1024) or "—", inline=False)
    embed.set_footer(text="How well did you recall it?")
    view = discord.ui.View(timeout=None)
    for rating in Rating:
        wait = review.describe_wait(review.review(card.card, rating, now).due, now)
        view.add_item(ReviewButton(card.id, card.reps, rating, f"{review.RATING_NAMES[rating]} · {wait}"))
    return embed, view


def front_view(card: ReviewCard) -> discord.ui.View:
    """The "Show definition" button."""
    view = discord.ui.View(timeout=None)
    view.add_item(ShowDefinition(card.id, card.reps))
    return view


def done(summary: review.DueSummary, next_due: datetime | None, now: datetime, header: str | None) -> discord.Embed:
    """The screen when nothing is due: what is coming up."""
    if summary.total == 0:
        body = EMPTY_DECK
    else:
        upcoming = f"The next card comes back {review.describe_wait(next_due, now)}." if next_due else ""
        body = f"Nothing is due right now. {upcoming}\n{summary.describe()}"
    if header:
        body = f"{header}\n\n{body}"
    return discord.Embed(title="All caught up ✅", description=body, colour=COLOUR)


# -- the cog ------------------------------------------------------------------------------------------------------


class Review(commands.Cog):
    """Spaced review of glossary terms."""

    def __init__(self, bot: InterviewBot) -> None:
        self.bot = bot
        self.repo = ReviewRepo(bot.db)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ShowDefinition, ReviewButton)
        self.bot.answer_listeners.append(self.on_answer)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ShowDefinition, ReviewButton)
        if self.on_answer in self.bot.answer_listeners:
            self.bot.answer_listeners.remove(self.on_answer)

    async def on_answer(self, answer: TermAnswer) -> None:
        """Rate the member's card for a term they just answered somewhere in the bot."""
        if answer.term_id not in self.bot.library.terms:
            log.warning("answer for unknown term %r not reviewed", answer.term_id)
            return
        rating = review.rating_for_answer(answer)
        duration = round(answer.elapsed * 1000) if answer.elapsed is not None else None
        await self.repo.rate(answer.user_id, answer.term_id, rating, answer.at, "answer", duration_ms=duration)

    @discord.app_commands.command(name="review")
    async def review_command(self, interaction: discord.Interaction) -> None:
        """Go through your due review cards (spaced repetition), privately."""
        embed, view = await self.screen(interaction.user.id, header=None)
        await interaction.response.send_message(embed=embed, view=view or discord.utils.MISSING, ephemeral=True)

    async def screen(self, user_id: int, header: str | None) -> tuple[discord.Embed, discord.ui.View | None]:
        """Return the member's next due card (front), or the caught-up screen."""
        now = self.bot.clock()
        summary = await self.repo.due_summary(user_id, now)
        # Cards of terms no longer in the content (a pack update) are skipped, not shown broken.
        card = await self.repo.next_due(user_id, now)
        skipped: list[str] = []
        while card is not None and card.term_id not in self.bot.library.terms:
            skipped.append(card.term_id)
            card = await self.repo.next_due(user_id, now, skip=skipped)
        if card is None:
            upcoming = await self.repo.soonest(user_id)
            return done(summary, upcoming.due if upcoming else None, now, header), None
        return front(self.bot.library, card, summary, header), front_view(card)

    async def show(self, interaction: discord.Interaction, card_id: int, reps: int) -> None:
        """Turn a card over."""
        card = await self.repo.card_by_id(card_id)
        if card is None or card.user_id != interaction.user.id:
            raise NotAllowed("That card isn't in your review deck.")
        if card.reps != reps or card.term_id not in self.bot.library.terms:
            embed, view = await self.screen(interaction.user.id, header="You already reviewed that card.")
        else:
            embed, view = back(self.bot.library, card, self.bot.clock())
        await interaction.response.edit_message(embed=embed, view=view)

    async def rate(self, interaction: discord.Interaction, card_id: int, reps: int, rating: Rating) -> None:
        """Apply a rating, then show the next due card."""
        now = self.bot.clock()
        rated = await self.repo.rate_card(card_id, interaction.user.id, rating, now, expected_reps=reps)
        if rated is None:
            header = "You already rated that card."
        else:
            header = f"**{review.RATING_NAMES[rating]}**: back {review.describe_wait(rated.due, now)}."
        embed, view = await self.screen(interaction.user.id, header)
        await interaction.response.edit_message(embed=embed, view=view)


def _cog(interaction: discord.Interaction) -> Review:
    return loaded_cog(interaction.client, "Review", "Review")


class ShowDefinition(
    GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:review:(?P<card>\d+):(?P<reps>\d+):show"
):
    """Turn the card over; `reps` is the card's revision, so an old button cannot act on a newer state."""

    def __init__(self, card_id: int, reps: int) -> None:
        button = discord.ui.Button(
            label="Show definition", style=discord.ButtonStyle.primary, custom_id=f"iq:review:{card_id}:{reps}:show"
        )
        super().__init__(button)
        self.card_id, self.reps = card_id, reps

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["card"]), int(match["reps"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).show(interaction, self.card_id, self.reps)


class ReviewButton(
    GuardedItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"iq:review:(?P<card>\d+):(?P<reps>\d+):(?P<r>[1-4])",
):
    """Again / Hard / Good / Easy for one revision of one card."""

    def __init__(self, card_id: int, reps: int, rating: Rating, label: str) -> None:
        button = discord.ui.Button(
            label=truncate(label, 80),
            style=RATING_STYLES[rating],
            custom_id=f"iq:review:{card_id}:{reps}:{int(rating)}",
        )
        super().__init__(button)
        self.card_id, self.reps, self.rating = card_id, reps, rating

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["card"]), int(match["reps"]), Rating(int(match["r"])), item.label or "")

    async def run(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).rate(interaction, self.card_id, self.reps, self.rating)


async def setup(bot: InterviewBot) -> None:
    await bot.add_cog(Review(bot))
