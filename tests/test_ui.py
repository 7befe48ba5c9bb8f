"""The toolkit's pieces that features build on: custom_id templates, persistent items and the shared look."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Self

import discord
import pytest

from bot.content.models import Chapter
from bot.core.shares import percentages, proportional
from bot.ui import (
    MAX_NUMBER,
    CustomId,
    ForgedId,
    PersistentButton,
    answer_bars,
    chapter_label,
    chapter_title,
    disabled,
    in_time,
    is_known,
    persistent_view,
    plain_text,
    share_bar,
)


class Answer(PersistentButton, custom_id="iq:test:{session}:{choice}", choice="[0-3]"):
    """A button as a feature writes one: the template once, the fields' patterns beside it."""

    def __init__(self, session: int, choice: int) -> None:
        super().__init__(discord.ui.Button(label="A", custom_id=self.make_id(session=session, choice=choice)))
        self.session, self.choice = session, choice

    @classmethod
    def restore(cls, button: discord.ui.Button[Any], fields: re.Match[str]) -> Self:
        return cls(int(fields["session"]), int(fields["choice"]))


def test_a_template_makes_the_id_and_parses_it_back():
    ids = CustomId("iq:daily:{post}:{choice}", choice="[0-3]")
    assert ids.make(post=42, choice=3) == "iq:daily:42:3"
    assert ids.match("iq:daily:42:3").groupdict() == {"post": "42", "choice": "3"}
    assert ids.match("iq:daily:42:4") is None  # the field's own pattern
    assert ids.match("iq:daily:42:3:extra") is None  # the whole id, not a prefix


def test_numbers_are_bounded_and_the_text_between_fields_is_literal():
    ids = CustomId("iq:x.{id}")
    assert ids.match(f"iq:x.{MAX_NUMBER}") and not ids.match("iq:x." + "9" * 20)
    with pytest.raises(ForgedId):  # 19 digits, but larger than any id SQLite can store
        ids.match(f"iq:x.{MAX_NUMBER + 1}")
    assert ids.match("iq:xy12") is None  # "." is a dot, not any character
    with pytest.raises(ValueError, match="has no field chioce"):
        CustomId("iq:{choice}", chioce="[0-3]")


async def test_a_persistent_button_is_registered_and_rebuilt_from_its_one_template():
    button = Answer(7, 2)
    assert button.custom_id == "iq:test:7:2"
    match = Answer.__discord_ui_compiled_template__.fullmatch(button.custom_id)
    assert match is not None
    rebuilt = await Answer.from_custom_id(None, button.item, match)
    assert (rebuilt.session, rebuilt.choice) == (7, 2)
    assert PersistentButton.__discord_ui_compiled_template__.fullmatch(button.custom_id) is None


async def test_views_of_persistent_items_never_time_out_and_can_be_disabled():
    view = persistent_view(Answer(1, 0), Answer(1, 1))
    assert view.timeout is None and len(view.children) == 2
    assert all(item.item.disabled for item in disabled(view).children)


def test_a_chapter_has_one_label_and_a_form_for_lines_already_joined_by_dots():
    chapter = Chapter(3, "Neural Network Basics", "", "pack", ())
    assert chapter_title(chapter) == "3 · Neural Network Basics"
    assert chapter_label(chapter) == "Chapter 3 · Neural Network Basics"
    assert chapter_label(chapter, in_line=True) == "Chapter 3: Neural Network Basics"


def test_every_template_made_is_known_by_its_pattern():
    CustomId("iq:known:{id}:{side}", side="left|right")
    assert is_known("iq:known:12:left") and is_known(f"iq:known:{MAX_NUMBER + 1}:right")  # the item refuses that
    assert not is_known("iq:known:12:up") and not is_known("iq:unknown:12")


