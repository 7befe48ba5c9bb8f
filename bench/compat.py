"""The few places where the benchmarks reach into the bot, in one module, so that the same benchmark runs
against an older checkout of the bot (`--baseline REV`) as well as this one."""

from __future__ import annotations

from typing import Any


def load_content(config: Any) -> Any:
    """Load the configured content exactly as `interview-bot run` does before it connects."""
    from bot import cli
    from bot.content.loader import load_library

    if hasattr(cli, "load_content"):
        return cli.load_content(config)
    return load_library(cli.content_roots(config))


def term_choices() -> Any:
    """Return the function that answers /define's autocomplete (library, text) → choices."""
    from bot.cogs.options import term_choices as choices

    return choices


def term_card() -> Any:
    """Return the function that renders /define's answer for a found term (library, term) → screen."""
    from bot.cogs.study import _views

    return _views.term_screen


def settle(library: Any) -> None:
    """Wait for whatever the content finishes building in the background (the full-text index)."""
    library.search("settle")


def after_start(bot: Any) -> Any:
    """Start what `interview-bot run` starts beside the bot (a task), if this version has it."""
    import asyncio

    from bot import runner

    if hasattr(runner, "freeze_when_ready"):
        return asyncio.get_running_loop().create_task(runner.freeze_when_ready(bot))
    return None


async def answer_writer(path: Any) -> Any:
    """Open a database; return it and a coroutine function that scores one battle answer for a user id."""
    from datetime import UTC, datetime

    from bot.db import Database
    from bot.repos.scores import ScoreEvent, insert_score

    db = await Database.open(path)
    now = datetime.now(UTC)

    async def write(user: int) -> None:
        async with db.transaction() as conn:
            await insert_score(conn, ScoreEvent(1, user, "battle", "battle:1:1", 900, True, now))

    return db, write
