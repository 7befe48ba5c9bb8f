"""What /stats looks like beside its picture: the same facts as embed fields, for screen readers.

Pure builders: a member's `MemberStats` in, an embed out (the picture itself is `bot.render.stats_image`).
"""

from __future__ import annotations

import discord

from bot.content.text import truncate
from bot.core.stats import MASTERY, MemberStats, text_fields
from bot.ui import Limit


def stats_embed(facts: MemberStats, picture: str) -> discord.Embed:
    """Render the facts as fields, with the attached picture (`picture`: its file name) as the image."""
    title = truncate(f"Practice statistics: {discord.utils.escape_markdown(facts.name)}", Limit.TITLE)
    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    for name, value in text_fields(facts):
        embed.add_field(name=name, value=value, inline=not name.startswith(MASTERY))
    embed.set_image(url=f"attachment://{picture}")
    return embed
