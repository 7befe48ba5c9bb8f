"""A mock interview's restart-proof buttons, marking menu and answer modal, its screens, and what each step does.

Every custom_id names the interview and, where it matters, the question (`iq:iv:<interview>:<q>:<action>`), so a
click after a restart carries on and a click on an old question is recognised as such. The answer modal is handled
from the cog's `on_interaction` by its custom_id, so an answer written across a restart is still saved. Each click
is a fresh interaction with a fresh 15-minute token: no step of an interview needs an older one.

A solo interview's screens replace each other in one private message. A pair interview posts its questions and
its scorecard in a thread with the bot's own token (no interaction token ages there), and shows the key points to
the interviewer only, privately.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord

from bot.cogs.interview import _render as render
from bot.cogs.interview._runs import runs
from bot.content.index import Library
from bot.content.text import truncate
from bot.core import interview as rules
from bot.core.errors import BotError, NotAllowed
from bot.repos.interview import AskedQuestion, Interview, check_turn
from bot.repos.review import ReviewRepo
from bot.ui import CustomId, Limit, PersistentButton, PersistentSelect, in_time, persistent_view, send, update

if TYPE_CHECKING:
    from bot.app import BotInteraction, InterviewBot

log = logging.getLogger(__name__)

ANSWER_MODAL = CustomId("iq:iv-answer:{interview}:{q}")
ANSWER_INPUT = "answer"
Screen = tuple[list[discord.Embed], discord.ui.View | None]
FullScreen = tuple[list[discord.Embed], discord.ui.View]  # a screen that always has buttons
ABSTRACT = r"(?!)"  # the template of the shared bases below: matches nothing, never registered


# -- screens ----------------------------------------------------------------------------------------------------


def question_screen(library: Library, interview: Interview, asked: AskedQuestion) -> FullScreen:
    """Put a question: solo, with Write and Out loud; pair (in the thread), with the interviewer's Key points."""
    if interview.kind == "solo":
        buttons: list[discord.ui.Item[Any]] = [
            WriteAnswer(interview.id, asked.position),
            AnsweredAloud(interview.id, asked.position),
        ]
    else:
        buttons = [KeyPointsButton(interview.id, asked.position)]
    view = persistent_view(*buttons, EndButton(interview.id))
    return [render.question_embed(library, interview, asked)], view


def marking_screen(library: Library, interview: Interview, asked: AskedQuestion) -> FullScreen:
    """Show the key points with the marking menu (pre-marked with the hint or the marks so far), and move on."""
    question = render.question_of(library, asked)
    view = persistent_view(
        MarkMenu(interview.id, asked.position, question.points, asked.selected),
        (FinishButton if asked.position == interview.total - 1 else NextButton)(interview.id, asked.position),
        EndButton(interview.id),
    )
    return [render.marking_embed(library, interview, asked)], view


def scorecard_screen(library: Library, interview: Interview) -> Screen:
    """Show the scorecard (saying how an unfinished interview ended), with "Add these to my review" if useful."""
    card = rules.scorecard(library, interview.results(), interview.minutes)
    view = persistent_view(AddToReview(interview.id, len(card.review_terms))) if card.review_terms else None
    return [render.scorecard_embed(library, interview, card, render.ended_note(interview))], view


def invitation_view(interview: Interview) -> discord.ui.View:
    """Return the invitation's Accept and Decline buttons."""
    return persistent_view(AcceptButton(interview.id), DeclineButton(interview.id))


def answer_modal(interview: Interview, asked: AskedQuestion, question: str) -> discord.ui.Modal:
    """Return the answer modal; its submit is handled by `submit_answer`, whatever the modal object."""
    modal = discord.ui.Modal(
        title=f"Your answer to question {asked.position + 1}",
        custom_id=ANSWER_MODAL.make(interview=interview.id, q=asked.position),
        timeout=900,
    )
    modal.add_item(
        discord.ui.Label(
            text="Your answer",
            description=truncate(question, Limit.INPUT_DESCRIPTION),
            component=discord.ui.TextInput(
                custom_id=ANSWER_INPUT,
                style=discord.TextStyle.paragraph,
                placeholder="As in the interview: definition, why it matters, when to use it, tradeoff, example.",
                min_length=1,
                max_length=rules.ANSWER_LIMIT,
            ),
        )
    )
    return modal


# -- steps ------------------------------------------------------------------------------------------------------


