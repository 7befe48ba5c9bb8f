"""Study lookups, rendered without the bot: every card of the bundled pack fits Discord's limits, every button opens
something, and name lookups rank what a user means first."""

from __future__ import annotations

import random

import discord
import pytest

from bot.cogs.options import chapter_choices, resolve_term, term_choices
from bot.cogs.study import _render as embeds
from bot.cogs.study import _views as views
from bot.content.index import Library
from bot.content.models import Chapter, Credit, Pack, Term
from bot.core.errors import BotError
from bot.ui import Limit, term_label

# -- Discord's limits ------------------------------------------------------------------------------------------


def assert_embeds_fit(items: list[discord.Embed]) -> None:
    """Check every documented embed limit, and the 6,000 characters shared by all embeds of one message."""
    assert 1 <= len(items) <= 10
    for embed in items:
        assert embed.title and len(embed.title) <= 256, embed.title
        assert len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        for f in embed.fields:
            assert f.name and len(f.name) <= 256, f.name
            assert f.value and len(f.value) <= 1024, f.name
        assert len(embed.footer.text or "") <= 2048
        assert len(embed.author.name or "") <= 256
    assert sum(len(e) for e in items) <= 6000


def custom_ids(view: discord.ui.View | None) -> list[str]:
    return [] if view is None else [c.custom_id for c in view.children if getattr(c, "custom_id", None)]


def assert_view_fits(view: discord.ui.View | None) -> None:
    """Check rows, buttons per row, labels, custom ids (length, uniqueness, a registered template) and menus."""
    if view is None:
        return
    rows = view.to_components()
    assert 1 <= len(rows) <= 5
    for row in rows:
        parts = row["components"]
        assert 1 <= len(parts) <= 5
        if any(p["type"] == 3 for p in parts):
            assert len(parts) == 1, "a menu fills its row"
    ids = custom_ids(view)
    assert len(ids) == len(set(ids)), ids
    templates = [item.__discord_ui_compiled_template__ for item in views.DYNAMIC_ITEMS]
    for item in view.children:
        assert isinstance(item, discord.ui.DynamicItem), item
        assert len(item.custom_id) <= 100, item.custom_id
        assert any(t.fullmatch(item.custom_id) for t in templates), item.custom_id
        inner = item.item
        if isinstance(inner, discord.ui.Button):
            assert inner.label and len(inner.label) <= 80, inner.label
        else:
            assert 1 <= len(inner.options) <= 25
            for option in inner.options:
                assert len(option.label) <= 100 and len(option.value) <= 100
                assert len(option.description or "") <= 100


def assert_card_fits(card: views.Card) -> None:
    assert_embeds_fit(card.embeds)
    assert_view_fits(card.view)


def open_refs(card: views.Card) -> list[str]:
    """The refs a card's Open buttons lead to (without the "iq:" prefix)."""
    assert card.view is not None
    return [item.ref for item in card.view.children if isinstance(item, views.Open)]


def labels(card: views.Card) -> list[str]:
    assert card.view is not None
    return [item.item.label for item in card.view.children if isinstance(item.item, discord.ui.Button)]


# -- term cards --------------------------------------------------------------------------------------------


def test_every_term_card_fits_and_its_buttons_open_real_screens(library):
    assert len(library.terms) == 504
    for term in library.terms.values():
        private = views.term_screen(library, term)
        public = views.term_screen(library, term, public=True)
        assert_card_fits(private)
        assert_card_fits(public)
        card = private.embeds[0]
        chapter = library.chapter_of(term)
        assert card.title == term_label(library, term)
        assert card.description == term.definition
        assert card.author.name == f"Chapter {chapter.number} · {chapter.title}"
        assert card.fields[0].name == "💡 Interview tip" and card.fields[0].value == term.tip
        # Entries sharing a name come first (one click away), then the related terms.
        namesakes = sorted(library.namesakes(term.id))
        related = [*namesakes, *(t.id for t in library.related_terms(term) if t.id not in namesakes)][:5]
        assert [r for r in open_refs(private) if r.startswith("define:")] == [f"define:{i}" for i in related]
        assert f"iq:share:define:{term.id}" in custom_ids(private.view)
        assert not any(i.startswith("iq:share:") for i in custom_ids(public.view)), "a shared card has no Share"
        for ref in open_refs(private):
            views.screen(library, ref)  # raises if a button led nowhere


