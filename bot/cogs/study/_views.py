"""Screens (an embed plus its buttons) for the study lookups, and the restart-proof buttons that open them.

Every screen has a *ref*, a short text naming what it shows: `define:<term id>`, `topics:<chapter key|all>:<page>`,
`ask:<question id>`, `guide:<section>:<page>`, `search:<query>` or `help`. A button's custom_id is `iq:<ref>` (open
it) or `iq:share:<ref>` (post it publicly), so the buttons carry everything they need and keep working after a
restart: no state lives on the views.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.cogs.quiz.solo import start_chapter_quiz
from bot.cogs.study import _render as render
from bot.content.index import Library
from bot.content.models import Chapter, Question, Term
from bot.content.text import truncate
from bot.core.errors import BotError, UnknownChapter, UnknownTerm
from bot.ui import Limit, PersistentButton, PersistentSelect, chapter_label, persistent_view, term_label

if TYPE_CHECKING:
    from bot.app import BotInteraction

_REF = r"(?:define|topics|ask|guide|search):.+|help"
ALL = "all"  # the scope of /random and /question without a chapter


class UnknownQuestion(BotError):
    """No open question has this id (any more)."""


@dataclass
class Card:
    """What one screen shows: embeds and the components under them."""

    embeds: list[discord.Embed]
    view: discord.ui.View | None = None
    content: str | None = None

    async def send(self, interaction: discord.Interaction[Any], *, ephemeral: bool = True) -> None:
        """Answer the interaction with this card as a new message (private unless told otherwise)."""
        await interaction.response.send_message(
            self.content,
            embeds=self.embeds,
            view=self.view if self.view is not None else discord.utils.MISSING,
            ephemeral=ephemeral,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self._sent()

    async def show(self, interaction: discord.Interaction[Any]) -> None:
        """Open this card from a button: replace a private message in place, else answer privately."""
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(content=self.content, embeds=self.embeds, view=self.view)
            self._sent()
        else:
            await self.send(interaction)

    def _sent(self) -> None:
        # The buttons now live on in Discord (their custom ids carry all a click needs), and the view is done with.
        # Each item and its view refer to each other: unlinked, they are freed at once instead of waiting for the
        # garbage collector, which would otherwise run every dozen or so cards under load.
        if self.view is not None:
            self.view.clear_items()


# -- buttons and menus -----------------------------------------------------------------------------------


class Open(PersistentButton, custom_id="iq:{ref}", ref=_REF):
    """A button that opens a screen (a term, a chapter page, a question …) for whoever presses it."""

    def __init__(
        self,
        ref: str,
        label: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
        disabled: bool = False,
        emoji: str | None = None,
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=truncate(label, Limit.LABEL),
            custom_id=self.make_id(ref=ref),
            style=style,
            disabled=disabled,
            emoji=emoji,
        )
        super().__init__(button, row=row)
        self.ref = ref

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its ref, keeping its label and style."""
        return cls(fields["ref"], button.label or "Open", style=button.style)

    async def run(self, interaction: BotInteraction) -> None:
        """Open the screen in place (or privately)."""
        await screen(interaction.client.library, self.ref).show(interaction)


