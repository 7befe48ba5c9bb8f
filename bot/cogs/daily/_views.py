"""The daily post's restart-proof buttons and the open-answer modal.

Every custom_id carries what its handler needs (`iq:daily:<post>:<choice>`, `iq:daily-answer:<post>`,
`iq:daily-rate:<post>:<rating>`, modal `iq:daily-modal:<post>`), so nothing lives on a view and buttons work
after a restart. A modal submit is handled from the cog's `on_interaction` by its custom_id (not by a Modal
object held in memory), so an answer written across a restart is still saved.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self, cast

import discord

from bot.cogs.daily import _render as render
from bot.content.index import Library
from bot.content.models import Question
from bot.content.text import truncate
from bot.core import daily
from bot.core.answers import TermAnswer
from bot.core.daily import POINTS_CORRECT, POINTS_OPEN, RATINGS, DailyError, Rating
from bot.core.errors import AlreadyAnswered
from bot.repos.daily import DailyRepo, Post, PostClosed, Recorded
from bot.ui import CustomId, Limit, PersistentButton, in_time, persistent_view, send, submitted_modal, update

if TYPE_CHECKING:
    from bot.app import BotInteraction

ANSWER_MODAL = CustomId("iq:daily-modal:{post}")
ANSWER_INPUT = "answer"
ANSWER_LIMIT = 2000
RATING_STYLES = {
    "missed": discord.ButtonStyle.danger,
    "partly": discord.ButtonStyle.secondary,
    "nailed": discord.ButtonStyle.success,
}


def _repo(interaction: BotInteraction) -> DailyRepo:
    return DailyRepo(interaction.client.db)


async def _open_post(interaction: BotInteraction, post_id: int) -> Post:
    """Return the post a button belongs to, or explain that it is gone or closed."""
    repo = _repo(interaction)
    post = await repo.post(post_id)
    if post is None or post.item is None:
        raise DailyError("This daily question no longer exists.")
    if await repo.is_closed(post):
        raise DailyError(render.closed_text(interaction.client.library, post))
    return post


class ChoiceButton(PersistentButton, custom_id="iq:daily:{post}:{choice}", choice="[0-3]"):
    """One of the four options of a multiple-choice post."""

    def __init__(self, post_id: int, choice: int, label: str = "Option") -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, Limit.LABEL),
                custom_id=self.make_id(post=post_id, choice=choice),
                style=discord.ButtonStyle.secondary,
            )
        )
        self.post_id, self.choice = post_id, choice

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the option from its post and index, keeping its label."""
        return cls(int(fields["post"]), int(fields["choice"]), button.label or "Option")

    async def run(self, interaction: BotInteraction) -> None:
        """Record the member's answer and tell them privately how they did."""
        bot = interaction.client
        now = bot.clock()
        post, recorded = await in_time(interaction, self._record(interaction, now))
        await send(
            interaction, render.choice_feedback(bot.library, post, recorded.answer, recorded.points, recorded.streak)
        )
        # No elapsed time: a member sees the post whenever they open the channel, hours after it went out, so the
        # time since posting says nothing about how hard the recall was.
        term_id = post.options[post.answer or 0]
        await bot.publish_answer(TermAnswer(interaction.user.id, term_id, bool(recorded.answer.correct), now))

    async def _record(self, interaction: BotInteraction, now: datetime) -> tuple[Post, Recorded]:
        """Store the member's answer, or say why it is not taken (closed, answered before)."""
        library, repo = interaction.client.library, _repo(interaction)
        post = await repo.post(self.post_id)
        if post is None or not post.is_choice:
            raise DailyError("This daily question no longer exists.")
        try:
            recorded = await repo.record_answer(
                post, interaction.user.id, now, choice=self.choice, points=POINTS_CORRECT
            )
        except PostClosed:
            raise DailyError(render.closed_text(library, post)) from None
        except AlreadyAnswered:
            earlier = await repo.answer(post.id, interaction.user.id)
            raise AlreadyAnswered(render.already_answered_text(library, post, earlier)) from None
        return post, recorded