def test_term_card_of_backpropagation(library):
    term = library.lookup("backprop")
    card = views.term_screen(library, term)
    embed = card.embeds[0]
    assert (embed.title, embed.author.name) == ("Backpropagation", "Chapter 3 · Neural Network Basics")
    assert embed.fields[1].name == "Also called" and "Backprop" in embed.fields[1].value
    names = labels(card)
    assert names[:3] == [t.term for t in library.related_terms(term)][:3]
    assert names[-3:] == ["Chapter 3", "Quiz me on this chapter", "Share"]


def test_random_card_offers_another_draw_from_the_same_scope(library):
    term = library.terms["dropout"]
    card = views.term_screen(library, term, another="deep-learning:5")
    assert "iq:random:deep-learning:5" in custom_ids(card.view)
    assert_card_fits(card)


# -- names: lookup, fuzzy ranking, autocomplete ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("backprop", "backpropagation"),
        ("Back-Prop", "backpropagation"),
        ("backpropogation", "backpropagation"),
        ("lstm", "lstm"),
        ("LSTM", "lstm"),
        ("relu", "relu"),
        ("ReLU", "relu"),
        ("Batch Norm", "batch-normalization"),
        ("batch-normalization", "batch-normalization"),
        ("BATCHNORM", "batch-normalization"),
        ("batch   normalization", "batch-normalization"),
        ("overfit", "overfitting"),
    ],
)
def test_fuzzy_ranks_the_meant_term_first(library, typed, first):
    assert library.fuzzy(typed)[0].term.id == first


def test_fuzzy_prefers_the_shortest_completion_and_skips_noise(library):
    assert [m.term.term for m in library.fuzzy("relu")][:2] == ["ReLU", "Leaky ReLU"]
    assert [m.term.term for m in library.fuzzy("lstm")] == ["LSTM", "LSTM forecasting"]
    # Short names inside a long typo ("gat" in "backpropogation") are no match.
    assert "Graph attention networks" not in [m.term.term for m in library.fuzzy("backpropogation")]
    assert library.fuzzy("qqqqzz") == []
    assert library.fuzzy("grad desc")[0].term.term == "Gradient descent"


def test_autocomplete_choices_are_ranked_readable_and_within_limits(library):
    choices = term_choices(library, "backprop")
    assert choices[0].value == "term:backpropagation"
    assert choices[0].name == "Backpropagation (Backprop)"
    assert term_choices(library, "lstm")[0].name == "LSTM"
    assert term_choices(library, "relu")[0].name == "ReLU"
    for typed in ("", "a", "e", "network", "gradient", "x" * 100):
        found = term_choices(library, typed)
        assert len(found) <= 25
        assert all(1 <= len(c.name) <= 100 and resolve_term(library, c.value) is not None for c in found)
    assert len(term_choices(library, "")) == 25


def test_autocomplete_tells_same_named_terms_apart(library):
    names = [c.name for c in term_choices(library, "gradient descent") if c.name.startswith("Gradient descent")]
    assert "Gradient descent — Neural Network Basics" in names
    assert "Gradient descent — Optimization in Deep Learning" in names
    assert len(names) == len(set(names))


def test_a_typed_name_reaches_the_earliest_entry_and_a_pick_reaches_its_own(library):
    # "bias" is the neural-network term's alias and the fairness metric's name (and id).
    assert resolve_term(library, "bias").id == "biases"
    assert resolve_term(library, " Bias ").id == "biases"
    picks = {c.name: c.value for c in term_choices(library, "bias")}
    assert resolve_term(library, picks["Bias — Model Evaluation"]).id == "bias"
    assert resolve_term(library, "gradient-descent-ch4").chapter == 4
    assert resolve_term(library, "no such thing") is None


def test_chapter_autocomplete_matches_titles_and_numbers(library):
    assert chapter_choices(library, "neural network")[0].value == "deep-learning:3"
    assert chapter_choices(library, "3")[0].name == "3 · Neural Network Basics"
    assert len(chapter_choices(library, "")) == 24
    assert chapter_choices(library, "nothing like it") == []


