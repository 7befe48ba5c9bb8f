"""The daily question's rules (no Discord here): settings, posting dates and times, the question cycle, grading.

Times: every channel posts at a local wall-clock time in its own IANA time zone. A post belongs to the
*local date* of its scheduled time in that zone; (channel, local date) is unique in the database. Daylight
saving is zoneinfo's: a time that does not exist on the spring-forward day is read with the offset before
the change (02:30 in New York on 2026-03-08 is 07:30 UTC, shown as 03:30 EDT), an ambiguous one on the
fall-back day is its first occurrence (fold 0), as APScheduler's CronTrigger fires it first.

Claims: a post is claimed in the database before it is sent (state 'claimed', a claim token per bot run,
claimed_at) and released (state 'failed') if sending fails, or the bot stops mid-send, so a retry can post.
The claim decides, not the process: several processes may run at once (each its own shards, and two with the
same shards while a rolling restart overlaps them), and a claim without a message is taken over only when it
is older than `CLAIM_LEASE`, whichever run made it (one that crashed between claim and send, or a send stuck).
Until then the claim stands, and whoever found it looks again once the lease is over. A taken-over claim keeps
its id and question. The message is sent with a nonce derived from the post id (discord.py sets
`enforce_nonce`), so a retry within Discord's few minutes returns a message that did reach Discord; later (a
restart after a crash between send and record), a claim that has its question already is first looked for
among the channel's recent messages, by the post id in its buttons, and recorded if found.
"""

from __future__ import annotations

import random
import re
import weakref
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Literal

from bot.content.index import Library
from bot.content.models import Chapter, Question, Term
from bot.core.choices import make_question, quiz_terms
from bot.core.errors import BotError, UnknownChapter
from bot.core.shares import percentages

Kind = Literal["definitions", "interview", "mixed"]
KINDS: tuple[Kind, ...] = ("definitions", "interview", "mixed")
Rating = Literal["missed", "partly", "nailed"]
RATINGS: dict[Rating, str] = {"missed": "Missed it", "partly": "Partly", "nailed": "Nailed it"}

POINTS_CORRECT = 10  # a right multiple-choice answer
POINTS_OPEN = 5  # an open question answered
CLAIM_LEASE = timedelta(minutes=2)
# A post this late is on time, whatever the grace window: the scheduler fires a moment after the minute.
ON_TIME = timedelta(minutes=1)


class DailyError(BotError):
    """A daily-question setting or action that cannot be done; the message says why."""


# -- settings ---------------------------------------------------------------------------------------------


