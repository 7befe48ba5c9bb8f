"""Pure embed builders for the study lookups: library and ids in, embeds within Discord's limits out.

Nothing here touches the bot or the network, so every card can be rendered and measured in a unit test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.cogs.options import echo
from bot.content.index import Library, SearchHit
from bot.content.models import Chapter, Pack, Question, Term
from bot.content.text import plural, tokenize, truncate
from bot.ui import Limit, add_tip, chapter_label, chapter_title, term_label

COLOUR = discord.Colour(0x5865F2)
SUGGESTION_COLOUR = discord.Colour(0xFEE75C)

# Terms per /topics page: a line is at most ~230 characters (name ≤ 100 + short definition), so ten lines and the
# introduction stay far below the 4,096-character description.
TERMS_PER_PAGE = 10
CHAPTERS_PER_PAGE = 20  # when there are more chapters than one select menu offers (25)
SHORT_DEFINITION = 120
# What one paginated guide page may hold: well under the 6,000 total so title and footer always fit.
PAGE_BUDGET = 3800

MASTERY_RULE = (
    "Mastery of a chapter is the share of its terms whose review card is in the Review state with a recall "
    "probability (retrievability) of at least 90 %."
)

GUIDE_SECTIONS: dict[str, str] = {
    "learning-order": "Learning order",
    "checklist": "Checklist",
    "specializations": "Specializations",
    "answer-formula": "Answer formula",
    "mental-model": "Mental model",
    "high-yield": "High-yield questions",
}


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a paginated section: its embed, its number (1-based) and how many pages there are."""

    embed: discord.Embed
    number: int
    count: int


def _embed(title: str, description: str = "", *, colour: discord.Colour = COLOUR) -> discord.Embed:
    """Make an embed with a title and description cut to Discord's limits."""
    return discord.Embed(
        title=truncate(title, Limit.TITLE),
        description=truncate(description, Limit.DESCRIPTION) if description else None,
        colour=colour,
    )


def _field(embed: discord.Embed, name: str, value: str, *, inline: bool = False) -> None:
    """Add a field whose name and value are cut to Discord's limits (empty values are skipped)."""
    if value.strip():
        embed.add_field(name=truncate(name, Limit.FIELD_NAME), value=truncate(value, Limit.FIELD_VALUE), inline=inline)


def _finish(embed: discord.Embed, footer: str) -> discord.Embed:
    """Set the footer, then shorten the description if the whole embed would pass Discord's 6,000 characters.

    Each part is within its own limit already, but a pack may hold a 4,096-character definition and a
    1,024-character tip, and the parts together may not.
    """
    embed.set_footer(text=truncate(footer, Limit.FOOTER))
    excess = len(embed) - Limit.EMBED
    if excess > 0 and embed.description:
        embed.description = truncate(embed.description, max(1, len(embed.description) - excess))
    return embed


def pack_of(library: Library, pack_id: str) -> Pack | None:
    """Return the pack with this id, if loaded."""
    return next((p for p in library.packs if p.id == pack_id), None)


def short_definition(term: Term, limit: int = SHORT_DEFINITION) -> str:
    """Return the definition cut to one short line for lists."""
    return truncate(" ".join(term.definition.split()), limit)


def term_card(library: Library, term: Term) -> discord.Embed:
    """Render a term: title, chapter, definition, interview tip and other names."""
    chapter = library.chapter_of(term)
    embed = _embed(term_label(library, term), term.definition)
    embed.set_author(name=truncate(chapter_label(chapter), Limit.AUTHOR))
    add_tip(embed, term)
    if term.aliases:
        _field(embed, "Also called", ", ".join(term.aliases))
    pack = pack_of(library, term.pack)
    return _finish(embed, pack.title if pack else term.pack)


def suggestions_embed(query: str, candidates: Sequence[Term]) -> discord.Embed:
    """Tell the caller that no term has this name, and list the closest ones."""
    shown = echo(query)
    if candidates:
        lines = "\n".join(f"• **{t.term}** — {short_definition(t, 90)}" for t in candidates)
        text = f"No term is called “{shown}”. Did you mean one of these?\n\n{lines}"
    else:
        text = f"No term is called “{shown}”, and nothing comes close. Try `/search` or browse `/topics`."
    return _embed("Term not found", text, colour=SUGGESTION_COLOUR)


def _snippet(library: Library, hit: SearchHit, query: str, limit: int = 140) -> str:
    """Return the text of the field that matched, cut short (for key points, the one sharing most words)."""
    if hit.kind == "term":
        term = library.terms[hit.id]
        text = {"term": term.definition, "alias": ", ".join(term.aliases), "tip": term.tip}.get(
            hit.field, term.definition
        )
    else:
        question = library.questions[hit.id]
        # The question's text is the result's title already: show what it is about instead.
        names = [library.terms[r].term for r in question.related if r in library.terms]
        text = "About " + ", ".join(names)
        if hit.field == "key point" and question.key_points:
            words = set(tokenize(query))
            text = max(question.key_points, key=lambda p: len(words & set(tokenize(p))))
    return truncate(" ".join(text.split()), limit)


