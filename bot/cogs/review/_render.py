"""What spaced review looks like: the front and back of a card, and the caught-up screen.

Pure builders: cards and their due summary in, embeds and labels out.
"""

from __future__ import annotations

from datetime import datetime

import discord
from fsrs import Rating

from bot.content.index import Library
from bot.content.text import truncate
from bot.core import review
from bot.repos.review import ReviewCard
from bot.ui import Limit, add_tip, chapter_label

COLOUR = discord.Colour.teal()
EMPTY_DECK = (
    "Your review deck is empty. Cards arrive as you answer daily questions and solo quizzes (`/quiz solo`), "
    "or from a quiz's “Review these” button."
)


def front_embed(library: Library, card: ReviewCard, summary: review.DueSummary, header: str | None) -> discord.Embed:
    """Render the front of a card: the term only."""
    term = library.terms[card.term_id]
    chapter = library.chapter_of(term)
    lines = [header] if header else []
    lines.append("Recall what it means, then reveal the definition.")
    embed = discord.Embed(title=term.term, description="\n\n".join(lines), colour=COLOUR)
    embed.set_footer(text=truncate(f"{chapter_label(chapter, in_line=True)} · {summary.describe()}", Limit.FOOTER))
    return embed


def back_embed(library: Library, card: ReviewCard) -> discord.Embed:
    """Render the back of a card: the definition and the interview tip."""
    term = library.terms[card.term_id]
    embed = discord.Embed(title=term.term, description=term.definition, colour=COLOUR)
    add_tip(embed, term)
    embed.set_footer(text="How well did you recall it?")
    return embed


def rating_label(card: ReviewCard, rating: Rating, now: datetime) -> str:
    """Label a rating with when it brings the card back: "Good · in 3 days"."""
    wait = review.describe_wait(review.review(card.card, rating, now).due, now)
    return f"{review.RATING_NAMES[rating]} · {wait}"


def rated_header(rating: Rating, due: datetime, now: datetime) -> str:
    """Confirm a rating above the next card: "**Good**: back in 3 days."."""
    return f"**{review.RATING_NAMES[rating]}**: back {review.describe_wait(due, now)}."


def done_embed(
    summary: review.DueSummary, next_due: datetime | None, now: datetime, header: str | None
) -> discord.Embed:
    """Render the screen shown when nothing is due: what is coming up."""
    if summary.total == 0:
        body = EMPTY_DECK
    else:
        upcoming = f"The next card comes back {review.describe_wait(next_due, now)}." if next_due else ""
        body = f"Nothing is due right now. {upcoming}\n{summary.describe()}"
    if header:
        body = f"{header}\n\n{body}"
    return discord.Embed(title="All caught up ✅", description=body, colour=COLOUR)
