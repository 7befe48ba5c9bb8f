"""Options several commands share: time zones read from what was typed, and their autocomplete."""

from __future__ import annotations

import pytest

from bot.cogs import options
from bot.core.daily import DailyError


def test_time_zones_resolve_case_insensitively_and_bad_names_get_the_closest():
    assert options.resolve_timezone("europe/london") == "Europe/London"
    assert options.resolve_timezone("America/New York") == "America/New_York"
    with pytest.raises(DailyError) as caught:
        options.resolve_timezone("Europe/Londn")
    assert "not a time zone" in str(caught.value)
    assert "Europe/London" in str(caught.value)


def test_time_zone_suggestions_rank_prefixes_and_places_and_stay_within_25():
    assert options.suggest_timezones("york")[0] == "America/New_York"
    assert options.suggest_timezones("kolk")[0] == "Asia/Kolkata"
    assert options.suggest_timezones("Europe/Lon")[0] == "Europe/London"
    assert options.suggest_timezones("etc/utc")[0] == "Etc/UTC"
    empty = options.suggest_timezones("")
    assert empty[:2] == ["Etc/UTC", "Europe/London"] and len(empty) == 25
    assert len(options.suggest_timezones("a")) == 25
    assert "America/Los_Angeles" in options.suggest_timezones("los angelos")  # a typo still finds it
