"""The daily question's rows as dataclasses: channel settings, posts, answers and stored streaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from bot.core.daily import Kind, Rating
from bot.core.streaks import Streak
from bot.db import Row, from_iso
from bot.repos import row_to

PostState = Literal["claimed", "posted", "failed"]


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)


@dataclass(frozen=True, slots=True)
class DailyChannel:
    """A channel's daily-question settings and its question cycle."""

    channel_id: int
    guild_id: int
    post_time: time
    timezone: str
    kind: Kind
    chapters: tuple[str, ...]
    enabled: bool
    cycle: int
    cycle_seed: int
    set_by: int
    set_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> DailyChannel:
        """Build the settings from a `daily_channels` row."""
        return row_to(
            cls,
            row,
            post_time=time.fromisoformat(row["post_time"]),
            chapters=tuple(k for k in row["chapters"].split(",") if k),
            enabled=bool(row["enabled"]),
            set_at=from_iso(row["set_at"]),
        )


@dataclass(frozen=True, slots=True)
class Post:
    """One channel's question of one local date, from its claim to its message."""

    id: int
    channel_id: int
    guild_id: int
    local_date: date
    state: PostState
    claim_token: str
    claimed_at: datetime
    item: str | None
    cycle: int | None
    options: tuple[str, ...]
    answer: int | None
    message_id: int | None
    thread_id: int | None
    posted_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Post:
        """Build a post from a `daily_posts` row."""
        return row_to(
            cls,
            row,
            local_date=date.fromisoformat(row["local_date"]),
            claimed_at=from_iso(row["claimed_at"]),
            options=tuple(o for o in (row["options"] or "").split(",") if o),
            posted_at=_moment(row["posted_at"]),
        )

    @property
    def is_choice(self) -> bool:
        """Whether it is a multiple-choice (definition) post."""
        return bool(self.options)


@dataclass(frozen=True, slots=True)
class Answer:
    """A member's answer to a post."""

    post_id: int
    user_id: int
    choice: int | None
    correct: bool | None
    text: str | None
    rating: Rating | None
    answered_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Answer:
        """Build an answer from a `daily_answers` row."""
        correct = row["correct"]
        return row_to(
            cls,
            row,
            correct=None if correct is None else bool(correct),
            text=row["answer_text"],
            answered_at=from_iso(row["answered_at"]),
        )


@dataclass(frozen=True, slots=True)
class StreakRow:
    """A member's stored streak (`member_streaks`)."""

    guild_id: int
    user_id: int
    current: int
    longest: int
    freezes: int
    last_date: date | None
    updated_at: datetime
    longest_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> StreakRow:
        """Build a streak from a `member_streaks` row."""
        return row_to(
            cls,
            row,
            last_date=_day(row["last_date"]),
            updated_at=from_iso(row["updated_at"]),
            longest_at=from_iso(row["longest_at"]),
        )


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording an answer did: the points written and the member's streak after it."""

    answer: Answer
    points: int
    streak: Streak
