"""The /stats picture: headline figures, a 12-week activity calendar and mastery bars per chapter.

Pure and blocking (Pillow): call `render_stats` through `asyncio.to_thread`. The font is the one that ships
with Pillow (`ImageFont.load_default(size=…)`, Pillow ≥ 10.1), so nothing depends on the host's fonts.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.core.stats import WEEKS, MemberStats, calendar, percent, window_activity

WIDTH = 1000
MARGIN = 32
BACKGROUND = (30, 31, 34)
PANEL = (43, 45, 49)
TEXT = (242, 243, 245)
MUTED = (181, 186, 193)
BAR_EMPTY = (64, 66, 73)
BAR_FULL = (88, 101, 242)
# Activity levels: none, then rising shades of green.
LEVELS = ((57, 60, 67), (14, 68, 41), (0, 109, 50), (38, 166, 65), (57, 211, 83))
LEVEL_BOUNDS = (1, 3, 6, 10)  # answers a day at which each green starts
CELL, GAP = 22, 5
MAX_BARS = 30
BAR_ROW = 22


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return Pillow's bundled font at `size` pixels."""
    return ImageFont.load_default(size=size)


def level(count: int) -> int:
    """Return the colour level (0–4) of a day with `count` answers."""
    return sum(count >= bound for bound in LEVEL_BOUNDS)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> str:
    """Cut `text` with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font(size)) <= width:
        return text
    while text and draw.textlength(text + "…", font=font(size)) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _tiles(draw: ImageDraw.ImageDraw, stats: MemberStats, top: int) -> int:
    """Draw the headline figures; return the y below them."""
    # The bundled font has no dash glyphs beyond ASCII: "-" marks an unknown figure.
    current, longest = stats.streak if stats.streak else ("-", "-")
    tiles = [
        ("Current streak", str(current)),
        ("Longest streak", str(longest)),
        ("Points", str(stats.points)),
        ("Accuracy", percent(stats.accuracy, missing="-")),
        ("Cards due now", str(stats.due.now)),
    ]
    gap = 12
    width = (WIDTH - 2 * MARGIN - gap * (len(tiles) - 1)) // len(tiles)
    for n, (label, value) in enumerate(tiles):
        left = MARGIN + n * (width + gap)
        draw.rounded_rectangle((left, top, left + width, top + 84), radius=10, fill=PANEL)
        draw.text((left + 14, top + 10), _fit(draw, value, 34, width - 28), font=font(34), fill=TEXT)
        draw.text((left + 14, top + 56), label, font=font(15), fill=MUTED)
    return top + 84


def _calendar(draw: ImageDraw.ImageDraw, stats: MemberStats, left: int, top: int) -> int:
    """Draw the activity calendar (columns are weeks, rows Monday to Sunday); return the y below it."""
    draw.text((left, top), f"Activity, last {WEEKS} weeks (UTC)", font=font(18), fill=TEXT)
    grid_left, grid_top = left + 40, top + 52
    weeks = calendar(stats.today)
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        draw.text((left, grid_top + row * (CELL + GAP) + 4), name, font=font(12), fill=MUTED)
    shown_month = None
    for col, week in enumerate(weeks):
        x = grid_left + col * (CELL + GAP)
        # A month's name goes over the first week starting in it (the first column: only if most of it is).
        if week[0].month != shown_month and (col > 0 or week[0].day <= 21):
            draw.text((x, grid_top - 20), week[0].strftime("%b"), font=font(12), fill=MUTED)
        shown_month = week[0].month
        for row, day in enumerate(week):
            if day > stats.today:
                continue
            y = grid_top + row * (CELL + GAP)
            colour = LEVELS[level(stats.activity.get(day, 0))]
            draw.rounded_rectangle((x, y, x + CELL, y + CELL), radius=4, fill=colour)
            if day == stats.today:
                draw.rounded_rectangle((x - 2, y - 2, x + CELL + 2, y + CELL + 2), radius=5, outline=TEXT, width=1)
    bottom = grid_top + 7 * (CELL + GAP)
    answers, active = window_activity(stats)
    draw.text((left, bottom + 6), f"{answers} answers on {active} days", font=font(15), fill=MUTED)
    legend_y = bottom + 32
    draw.text((left, legend_y + 2), "Less", font=font(12), fill=MUTED)
    for n, colour in enumerate(LEVELS):
        x = left + 36 + n * (14 + 4)
        draw.rounded_rectangle((x, legend_y, x + 14, legend_y + 14), radius=3, fill=colour)
    draw.text((left + 36 + len(LEVELS) * 18 + 4, legend_y + 2), "More", font=font(12), fill=MUTED)
    return legend_y + 20


def _mastery(draw: ImageDraw.ImageDraw, stats: MemberStats, left: int, top: int) -> int:
    """Draw one bar per chapter (the share of its terms mastered); return the y below them."""
    draw.text((left, top), "Mastery by chapter", font=font(18), fill=TEXT)
    chapters = list(stats.mastery)
    hidden = 0
    if len(chapters) > MAX_BARS:
        # Many packs: keep the chapters the member has cards in, in order, up to the limit.
        studied = [m for m in chapters if m.carded] or chapters
        hidden = len(chapters) - min(len(studied), MAX_BARS)
        chapters = studied[:MAX_BARS]
    label_width, bar_left = 210, left + 220
    bar_right = WIDTH - MARGIN - 50
    y = top + 32
    for chapter in chapters:
        label = _fit(draw, f"{chapter.number}. {chapter.title}", 13, label_width)
        draw.text((left, y + 2), label, font=font(13), fill=MUTED)
        draw.rounded_rectangle((bar_left, y + 3, bar_right, y + BAR_ROW - 5), radius=5, fill=BAR_EMPTY)
        filled = bar_left + round((bar_right - bar_left) * chapter.share)
        if filled > bar_left + 2:
            draw.rounded_rectangle((bar_left, y + 3, filled, y + BAR_ROW - 5), radius=5, fill=BAR_FULL)
        draw.text((bar_right + 8, y + 2), percent(chapter.share), font=font(13), fill=TEXT)
        y += BAR_ROW
    if hidden:
        draw.text((left, y + 2), f"+ {hidden} chapters without cards", font=font(13), fill=MUTED)
        y += BAR_ROW
    if not chapters:
        draw.text((left, y), "No chapters loaded", font=font(13), fill=MUTED)
        y += BAR_ROW
    return y


def render_stats(stats: MemberStats) -> bytes:
    """Draw the member's statistics and return them as PNG bytes."""
    section_top = MARGIN + 52 + 84 + 28
    rows = min(len(stats.mastery), MAX_BARS) + (len(stats.mastery) > MAX_BARS)
    height = section_top + max(32 + max(rows, 1) * BAR_ROW, 52 + 7 * (CELL + GAP) + 52) + MARGIN
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN - 4), _fit(draw, stats.name, 30, WIDTH - 2 * MARGIN - 200), font=font(30), fill=TEXT)
    draw.text((WIDTH - MARGIN - 190, MARGIN + 6), "Interview practice", font=font(16), fill=MUTED)
    _tiles(draw, stats, MARGIN + 52)
    _calendar(draw, stats, MARGIN, section_top)
    calendar_width = 40 + WEEKS * (CELL + GAP)
    _mastery(draw, stats, MARGIN + calendar_width + 36, section_top)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
