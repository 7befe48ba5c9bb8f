"""The /stats facts and picture: the 12-week calendar, the text fields and a valid PNG."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.cogs.stats._render import MASTERY, MASTERY_FIELDS, text_fields
from bot.core.interview import InterviewSummary
from bot.core.mastery import ChapterMastery
from bot.core.review import DueSummary
from bot.core.stats import WEEKS, MemberStats, calendar, percent, window_activity
from bot.render.stats_image import WIDTH, level, render_stats

TODAY = date(2026, 11, 18)  # a Wednesday


def _stats(**changes) -> MemberStats:
    values = {
        "name": "alice",
        "today": TODAY,
        "activity": {TODAY: 3, TODAY - timedelta(days=1): 1, TODAY - timedelta(weeks=20): 9},
        "streak": (4, 9),
        "points": 120,
        "correct": 2,
        "graded": 3,
        "due": DueSummary(now=3, today=5, week=12, total=40),
        "mastery": [
            ChapterMastery("p:1", 1, "Basics", 10, 4, 2),
            ChapterMastery("p:2", 2, "Optimization", 8, 0, 0),
        ],
    }
    return MemberStats(**(values | changes))


def test_calendar_is_twelve_monday_weeks_ending_this_week():
    weeks = calendar(TODAY)
    assert len(weeks) == WEEKS and all(len(w) == 7 for w in weeks)
    assert weeks[-1][0] == date(2026, 11, 16) and weeks[-1][6] == date(2026, 11, 22)
    assert weeks[0][0] == date(2026, 8, 31)
    assert all(w[0].weekday() == 0 for w in weeks)


def test_window_activity_ignores_days_outside_the_calendar():
    assert window_activity(_stats()) == (4, 2)


def test_text_fields_state_every_fact():
    fields = dict(text_fields(_stats()))
    assert fields["Daily streak"] == "4 days (longest 9)"
    assert fields["Points in this server"] == "120"
    assert fields["Accuracy"] == "67 % (2 of 3 graded answers)"
    assert fields["Review cards"].startswith("3 due now · 5 by the end of today · 12 by the end of this week")
    assert fields["Review cards"].endswith("40 in the deck")
    assert fields[f"Activity, last {WEEKS} weeks"].startswith("4 answers on 2 days (")
    assert fields["Mastery by chapter"] == "1. Basics: 2/10 mastered (20 %)"  # chapters without cards left out


def test_text_fields_for_a_newcomer():
    newcomer = _stats(streak=None, points=0, correct=0, graded=0, activity={}, mastery=[], due=DueSummary(0, 0, 0, 0))
    fields = dict(text_fields(newcomer))
    assert fields["Daily streak"] == "No daily streak yet"
    assert fields["Accuracy"] == "No graded answers yet"
    assert fields["Mastery by chapter"].startswith("No review cards yet")
    assert fields["Review cards"] == "No cards yet"


def test_text_fields_count_mock_interviews_before_mastery():
    names = [name for name, _ in text_fields(_stats(), InterviewSummary(3, 0.625))]
    assert names.index("Mock interviews") == names.index("Mastery by chapter") - 1
    assert (
        dict(text_fields(_stats(), InterviewSummary(3, 0.625)))["Mock interviews"] == "3 done · average coverage 62 %"
    )
    assert dict(text_fields(_stats(), InterviewSummary(0, None)))["Mock interviews"].startswith("None yet")
    assert "Mock interviews" not in dict(text_fields(_stats()))


def test_every_chapter_of_the_bundled_pack_is_listed_as_text(library):
    every = [ChapterMastery(c.key, c.number, c.title, len(c.term_ids), 3, 1) for c in library.chapters.values()]
    fields = text_fields(_stats(name="x" * 32, points=10**9, due=DueSummary(999, 999, 999, 999), mastery=every))
    mastery = [(name, value) for name, value in fields if name.startswith(MASTERY)]
    # 24 chapters do not fit one field: they continue in a second one, none left out.
    assert [name for name, _ in mastery] == [MASTERY, f"{MASTERY} (continued)"]
    lines = "\n".join(value for _, value in mastery).splitlines()
    assert lines == [
        f"{c.number}. {c.title}: 1/{len(c.term_ids)} mastered ({percent(1 / len(c.term_ids))})"
        for c in library.chapters.values()
    ]
    assert all(len(value) <= 1024 for _, value in fields)
    assert len(fields) <= 25 and sum(len(name) + len(value) for name, value in fields) + 256 <= 6000


def test_long_mastery_lists_stay_within_discords_limits():
    many = [ChapterMastery(f"p:{n}", n, "A rather long chapter title " * 2, 40, 10, 5) for n in range(1, 60)]
    fields = text_fields(_stats(mastery=many))
    mastery = [value for name, value in fields if name.startswith(MASTERY)]
    assert len(mastery) == MASTERY_FIELDS
    assert all(len(value) <= 1024 for value in mastery)
    assert sum(len(name) + len(value) for name, value in fields) + 256 <= 6000  # with the longest title
    assert mastery[0].splitlines()[0].startswith("1. A rather long chapter title")
    shown = sum(len(value.splitlines()) for value in mastery) - 1
    assert mastery[-1].splitlines()[-1] == f"… and {59 - shown} more chapters"
    assert mastery[-1].splitlines()[-2].startswith(f"{shown}. A rather long chapter title")


def test_a_huge_chapter_title_is_cut_to_fit_its_field():
    huge = [ChapterMastery("p:1", 1, "T" * 5000, 1, 1, 1), ChapterMastery("p:2", 2, "Short", 1, 1, 0)]
    mastery = [value for name, value in text_fields(_stats(mastery=huge)) if name.startswith(MASTERY)]
    assert len(mastery) == 2 and len(mastery[0]) == 1024 and mastery[0].endswith("…")
    assert mastery[1] == "2. Short: 0/1 mastered (0 %)"


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1, 1), (2, 1), (3, 2), (6, 3), (10, 4), (99, 4)])
def test_activity_levels(count, expected):
    assert level(count) == expected


@pytest.mark.parametrize("chapters", [0, 2, 45])
def test_picture_is_a_png_sized_for_its_chapters(chapters):
    mastery = [ChapterMastery(f"p:{n}", n, f"Chapter {n}", 10, n % 3, n % 2) for n in range(chapters)]
    png = render_stats(_stats(mastery=mastery))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width == WIDTH
        assert 480 <= image.height <= 1000
        # The calendar's today cell (a green of level 2 for 3 answers) is drawn somewhere.
        colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16)}
        assert (0, 109, 50) in colours


@pytest.mark.parametrize("name", ["W" * 32, "Z̷̢a̸l̵g̶o̴ 名前 🎉 مرحبا ‮rtl‬ **x**", ""])
def test_picture_draws_any_display_name(name):
    png = render_stats(_stats(name=name))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width == WIDTH
        image.verify()