def test_unknown_term_suggests_the_closest_as_buttons(library):
    card = views.suggestions_screen(library, "backpropogation")
    assert_card_fits(card)
    assert open_refs(card)[0] == "define:backpropagation"
    assert "No term is called “backpropogation”" in card.embeds[0].description
    nothing = views.suggestions_screen(library, "qqqqzz")
    assert nothing.view is None
    assert "nothing comes close" in nothing.embeds[0].description
    assert_embeds_fit(nothing.embeds)


def test_stale_refs_are_explained_not_crashed(library):
    for ref in ("define:no-such-term", "ask:q999", "topics:nope:3:1", "guide:nope:1", "bogus"):
        with pytest.raises(BotError):
            views.screen(library, ref)


# -- search ------------------------------------------------------------------------------------------------


def test_search_lists_where_each_match_comes_from(library):
    card = views.search_screen(library, "vanishing gradient")
    assert_card_fits(card)
    embed = card.embeds[0]
    hits = library.search("vanishing gradient")
    assert len(embed.fields) == len(hits) <= 10
    assert embed.fields[0].name == "1. Vanishing gradients"
    chapter = library.chapter_of(library.terms["vanishing-gradients"])
    assert embed.fields[0].value.startswith(f"*Term in chapter {chapter.number} · {chapter.title} — matched in term*")
    question = next(f for f in embed.fields if "What is the vanishing gradient problem?" in f.name)
    asked = library.questions[next(h.id for h in hits if h.title == "What is the vanishing gradient problem?")]
    home = library.chapter_of(library.terms[asked.related[0]])
    assert question.value.startswith(f"*Open question on chapter {home.number} · {home.title} — matched in question*")
    assert open_refs(card)[0] == "define:vanishing-gradients"
    assert "iq:share:search:vanishing gradient" in custom_ids(card.view)


def test_search_results_fit_for_every_term_name_and_long_queries(library):
    queries = [t.term for t in library.terms.values()] + ["a " * 40, "the of and to in a is", "x" * 80]
    for query in queries:
        card = views.search_screen(library, query[:80])
        assert_card_fits(card)


def test_search_without_match_says_so_and_offers_close_names(library):
    card = views.search_screen(library, "zzqqxx")
    assert card.embeds[0].description == "Nothing matches. Try fewer or other words, or `/define` a term by name."
    assert card.view is None
    card = views.search_screen(library, "backpropogation")
    assert_card_fits(card)
    assert "\n\nClosest names: **Backpropagation**" in card.embeds[0].description
    assert open_refs(card)[0] == "define:backpropagation"
    assert not any(i.startswith("iq:share:") for i in custom_ids(card.view)), "nothing found, nothing to share"
    # Punctuation alone is close to nothing (it used to offer the library's first five terms).
    card = views.search_screen(library, "???")
    assert card.view is None and "Closest names" not in card.embeds[0].description


def test_typed_text_is_shown_as_typed_not_as_markdown(library):
    typed = "*bold* __under__ `code` ||spoiler|| [link](https://example.com) @everyone"
    card = views.suggestions_screen(library, typed)
    shown = "\\*bold\\* \\_\\_under\\_\\_ \\`code\\` \\|\\|spoiler\\|\\| \\[link](https://example.com) @everyone"
    assert f"No term is called “{shown}”" in card.embeds[0].description
    assert card.embeds[0].title == "Term not found"
    search = views.search_screen(library, typed[:80])
    assert search.embeds[0].title.startswith("Search: \\*bold\\* \\_\\_under")
    # A long query is cut before escaping, so no lone backslash swallows the closing quote.
    long = views.suggestions_screen(library, "x" * 99 + "*" * 50)
    assert "\\…" not in long.embeds[0].description and "”" in long.embeds[0].description


def test_unknown_names_without_letters_get_no_random_suggestions(library):
    for typed in ("???", "   ", "—"):
        card = views.suggestions_screen(library, typed)
        assert card.view is None, typed
        assert "nothing comes close" in card.embeds[0].description


