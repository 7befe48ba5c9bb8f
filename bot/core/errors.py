"""The bot's own exceptions. Their message is meant for the person who caused them."""

from __future__ import annotations


class BotError(Exception):
    """A problem to tell the user about privately (bad option, already answered …), not a bug."""


class UnknownTerm(BotError):
    """No glossary term matches the name given."""


class UnknownChapter(BotError):
    """No chapter matches the name given."""


class AlreadyAnswered(BotError):
    """The member has answered this question already; only the first answer counts."""


class NotAllowed(BotError):
    """The member lacks the permission an action needs."""
