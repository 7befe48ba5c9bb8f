"""The daily question's pure rules: settings, local dates across time zones and DST, the cycle, streaks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.content.index import Library
from bot.content.models import Chapter, Credit, Pack, Term
from bot.core import daily
from bot.core.choices import eligible
from bot.core.daily import DailyError, Reveal
from bot.core.errors import UnknownChapter
from bot.core.streaks import Streak, compute_streak


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, count: int) -> list[date]:
    start = d(first)
    return [start + timedelta(days=n) for n in range(count)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- settings ---------------------------------------------------------------------------------------------


def test_post_time_accepts_24_hour_times_and_explains_bad_ones():
    assert daily.parse_post_time("09:00") == time(9, 0)
    assert daily.parse_post_time("7:05") == time(7, 5)
    assert daily.parse_post_time("23:59") == time(23, 59)
    for bad in ("24:00", "9", "09:60", "9am", "09:00:00"):
        with pytest.raises(DailyError, match="use 24-hour HH:MM"):
            daily.parse_post_time(bad)


def test_chapters_parse_numbers_and_titles_and_refuse_unknown_ones(library):
    keys = daily.parse_chapters(library, "5, regularization techniques, 7")
    assert keys == ("deep-learning:5", "deep-learning:7")
    assert daily.parse_chapters(library, "  ") == ()
    with pytest.raises(UnknownChapter) as caught:
        daily.parse_chapters(library, "5, 99, Cooking")
    message = str(caught.value)
    assert "“99”" in message and "“Cooking”" in message and "5 Regularization Techniques" in message
    assert len(message) <= 2000


def test_pools_follow_kind_and_chapters(library):
    chapter = library.find_chapter("5")
    terms = daily.build_pool(library, "definitions", [chapter.key])
    questions = daily.build_pool(library, "interview", [chapter.key])
    mixed = daily.build_pool(library, "mixed", [chapter.key])
    assert terms == sorted(f"term:{t}" for t in chapter.term_ids)
    assert questions == sorted(f"question:{q.id}" for q in library.questions_in(chapter))
    assert sorted(terms + questions) == mixed
    # Every term the builder can ask about without giving it away, and every open question.
    askable = [t for t in library.terms.values() if eligible(library, t, "definition")]
    assert len(daily.build_pool(library, "mixed", [])) == len(askable) + len(library.questions)


def test_a_pool_leaves_out_terms_whose_prompt_would_give_them_away():
    # "Mean squared error for regression." masks to "▢▢▢ for regression.": nothing left to read.
    terms = [
        Term("mse", "MSE", "Mean squared error for regression.", "t", 1, "p"),
        Term(
            "mae", "MAE", "Mean absolute error for regression.", "t", 1, "p", quiz_prompt="Average size of the misses."
        ),
        Term("acc", "Accuracy", "Fraction of correct predictions.", "t", 1, "p"),
    ]
    library = Library(
        [Pack("p", "P", "", "1", Credit("t", "a"), (Chapter(1, "One", "", "p", ("mse", "mae", "acc")),), tuple(terms))]
    )
    assert daily.build_pool(library, "definitions", []) == ["term:acc", "term:mae"]
    with pytest.raises(DailyError, match="no open interview questions"):
        daily.check_pool(library, "interview", ["p:1"])


# -- dates, times and daylight saving ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        ("2026-03-07", utc(2026, 3, 7, 14, 0)),  # EST, UTC-5
        ("2026-03-08", utc(2026, 3, 8, 13, 0)),  # clocks went forward at 02:00: EDT, UTC-4
        ("2026-10-31", utc(2026, 10, 31, 13, 0)),  # EDT
        ("2026-11-01", utc(2026, 11, 1, 14, 0)),  # clocks went back at 02:00: EST
    ],
)
def test_new_york_posts_at_nine_local_on_both_sides_of_a_clock_change(day, expected_utc):
    slot = daily.slot_at(d(day), time(9, 0), "America/New_York")
    assert slot == expected_utc
    assert slot.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M") == f"{day} 09:00"
    # APScheduler's CronTrigger (what fires the job) agrees on the instant.
    trigger = CronTrigger(hour=9, minute=0, timezone=ZoneInfo("America/New_York"))
    fire = trigger.get_next_fire_time(None, expected_utc - timedelta(hours=12))
    assert fire == expected_utc


def test_times_in_the_daylight_saving_gap_and_overlap_match_the_scheduler():
    zone = ZoneInfo("America/New_York")
    # 02:30 does not exist on 2026-03-08: read with the offset before the change (07:30 UTC = 03:30 EDT).
    gap = daily.slot_at(d("2026-03-08"), time(2, 30), "America/New_York")
    assert gap == utc(2026, 3, 8, 7, 30)
    # 01:30 happens twice on 2026-11-01: the first (EDT) one counts; the scheduler fires then too.
    overlap = daily.slot_at(d("2026-11-01"), time(1, 30), "America/New_York")
    assert overlap == utc(2026, 11, 1, 5, 30)
    for slot, hour, minute in ((gap, 2, 30), (overlap, 1, 30)):
        trigger = CronTrigger(hour=hour, minute=minute, timezone=zone)
        fire = trigger.get_next_fire_time(None, slot - timedelta(hours=6))
        # Compare instants: Python never calls a gap or fold wall time equal to a time in another zone.
        assert fire.timestamp() == slot.timestamp()
    assert daily.local_date(overlap + timedelta(hours=1), "America/New_York") == d("2026-11-01")


def test_due_and_next_slot_around_the_posting_time_across_zones():
    nine = time(9, 0)
    # 2026-03-10 03:29 UTC is 08:59 in Kolkata (not yet due: yesterday's is the latest) and 23:29 in New York.
    now = utc(2026, 3, 10, 3, 29)
    assert daily.due_slot(now, nine, "Asia/Kolkata") == (d("2026-03-09"), utc(2026, 3, 9, 3, 30))
    assert daily.next_slot(now, nine, "Asia/Kolkata") == utc(2026, 3, 10, 3, 30)
    assert daily.due_slot(now + timedelta(minutes=1), nine, "Asia/Kolkata") == (
        d("2026-03-10"),
        utc(2026, 3, 10, 3, 30),
    )
    assert daily.due_slot(now, nine, "America/New_York") == (d("2026-03-09"), utc(2026, 3, 9, 13, 0))
    assert daily.next_slot(now, nine, "America/New_York") == utc(2026, 3, 10, 13, 0)


def test_plan_posts_within_the_grace_window_and_skips_after_it():
    slot = utc(2026, 3, 10, 9, 0)
    grace = timedelta(hours=6)
    since = utc(2026, 3, 1)
    assert daily.plan_post(slot, slot, since, grace) == "post"
    assert daily.plan_post(slot + timedelta(hours=6), slot, since, grace) == "post"
    assert daily.plan_post(slot + timedelta(hours=6, seconds=1), slot, since, grace) == "skip"
    # Set up after today's time: today's slot is nobody's to catch up.
    assert daily.plan_post(slot + timedelta(hours=1), slot, slot + timedelta(minutes=30), grace) == "wait"
    # No grace window: the scheduler's own moment of delay is still on time, a minute more is not.
    no_grace = timedelta(0)
    assert daily.plan_post(slot + timedelta(seconds=2), slot, since, no_grace) == "post"
    assert daily.plan_post(slot + daily.ON_TIME + timedelta(seconds=1), slot, since, no_grace) == "skip"


def test_over_through_is_the_day_before_the_oldest_latest_post():
    assert daily.over_through({}) is None
    assert daily.over_through({1: d("2026-03-10"), 2: d("2026-03-09")}) == d("2026-03-08")


# -- the question cycle -----------------------------------------------------------------------------------


def test_a_cycle_posts_every_item_once_then_a_new_cycle_starts_in_another_order(library):
    chapter = library.find_chapter("5")
    pool = daily.build_pool(library, "mixed", [chapter.key])
    rng = random.Random(7)
    cycle, seed, used, posted = 1, 1234, [], []
    for _ in range(len(pool) * 2):
        chosen = daily.choose_item(
            library,
            "mixed",
            [chapter.key],
            cycle=cycle,
            seed=seed,
            used=used,
            rng=rng,
            last_item=posted[-1] if posted else None,
        )
        if chosen.cycle != cycle:
            used = []
        cycle, seed = chosen.cycle, chosen.seed
        used.append(chosen.item)
        posted.append(chosen.item)
        if chosen.item.startswith("term:"):
            assert len(chosen.options) == 4 and chosen.options[chosen.answer] == chosen.item.removeprefix("term:")
        else:
            assert chosen.options == () and chosen.answer is None
    first, second = posted[: len(pool)], posted[len(pool) :]
    assert sorted(first) == pool and sorted(second) == pool  # no repeat until the pool is used up
    assert first != second  # a new order
    assert second[0] != first[-1]  # never the same question two days running
    assert cycle == 2
    # The order is the persisted seed's: the same seed gives the same order after a restart.
    assert list(daily.cycle_order(pool, 1234)) == first


# -- reveal -----------------------------------------------------------------------------------------------


def test_percentages_add_up_to_100():
    assert daily.percentages([1, 1, 1]) == [34, 33, 33]
    assert daily.percentages([0, 0]) == [0, 0]
    assert Reveal(("A", "B", "C"), (13, 5, 2), 0).shares == [65, 25, 10]
    assert Reveal(("A", "B"), (0, 0), 1).total == 0


# -- streaks ----------------------------------------------------------------------------------------------


def test_consecutive_days_build_a_streak_and_a_gap_breaks_it():
    posts = days("2026-03-01", 10)
    assert compute_streak(days("2026-03-01", 5), posts) == Streak(5, 5, 0, d("2026-03-05"))
    broken = compute_streak([*days("2026-03-01", 3), *days("2026-03-06", 2)], posts)
    assert (broken.current, broken.longest) == (2, 3)


def test_seven_days_earn_a_freeze_which_covers_one_missed_day():
    posts = days("2026-03-01", 20)
    week = compute_streak(days("2026-03-01", 7), posts)
    assert (week.current, week.freezes) == (7, 1)
    # 2026-03-08 missed: the freeze covers it; the covered day does not count.
    covered = compute_streak([*days("2026-03-01", 7), d("2026-03-09")], posts)
    assert (covered.current, covered.longest, covered.freezes, covered.freezes_used) == (8, 8, 0, 1)


def test_a_gap_longer_than_the_freezes_held_breaks_the_streak_and_keeps_the_freezes():
    posts = days("2026-03-01", 20)
    answered = [*days("2026-03-01", 7), d("2026-03-10")]  # 03-08 and 03-09 missed, 1 freeze held
    streak = compute_streak(answered, posts)
    assert (streak.current, streak.longest, streak.freezes) == (1, 7, 1)


def test_at_most_two_freezes_are_held():
    posts = days("2026-01-01", 40)
    streak = compute_streak(days("2026-01-01", 21), posts)
    assert (streak.current, streak.freezes) == (21, 2)  # 7, 14 and 21 each earned one; the cap is 2
    two_missed = compute_streak([*days("2026-01-01", 21), d("2026-01-24")], posts)
    assert (two_missed.current, two_missed.freezes) == (22, 0)
    three_missed = compute_streak([*days("2026-01-01", 21), d("2026-01-25")], posts)
    assert (three_missed.current, three_missed.freezes) == (1, 2)


def test_days_without_any_server_post_neither_break_nor_extend_a_streak():
    posts = [*days("2026-03-01", 3), *days("2026-03-07", 3)]  # the bot was down 03-04 … 03-06
    streak = compute_streak(posts, posts)
    assert streak.current == 6


def test_days_that_are_over_break_a_streak_now_unless_freezes_cover_them():
    posts = days("2026-03-01", 12)
    answered = days("2026-03-01", 7)  # one freeze earned
    assert compute_streak(answered, posts, over_through=d("2026-03-07")).current == 7  # nothing missed yet
    one = compute_streak(answered, posts, over_through=d("2026-03-08"))
    assert (one.current, one.freezes) == (7, 0)  # the freeze is spent on 03-08
    two = compute_streak(answered, posts, over_through=d("2026-03-09"))
    assert (two.current, two.longest, two.freezes) == (0, 7, 1)


def test_answer_order_does_not_matter():
    posts = days("2026-03-01", 10)
    answered = [d("2026-03-03"), d("2026-03-01"), d("2026-03-02"), d("2026-03-02")]
    assert compute_streak(answered, posts) == compute_streak(sorted(set(answered)), posts)


def test_a_member_answering_in_two_time_zones_is_counted_by_each_post_s_local_date():
    nine = time(9, 0)
    posts: list[date] = []
    answered: list[date] = []

    def answer(zone: str, day: str) -> datetime:
        """Answer the post of `day` in a channel of `zone` at its posting time; return that UTC instant."""
        slot = daily.slot_at(d(day), nine, zone)
        posts.append(daily.local_date(slot, zone))
        answered.append(daily.local_date(slot, zone))
        return slot

    ny_8 = answer("America/New_York", "2026-03-08")  # the day clocks change: 13:00 UTC
    kolkata_9 = answer("Asia/Kolkata", "2026-03-09")  # 03:30 UTC, still 03-08 evening in New York
    assert (ny_8, kolkata_9) == (utc(2026, 3, 8, 13, 0), utc(2026, 3, 9, 3, 30))
    assert daily.local_date(kolkata_9, "America/New_York") == d("2026-03-08")
    # Both answers fell on one New York calendar day, but the posts' own dates are consecutive.
    assert compute_streak(answered, posts).current == 2
    answer("America/New_York", "2026-03-09")  # the same date as Kolkata's: counts once
    assert compute_streak(answered, posts).current == 2
    answer("Asia/Kolkata", "2026-03-10")
    streak = compute_streak(answered, posts)
    assert (streak.current, streak.longest, streak.last_date) == (3, 3, d("2026-03-10"))
