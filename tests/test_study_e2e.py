"""Study lookups end to end: the real bot against the Discord stand-in, as a member of a server sees them."""

from __future__ import annotations

import asyncio
from typing import Any

from standin import StoredMessage

EPHEMERAL = 1 << 6


def button_ids(message: StoredMessage) -> list[str]:
    """The custom ids of the message's buttons, in order."""
    return [c["custom_id"] for c in message.all_components() if c.get("type") == 2 and "custom_id" in c]


def button(message: StoredMessage, label: str) -> dict[str, Any]:
    """The button with this label (labels of term buttons are term names)."""
    found = [c for c in message.all_components() if c.get("type") == 2 and c.get("label") == label]
    assert found, f"no button {label!r}; labels: {[c.get('label') for c in message.all_components()]}"
    return found[0]


def footer(message: StoredMessage) -> str:
    return message.embeds[0]["footer"]["text"]


async def test_define_answers_privately_with_the_term_card(env, library):
    await env.start()
    handle = await env.standin.slash("define", {"term": "backpropagation"})
    callback = await handle.response()
    card = callback.message
    assert callback.type == 4 and card.ephemeral
    embed = card.embeds[0]
    term = library.terms["backpropagation"]
    assert embed["title"] == "Backpropagation"
    assert embed["author"]["name"] == "Chapter 3 · Neural Network Basics"
    assert embed["description"] == term.definition
    assert {"name": "💡 Interview tip", "value": term.tip, "inline": False} in embed["fields"]
    related = [t.term for t in library.related_terms(term)]
    assert [c["label"] for c in card.components[0]["components"]] == related
    assert button(card, "Share")["custom_id"] == "iq:share:define:backpropagation"

    # Typed freely instead of picked: an alias in another spelling finds the same term.
    handle = await env.standin.slash("define", {"term": "Back-Prop"})
    assert (await handle.response()).message.embeds[0]["title"] == "Backpropagation"


async def test_define_autocomplete_ranks_what_was_meant_first(env):
    await env.start()
    backprop = {"name": "Backpropagation (Backprop)", "value": "term:backpropagation"}
    lstm = {"name": "LSTM", "value": "term:lstm"}
    relu = {"name": "ReLU", "value": "term:relu"}
    expected = {
        "backprop": backprop,
        "BackProp": backprop,
        "back-prop": backprop,
        "lstm": lstm,
        "  LSTM ": lstm,
        "relu": relu,
        "Re LU": relu,
        "RELU": relu,
        "Batch Norm": {"name": "Batch normalization (Batchnorm)", "value": "term:batch-normalization"},
    }
    for typed, first in expected.items():
        handle = await env.standin.autocomplete("define", "term", typed)
        await handle.response()
        assert handle.choices[0] == first, typed
    # A pick reaches its own entry even where a typed name would reach another ("bias").
    handle = await env.standin.autocomplete("define", "term", "bias")
    await handle.response()
    fairness = next(c for c in handle.choices if c["name"] == "Bias — Model Evaluation")
    card = (await (await env.standin.slash("define", {"term": fairness["value"]})).response()).message
    assert card.embeds[0]["title"] == "Bias — Model Evaluation"
    typed = (await (await env.standin.slash("define", {"term": "bias"})).response()).message
    assert typed.embeds[0]["title"] == "Biases — Neural Network Basics"
    assert "Bias — Model Evaluation" in [b["label"] for row in typed.components for b in row["components"]]
    handle = await env.standin.autocomplete("define", "term", "e")
    await handle.response()
    assert len(handle.choices) == 25
    assert all(len(c["name"]) <= 100 for c in handle.choices)


async def test_unknown_term_gets_private_suggestions_that_open_the_term(env):
    await env.start()
    handle = await env.standin.slash("define", {"term": "backpropogation"})
    callback = await handle.response()
    reply = callback.message
    assert callback.type == 4 and reply.ephemeral
    assert reply.embeds[0]["title"] == "Term not found"
    assert "No term is called “backpropogation”" in reply.embeds[0]["description"]
    assert button_ids(reply)[0] == "iq:define:backpropagation"

    click = await env.standin.click(reply, "iq:define:backpropagation")
    callback = await click.response()
    # The private message turns into the card (an update, not a new message).
    assert callback.type == 7 and callback.message is reply
    assert reply.embeds[0]["title"] == "Backpropagation" and reply.ephemeral

    handle = await env.standin.slash("define", {"term": "qqqqzz"})
    reply = (await handle.response()).message
    assert reply.ephemeral and "nothing comes close" in reply.embeds[0]["description"]
    assert reply.components == []