class Share(PersistentButton, custom_id="iq:share:{ref}", ref=_REF):
    """A button that posts a screen publicly in the channel, saying who shared it (without pinging)."""

    def __init__(self, ref: str, *, row: int | None = None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Share", emoji="📣", custom_id=self.make_id(ref=ref), style=discord.ButtonStyle.primary
        )
        super().__init__(button, row=row)
        self.ref = ref

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its ref."""
        return cls(fields["ref"])

    async def run(self, interaction: BotInteraction) -> None:
        """Post the public version of the screen, naming who shared it."""
        card = screen(interaction.client.library, self.ref, public=True)
        card.content = f"Shared by {interaction.user.mention}"
        await card.send(interaction, ephemeral=False)


class Another(PersistentButton, custom_id="iq:{what}:{scope}", what="random|question", scope=".+"):
    """A button that draws another random term or question (from one chapter or all) using the bot's rng."""

    def __init__(self, what: str, scope: str, *, row: int | None = None) -> None:
        label = "Another term" if what == "random" else "Another question"
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, emoji="🎲", custom_id=self.make_id(what=what, scope=scope)
        )
        super().__init__(button, row=row)
        self.what = what
        self.scope = scope

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from what it draws and where from."""
        return cls(fields["what"], fields["scope"])

    async def run(self, interaction: BotInteraction) -> None:
        """Show another random term or question in place."""
        library, rng = interaction.client.library, interaction.client.rng
        chapter = None if self.scope == ALL else scope_chapter(library, self.scope)
        if self.what == "random":
            card = term_screen(library, library.random_term(rng, chapter), another=self.scope)
        else:
            card = question_screen(library, random_question(library, rng, chapter), another=self.scope)
        await card.show(interaction)


class KeyPoints(PersistentButton, custom_id="iq:keypoints:{question}", question=".+"):
    """A button that reveals a question's key points privately to whoever presses it."""

    def __init__(self, question_id: str, *, row: int | None = None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Show key points",
            emoji="🔑",
            custom_id=self.make_id(question=question_id),
            style=discord.ButtonStyle.success,
        )
        super().__init__(button, row=row)
        self.question_id = question_id

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its question id."""
        return cls(fields["question"])

    async def run(self, interaction: BotInteraction) -> None:
        """Reveal the key points privately."""
        library = interaction.client.library
        await key_points_screen(library, find_question(library, self.question_id)).send(interaction)


class Pick(PersistentSelect, custom_id="iq:pick"):
    """A menu whose options are screen refs (a page's terms, or chapters): opens the one picked."""

    def __init__(self, options: list[discord.SelectOption], placeholder: str, *, row: int | None = None) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=self.make_id(), options=options, placeholder=placeholder
        )
        super().__init__(select, row=row)

    @classmethod
    def restore(cls, select: discord.ui.Select[Any], fields: re.Match[str]) -> Self:
        """Rebuild the menu with the options Discord sent back."""
        return cls(list(select.options), select.placeholder or "")

    async def run(self, interaction: BotInteraction) -> None:
        """Open the screen picked."""
        ref = self.item.values[0] if self.item.values else ""
        if not re.fullmatch(_REF, ref):
            raise BotError("That choice is not available any more; run the command again.")
        await screen(interaction.client.library, ref).show(interaction)


class ChapterQuiz(PersistentButton, custom_id="iq:chapterquiz:{chapter}", chapter=".+"):
    """A button that adds a chapter's terms to the presser's review deck and starts a private quiz on it."""

    def __init__(self, chapter_key: str, *, row: int | None = None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Quiz me on this chapter", emoji="🎯", custom_id=self.make_id(chapter=chapter_key)
        )
        super().__init__(button, row=row)
        self.chapter_key = chapter_key

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        """Rebuild the button from its chapter key."""
        return cls(fields["chapter"])

    async def run(self, interaction: BotInteraction) -> None:
        """Start the chapter's quiz for whoever pressed."""
        await start_chapter_quiz(interaction.client, interaction, self.chapter_key)


DYNAMIC_ITEMS = (Open, Share, Another, KeyPoints, Pick, ChapterQuiz)


def _add(view: discord.ui.View, item: discord.ui.Item[Any]) -> None:
    """Add an item unless its custom_id would exceed Discord's limit (the loader keeps ids short enough)."""
    if len(getattr(item, "custom_id", "")) <= Limit.CUSTOM_ID:
        view.add_item(item)


def _open_terms(view: discord.ui.View, library: Library, terms: list[Term], *, row: int) -> None:
    for term in terms[:5]:
        _add(view, Open(f"define:{term.id}", term_label(library, term), row=row))


# -- screens -----------------------------------------------------------------------------------------------


def scope_chapter(library: Library, key: str) -> Chapter:
    """Return the chapter a button's scope names, or tell the user it is gone."""
    chapter = library.chapters.get(key)
    if chapter is None:
        raise UnknownChapter("That chapter is not in the library any more. Pick one with `/topics`.")
    return chapter