def test_a_term_card_of_maximal_content_stays_within_the_embed_total():
    pack = "p" * 64
    aliases = tuple(f"alias {n} " + "a" * 90 for n in range(20))
    term = Term("t" * 64, "T" * 100, "d " * 2048, "tip " * 256, 999, pack, aliases)
    chapter = Chapter(999, "C" * 100, "i" * 4096, pack, (term.id,))
    library = Library([Pack(pack, "P" * 256, "x", "1", Credit("c", "a"), (chapter,), (term,))])
    card = views.term_screen(library, term)
    assert_card_fits(card)
    embed = card.embeds[0]
    assert embed.description.endswith("…") and Limit.EMBED - 10 < len(embed) <= Limit.EMBED
    assert embed.fields[0].value == term.tip, "the tip is whole: the description gives way"
    # The longest ids the loader accepts still fit every button's custom id.
    assert labels(card)[-3:] == ["Chapter 999", "Quiz me on this chapter", "Share"]
    page = views.topics_screen(library, chapter.key)
    assert_card_fits(page)
    assert f"iq:share:topics:{chapter.key}:1" in custom_ids(page.view)


# -- topics ------------------------------------------------------------------------------------------------


def test_every_chapter_page_fits_and_pages_cover_the_chapter_once(library):
    assert max(len(c.term_ids) for c in library.chapters.values()) > embeds.TERMS_PER_PAGE
    for chapter in library.chapters.values():
        first = views.topics_screen(library, chapter.key, 1)
        count = -(-len(chapter.term_ids) // embeds.TERMS_PER_PAGE)
        listed: list[str] = []
        for page in range(1, count + 1):
            card = views.topics_screen(library, chapter.key, page)
            assert_card_fits(card)
            assert_card_fits(views.topics_screen(library, chapter.key, page, public=True))
            embed = card.embeds[0]
            assert embed.title == f"Chapter {chapter.number} · {chapter.title}"
            assert embed.footer.text.startswith(f"{len(chapter.term_ids)} terms · page {page}/{count}")
            menu = next(i for i in card.view.children if isinstance(i, views.Pick))
            listed += [o.value.removeprefix("define:") for o in menu.item.options]
            for option in menu.item.options:
                assert f"**{library.terms[option.value.removeprefix('define:')].term}**" in embed.description
            ids = custom_ids(card.view)
            if count > 1:
                prev = next(i for i in card.view.children if getattr(i.item, "label", "") == "Previous")
                nxt = next(i for i in card.view.children if getattr(i.item, "label", "") == "Next")
                assert (prev.ref, nxt.ref) == (f"topics:{chapter.key}:{page - 1}", f"topics:{chapter.key}:{page + 1}")
                assert (prev.item.disabled, nxt.item.disabled) == (page == 1, page == count)
            assert f"iq:share:topics:{chapter.key}:{page}" in ids
        assert listed == list(chapter.term_ids)
        assert chapter.introduction in first.embeds[0].description


def test_chapter_list_shows_term_counts(library):
    card = views.topics_screen(library, views.ALL, 1)
    assert_card_fits(card)
    text = card.embeds[0].description
    assert "**Neural Network Basics** — 29 terms" in text
    # The bundled chapters fit one select menu: all of them on one page.
    assert text.count("\n") + 1 == len(library.chapters) <= Limit.OPTIONS


def _library_of(chapters: int) -> Library:
    terms = [Term(f"t{n}", f"Term {n}", "A definition.", "A tip.", n, "p") for n in range(chapters)]
    parts = tuple(Chapter(n, f"Chapter {n}", "", "p", (f"t{n}",)) for n in range(chapters))
    return Library([Pack("p", "P", "x", "1", Credit("c", "a"), parts, tuple(terms))])


@pytest.mark.parametrize(("chapters", "pages"), [(25, 1), (26, 2), (41, 3)])
def test_more_chapters_than_one_menu_offers_are_paged(chapters, pages):
    library = _library_of(chapters)
    listed = []
    for page in range(1, pages + 1):
        card = views.topics_screen(library, views.ALL, page)
        assert_card_fits(card)
        assert card.embeds[0].footer.text.endswith("pick a chapter below")
        assert (f"page {page}/{pages}" in card.embeds[0].footer.text) == (pages > 1)
        [menu] = [item for item in card.view.children if isinstance(item.item, discord.ui.Select)]
        lines = card.embeds[0].description.splitlines()
        assert len(lines) == len(menu.item.options) == (chapters if pages == 1 else min(20, chapters - len(listed)))
        listed += lines
    assert len(listed) == chapters


def test_page_numbers_out_of_range_are_clamped(library):
    card = views.topics_screen(library, "deep-learning:2", 99)
    assert card.embeds[0].footer.text.startswith("43 terms · page 5/5")
    card = views.topics_screen(library, "deep-learning:2", 0)
    assert "page 1/5" in card.embeds[0].footer.text


# -- questions, guide, help --------------------------------------------------------------------------------


def test_every_question_and_its_key_points_fit(library):
    for question in library.questions.values():
        card = views.question_screen(library, question, another=views.ALL)
        assert_card_fits(card)
        assert f"**{question.text}**" in card.embeds[0].description
        assert f"iq:keypoints:{question.id}" in custom_ids(card.view)
        reveal = views.key_points_screen(library, question)
        assert_card_fits(reveal)
        text = reveal.embeds[0].description
        assert all(point[:50] in text for point in question.key_points)
        hint = next(f for f in reveal.embeds[0].fields if f.name.startswith("Hint"))
        assert hint.value == "Definition → Why it matters → When to use it → Tradeoff → Real project example"
        assert open_refs(reveal) == [f"define:{r}" for r in question.related[:5]]


def test_questions_of_a_chapter_come_from_it(library):
    chapter = library.chapters["deep-learning:3"]
    rng = random.Random(7)
    for _ in range(20):
        question = views.random_question(library, rng, chapter)
        assert library.chapter_of(library.terms[question.related[0]]) == chapter


@pytest.mark.parametrize("section", list(embeds.GUIDE_SECTIONS))
def test_every_guide_section_fits(library, section):
    pages = embeds.guide_pages(library, section)
    for n in range(1, len(pages) + 1):
        assert_card_fits(views.guide_screen(library, section, n))
    text = "\n".join((e.description or "") + "".join(f.name + f.value for f in e.fields) for e in pages)
    guide = library.guide
    expected = {
        "learning-order": [s.topic for s in guide.learning_order],
        "checklist": list(guide.checklist),
        "specializations": [s.name for s in guide.specializations],
        "answer-formula": [guide.answer_formula],
        "mental-model": [guide.mental_model],
        "high-yield": [h.question for h in guide.high_yield] + [h.answer for h in guide.high_yield],
    }[section]
    assert expected and all(item in text for item in expected)


def test_high_yield_questions_are_ten_fields_with_model_answers(library):
    page = embeds.guide_pages(library, "high-yield")[0]
    assert len(page.fields) == 10
    first = library.guide.high_yield[0]
    assert (page.fields[0].name, page.fields[0].value) == (f"1. {first.question}", first.answer)


def test_long_guide_sections_are_paged_within_limits(library):
    lines = [f"line {n} " + "x" * 900 for n in range(30)]
    texts = embeds._pack_lines(lines)
    assert len(texts) > 1 and all(len(t) <= embeds.PAGE_BUDGET for t in texts)
    assert sum(t.count("line ") for t in texts) == 30
    fields = [(f"q{n}" + "?" * 250, "a" * 1024) for n in range(12)]
    groups = embeds._pack_fields(fields)
    assert len(groups) > 1 and sum(len(g) for g in groups) == 12
    assert all(sum(len(n) + len(v) for n, v in g) <= embeds.PAGE_BUDGET for g in groups)


def test_help_names_every_command_group_mastery_and_the_credit(library):
    card = views.help_screen(library)
    assert_card_fits(card)
    embed = card.embeds[0]
    text = embed.description + "".join(f.name + f.value for f in embed.fields)
    for command in (
        "/define",
        "/search",
        "/topics",
        "/random",
        "/question",
        "/guide",
        "/daily setup|stop|status|post",
        "/streak",
        "/quiz solo|battle|stop",
        "/interview start|pair|history",
        "/review",
        "/leaderboard",
        "/stats",
    ):
        assert command in text, command
    assert embeds.MASTERY_RULE in text
    credit = library.packs[0].credit
    assert credit.title in text and credit.author in text
    assert custom_ids(card.view) == ["iq:share:help"]


def test_search_folds_plurals_and_ignores_question_words(library):
    assert library.search("embedding")[0].title == "Embeddings"
    assert "Vanishing gradients" in [h.title for h in library.search("vanishing gradient")][:1]
    top = [(h.kind, h.id) for h in library.search("what is dropout")[:2]]
    assert ("term", "dropout") in top
    # Only question words: they still find something rather than nothing.
    assert library.search("what is the")