class AnswerButton(PersistentButton, custom_id="iq:daily-answer:{post}"):
    """The "Answer" button of an open question: opens the answer modal."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer", emoji="✍️", custom_id=self.make_id(post=post_id), style=discord.ButtonStyle.primary
            )
        )
        self.post_id = post_id

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its post."""
        return cls(int(fields["post"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Open the answer modal, unless the member answered already."""
        library = interaction.client.library
        post = await _open_post(interaction, self.post_id)
        earlier = await _repo(interaction).answer(post.id, interaction.user.id)
        if earlier is not None:
            raise AlreadyAnswered(render.already_answered_text(library, post, earlier))
        question = daily.item_question(library, post.item or "")
        if question is None:
            raise DailyError("This daily question no longer exists.")
        await interaction.response.send_modal(answer_modal(post.id, question.text))


class RateButton(PersistentButton, custom_id="iq:daily-rate:{post}:{rating}", rating="|".join(RATINGS)):
    """A self-rating button under the key points of an open answer."""

    def __init__(self, post_id: int, rating: Rating) -> None:
        super().__init__(
            discord.ui.Button(
                label=RATINGS[rating],
                custom_id=self.make_id(post=post_id, rating=rating),
                style=RATING_STYLES[rating],
            )
        )
        self.post_id, self.rating = post_id, rating

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its post and rating (the template admits only the three ratings)."""
        return cls(int(fields["post"]), cast("Rating", fields["rating"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Store the member's self-rating of their open answer."""
        rating = _repo(interaction).rate(self.post_id, interaction.user.id, self.rating, interaction.client.clock())
        if not await in_time(interaction, rating, update=True):
            raise DailyError("Answer the question first, then rate yourself.")
        await update(interaction, content=render.rated_text(self.rating), view=None)


DYNAMIC_ITEMS = (ChoiceButton, AnswerButton, RateButton)


def shown_post(message: discord.Message) -> int | None:
    """Return the id of the daily post a message shows, read from its buttons; None for any other message."""
    for row in message.components:
        for component in getattr(row, "children", ()):
            custom_id = getattr(component, "custom_id", None) or ""
            for ids in (ChoiceButton.ids, AnswerButton.ids):
                if found := ids.pattern.fullmatch(custom_id):
                    return int(found["post"])
    return None


def post_view(library: Library, post: Post) -> discord.ui.View:
    """Return the post's buttons: four options, or the Answer button."""
    if post.is_choice:
        return persistent_view(
            *(ChoiceButton(post.id, n, name) for n, name in enumerate(render.option_names(library, post)))
        )
    return persistent_view(AnswerButton(post.id))


def rating_view(post_id: int) -> discord.ui.View:
    """Return the three self-rating buttons."""
    return persistent_view(*(RateButton(post_id, rating) for rating in ("missed", "partly", "nailed")))


def answer_modal(post_id: int, question: str) -> discord.ui.Modal:
    """Return the answer modal; its submit is handled by `submit_answer`, whatever the modal object."""
    modal = discord.ui.Modal(title="Your answer", custom_id=ANSWER_MODAL.make(post=post_id), timeout=900)
    modal.add_item(
        discord.ui.Label(
            text="Your answer",
            description=truncate(question, Limit.INPUT_DESCRIPTION) or None,
            component=discord.ui.TextInput(
                custom_id=ANSWER_INPUT,
                style=discord.TextStyle.paragraph,
                placeholder="Explain it as you would in an interview.",
                min_length=1,
                max_length=ANSWER_LIMIT,
            ),
        )
    )
    return modal


def answer_submission(interaction: discord.Interaction[Any]) -> tuple[int, str] | None:
    """Return the post id and the text of a submitted answer modal; None for any other interaction."""
    submitted = submitted_modal(interaction, ANSWER_MODAL, ANSWER_INPUT)
    if submitted is None:
        return None
    fields, text = submitted
    return int(fields["post"]), text.strip()


async def submit_answer(interaction: BotInteraction, post_id: int, text: str) -> None:
    """Save an open answer, then show the key points and the self-rating buttons privately."""
    library = interaction.client.library
    if not text:
        raise DailyError("Your answer was empty, so nothing was saved. Press Answer to try again.")
    post, question, recorded = await in_time(interaction, _save_open_answer(interaction, post_id, text))
    if recorded is None:
        # Closed meanwhile. Not a plain error reply: the member's text comes back whole, beside the key points.
        await send(interaction, render.closed_text(library, post), embed=render.draft_embed(text))
        return
    embed = render.open_feedback(library, question, recorded.points, recorded.streak)
    await send(interaction, embed=embed, view=rating_view(post.id))


async def _save_open_answer(
    interaction: BotInteraction, post_id: int, text: str
) -> tuple[Post, Question, Recorded | None]:
    """Store an open answer; no record (None) when the post closed before it came."""
    bot, repo = interaction.client, _repo(interaction)
    post = await repo.post(post_id)
    question = daily.item_question(bot.library, post.item or "") if post else None
    if post is None or question is None:
        raise DailyError("This daily question no longer exists.")
    try:
        recorded = await repo.record_answer(post, interaction.user.id, bot.clock(), text=text, points=POINTS_OPEN)
    except PostClosed:
        return post, question, None
    return post, question, recorded