def find_question(library: Library, question_id: str) -> Question:
    """Return the question with this id, or tell the user it is gone."""
    question = library.questions.get(question_id)
    if question is None:
        raise UnknownQuestion("That question is not in the library any more. Try `/question`.")
    return question


def random_question(library: Library, rng: random.Random, chapter: Chapter | None) -> Question:
    """Pick a random open question, from one chapter or from all."""
    pool = library.questions_in(chapter)
    if not pool:
        where = f"in {chapter_label(chapter)}" if chapter else "in the library"
        raise BotError(f"There are no open questions {where} yet. Try another chapter or leave it out.")
    return rng.choice(pool)


def term_screen(library: Library, term: Term, *, public: bool = False, another: str | None = None) -> Card:
    """Show a term card with its related terms, its chapter, and Share (and Another for /random)."""
    view = persistent_view()
    # An entry that shares a name with this one ("Bias" the fairness metric, from "Biases") is one click away.
    namesakes = [library.terms[i] for i in sorted(library.namesakes(term.id))]
    related = [t for t in library.related_terms(term, limit=5) if t not in namesakes]
    _open_terms(view, library, [*namesakes, *related], row=0)
    chapter = library.chapter_of(term)
    page = chapter.term_ids.index(term.id) // render.TERMS_PER_PAGE + 1
    _add(view, Open(f"topics:{chapter.key}:{page}", f"Chapter {chapter.number}", emoji="📚", row=1))
    _add(view, ChapterQuiz(chapter.key, row=1))
    if another is not None and not public:
        _add(view, Another("random", another, row=1))
    if not public:
        _add(view, Share(f"define:{term.id}", row=1))
    return Card([render.term_card(library, term)], view)


def close_terms(library: Library, text: str) -> list[Term]:
    """Return the (up to five) terms whose names come closest to what was typed."""
    return [m.term for m in library.fuzzy(text, limit=5)]


def suggestions_screen(library: Library, query: str) -> Card:
    """Answer a name that is no term privately, with the closest terms as buttons."""
    candidates = close_terms(library, query)
    view = persistent_view()
    _open_terms(view, library, candidates, row=0)
    return Card([render.suggestions_embed(query, candidates)], view if candidates else None)


def search_screen(library: Library, query: str, *, public: bool = False) -> Card:
    """Full-text results with buttons to open the top hits (or, without any, the closest names)."""
    hits = library.search(query, limit=10)
    close = [] if hits else close_terms(library, query)
    view = persistent_view()
    for n, hit in enumerate(hits[:5], start=1):
        ref = f"define:{hit.id}" if hit.kind == "term" else f"ask:{hit.id}"
        emoji = "📖" if hit.kind == "term" else "❓"
        _add(view, Open(ref, f"{n}. {hit.title}", emoji=emoji, row=0))
    _open_terms(view, library, close, row=0)
    if hits and not public:
        _add(view, Share(f"search:{query}", row=1))
    return Card([render.search_embed(library, query, hits, close)], view if view.children else None)


def _pager(view: discord.ui.View, base: str, page: int, count: int, *, row: int) -> None:
    """Add Previous / Next buttons (custom ids differ by page, so they never collide) when there are pages."""
    if count <= 1:
        return
    _add(view, Open(f"{base}:{page - 1}", "Previous", emoji="◀️", disabled=page <= 1, row=row))
    _add(view, Open(f"{base}:{page + 1}", "Next", emoji="▶️", disabled=page >= count, row=row))