async def running(
    interaction: BotInteraction,
    interview_id: int,
    step: Callable[[Interview], Awaitable[Interview]] | None = None,
    *,
    in_place: bool = True,
) -> Interview | None:
    """Bring an interview up to date (deadline, absence), take the click's `step` on it, and return the result.

    All of it is database work, done through `in_time`: the click is acknowledged within Discord's 3 seconds
    whatever the database does (a deferred update of the clicked message, or with `in_place=False` a private
    "thinking…"), and the caller answers it through `show`, `update` or `send`. An interview that had already
    ended gets its answer here (`show_ended`), and None is returned.
    """
    bot = interaction.client

    async def work() -> tuple[Interview, bool]:
        interview = await caught_up(bot, interview_id)
        if interview.state == "ended":
            return interview, False
        return (await step(interview) if step is not None else interview), True

    interview, live = await in_time(interaction, work(), update=in_place)
    if not live:
        await show_ended(interaction, interview)
        return None
    return interview


async def caught_up(bot: InterviewBot, interview_id: int) -> Interview:
    """Apply a passed deadline or an absence to an interview, and return it as it is now (or refuse: it's gone).

    Read through the write connection: the read follows this click's own catch-up write.
    """
    await catch_up(bot, interview_id)
    interview = await runs(bot).repo.interview(interview_id)
    if interview is None:
        raise rules.InterviewOver()
    return interview


def catch_up_due(interview: Interview, now: datetime) -> bool:
    """Tell whether a catch-up would change the interview: its expiry, or its open question's deadline, passed.

    The same conditions as `InterviewRepo.expire` and `InterviewRepo.time_out`, read from a looked-up interview.
    """
    if interview.state == "ended":
        return False
    if interview.expires_at is not None and interview.expires_at <= now:
        return True
    current = interview.current
    return (
        interview.state == "active"
        and current is not None
        and not current.answered
        and current.deadline is not None
        and current.deadline <= now
    )


async def show_ended(interaction: BotInteraction, interview: Interview) -> None:
    """Answer a click on an ended interview: its member sees a solo interview's scorecard in place; others a note."""
    if interview.kind == "solo" and interview.candidate_id == interaction.user.id:
        await show(interaction, interview, scorecard_screen(interaction.client.library, interview))
        return
    raise rules.InterviewOver("This mock interview is over.")


async def show(interaction: BotInteraction, interview: Interview, screen: Screen) -> None:
    """Answer a click with a screen in place of the clicked message; a solo screen's interaction is kept.

    After a deferral (`in_time`) the screen goes through the interaction's original response: the same message.
    """
    embeds, view = screen
    # The cog is reached before answering: once the member has the screen, the bot may be closing.
    tracker = runs(interaction.client) if interview.kind == "solo" and interview.state == "active" else None
    await update(interaction, content=None, embeds=embeds, view=view)
    if tracker is not None:
        tracker.track(interview.id, interaction)


async def submit_answer(interaction: BotInteraction, interview_id: int, position: int, text: str) -> None:
    """Save a written answer with its coverage hint, then show the key points for marking."""
    bot = interaction.client
    if not text.strip():
        raise BotError("Your answer was empty, so nothing was saved. Press **Write my answer** to try again.")

    async def save(interview: Interview) -> Interview:
        question = render.question_of(bot.library, check_turn(interview, interaction.user.id, position))
        return await runs(bot).repo.answer(
            interview_id,
            interaction.user.id,
            position,
            bot.clock(),
            kind="written",
            text=text.strip(),
            hint=rules.coverage_hint(question, text),
        )

    interview = await running(interaction, interview_id, save)
    if interview is None:
        return
    await show(interaction, interview, marking_screen(bot.library, interview, interview.questions[position]))


async def moved_on(interaction: BotInteraction, interview: Interview, position: int) -> None:
    """Answer a confirmed question: show the next question, or the scorecard after the last one."""
    library = interaction.client.library
    if interview.kind == "solo":
        if interview.state == "ended":
            runs(interaction.client).untrack(interview.id)
            await show(interaction, interview, scorecard_screen(library, interview))
        else:
            await show(interaction, interview, question_screen(library, interview, interview.questions[position + 1]))
        return
    asked = interview.questions[position]
    await update(interaction, content=render.marked_text(interview, asked), embeds=[], view=None)
    await _edit_question(interaction.client, interview, position)
    if interview.state == "ended":
        await _post_scorecard(interaction.client, interview)
    else:
        await _post_question(interaction.client, interview, position + 1)


