"""What the daily question looks like: the post, the reveal, private feedback, /daily status and /streak.

Pure builders (library and stored facts in, embeds and text out) that keep within Discord's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import discord

from bot.content.index import Library
from bot.content.models import Question
from bot.content.text import plural, truncate
from bot.core import daily
from bot.core.choices import definition_prompt
from bot.core.daily import RATINGS, Rating, Reveal
from bot.core.streaks import MAX_FREEZES, Streak
from bot.repos.daily import Answer, DailyChannel, Post, StreakRow
from bot.ui import TIP, Limit, answer_bars, chapter_title

COLOUR = discord.Colour.blurple()
RATING_MARKS = {"nailed": "🟢", "partly": "🟡", "missed": "🔴"}


@dataclass(frozen=True, slots=True)
class PastPost:
    """A closed post with its answer counts, for the reveal: option counts or (open question) rating counts."""

    post: Post
    counts: tuple[int, ...] = ()
    answered: int = 0
    ratings: dict[str, int] | None = None


def day_label(day: date) -> str:
    """Return a date as "Monday 9 March"."""
    return f"{day:%A} {day.day} {day:%B}"


def timestamp(moment: datetime, style: str) -> str:
    """Return a Discord timestamp (`<t:…:R>` shows "in 3 hours" in each reader's own time zone)."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def option_names(library: Library, post: Post) -> tuple[str, ...]:
    """Return the names of a multiple-choice post's options (a term that left the library shows as such)."""
    return tuple(library.terms[t].term if t in library.terms else "(removed term)" for t in post.options)


def answer_name(library: Library, post: Post) -> str:
    """Return the right option's name (multiple choice) or the question's text (open)."""
    if post.is_choice and post.answer is not None:
        return option_names(library, post)[post.answer]
    question = daily.item_question(library, post.item or "")
    return question.text if question else "(removed question)"


def _members(count: int) -> str:
    return plural(count, "member")


def reveal_headline(reveal: Reveal) -> str:
    """Sum up a closed multiple-choice post in one line: "62 % chose **Dropout** · 13 members answered"."""
    answer = reveal.labels[reveal.answer]
    if reveal.total == 0:
        return f"The answer was **{answer}** · nobody answered"
    return f"{reveal.shares[reveal.answer]} % chose **{answer}** · {_members(reveal.total)} answered"


def reveal_lines(reveal: Reveal) -> list[str]:
    """Show how the answers spread, one bar per option, the right one marked: "✅ ▰▰▰▰▰▰▱▱▱▱ 62 % (8) · Dropout"."""
    return answer_bars(reveal.labels, reveal.counts, reveal.answer)


def _choice_reveal(library: Library, past: PastPost) -> Reveal | None:
    post = past.post
    if not post.is_choice or post.answer is None:
        return None
    return Reveal(option_names(library, post), past.counts, post.answer)


def reveal_summary(library: Library, past: PastPost) -> str:
    """Return a closed post's outcome in one line: "62 % chose **Dropout** · 13 members answered", or the ratings."""
    reveal = _choice_reveal(library, past)
    if reveal is not None:
        return reveal_headline(reveal)
    if past.answered == 0:
        return "Nobody answered."
    ratings = past.ratings or {}
    marks = " · ".join(
        f"{RATING_MARKS[r]} {ratings.get(r, 0)} {RATINGS[r].lower()}" for r in ("nailed", "partly", "missed")
    )
    return f"{_members(past.answered)} answered. Self-ratings: {marks}"


def reveal_text(library: Library, past: PastPost) -> str:
    """Return the outcome of a closed post: the answer with the distribution, or the open question's ratings."""
    reveal = _choice_reveal(library, past)
    if reveal is not None:
        return truncate("\n".join([reveal_headline(reveal), *reveal_lines(reveal)]), Limit.FIELD_VALUE)
    question = daily.item_question(library, past.post.item or "")
    title = f"“{truncate(question.text, 200)}”" if question else "(removed question)"
    points = ""
    if question:
        points = "\nKey points: " + " · ".join(truncate(p, 120) for p in question.key_points[:3])
    return truncate(f"{title}\n{reveal_summary(library, past)}{points}", Limit.FIELD_VALUE)


def post_embed(library: Library, post: Post, previous: PastPost | None) -> discord.Embed:
    """Build the public post of the day: a masked definition with four options, or an open question."""
    assert post.item is not None
    term = daily.item_term(library, post.item)
    if term is not None:
        chapter = library.chapter_of(term)
        embed = discord.Embed(
            title=f"🧠 Daily question · {day_label(post.local_date)}",
            description=f"**Which term is this?**\n\n> {truncate(definition_prompt(library, term), 1500)}",
            colour=COLOUR,
        )
        embed.add_field(name="Chapter", value=truncate(chapter_title(chapter), Limit.FIELD_VALUE))
        footer = "Pick one below: one answer per member, open until the next daily question."
    else:
        question = daily.item_question(library, post.item)
        assert question is not None
        embed = discord.Embed(
            title=f"🎤 Daily interview question · {day_label(post.local_date)}",
            description=(
                f"**{truncate(question.text, 1500)}**\n\nThink it through, then press **Answer** to write yours. "
                "You'll see the key points afterwards."
            ),
            colour=COLOUR,
        )
        related = [library.terms[t].term for t in question.related if t in library.terms]
        if related:
            embed.add_field(name="Related terms", value=truncate(", ".join(related), Limit.FIELD_VALUE))
        footer = "One answer per member, open until the next daily question."
    if previous is not None:
        embed.add_field(name="Previous question", value=reveal_text(library, previous), inline=False)
    embed.set_footer(text=footer)
    return embed


def thread_name(post: Post) -> str:
    """Return the name of the post's discussion thread."""
    return truncate(f"Discuss · daily question of {day_label(post.local_date)}", Limit.THREAD_NAME)


# -- private replies ------------------------------------------------------------------------------------


def streak_line(streak: Streak) -> str:
    """Return "🔥 Streak: 4 days · 🧊 1 freeze"."""
    days = plural(streak.current, "day")
    freezes = f" · 🧊 {plural(streak.freezes, 'freeze')}" if streak.freezes else ""
    return f"🔥 Streak: {days}{freezes}"


def choice_feedback(library: Library, post: Post, answer: Answer, points: int, streak: Streak) -> str:
    """Return the private confirmation of a multiple-choice answer: right or not, the tip, points and streak."""
    names = option_names(library, post)
    right = names[post.answer or 0]
    if answer.correct:
        head = f"✅ **Right: {right}.** +{points} points."
    else:
        head = f"❌ **Not quite.** You chose *{names[answer.choice or 0]}*; the answer is **{right}**."
    term = daily.item_term(library, post.item or "")
    tip = f"\n{TIP}: {term.tip}" if term and term.tip else ""
    return truncate(f"{head}\n{streak_line(streak)}{tip}", Limit.CONTENT)


def already_answered_text(library: Library, post: Post, answer: Answer | None) -> str:
    """Return the reply to a second answer: what the member answered the first time."""
    if answer is not None and post.is_choice and answer.choice is not None:
        chosen = option_names(library, post)[answer.choice]
        verdict = "right" if answer.correct else "not right"
        return f"You already answered this one: you chose *{chosen}* ({verdict}). Only the first answer counts."
    return "You already answered this one. Only the first answer counts."


def closed_text(library: Library, post: Post) -> str:
    """Return the reply to an answer after the post closed, with the answer or the key points."""
    if post.is_choice:
        return f"This question is closed; the answer was **{answer_name(library, post)}**."
    question = daily.item_question(library, post.item or "")
    points = "\n".join(f"• {p}" for p in question.key_points) if question else ""
    return truncate(f"This question is closed (the next one is out). Its key points:\n{points}", Limit.CONTENT)


def draft_embed(draft: str) -> discord.Embed:
    """Return a member's unsaved open answer, whole, so that they can keep it (the modal allows 2,000 characters)."""
    return discord.Embed(title="Your answer (not saved)", description=truncate(draft, Limit.DESCRIPTION), colour=COLOUR)


def open_feedback(library: Library, question: Question, points: int, streak: Streak) -> discord.Embed:
    """Return the key points and related terms shown privately after an open answer."""
    points_text = "\n".join(f"• {p}" for p in question.key_points)
    embed = discord.Embed(
        title=f"Answer saved · +{points} points",
        description=truncate(f"**Key points a strong answer covers**\n{points_text}", Limit.DESCRIPTION),
        colour=COLOUR,
    )
    related = [library.terms[t] for t in question.related if t in library.terms]
    if related:
        embed.add_field(
            name="Related terms", value=truncate(", ".join(t.term for t in related), Limit.FIELD_VALUE), inline=False
        )
    embed.add_field(name="Streak", value=streak_line(streak), inline=False)
    embed.set_footer(text="How did you do? Rate yourself below.")
    return embed


def rated_text(rating: Rating) -> str:
    """Return the confirmation of a self-rating."""
    return f"You rated yourself: **{RATINGS[rating]}** {RATING_MARKS[rating]}. See you at the next question!"


# -- /daily status and /streak ----------------------------------------------------------------------------


def settings_line(library: Library, channel: DailyChannel) -> str:
    """Return "09:00 America/New_York · mixed · chapters 5, 7"."""
    chapters = (
        ", ".join(str(library.chapters[k].number) if k in library.chapters else k for k in channel.chapters) or "all"
    )
    return f"{channel.post_time:%H:%M} {channel.timezone} · {channel.kind} · chapters: {chapters}"


def post_now_reply(status: str, post: Post | None, mention: str) -> str:
    """Return the reply to /daily post: the posted message's link, or why nothing was posted."""
    link = f"https://discord.com/channels/{post.guild_id}/{post.channel_id}/{post.message_id}" if post else ""
    if status == "posted":
        return f"Posted today's question in {mention}: {link}"
    if status == "exists" and post is not None and post.state == "posted":
        return f"Today's question is already out in {mention}: {link}"
    if status == "exists":
        return f"Today's question in {mention} is being posted right now."
    if status == "forbidden":
        return f"I couldn't post in {mention}: check my permissions there."
    if status == "no_question":
        return f"There is no question to post in {mention}: run /daily setup with other chapters or another kind."
    if status == "stopped":
        return f"The daily question in {mention} has stopped: the channel is gone or it was stopped meanwhile."
    return f"I couldn't post in {mention} just now; I'll keep trying."


def setup_reply(library: Library, channel: DailyChannel, mention: str, pool: int, first: datetime) -> str:
    """Return the confirmation of /daily setup."""
    return (
        f"✅ Daily question set up in {mention}: every day at {settings_line(library, channel)} "
        f"({pool} questions in the pool).\nNext post: {timestamp(first, 'f')} ({timestamp(first, 'R')})."
    )


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """What /daily status shows about one channel."""

    channel: DailyChannel
    name: str
    next_post: datetime
    latest: Post | None
    latest_answers: int
    previous: PastPost | None


def _status_field(library: Library, status: ChannelStatus) -> tuple[str, str]:
    """Return one channel's /daily status field: its name, and its settings, next, last and previous post."""
    local = status.next_post.astimezone(ZoneInfo(status.channel.timezone)).strftime("%a %d %b %H:%M")
    lines = [
        f"⏰ {settings_line(library, status.channel)}",
        f"➡️ Next post: {local} {status.channel.timezone} · {timestamp(status.next_post, 'f')} "
        f"({timestamp(status.next_post, 'R')})",
    ]
    if status.latest is None:
        lines.append("🗓️ Last post: none yet")
    else:
        lines.append(
            f"🗓️ Last post: {day_label(status.latest.local_date)} (open, {_members(status.latest_answers)} answered)"
        )
    if status.previous is not None:
        lines.append(f"👁️ Previous: {reveal_summary(library, status.previous)}")
    return truncate(f"#{status.name}", Limit.FIELD_NAME), truncate("\n".join(lines), Limit.FIELD_VALUE)


def status_embed(library: Library, guild_name: str, statuses: list[ChannelStatus]) -> discord.Embed:
    """Build /daily status: each daily channel's settings, next and last post, and the previous answer.

    As many channels as fit in Discord's 25 fields and 6,000 characters per embed; the footer says when not all.
    """
    embed = discord.Embed(title=truncate(f"Daily questions in {guild_name}", Limit.TITLE), colour=COLOUR)
    if not statuses:
        embed.description = "No daily question is set up here. An admin can start one with `/daily setup`."
        return embed
    room = Limit.EMBED - len(embed.title or "") - len(f"Showing {len(statuses)} of {len(statuses)} channels.")
    for status in statuses[: Limit.FIELDS]:
        name, value = _status_field(library, status)
        room -= len(name) + len(value)
        if room < 0:
            break
        embed.add_field(name=name, value=value, inline=False)
    if len(embed.fields) < len(statuses):
        embed.set_footer(text=f"Showing {len(embed.fields)} of {len(statuses)} channels.")
    return embed


def streak_embed(name: str, row: StreakRow | None, week: int) -> discord.Embed:
    """Build /streak: current and longest streak, freezes held, answers in the last 7 days."""
    embed = discord.Embed(title=truncate(f"{name}'s daily streak", Limit.TITLE), colour=COLOUR)
    current, longest, freezes = (row.current, row.longest, row.freezes) if row else (0, 0, 0)
    embed.add_field(name="Current", value=f"🔥 {plural(current, 'day')}")
    embed.add_field(name="Longest", value=f"🏆 {plural(longest, 'day')}")
    embed.add_field(name="Freezes", value=f"🧊 {freezes} of {MAX_FREEZES}")
    embed.add_field(name="This week", value=f"{plural(week, 'answer')} in the last 7 days", inline=False)
    if row is None:
        embed.description = "No daily answers yet: answer a daily question to start a streak."
    else:
        embed.set_footer(text="Every 7 days in a row earn a freeze (2 at most); a freeze covers a missed day.")
    return embed
