"""Text folding for lookups: what `normalize()` ignores, and what it keeps in every script."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.loader import load_library
from bot.content.text import normalize


@pytest.mark.parametrize(
    ("variants", "folded"),
    [
        (["Leaky-ReLU", "leaky relu", "LEAKY_RELU", " leaky.relu "], "leakyrelu"),
        (["Back-Prop", "back prop", "backprop"], "backprop"),
        (["C++", "c ++"], "c++"),
        (["C#", "c#"], "c#"),
        # Accents on Latin letters fold away, as before: a name is found typed without them.
        (["Naïve Bayes", "naive bayes", "NAÏVE-BAYES", "nai\u0308ve bayes"], "naivebayes"),
        (["Café", "CAFÉ", "cafe"], "cafe"),
        (["Straße", "STRASSE"], "strasse"),
        # Compatibility forms: full-width letters, ligatures, superscripts.
        (["ＲｅＬＵ", "relu"], "relu"),
        (["ﬁne-tuning", "fine tuning"], "finetuning"),
        (["L²", "l2"], "l2"),
        # Other scripts keep their letters (and marks): case and punctuation still fold.
        (["神经网络", "神经 网络", "神经网络。"], "神经网络"),
        (["Нейронная сеть", "нейронная-сеть", "НЕЙРОННАЯ СЕТЬ"], "нейроннаясеть"),
        (["الشبكة العصبية", "الشبكة-العصبية", "الشبكة العصبية؟"], "الشبكةالعصبية"),
        (["β-VAE", "Β vae"], "βvae"),
        (["हिन्दी", "हिन्दी!"], "हिन्दी"),
    ],
)
def test_variants_fold_to_one_key(variants, folded):
    assert {normalize(v) for v in variants} == {folded}


def test_different_names_in_other_scripts_stay_different():
    names = ["神经网络", "卷积神经网络", "Нейрон", "Нейронная сеть", "Йод", "Иод", "شبكة", "طبقة", "β", "γ"]
    keys = [normalize(n) for n in names]
    assert all(keys) and len(set(keys)) == len(names)


def test_text_without_letters_or_digits_folds_to_nothing():
    assert normalize(" -–—.,!?;:()[]{}…") == ""
    assert normalize("→ ≤ ×") == ""


def test_each_term_of_a_non_latin_pack_is_found_by_its_own_name(tmp_path: Path):
    terms = [
        ("neural-network-zh", "神经网络", ["神经网路"]),
        ("cnn-zh", "卷积神经网络", []),
        ("neuron-ru", "Нейрон", ["Искусственный нейрон"]),
        ("neural-network-ru", "Нейронная сеть", []),
        ("layer-ar", "طبقة", []),
        ("network-ar", "الشبكة العصبية", []),
    ]
    pack = tmp_path / "world"
    (pack / "chapters").mkdir(parents=True)
    meta = {
        "id": "world",
        "title": "Many scripts",
        "description": "Terms in Chinese, Russian and Arabic.",
        "version": "1",
        "credit": {"title": "Test", "author": "Tester"},
    }
    chapter = {
        "number": 1,
        "title": "Основы",
        "terms": [{"id": i, "term": t, "aliases": a, "definition": f"{t}: …", "tip": "—"} for i, t, a in terms],
    }
    (pack / "pack.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    (pack / "chapters" / "01.yaml").write_text(yaml.safe_dump(chapter, allow_unicode=True), encoding="utf-8")
    library = load_library([pack])

    for term_id, name, aliases in terms:
        for typed in (name, name.upper(), f" {name}? ", *aliases):
            found = library.lookup(typed)
            assert found is not None and found.id == term_id, typed
    assert library.lookup("Нейроны") is None
    assert library.find_chapter("основы") is not None
    assert [m.term.id for m in library.fuzzy("нейрон")][:1] == ["neuron-ru"]
