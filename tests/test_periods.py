"""UTC calendar periods: the same day, week and month boundaries for every member, wherever they live."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.periods import period_bounds, utc_day, utc_month, utc_week

WEDNESDAY = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)


def test_a_day_runs_from_utc_midnight_to_utc_midnight():
    assert utc_day(WEDNESDAY) == (datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC))
    # A time given in another zone is judged by its UTC day: 00:30 in Tokyo on Thursday is Wednesday UTC.
    tokyo = datetime(2026, 11, 19, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert utc_day(tokyo) == (datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC))


def test_a_week_is_the_iso_week_monday_to_monday():
    week = (datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
    assert utc_week(WEDNESDAY) == week
    assert utc_week(datetime(2026, 11, 16, tzinfo=UTC)) == week  # Monday 00:00 opens it
    assert utc_week(datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=UTC)) == week  # Sunday's last moment
    assert utc_week(datetime(2026, 11, 23, tzinfo=UTC))[0] == datetime(2026, 11, 23, tzinfo=UTC)


def test_a_month_is_the_calendar_month_also_across_the_year_end():
    assert utc_month(WEDNESDAY) == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert utc_month(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_leaderboard_periods():
    assert period_bounds("week", WEDNESDAY) == utc_week(WEDNESDAY)
    assert period_bounds("month", WEDNESDAY) == utc_month(WEDNESDAY)
    assert period_bounds("all", WEDNESDAY) == (None, None)