async def accepted(interaction: BotInteraction, interview: Interview) -> None:
    """Open the pair interview's thread from the invitation and post the first question there."""
    bot = interaction.client
    await update(interaction, content=render.invitation_closed_text(interview), embed=None, view=None)
    invitation = interaction.message
    assert invitation is not None
    names = {interaction.user.id: interaction.user.display_name}
    if invitation.interaction_metadata is not None:  # the invitation answered the host's command
        names[invitation.interaction_metadata.user.id] = invitation.interaction_metadata.user.display_name
    name = render.thread_name(names.get(interview.candidate_id), names.get(interview.interviewer_id or 0))
    try:
        thread = await invitation.create_thread(name=name, auto_archive_duration=60)
    except discord.HTTPException as exc:
        log.warning("could not open a thread for interview %s: %s", interview.id, exc)
        await runs(bot).repo.end(interview.id, interaction.user.id, bot.clock())
        await interaction.edit_original_response(content=render.NO_THREAD)
        return
    await runs(bot).repo.set_thread(interview.id, thread.id)
    await _post_question(bot, await _reload(bot, interview), 0, mention=True)


async def ended_by_member(interaction: BotInteraction, interview: Interview) -> None:
    """Answer "End interview": the scorecard in place (solo), or in the thread for both (pair)."""
    if interview.kind == "solo":
        runs(interaction.client).untrack(interview.id)
        await show(interaction, interview, scorecard_screen(interaction.client.library, interview))
        return
    if interaction.message is not None and interaction.message.flags.ephemeral:  # the interviewer's key points
        await update(interaction, content=render.PAIR_ENDED, embeds=[], view=None)
    elif not interaction.response.is_done():  # not deferred by `in_time` already
        await interaction.response.defer()
    await _close_pair(interaction.client, interview)


# -- deadlines and absences -------------------------------------------------------------------------------------


async def catch_up(bot: InterviewBot, interview_id: int) -> None:
    """Apply a passed deadline or an absence to one interview, before a click on it is handled.

    A click checks only its own interview: catching up every other one first could miss Discord's 3 seconds. Its
    own screen is drawn by the click, so a solo interview's old screen is left alone here.
    """
    await _apply(bot, interview_id, lazy=True)


async def sweep(bot: InterviewBot) -> None:
    """Close the questions whose deadline passed and end the interviews whose members are gone (all of them)."""
    try:
        await _apply(bot, None, lazy=False)
    except Exception:
        log.exception("interview sweep failed")


async def _apply(bot: InterviewBot, interview_id: int | None, *, lazy: bool) -> None:
    machinery, now = runs(bot), bot.clock()
    for timed_out in await machinery.repo.time_out(now, interview_id=interview_id):
        interview = await machinery.repo.interview(timed_out)
        if interview is None or interview.current is None:
            continue
        if interview.kind == "pair":
            await _edit_question(bot, interview, interview.current.position)
        elif not lazy:
            await machinery.edit_live(interview.id, *marking_screen(bot.library, interview, interview.current))
    for ended in await machinery.repo.expire(now, interview_id=interview_id):
        log.info("interview %s ended by itself: %s", ended.id, ended.end_reason)
        if ended.kind == "solo":
            if not lazy:
                await machinery.edit_live(ended.id, *scorecard_screen(bot.library, ended))
            machinery.untrack(ended.id)
        elif ended.end_reason == "lapsed":
            await _edit_invitation(bot, ended)
        else:
            await _close_pair(bot, ended)


# -- a pair interview's messages --------------------------------------------------------------------------------


async def _reload(bot: InterviewBot, interview: Interview) -> Interview:
    return await runs(bot).repo.interview(interview.id) or interview


async def _post_question(bot: InterviewBot, interview: Interview, position: int, *, mention: bool = False) -> None:
    """Post a pair interview's question in its thread (the first one names both, adding them to the thread)."""
    assert interview.thread_id is not None
    embeds, view = question_screen(bot.library, interview, interview.questions[position])
    try:
        message = await bot.get_partial_messageable(interview.thread_id).send(
            render.members_text(interview) if mention else None,
            embeds=embeds,
            view=view or discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(m) for m in interview.members]),
        )
    except discord.HTTPException as exc:
        log.warning("could not post question %s of interview %s: %s", position, interview.id, exc)
        return
    await runs(bot).repo.set_question_message(interview.id, position, message.id)