def test_typed_text_loses_lone_surrogates_and_keeps_the_rest():
    assert plain_text("plain, ünïcode 😀") == "plain, ünïcode 😀"
    assert plain_text("half \ud83d an emoji") == "half \ufffd an emoji"
    assert plain_text("\ud83d\ude00 in two halves") == "😀 in two halves"
    assert plain_text("\ude00\ud83d reversed") == "\ufffd\ufffd reversed"


def test_shares_are_whole_percentages_and_lengths_in_proportion():
    assert percentages([11, 1, 0, 0]) == [92, 8, 0, 0]
    assert [proportional(n, 30, 10) for n in (11, 10, 9, 0)] == [4, 3, 3, 0]
    # Any answer shows, and only all of them fill the bar.
    assert (proportional(1, 500, 10), proportional(499, 500, 10), proportional(500, 500, 10)) == (1, 9, 10)
    assert proportional(0, 0, 10) == 0


def test_bars_have_one_width_and_fill_in_proportion():
    assert share_bar(11, 12) == "▰▰▰▰▰▰▰▰▰▱"
    assert share_bar(1, 12) == "▰▱▱▱▱▱▱▱▱▱"
    assert share_bar(0, 12) == share_bar(0, 0) == "▱▱▱▱▱▱▱▱▱▱"
    assert {len(share_bar(n, 30)) for n in range(31)} == {10}


def test_answer_bars_mark_the_right_option_and_give_share_and_count():
    assert answer_bars(["A · ReLU", "B · Tanh", "C · GELU", "D · Swish"], [11, 10, 9, 0], 1) == [
        "▫️ ▰▰▰▰▱▱▱▱▱▱ 37 % (11) · A · ReLU",
        "✅ ▰▰▰▱▱▱▱▱▱▱ 33 % (10) · B · Tanh",
        "▫️ ▰▰▰▱▱▱▱▱▱▱ 30 % (9) · C · GELU",
        "▫️ ▱▱▱▱▱▱▱▱▱▱ 0 % (0) · D · Swish",
    ]
    assert answer_bars(["A", "B"], [0, 0], 0) == ["✅ ▱▱▱▱▱▱▱▱▱▱ 0 % (0) · A", "▫️ ▱▱▱▱▱▱▱▱▱▱ 0 % (0) · B"]


class _Response:
    def __init__(self) -> None:
        self.deferred: list[dict[str, object]] = []
        self.acknowledged = asyncio.Event()

    def is_done(self) -> bool:
        return bool(self.deferred)

    async def defer(self, **kwargs: object) -> None:
        self.deferred.append(kwargs)
        self.acknowledged.set()


class _Interaction:
    def __init__(self, ack_seconds: float) -> None:
        self.client = type("Client", (), {"ack_seconds": ack_seconds})()
        self.response = _Response()


async def test_work_done_in_time_is_not_deferred_and_slow_work_is_deferred_once():
    quick = _Interaction(ack_seconds=5)
    assert await in_time(quick, asyncio.sleep(0, result="stored")) == "stored"
    assert quick.response.deferred == []

    slow = _Interaction(ack_seconds=0)
    release = asyncio.Event()

    async def write() -> str:
        await release.wait()
        return "stored"

    waiting = asyncio.create_task(in_time(slow, write(), update=True))
    await asyncio.wait_for(slow.response.acknowledged.wait(), 1)
    assert slow.response.deferred == [{}]  # a silent update of the clicked message
    release.set()
    assert await waiting == "stored"
    assert await in_time(_Interaction(ack_seconds=0), write()) == "stored"


async def test_work_goes_on_when_its_handler_is_cancelled():
    interaction = _Interaction(ack_seconds=0)
    release, stored = asyncio.Event(), asyncio.Event()

    async def write() -> None:
        await release.wait()
        stored.set()

    handler = asyncio.create_task(in_time(interaction, write()))
    await asyncio.wait_for(interaction.response.acknowledged.wait(), 1)
    assert interaction.response.deferred == [{"ephemeral": True, "thinking": True}]
    handler.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handler
    release.set()
    await asyncio.wait_for(stored.wait(), 1)  # the acknowledged answer is kept