def parse_post_time(text: str) -> time:
    """Read a 24-hour `HH:MM` time ("9:05" and "09:05" both work)."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise DailyError(f"“{text[:20]}” is not a time: use 24-hour HH:MM, for example 09:00 or 18:30.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_chapters(library: Library, text: str | None) -> tuple[str, ...]:
    """Read a comma-separated list of chapter numbers, keys or titles into chapter keys (empty = every chapter)."""
    if not text or not text.strip():
        return ()
    keys: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        chapter = library.find_chapter(part)
        if chapter is None:
            unknown.append(part)
        elif chapter.key not in keys:
            keys.append(chapter.key)
    if unknown:
        known = ", ".join(f"{c.number} {c.title}" for c in library.chapters.values())
        names = ", ".join(f"“{u[:40]}”" for u in unknown[:5])
        message = f"Unknown chapter {names}. Use chapter numbers or titles, comma-separated: {known}"
        raise UnknownChapter(message[:1900])
    return tuple(keys)


# -- the question pool and its cycle ----------------------------------------------------------------------


_POOLS: weakref.WeakKeyDictionary[Library, dict[tuple[Kind, tuple[str, ...]], tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


def build_pool(library: Library, kind: Kind, chapters: Sequence[str]) -> list[str]:
    """Return the channel's question pool as sorted item keys (`term:<id>`, `question:<id>`).

    "mixed" pools terms and open questions together, so each comes up in proportion to its count. Kept per
    library and settings: every post asks for its channel's pool, and all chapters of a large pack make one of
    tens of thousands of items.
    """
    pools = _POOLS.setdefault(library, {})
    key = (kind, tuple(chapters))
    found = pools.get(key)
    if found is None:
        found = pools[key] = tuple(_build_pool(library, kind, chapters))
    return list(found)


def _build_pool(library: Library, kind: Kind, chapters: Sequence[str]) -> list[str]:
    selected: list[Chapter | None] = [library.chapters[k] for k in chapters if k in library.chapters] or [None]
    items: set[str] = set()
    if kind in ("definitions", "mixed"):
        for chapter in selected:
            # Only terms the question builder can ask about without giving them away (see `quiz_terms`).
            items.update(f"term:{t.id}" for t in quiz_terms(library, chapter, ("definition",)))
    if kind in ("interview", "mixed"):
        for chapter in selected:
            items.update(f"question:{q.id}" for q in library.questions_in(chapter))
    return sorted(items)


def check_pool(library: Library, kind: Kind, chapters: Sequence[str]) -> int:
    """Return the pool size, or explain why these settings give no question at all."""
    size = len(build_pool(library, kind, chapters))
    if size == 0:
        what = "open interview questions" if kind == "interview" else "questions"
        raise DailyError(f"Those chapters have no {what}: pick other chapters or another kind.")
    return size


def cycle_order(pool: Sequence[str], seed: int) -> Iterator[str]:
    """Yield the cycle's posting order: the pool (sorted, as `build_pool` gives it) shuffled by the cycle's seed.

    Drawn one item at a time (a Fisher-Yates shuffle from the front), so the next question of a channel costs a
    copy of the pool and a step per post of its cycle so far, not a shuffle of the whole pool: tens of thousands
    of items for all the chapters of a large pack, and a due minute may post in a thousand channels.
    """
    order = list(pool)
    draw = random.Random(seed).randrange
    for i in range(len(order)):
        j = draw(i, len(order))
        order[i], order[j] = order[j], order[i]
        yield order[i]


def next_item(pool: Sequence[str], used: Iterable[str], seed: int) -> str | None:
    """Return the next item of the cycle that was not posted in it yet, or None when the cycle is used up."""
    done = set(used)
    return next((item for item in cycle_order(pool, seed) if item not in done), None)


def split_item(item: str) -> tuple[str, str]:
    """Split an item key into its kind ("term" or "question") and id."""
    kind, _, item_id = item.partition(":")
    return kind, item_id


def item_term(library: Library, item: str) -> Term | None:
    """Return the glossary term of a `term:` item (None if it is a question or left the library)."""
    kind, item_id = split_item(item)
    return library.terms.get(item_id) if kind == "term" else None


def item_question(library: Library, item: str) -> Question | None:
    """Return the open question of a `question:` item (None if it is a term or left the library)."""
    kind, item_id = split_item(item)
    return library.questions.get(item_id) if kind == "question" else None


# -- dates and times --------------------------------------------------------------------------------------


def local_date(moment: datetime, zone: str) -> date:
    """Return the calendar date of `moment` in the time zone."""
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


def slot_at(day: date, post_time: time, zone: str) -> datetime:
    """Return the UTC instant of the post for local date `day` at `post_time` in the zone."""
    return datetime.combine(day, post_time, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


def due_slot(now: datetime, post_time: time, zone: str) -> tuple[date, datetime]:
    """Return the latest scheduled post at or before `now`: its local date and UTC instant."""
    today = local_date(now, zone)
    for day in (today, today - timedelta(days=1), today - timedelta(days=2)):
        slot = slot_at(day, post_time, zone)
        if slot <= now:
            return day, slot
    raise AssertionError("a daily slot always exists within two days")  # pragma: no cover


def next_slot(now: datetime, post_time: time, zone: str) -> datetime:
    """Return the UTC instant of the first scheduled post after `now`."""
    today = local_date(now, zone)
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        slot = slot_at(day, post_time, zone)
        if slot > now:
            return slot
    raise AssertionError("a daily slot always exists within two days")  # pragma: no cover


Plan = Literal["post", "skip", "wait"]


def plan_post(now: datetime, slot: datetime, scheduled_since: datetime, grace: timedelta) -> Plan:
    """Decide what to do about the latest slot: post it, skip it (missed past the grace window) or nothing yet.

    A slot before the schedule was set up ("wait": nothing to catch up) belongs to no one; one at most
    `grace` (and never less than `ON_TIME`) ago is posted late; an older one is skipped.
    """
    if slot < scheduled_since:
        return "wait"
    return "post" if now - slot <= max(grace, ON_TIME) else "skip"


def over_through(latest_by_channel: Mapping[int, date]) -> date | None:
    """Return the last date no post of which can be answered any more: the day before the oldest latest post."""
    if not latest_by_channel:
        return None
    return min(latest_by_channel.values()) - timedelta(days=1)


# -- grading and reveal -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reveal:
    """The outcome of a closed multiple-choice post: counts per option and the answer's index."""

    labels: tuple[str, ...]
    counts: tuple[int, ...]
    answer: int

    @property
    def total(self) -> int:
        """Return how many members answered."""
        return sum(self.counts)

    @property
    def shares(self) -> list[int]:
        """Return each option's whole percentage of the answers (they add up to 100, or are all 0)."""
        return percentages(self.counts)


# -- choosing the day's question --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """The question chosen for a post: its cycle (and the cycle's seed), item and, for a term, the options."""

    cycle: int
    seed: int
    item: str
    options: tuple[str, ...] = ()
    answer: int | None = None


def choose_item(
    library: Library,
    kind: Kind,
    chapters: Sequence[str],
    *,
    cycle: int,
    seed: int,
    used: Iterable[str],
    rng: random.Random,
    last_item: str | None = None,
) -> Assignment:
    """Pick the next question of the channel's cycle; start a new cycle in a new order when it is used up."""
    pool = build_pool(library, kind, chapters)
    if not pool:
        raise DailyError("This channel's chapters and kind leave no question to post.")
    item = next_item(pool, used, seed)
    if item is None:
        cycle, seed = cycle + 1, rng.getrandbits(48)
        order = list(islice(cycle_order(pool, seed), 2))
        # Do not open the new cycle with the question that closed the old one (two days running).
        item = order[1] if order[0] == last_item and len(order) > 1 else order[0]
    term = item_term(library, item)
    if term is None:
        return Assignment(cycle, seed, item)
    question = make_question(library, term, rng, "definition")
    return Assignment(cycle, seed, item, question.options, question.answer)