async def _edit_question(bot: InterviewBot, interview: Interview, position: int) -> None:
    """Redraw a pair question's message: open, time's up (buttons kept), or over (its result, no buttons)."""
    asked = interview.questions[position]
    if interview.thread_id is None or asked.message_id is None:
        return
    if interview.state == "active" and not asked.marked:
        embed = (render.timed_out_question_embed if asked.answered else render.question_embed)(
            bot.library, interview, asked
        )
        view = question_screen(bot.library, interview, asked)[1]
    else:
        embed, view = render.closed_question_embed(bot.library, interview, asked), None
    message = bot.get_partial_messageable(interview.thread_id).get_partial_message(asked.message_id)
    try:
        await message.edit(embed=embed, view=view)
    except discord.HTTPException as exc:
        log.warning("could not update question %s of interview %s: %s", position, interview.id, exc)


async def _edit_invitation(bot: InterviewBot, interview: Interview) -> None:
    """Say on the invitation what became of it, without its buttons."""
    if interview.channel_id is None or interview.invite_message_id is None:
        return
    message = bot.get_partial_messageable(interview.channel_id).get_partial_message(interview.invite_message_id)
    try:
        await message.edit(content=render.invitation_closed_text(interview), embed=None, view=None)
    except discord.HTTPException as exc:
        log.warning("could not update the invitation of interview %s: %s", interview.id, exc)


async def _post_scorecard(bot: InterviewBot, interview: Interview) -> None:
    """Post a pair interview's scorecard in its thread, for both members."""
    if interview.thread_id is None:
        return
    embeds, view = scorecard_screen(bot.library, interview)
    try:
        await bot.get_partial_messageable(interview.thread_id).send(embeds=embeds, view=view or discord.utils.MISSING)
    except discord.HTTPException as exc:
        log.warning("could not post the scorecard of interview %s: %s", interview.id, exc)


async def _close_pair(bot: InterviewBot, interview: Interview) -> None:
    """Close an ended pair interview: its open question's message loses its buttons, the scorecard is posted."""
    current = interview.current
    if current is not None and current.shown_at is not None:
        await _edit_question(bot, interview, current.position)
    await _post_scorecard(bot, interview)


# -- buttons, menu ----------------------------------------------------------------------------------------------


class _QuestionButton(PersistentButton, template=ABSTRACT):
    """A button about one question of an interview (`{interview}` and `{q}` in its custom_id)."""

    label: ClassVar[str]
    emoji: ClassVar[str]
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, interview_id: int, position: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.label,
                emoji=self.emoji,
                style=self.style,
                custom_id=self.make_id(interview=interview_id, q=position),
            )
        )
        self.interview_id, self.position = interview_id, position

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its interview and question."""
        return cls(int(fields["interview"]), int(fields["q"]))


class _InterviewButton(PersistentButton, template=ABSTRACT):
    """A button about a whole interview (`{interview}` in its custom_id)."""

    label: ClassVar[str]
    emoji: ClassVar[str | None] = None
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, interview_id: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or self.label,
                emoji=self.emoji,
                style=self.style,
                custom_id=self.make_id(interview=interview_id),
            )
        )
        self.interview_id = interview_id

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its interview."""
        return cls(int(fields["interview"]))


class WriteAnswer(_QuestionButton, custom_id="iq:iv:{interview}:{q}:write"):
    """Open the answer modal (or, once time is up, the marking screen)."""

    label, emoji, style = "Write my answer", "✍️", discord.ButtonStyle.primary

    async def run(self, interaction: BotInteraction) -> None:
        """Open the modal for the open question.

        A modal must be the click's first response: it cannot follow a deferral, so it cannot wait for a write that
        another process may hold up. The interview is looked up on the read-only connection (it never waits for a
        write), and the catch-up, a write, runs only when it would change something: a deadline or the interview's
        expiry has passed. Then no modal is wanted: the catch-up goes through `in_time` like any other click, and
        the click shows the marking screen (time's up) or the scorecard (the interview lapsed). Otherwise the
        catch-up would write nothing, and the modal opens at once; its submit catches up again before it saves.
        """
        bot = interaction.client
        seen = await in_time(interaction, runs(bot).repo.lookup(self.interview_id), update=True)
        if seen is None:
            raise rules.InterviewOver()
        if catch_up_due(seen, bot.clock()):
            interview = await running(interaction, self.interview_id)
            if interview is None:
                return
        elif seen.state == "ended":
            await show_ended(interaction, seen)
            return
        else:
            interview = seen
        asked = check_turn(interview, interaction.user.id, self.position)
        if asked.answered:  # time ran out meanwhile: mark what was said
            await show(interaction, interview, marking_screen(bot.library, interview, asked))
            return
        if interaction.response.is_done():  # the lookup itself was deferred (a stalled disk): no modal can follow
            raise BotError("That took me too long to open the answer form. Press **Write my answer** again.")
        question = render.question_of(bot.library, asked)
        await interaction.response.send_modal(answer_modal(interview, asked, question.text))