def topics_screen(library: Library, scope: str, page: int = 1, *, public: bool = False) -> Card:
    """Show the chapter list (scope "all") or one chapter's page of terms, with paging and a menu to open one."""
    view = persistent_view()
    if scope == ALL:
        shown = render.chapters_page(library, page)
        chapters = list(library.chapters.values())
        per_page = render.chapters_per_page(library)
        first = (shown.number - 1) * per_page
        options = [
            discord.SelectOption(
                label=truncate(f"{c.number}. {c.title}", Limit.OPTION),
                value=f"topics:{c.key}:1",
                description=f"{len(c.term_ids)} terms",
            )
            for c in chapters[first : first + per_page]
        ]
        placeholder = "Open a chapter…"
    else:
        chapter = scope_chapter(library, scope)
        shown = render.chapter_page(library, chapter, page)
        first = (shown.number - 1) * render.TERMS_PER_PAGE
        options = [
            discord.SelectOption(
                label=truncate(t.term, Limit.OPTION),
                value=f"define:{t.id}",
                description=render.short_definition(t, Limit.OPTION),
            )
            for t in library.terms_in(chapter)[first : first + render.TERMS_PER_PAGE]
        ]
        placeholder = "Open a term…"
    options = [o for o in options if len(o.value) <= Limit.OPTION][: Limit.OPTIONS]
    if options:
        view.add_item(Pick(options, placeholder, row=0))
    _pager(view, f"topics:{scope}", shown.number, shown.count, row=1)
    if scope != ALL:
        _add(view, Open(f"topics:{ALL}:1", "All chapters", emoji="📚", row=1))
    if not public:
        _add(view, Share(f"topics:{scope}:{shown.number}", row=1))
    return Card([shown.embed], view)


def question_screen(library: Library, question: Question, *, public: bool = False, another: str | None = None) -> Card:
    """Show an open question with Show key points (and Another, Share when private)."""
    view = persistent_view()
    _add(view, KeyPoints(question.id, row=0))
    if another is not None and not public:
        _add(view, Another("question", another, row=0))
    if not public:
        _add(view, Share(f"ask:{question.id}", row=0))
    return Card([render.question_card(library, question)], view)


def key_points_screen(library: Library, question: Question) -> Card:
    """Reveal privately: key points, related terms as buttons, the answer formula as a hint."""
    view = persistent_view()
    _open_terms(view, library, [library.terms[r] for r in question.related if r in library.terms], row=0)
    return Card([render.key_points_embed(library, question)], view if view.children else None)


def guide_screen(library: Library, section: str, page: int = 1, *, public: bool = False) -> Card:
    """One page of a guide section, with paging when it needs more than one."""
    pages = render.guide_pages(library, section)
    page = render.clamp_page(page, len(pages))
    view = persistent_view()
    _pager(view, f"guide:{section}", page, len(pages), row=0)
    if not public:
        _add(view, Share(f"guide:{section}:{page}", row=0))
    return Card([pages[page - 1]], view if view.children else None)


def help_screen(library: Library, *, public: bool = False) -> Card:
    """Say what the bot does, with Share when private."""
    view = persistent_view()
    if not public:
        _add(view, Share("help", row=0))
    return Card([render.help_embed(library)], view if view.children else None)


def _split_page(rest: str) -> tuple[str, int]:
    """Split "<scope>:<page>" (the scope may itself contain a colon)."""
    scope, _, page = rest.rpartition(":")
    return scope, int(page) if page.isdigit() else 1


def screen(library: Library, ref: str, *, public: bool = False) -> Card:
    """Render the screen a ref names; unknown or stale refs become a private explanation."""
    kind, _, rest = ref.partition(":")
    if kind == "define":
        term = library.terms.get(rest)
        if term is None:
            raise UnknownTerm("That term is not in the library any more. Try `/define` or `/search`.")
        return term_screen(library, term, public=public)
    if kind == "topics":
        scope, page = _split_page(rest)
        return topics_screen(library, scope, page, public=public)
    if kind == "ask":
        return question_screen(library, find_question(library, rest), public=public)
    if kind == "guide":
        section, page = _split_page(rest)
        if section not in render.GUIDE_SECTIONS:
            raise BotError("That guide section does not exist. Try `/guide`.")
        return guide_screen(library, section, page, public=public)
    if kind == "search":
        return search_screen(library, rest, public=public)
    if kind == "help":
        return help_screen(library, public=public)
    raise BotError("That button is not available any more; run the command again.")