async def test_related_term_button_opens_the_other_term(env, library):
    await env.start()
    card = (await (await env.standin.slash("define", {"term": "backpropagation"})).response()).message
    other = library.related_terms(library.terms["backpropagation"])[0]
    click = await env.standin.click(card, f"iq:define:{other.id}")
    callback = await click.response()
    assert callback.type == 7
    assert card.embeds[0]["title"] == other.term
    assert card.embeds[0]["description"] == other.definition
    assert f"iq:share:define:{other.id}" in button_ids(card)


async def test_answers_leave_nothing_behind_and_their_buttons_still_work(env, library):
    bot = await env.start()
    for _ in range(3):
        card = (await (await env.standin.slash("define", {"term": "backpropagation"})).response()).message
    # No view kept per answer, no timer per private message: the buttons are found by their custom ids.
    assert bot._connection._view_store._views == {}
    assert not [t for t in asyncio.all_tasks() if "View" in repr(t.get_coro())]
    other = library.related_terms(library.terms["backpropagation"])[0]
    await (await env.standin.click(card, f"iq:define:{other.id}")).response()
    assert card.embeds[0]["title"] == other.term


async def test_share_posts_the_card_publicly_without_pinging(env):
    await env.start()
    standin = env.standin
    card = (await (await standin.slash("define", {"term": "relu"})).response()).message
    before = len(standin.channel_messages(standin.channel))
    click = await standin.click(card, "iq:share:define:relu")
    callback = await click.response()
    post = callback.message
    assert callback.type == 4 and not post.ephemeral
    assert standin.channel_messages(standin.channel)[before:] == [post]
    assert post.content == f"Shared by <@{standin.member.id}>"
    assert callback.request.json["data"]["allowed_mentions"] == {"parse": []}
    assert post.embeds[0]["title"] == "ReLU"
    assert not any(i.startswith("iq:share:") for i in button_ids(post))

    # Anyone in the channel can open a related term from the shared post: it opens privately for them.
    other = standin.guild.add_member("other")
    related = next(i for i in button_ids(post) if i.startswith("iq:define:"))
    click = await standin.click(post, related, user=other)
    callback = await click.response()
    assert callback.type == 4 and callback.message.ephemeral
    assert callback.message.interaction.member is other
    assert post.embeds[0]["title"] == "ReLU", "the shared post stays as it was"