class AnsweredAloud(_QuestionButton, custom_id="iq:iv:{interview}:{q}:spoken"):
    """Record a spoken answer ("I answered out loud") and show the key points."""

    label, emoji = "I answered out loud", "🗣️"

    async def run(self, interaction: BotInteraction) -> None:
        """Record the answer and show the marking screen."""
        bot = interaction.client

        async def spoken(_: Interview) -> Interview:
            repo = runs(bot).repo
            return await repo.answer(self.interview_id, interaction.user.id, self.position, bot.clock(), kind="spoken")

        interview = await running(interaction, self.interview_id, spoken)
        if interview is None:
            return
        await show(interaction, interview, marking_screen(bot.library, interview, interview.questions[self.position]))


class NextButton(_QuestionButton, custom_id="iq:iv:{interview}:{q}:next"):
    """Confirm the marks and show the next question."""

    label, emoji, style = "Next question", "▶️", discord.ButtonStyle.success

    async def run(self, interaction: BotInteraction) -> None:
        """Confirm the marks (a pair interviewer's first step stops the clock) and move on."""
        bot = interaction.client

        async def confirm(interview: Interview) -> Interview:
            repo, now = runs(bot).repo, bot.clock()
            if interview.kind == "pair":
                await repo.answer(self.interview_id, interaction.user.id, self.position, now, kind="spoken")
            return await repo.confirm(self.interview_id, interaction.user.id, self.position, now)

        interview = await running(interaction, self.interview_id, confirm)
        if interview is None:
            return
        await moved_on(interaction, interview, self.position)


class FinishButton(NextButton, custom_id="iq:iv:{interview}:{q}:finish"):
    """Confirm the last question's marks and show the scorecard."""

    label, emoji = "Finish: see the scorecard", "🏁"


class KeyPointsButton(_QuestionButton, custom_id="iq:iv:{interview}:{q}:points"):
    """Show a pair question's key points to the interviewer, privately, for marking."""

    label, emoji, style = "Key points (interviewer)", "📋", discord.ButtonStyle.primary

    async def run(self, interaction: BotInteraction) -> None:
        """Show the marking screen to the interviewer only (a new private message)."""
        interview = await running(interaction, self.interview_id, in_place=False)
        if interview is None:
            return
        if interaction.user.id == interview.candidate_id:
            raise NotAllowed("Only the interviewer sees the key points. Answer out loud, or here in the thread.")
        asked = check_turn(interview, interaction.user.id, self.position)
        embeds, view = marking_screen(interaction.client.library, interview, asked)
        await send(interaction, embeds=embeds, view=view)


class MarkMenu(PersistentSelect, custom_id="iq:iv:{interview}:{q}:mark"):
    """The marking menu: the key points covered (any number, none included)."""

    def __init__(
        self, interview_id: int, position: int, points: tuple[str, ...] = (), selected: tuple[int, ...] = ()
    ) -> None:
        options = [
            discord.SelectOption(label=render.point_label(n + 1, point), value=str(n), default=n in selected)
            for n, point in enumerate(points[: Limit.OPTIONS])
        ]
        super().__init__(
            discord.ui.Select(
                placeholder="Mark the key points covered",
                min_values=0,
                max_values=max(1, len(options)),
                options=options,
                custom_id=self.make_id(interview=interview_id, q=position),
            )
        )
        self.interview_id, self.position = interview_id, position

    @classmethod
    def restore(cls, select: discord.ui.Select[Any], fields: re.Match[str]) -> Self:
        """Rebuild the menu from its interview and question (the choice arrives with the click)."""
        return cls(int(fields["interview"]), int(fields["q"]))

    async def run(self, interaction: BotInteraction) -> None:
        """Store the marks and show them (a pair interviewer's first mark stops the clock)."""
        bot = interaction.client
        covered = [int(value) for value in self.item.values]

        async def mark(interview: Interview) -> Interview:
            repo, now = runs(bot).repo, bot.clock()
            if interview.kind == "pair":
                await repo.answer(self.interview_id, interaction.user.id, self.position, now, kind="spoken")
            return await repo.mark(self.interview_id, interaction.user.id, self.position, covered, now)

        interview = await running(interaction, self.interview_id, mark)
        if interview is None:
            return
        await show(interaction, interview, marking_screen(bot.library, interview, interview.questions[self.position]))