def search_embed(library: Library, query: str, hits: Sequence[SearchHit], close: Sequence[Term] = ()) -> discord.Embed:
    """List the best full-text matches with where each comes from and which field matched.

    Without a match, `close` names the terms whose names come closest to the query (their buttons open them).
    """
    title = f"Search: {echo(query)}"
    if not hits:
        text = "Nothing matches. Try fewer or other words, or `/define` a term by name."
        if close:
            text += "\n\nClosest names: " + ", ".join(f"**{t.term}**" for t in close)
        return _embed(title, text)
    embed = _embed(title, f"{plural(len(hits), 'best match', 'best matches')}:")
    for n, hit in enumerate(hits, start=1):
        if hit.kind == "term":
            chapter = library.chapter_of(library.terms[hit.id])
            where = f"Term in chapter {chapter_title(chapter)}"
        else:
            found = question_chapter(library, library.questions[hit.id])
            where = "Open question" + (f" on chapter {chapter_title(found)}" if found else "")
        value = f"*{where} — matched in {hit.field}*\n{_snippet(library, hit, query)}"
        _field(embed, f"{n}. {truncate(hit.title, 200)}", value)
    return _finish(embed, "Open the top results with the buttons below.")


def _page_count(items: int, size: int) -> int:
    return max(1, -(-items // size))


def clamp_page(page: int, count: int) -> int:
    """Keep a page number within 1..count (a stale button may point past a shortened chapter)."""
    return min(max(page, 1), count)


def chapters_per_page(library: Library) -> int:
    """Return how many chapters a page lists: all of them when one select menu can offer them all."""
    return len(library.chapters) if 0 < len(library.chapters) <= Limit.OPTIONS else CHAPTERS_PER_PAGE


def chapters_page(library: Library, page: int = 1) -> Page:
    """List the chapters with their term counts, one page of them."""
    chapters = list(library.chapters.values())
    per_page = chapters_per_page(library)
    count = _page_count(len(chapters), per_page)
    page = clamp_page(page, count)
    shown = chapters[(page - 1) * per_page : page * per_page]
    many_packs = len(library.packs) > 1
    lines = []
    for chapter in shown:
        pack = f" ({chapter.pack})" if many_packs else ""
        lines.append(f"`{chapter.number:>2}` **{truncate(chapter.title, 100)}**{pack} — {len(chapter.term_ids)} terms")
    embed = _embed("Topics", "\n".join(lines))
    total = f"{len(library.chapters)} chapters · {len(library.terms)} terms"
    paging = f" · page {page}/{count}" if count > 1 else ""
    return Page(_finish(embed, f"{total}{paging} · pick a chapter below"), page, count)


def chapter_page(library: Library, chapter: Chapter, page: int = 1) -> Page:
    """Show a chapter's introduction and one page of its terms (name and short definition)."""
    terms = library.terms_in(chapter)
    count = _page_count(len(terms), TERMS_PER_PAGE)
    page = clamp_page(page, count)
    shown = terms[(page - 1) * TERMS_PER_PAGE : page * TERMS_PER_PAGE]
    intro = truncate(chapter.introduction, 600)
    lines = "\n".join(f"• **{truncate(t.term, 100)}** — {short_definition(t)}" for t in shown)
    embed = _embed(chapter_label(chapter), f"*{intro}*\n\n{lines}" if intro else lines)
    footer = f"{len(terms)} terms · page {page}/{count}"
    return Page(_finish(embed, footer + (" · open one below" if shown else "")), page, count)


def question_chapter(library: Library, question: Question) -> Chapter | None:
    """Return the chapter of a question's first related term (where `/question chapter:` files it)."""
    term = library.terms.get(question.related[0]) if question.related else None
    return library.chapter_of(term) if term else None


def question_card(library: Library, question: Question) -> discord.Embed:
    """Show an open interview question to think through before revealing its key points."""
    embed = _embed("Interview question", f"**{question.text}**")
    chapter = question_chapter(library, question)
    if chapter is not None:
        embed.set_author(name=truncate(chapter_label(chapter), Limit.AUTHOR))
    embed.add_field(
        name="Your turn",
        value="Answer it out loud or in writing first, then press **Show key points** to compare.",
        inline=False,
    )
    return _finish(embed, f"Question {question.id}")


def answer_formula(library: Library, pack_id: str) -> str:
    """Return the answer formula of the question's pack, else the library's guide's."""
    pack = pack_of(library, pack_id)
    return (pack.guide.answer_formula if pack else "") or library.guide.answer_formula


def key_points_embed(library: Library, question: Question) -> discord.Embed:
    """Reveal what a strong answer covers, the related terms and the pack's answer formula as a hint."""
    points = "\n".join(f"• {truncate(p, 400)}" for p in question.key_points)
    embed = _embed("Key points", f"**{truncate(question.text, 300)}**\n\n{points}")
    names = [library.terms[r].term for r in question.related if r in library.terms]
    _field(embed, "Related terms", ", ".join(names))
    _field(embed, "Hint: shape your answer", answer_formula(library, question.pack))
    return _finish(embed, f"Question {question.id}")


def _pack_lines(lines: Sequence[str], budget: int = PAGE_BUDGET) -> list[str]:
    """Join lines into page texts of at most `budget` characters each (a single overlong line is cut)."""
    pages: list[str] = []
    current = ""
    for line in lines:
        line = truncate(line, budget)
        if current and len(current) + 1 + len(line) > budget:
            pages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*pages, current] if current or not pages else pages


def _pack_fields(fields: Sequence[tuple[str, str]], budget: int = PAGE_BUDGET) -> list[list[tuple[str, str]]]:
    """Group (name, value) fields into pages within the character budget and the 25-field limit."""
    pages: list[list[tuple[str, str]]] = [[]]
    used = 0
    for name, value in fields:
        name, value = truncate(name, Limit.FIELD_NAME), truncate(value, Limit.FIELD_VALUE)
        size = len(name) + len(value)
        if pages[-1] and (used + size > budget or len(pages[-1]) >= Limit.FIELDS):
            pages.append([])
            used = 0
        pages[-1].append((name, value))
        used += size
    return pages


def guide_pages(library: Library, section: str) -> list[discord.Embed]:
    """Render one guide section as one or more embeds, each within the limits on its own."""
    guide = library.guide
    title = GUIDE_SECTIONS.get(section, "Guide")
    empty = "This section is empty in the loaded packs."
    if section in ("learning-order", "checklist", "mental-model", "answer-formula"):
        if section == "learning-order":
            lines = [f"**{s.step}. {s.topic}** — {s.master}" for s in guide.learning_order]
        elif section == "checklist":
            lines = [f"☐ {item}" for item in guide.checklist]
        elif section == "mental-model":
            lines = [guide.mental_model] if guide.mental_model else []
        else:
            formula = guide.answer_formula
            lines = [f"**{formula}**", "", "Walk through these in order in every answer."] if formula else []
        texts = _pack_lines(lines) if lines else [empty]
        embeds = [_embed(title, text) for text in texts]
    else:
        if section == "specializations":
            fields = [(s.name, s.why) for s in guide.specializations]
        else:
            fields = [(f"{n}. {h.question}", h.answer) for n, h in enumerate(guide.high_yield, start=1)]
        embeds = []
        for group in _pack_fields(fields) if fields else [[]]:
            embed = _embed(title, "" if group else empty)
            for name, value in group:
                _field(embed, name, value)
            embeds.append(embed)
    for n, embed in enumerate(embeds, start=1):
        suffix = f" · page {n}/{len(embeds)}" if len(embeds) > 1 else ""
        _finish(embed, f"Study guide{suffix}")
    return embeds


def help_embed(library: Library) -> discord.Embed:
    """Explain what the bot does, each command group in a line or two, how mastery is computed, and the credits."""
    stats = f"{len(library.terms)} terms in {len(library.chapters)} chapters, {len(library.questions)} open questions"
    embed = _embed(
        "Interview practice bot",
        f"Study deep-learning interview material right in Discord: {stats}, a study guide, daily questions, "
        "quizzes and spaced review.",
    )
    _field(
        embed,
        "📖 Study lookups (private, with a Share button)",
        "`/define` a term · `/search` everything · `/topics` by chapter · `/random` term · "
        "`/question` to practise an open question · `/guide` sections · `/help`",
    )
    _field(
        embed,
        "📅 Daily question",
        "`/daily setup|stop|status|post` schedules a question in a channel (managers); `/streak` shows your "
        "answering streak.",
    )
    _field(
        embed,
        "🎯 Practice",
        "`/quiz solo|battle|stop` for a solo quiz or a battle in the channel, `/interview start|pair|history` for "
        "timed mock interviews alone or with a partner, `/review` for the terms due in your spaced review, "
        "`/leaderboard` and `/stats` for points, accuracy and mastery.",
    )
    _field(embed, "📈 Mastery", MASTERY_RULE)
    credits = []
    for pack in library.packs:
        line = f"**{pack.credit.title}** by {pack.credit.author}"
        credits.append(f"{line} — {pack.credit.url}" if pack.credit.url else line)
    _field(embed, "Content", "\n".join(credits))
    return _finish(embed, "Answers to lookups are private until you press Share.")
