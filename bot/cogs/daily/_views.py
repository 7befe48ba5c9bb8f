"""The daily post's restart-proof buttons and the open-answer modal.

Every custom_id carries what its handler needs (`iq:daily:<post>:<choice>`, `iq:daily-answer:<post>`,
`iq:daily-rate:<post>:<rating>`, modal `iq:daily-modal:<post>`), so nothing lives on a view and buttons work
after a restart. A modal submit is handled from the cog's `on_interaction` by its custom_id (not by a Modal
object held in memory), so an answer written across a restart is still saved.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.app import GuardedItem, loaded_cog
from bot.cogs.daily import _render as render
from bot.content.index import Library
from bot.content.text import truncate
from bot.core import daily
from bot.core.answers import TermAnswer
from bot.core.daily import POINTS_CORRECT, POINTS_OPEN, RATINGS, DailyError
from bot.core.errors import AlreadyAnswered
from bot.repos.daily import Post, PostClosed

if TYPE_CHECKING:
    from bot.app import InterviewBot
    from bot.cogs.daily import Daily

MODAL_ID = re.compile(r"iq:daily-modal:(?P<post>\d+)")
ANSWER_INPUT = "answer"
ANSWER_LIMIT = 2000
RATING_STYLES = {
    "missed": discord.ButtonStyle.danger,
    "partly": discord.ButtonStyle.secondary,
    "nailed": discord.ButtonStyle.success,
}


def _bot(interaction: discord.Interaction) -> InterviewBot:
    return interaction.client  # type: ignore[return-value]


def _cog(interaction: discord.Interaction) -> Daily:
    return loaded_cog(interaction.client, "Daily", "The daily question")


async def _open_post(interaction: discord.Interaction, post_id: int) -> Post:
    """Return the post a button belongs to, or explain that it is gone or closed."""
    repo = _cog(interaction).repo
    post = await repo.post(post_id)
    if post is None or post.item is None:
        raise DailyError("This daily question no longer exists.")
    if await repo.is_closed(post):
        raise DailyError(render.closed_text(_bot(interaction).library, post))
    return post


class ChoiceButton(
    GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:daily:(?P<post>\d+):(?P<choice>[0-3])"
):
    """One of the four options of a multiple-choice post."""

    def __init__(self, post_id: int, choice: int, label: str = "Option") -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, 80), custom_id=f"iq:daily:{post_id}:{choice}", style=discord.ButtonStyle.secondary
            )
        )
        self.post_id, self.choice = post_id, choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["post"]), int(match["choice"]), item.label or "Option")

    async def run(self, interaction: discord.Interaction) -> None:
        bot, repo = _bot(interaction), _cog(interaction).repo
        post = await repo.post(self.post_id)
        if post is None or not post.is_choice:
            raise DailyError("This daily question no longer exists.")
        now = bot.clock()
        try:
            recorded = await repo.record_answer(
                post, interaction.user.id, now, choice=self.choice, points=POINTS_CORRECT
            )
        except PostClosed:
            raise DailyError(render.closed_text(bot.library, post)) from None
        except AlreadyAnswered:
            earlier = await repo.answer(post.id, interaction.user.id)
            raise AlreadyAnswered(render.already_answered_text(bot.library, post, earlier)) from None
        text = render.choice_feedback(bot.library, post, recorded.answer, recorded.points, recorded.streak)
        await interaction.response.send_message(text, ephemeral=True)
        # No elapsed time: a member sees the post whenever they open the channel, hours after it went out, so the
        # time since posting says nothing about how hard the recall was.
        term_id = post.options[post.answer or 0]
        await bot.publish_answer(TermAnswer(interaction.user.id, term_id, bool(recorded.answer.correct), now))


class AnswerButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button], template=r"iq:daily-answer:(?P<post>\d+)"):
    """The "Answer" button of an open question: opens the answer modal."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer", emoji="✍️", custom_id=f"iq:daily-answer:{post_id}", style=discord.ButtonStyle.primary
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["post"]))

    async def run(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        post = await _open_post(interaction, self.post_id)
        earlier = await _cog(interaction).repo.answer(post.id, interaction.user.id)
        if earlier is not None:
            raise AlreadyAnswered(render.already_answered_text(bot.library, post, earlier))
        question = daily.item_question(bot.library, post.item or "")
        if question is None:
            raise DailyError("This daily question no longer exists.")
        await interaction.response.send_modal(answer_modal(post.id, question.text))


class RateButton(
    GuardedItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"iq:daily-rate:(?P<post>\d+):(?P<rating>missed|partly|nailed)",
):
    """A self-rating button under the key points of an open answer."""

    def __init__(self, post_id: int, rating: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=RATINGS[rating],  # type: ignore[index]
                custom_id=f"iq:daily-rate:{post_id}:{rating}",
                style=RATING_STYLES[rating],
            )
        )
        self.post_id, self.rating = post_id, rating

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["post"]), match["rating"])

    async def run(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        rated = await _cog(interaction).repo.rate(self.post_id, interaction.user.id, self.rating, bot.clock())  # type: ignore[arg-type]
        if not rated:
            raise DailyError("Answer the question first, then rate yourself.")
        await interaction.response.edit_message(content=render.rated_text(self.rating), view=None)


DYNAMIC_ITEMS = (ChoiceButton, AnswerButton, RateButton)


def post_view(library: Library, post: Post) -> discord.ui.View:
    """Return the post's buttons: four options, or the Answer button."""
    view = discord.ui.View(timeout=None)
    if post.is_choice:
        for index, name in enumerate(render.option_names(library, post)):
            view.add_item(ChoiceButton(post.id, index, name))
    else:
        view.add_item(AnswerButton(post.id))
    return view


def rating_view(post_id: int) -> discord.ui.View:
    """Return the three self-rating buttons."""
    view = discord.ui.View(timeout=None)
    for rating in ("missed", "partly", "nailed"):
        view.add_item(RateButton(post_id, rating))
    return view


def answer_modal(post_id: int, question: str) -> discord.ui.Modal:
    """Return the answer modal; its submit is handled by `submit_answer`, whatever the modal object."""
    modal = discord.ui.Modal(title="Your answer", custom_id=f"iq:daily-modal:{post_id}", timeout=900)
    modal.add_item(
        discord.ui.Label(
            text="Your answer",
            description=truncate(question, 100) or None,
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


def _submitted_text(components: list[dict[str, Any]]) -> str:
    """Find the answer input's value in a modal submit (action rows or labels)."""
    for component in components:
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        if component.get("custom_id") == ANSWER_INPUT:
            return str(component.get("value") or "")
        found = _submitted_text(inner)
        if found:
            return found
    return ""


async def submit_answer(interaction: discord.Interaction, post_id: int) -> None:
    """Save an open answer, then show the key points and the self-rating buttons privately."""
    bot, repo = _bot(interaction), _cog(interaction).repo
    text = _submitted_text((interaction.data or {}).get("components", [])).strip()  # type: ignore[arg-type]
    post = await repo.post(post_id)
    question = daily.item_question(bot.library, post.item or "") if post else None
    if post is None or question is None:
        raise DailyError("This daily question no longer exists.")
    if not text:
        raise DailyError("Your answer was empty, so nothing was saved. Press Answer to try again.")
    try:
        recorded = await repo.record_answer(post, interaction.user.id, bot.clock(), text=text, points=POINTS_OPEN)
    except PostClosed:
        # Not a plain error reply: the member's text comes back whole, beside the key points.
        closed = render.closed_text(bot.library, post)
        await interaction.response.send_message(closed, embed=render.draft_embed(text), ephemeral=True)
        return
    embed = render.open_feedback(bot.library, question, recorded.points, recorded.streak)
    await interaction.response.send_message(embed=embed, view=rating_view(post.id), ephemeral=True)
