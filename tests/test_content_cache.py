"""The parsed-content cache: the same packs and the same problems with or without it, never a stale or broken entry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.content.loader import ContentError, bundled_content_dir, load_library, load_packs


def small_pack(root: Path, definition: str = "First words.") -> Path:
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(
        "id: extra\ntitle: Extra\ndescription: d\nversion: '1'\ncredit: {title: t, author: a}\n"
    )
    (root / "chapters" / "01-one.yaml").write_text(
        f"number: 1\ntitle: One\nterms:\n  - {{id: my-term, term: My Term, definition: {definition}, tip: t}}\n"
    )
    return root


def test_the_bundled_pack_loads_the_same_through_the_cache(tmp_path):
    cache = tmp_path / "cache"
    plain = load_packs([bundled_content_dir() / "deep-learning"])
    first = load_packs([bundled_content_dir() / "deep-learning"], cache_dir=cache)
    assert len(list(cache.glob("*.json"))) >= 2  # pack.yaml and every chapter file
    again = load_packs([bundled_content_dir() / "deep-learning"], cache_dir=cache)
    assert plain == first == again


def test_a_changed_file_is_read_again_not_taken_from_the_cache(tmp_path):
    pack, cache = small_pack(tmp_path / "extra"), tmp_path / "cache"
    assert load_packs([pack], cache_dir=cache)[0].terms[0].definition == "First words."
    small_pack(pack, definition="Second words.")
    assert load_packs([pack], cache_dir=cache)[0].terms[0].definition == "Second words."


def test_a_broken_cache_entry_is_ignored_and_rewritten(tmp_path):
    pack, cache = small_pack(tmp_path / "extra"), tmp_path / "cache"
    load_packs([pack], cache_dir=cache)
    for entry in cache.glob("*.json"):
        entry.write_text("not a digest\n{broken", encoding="utf-8")
    assert load_packs([pack], cache_dir=cache)[0].terms[0].definition == "First words."
    assert all(not e.read_text(encoding="utf-8").startswith("not a digest") for e in cache.glob("*.json"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a read-only directory anyway")
def test_a_cache_directory_that_cannot_be_written_only_costs_the_cache(tmp_path):
    pack, cache = small_pack(tmp_path / "extra"), tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        assert load_packs([pack], cache_dir=cache)[0].terms[0].definition == "First words."
        assert not list(cache.iterdir())
    finally:
        cache.chmod(0o700)


def test_problems_are_reported_the_same_with_the_cache(tmp_path):
    pack, cache = small_pack(tmp_path / "extra"), tmp_path / "cache"
    (pack / "chapters" / "01-one.yaml").write_text("number: 1\ntitle: One\nterms: [ {id: x\n")
    for _ in range(2):  # nothing is cached from a file that does not parse
        with pytest.raises(ContentError, match="YAML syntax error"):
            load_packs([pack], cache_dir=cache)


def test_a_library_loads_from_its_snapshot_with_the_same_answers(tmp_path):
    cache = tmp_path / "cache"
    built = load_library([bundled_content_dir() / "deep-learning"], cache_dir=cache)
    assert (cache / "library.pickle").is_file()
    again = load_library([bundled_content_dir() / "deep-learning"], cache_dir=cache)
    assert again is not built and again.terms == built.terms and again.chapters == built.chapters
    for typed in ("backprop", "grad desc", "transfomer", "bias"):
        assert again.fuzzy(typed) == built.fuzzy(typed)
    assert again.lookup("bias") == built.lookup("bias")
    assert again.search("vanishing gradient") == built.search("vanishing gradient")


def test_a_snapshot_of_other_files_or_settings_is_not_used(tmp_path):
    pack, cache = small_pack(tmp_path / "extra"), tmp_path / "cache"
    assert load_library([pack], cache_dir=cache).terms["my-term"].definition == "First words."
    small_pack(pack, definition="Second words.")
    assert load_library([pack], cache_dir=cache).terms["my-term"].definition == "Second words."
    # A prompt naming its term: the bot starts (prompts unchecked) and its snapshot does not spare the check.
    (pack / "chapters" / "01-one.yaml").write_text(
        "number: 1\ntitle: One\nterms:\n"
        "  - {id: my-term, term: My Term, definition: d, tip: t, quiz_prompt: My term at work.}\n"
    )
    load_library([pack], cache_dir=cache, check_prompts=False)
    with pytest.raises(ContentError, match="names the term it asks for"):
        load_library([pack], cache_dir=cache)


def test_a_broken_snapshot_is_ignored_and_rewritten(tmp_path):
    pack, cache = small_pack(tmp_path / "extra"), tmp_path / "cache"
    load_library([pack], cache_dir=cache)
    snapshot = cache / "library.pickle"
    key = snapshot.read_bytes().split(b"\n", 1)[0]
    snapshot.write_bytes(key + b"\nnot a pickle")
    assert load_library([pack], cache_dir=cache).terms["my-term"].definition == "First words."
    assert snapshot.read_bytes() != key + b"\nnot a pickle"