async def test_topics_pages_through_a_long_chapter(env, library):
    await env.start()
    chapter = max(library.chapters.values(), key=lambda c: len(c.term_ids))
    pages = -(-len(chapter.term_ids) // 10)
    assert pages >= 3
    handle = await env.standin.slash("topics", {"chapter": chapter.key})
    callback = await handle.response()
    page = callback.message
    assert page.ephemeral
    assert page.embeds[0]["title"] == f"Chapter {chapter.number} · {chapter.title}"
    assert footer(page).startswith(f"{len(chapter.term_ids)} terms · page 1/{pages}")
    assert button(page, "Previous")["disabled"] is True

    seen = [page.embeds[0]["description"]]
    for n in range(2, pages + 1):
        click = await env.standin.click(page, button(page, "Next")["custom_id"])
        assert (await click.response()).type == 7
        assert f"page {n}/{pages}" in footer(page)
        seen.append(page.embeds[0]["description"])
    assert button(page, "Next")["disabled"] is True
    listed = "\n".join(seen)
    assert all(f"**{library.terms[i].term}**" in listed for i in chapter.term_ids)

    click = await env.standin.click(page, button(page, "Previous")["custom_id"])
    await click.response()
    assert f"page {pages - 1}/{pages}" in footer(page)

    # The menu opens one of the page's terms.
    menu = next(c for c in page.all_components() if c["type"] == 3)
    chosen = menu["options"][0]
    click = await env.standin.click(page, menu["custom_id"], values=[chosen["value"]])
    await click.response()
    assert page.embeds[0]["title"] == chosen["label"]


async def test_topics_lists_chapters_and_autocompletes_titles(env, library):
    await env.start()
    handle = await env.standin.autocomplete("topics", "chapter", "neural net")
    await handle.response()
    assert handle.choices[0] == {"name": "3 · Neural Network Basics", "value": "deep-learning:3"}

    reply = (await (await env.standin.slash("topics")).response()).message
    assert reply.ephemeral and reply.embeds[0]["title"] == "Topics"
    chapter = library.chapters["deep-learning:3"]
    assert f"**{chapter.title}** — {len(chapter.term_ids)} terms" in reply.embeds[0]["description"]

    handle = await env.standin.slash("topics", {"chapter": "no such chapter"})
    callback = await handle.response()
    assert callback.message.ephemeral
    assert callback.message.content.startswith("No chapter is called “no such chapter”")


async def test_topics_shows_every_chapter_at_once_when_one_menu_can_offer_them(env, library):
    await env.start()
    assert 20 < len(library.chapters) <= 25
    reply = (await (await env.standin.slash("topics")).response()).message
    lines = reply.embeds[0]["description"].splitlines()
    assert len(lines) == len(library.chapters)
    assert footer(reply) == f"{len(library.chapters)} chapters · {len(library.terms)} terms · pick a chapter below"
    [menu] = [c for c in reply.all_components() if c["type"] == 3]
    assert [o["value"] for o in menu["options"]] == [f"topics:{key}:1" for key in library.chapters]
    assert "Next" not in [c.get("label") for c in reply.all_components()]


async def test_random_draws_from_the_chosen_chapter(env, library):
    await env.start()
    chapter = library.chapters["deep-learning:5"]
    card = (await (await env.standin.slash("random", {"chapter": chapter.key})).response()).message
    assert card.ephemeral
    assert card.embeds[0]["author"]["name"] == f"Chapter {chapter.number} · {chapter.title}"
    titles = {card.embeds[0]["title"]}
    for _ in range(5):
        click = await env.standin.click(card, f"iq:random:{chapter.key}")
        await click.response()
        assert card.embeds[0]["author"]["name"] == f"Chapter {chapter.number} · {chapter.title}"
        titles.add(card.embeds[0]["title"])
    names = {library.terms[i].term for i in chapter.term_ids}
    assert titles <= names and len(titles) > 1


async def test_question_reveals_key_points_privately(env, library):
    await env.start()
    chapter = library.chapters["deep-learning:3"]
    card = (await (await env.standin.slash("question", {"chapter": chapter.key})).response()).message
    assert card.ephemeral
    text = card.embeds[0]["description"].strip("*")
    question = next(q for q in library.questions_in(chapter) if q.text == text)

    click = await env.standin.click(card, f"iq:keypoints:{question.id}")
    callback = await click.response()
    reveal = callback.message
    assert callback.type == 4 and reveal.ephemeral and reveal is not card
    embed = reveal.embeds[0]
    assert embed["title"] == "Key points"
    assert all(f"• {point}" in embed["description"] for point in question.key_points)
    hint = next(f for f in embed["fields"] if f["name"].startswith("Hint"))
    assert hint["value"] == library.guide.answer_formula
    assert button_ids(reveal) == [f"iq:define:{r}" for r in question.related[:5]]


async def test_guide_sections_and_help(env, library):
    await env.start()
    reply = (await (await env.standin.slash("guide", {"section": "high-yield"})).response()).message
    assert reply.ephemeral and reply.embeds[0]["title"] == "High-yield questions"
    fields = reply.embeds[0]["fields"]
    assert [f["value"] for f in fields] == [h.answer for h in library.guide.high_yield]

    reply = (await (await env.standin.slash("guide", {"section": "learning-order"})).response()).message
    assert all(step.topic in reply.embeds[0]["description"] for step in library.guide.learning_order)

    reply = (await (await env.standin.slash("help")).response()).message
    assert reply.ephemeral
    embed = reply.embeds[0]
    text = embed["description"] + "".join(f["name"] + f["value"] for f in embed["fields"])
    assert "retrievability) of at least 90 %" in text
    assert "/quiz solo|battle|stop" in text and "/daily setup|stop|status|post" in text
    assert library.packs[0].credit.author in text


async def test_search_shows_sources_and_opens_results(env, library):
    await env.start()
    reply = (await (await env.standin.slash("search", {"query": "vanishing gradient"})).response()).message
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert embed["title"] == "Search: vanishing gradient"
    assert embed["fields"][0]["name"] == "1. Vanishing gradients"
    assert "matched in term" in embed["fields"][0]["value"]
    assert any(f["value"].startswith("*Open question") for f in embed["fields"])
    click = await env.standin.click(reply, "iq:define:vanishing-gradients")
    await click.response()
    assert reply.embeds[0]["title"] == "Vanishing gradients"


async def test_buttons_keep_working_after_a_restart(env):
    await env.start()
    page = (await (await env.standin.slash("topics", {"chapter": "deep-learning:2"})).response()).message
    card = (await (await env.standin.slash("define", {"term": "dropout"})).response()).message
    await env.restart()
    click = await env.standin.click(page, "iq:topics:deep-learning:2:2")
    await click.response()
    assert "page 2/5" in footer(page)
    click = await env.standin.click(card, "iq:share:define:dropout")
    assert (await click.response()).message.embeds[0]["title"] == "Dropout"