class EndButton(_InterviewButton, custom_id="iq:iv:{interview}:end"):
    """End the interview (either member); the scorecard shows what was marked."""

    label, emoji, style = "End interview", "⏹️", discord.ButtonStyle.danger

    async def run(self, interaction: BotInteraction) -> None:
        """End the interview and show its scorecard."""
        bot = interaction.client

        async def end(_: Interview) -> Interview:
            return await runs(bot).repo.end(self.interview_id, interaction.user.id, bot.clock())

        interview = await running(interaction, self.interview_id, end)
        if interview is None:
            return
        await ended_by_member(interaction, interview)


class AddToReview(_InterviewButton, custom_id="iq:iv:{interview}:review"):
    """Put the related terms of the weak questions into the clicker's review deck ("Add these to my review")."""

    label, emoji, style = "Add these to my review", "🔁", discord.ButtonStyle.success

    def __init__(self, interview_id: int, count: int = 0) -> None:
        super().__init__(interview_id, f"{self.label} ({count} terms)" if count > 1 else None)

    async def run(self, interaction: BotInteraction) -> None:
        """Add the terms as review cards, due now."""
        terms = await in_time(interaction, self._add(interaction))
        await send(interaction, render.review_added_text(len(terms)))

    async def _add(self, interaction: BotInteraction) -> tuple[str, ...]:
        """Add the interview's review terms to the clicker's deck; return them."""
        bot = interaction.client
        # A pure lookup before this click's only write: an ended interview's marks no longer change.
        interview = await runs(bot).repo.lookup(self.interview_id)
        if interview is None or interaction.user.id not in interview.members:
            raise NotAllowed("Only the members of this interview can add its terms to their review.")
        terms = rules.scorecard(bot.library, interview.results(), interview.minutes).review_terms
        await ReviewRepo(bot.db).add_cards(interaction.user.id, terms, bot.clock(), due_now=True)
        return tuple(terms)


class AcceptButton(_InterviewButton, custom_id="iq:iv:{interview}:accept"):
    """Accept a pair invitation (the invited member only)."""

    label, emoji, style = "Accept", "✅", discord.ButtonStyle.success

    async def run(self, interaction: BotInteraction) -> None:
        """Start the interview: open the thread and post the first question."""
        bot = interaction.client

        async def accept() -> Interview:
            await catch_up(bot, self.interview_id)
            return await runs(bot).repo.accept(self.interview_id, interaction.user.id, bot.clock())

        interview = await in_time(interaction, accept(), update=True)
        await accepted(interaction, interview)


class DeclineButton(_InterviewButton, custom_id="iq:iv:{interview}:decline"):
    """Decline a pair invitation (the member who sent it withdraws it with the same button)."""

    label = "Decline"

    async def run(self, interaction: BotInteraction) -> None:
        """Close the invitation."""
        interview = await in_time(interaction, self._decline(interaction), update=True)
        await update(interaction, content=render.invitation_closed_text(interview), embed=None, view=None)

    async def _decline(self, interaction: BotInteraction) -> Interview:
        """End the invitation, unless it closed already (its catch-up may have let it lapse)."""
        bot = interaction.client
        await catch_up(bot, self.interview_id)
        interview = await runs(bot).repo.interview(self.interview_id)  # after the catch-up's write: its connection
        if interview is None or interview.state != "invited":
            raise rules.InterviewOver("This invitation is no longer open.")
        return await runs(bot).repo.end(self.interview_id, interaction.user.id, bot.clock())


DYNAMIC_ITEMS = (
    WriteAnswer,
    AnsweredAloud,
    NextButton,
    FinishButton,
    KeyPointsButton,
    MarkMenu,
    EndButton,
    AddToReview,
    AcceptButton,
    DeclineButton,
)
