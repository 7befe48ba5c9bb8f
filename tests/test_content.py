"""Content packs: the shipped pack loads clean and complete; each class of bad input gets its clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.importer import SeedFormatError, import_seed
from bot.content.loader import ContentError, bundled_content_dir, load_library, pack_directories
from bot.content.text import latex_to_text, normalize, plural

BUNDLED = bundled_content_dir()
SEEDS = Path(__file__).resolve().parents[1] / "content" / "deep-learning"


@pytest.fixture(scope="module")
def library():
    return load_library(pack_directories([BUNDLED]))


def test_every_shipped_pack_loads_clean():
    # One load over every shipped pack: a ContentError here lists every problem at once.
    packs = pack_directories([BUNDLED])
    assert packs, "no pack shipped"
    load_library(packs)


def test_bundled_pack_holds_all_of_the_seed(library):
    assert library.stats() | {"aliases": 0} == {
        "packs": 1,
        "chapters": 24,
        "terms": 504,
        "aliases": 0,
        "questions": 133,
        "high_yield": 10,
        "learning_steps": 14,
        "specializations": 10,
        "checklist": 12,
    }
    assert sorted(c.number for c in library.chapters.values()) == list(range(2, 26))
    guide = library.guide
    assert guide.answer_formula.startswith("Definition → Why it matters")
    assert guide.mental_model.startswith("Deep learning systems learn useful representations")
    pack = library.packs[0]
    assert "Lamhot Siagian" in pack.credit.author


def test_every_question_has_valid_related_terms_and_key_points(library):
    for question in library.questions.values():
        assert question.related, question.id
        assert all(ref in library.terms for ref in question.related), question.id
        assert 3 <= len(question.key_points) <= 6, question.id


def test_repeated_terms_keep_both_entries(library):
    for name in ("Gradient descent", "CLIP", "Sentiment analysis"):
        entries = [t for t in library.terms.values() if t.term.lower() == name.lower()]
        assert len(entries) == 2, name
        assert len({t.id for t in entries}) == 2
        assert len({t.chapter for t in entries}) == 2


def test_text_is_clean(library):
    texts = [f"{t.term} {t.definition} {t.tip}" for t in library.terms.values()]
    assert not [t for t in texts if "$" in t or "\\" in t]
    assert not [t for t in texts if "Denosing" in t]
    assert library.lookup("ReLU").definition == "Activation that outputs max(0, x)."
    assert all(t.term != "Topic" for t in library.terms.values())  # repeated table headers are gone


def test_latex_renders_as_plain_text():
    assert latex_to_text(r"outputs $\max(0, x)$.") == "outputs max(0, x)."
    assert latex_to_text(r"x times $\text{sigmoid}(x)$") == "x times sigmoid(x)"
    assert latex_to_text(r"$\frac{1}{n}$") == "(1)/(n)"


@pytest.mark.parametrize(
    ("query", "term_id"),
    [
        ("RNN", "rnn"),
        ("recurrent neural network", "rnn"),
        ("Recurrent Neural Network", "rnn"),
        ("GAN", "generative-adversarial-networks"),
        ("generative adversarial network", "generative-adversarial-networks"),
        ("relu", "relu"),
        ("  ReLU  ", "relu"),
        ("rectified linear unit", "relu"),
        ("batch-normalization", "batch-normalization"),
        ("BATCH NORMALIZATION", "batch-normalization"),
        ("Batch   Normalization", "batch-normalization"),
        ("batchnorm", "batch-normalization"),
        ("lstm", "lstm"),
        ("backprop", "backpropagation"),
    ],
)
def test_lookup_by_alias_case_and_spacing(library, query, term_id):
    found = library.lookup(query)
    assert found is not None, query
    assert found.id == term_id


def test_lookup_of_unknown_name_finds_nothing(library):
    assert library.lookup("quantum blockchain synergy") is None
    assert normalize("Back-Prop") == normalize("back prop") == "backprop"


def test_chapter_index(library):
    chapter = library.find_chapter("Neural Network Basics")
    assert chapter is not None and chapter.number == 3
    assert library.find_chapter("3") == chapter
    terms = library.terms_in(chapter)
    assert terms[0].term == "Artificial neuron"
    assert all(library.chapter_of(t) == chapter for t in terms)


# -- bad input: each class of problem gets its own clear message ------------------------------------------


def write_pack(root: Path, *, meta=None, chapters=None, questions=None, raw: dict[str, str] | None = None) -> Path:
    """Write a small pack; `raw` maps a relative path to verbatim file text (for syntax errors)."""
    pack = root / "mini"
    (pack / "chapters").mkdir(parents=True)
    meta = (
        meta
        if meta is not None
        else {
            "id": "mini",
            "title": "Mini pack",
            "description": "A pack for tests.",
            "version": "1",
            "credit": {"title": "Test", "author": "Tester"},
        }
    )
    (pack / "pack.yaml").write_text(yaml.safe_dump(meta))
    chapters = (
        chapters
        if chapters is not None
        else [
            {
                "number": 1,
                "title": "Basics",
                "introduction": "Intro.",
                "terms": [
                    {"id": "dropout", "term": "Dropout", "definition": "Randomly zeroes units.", "tip": "Regularizes."},
                    {
                        "id": "relu",
                        "term": "ReLU",
                        "aliases": ["Rectified linear unit"],
                        "definition": "max(0, x).",
                        "tip": "Fast.",
                    },
                ],
            }
        ]
    )
    for n, chapter in enumerate(chapters, start=1):
        (pack / "chapters" / f"{n:02d}.yaml").write_text(yaml.safe_dump(chapter))
    if questions is not None:
        (pack / "questions.yaml").write_text(yaml.safe_dump({"questions": questions}))
    for rel, text in (raw or {}).items():
        (pack / rel).write_text(text)
    return pack


def problems(pack: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_library([pack])
    return [str(p) for p in caught.value.problems]


def relative(found: list[str], pack: Path) -> list[str]:
    """Problems with the pack directory left out of their paths, to compare them whole."""
    return [p.replace(f"{pack}/", "") for p in found]


def good_question(**changes):
    return {"id": "q1", "question": "Why dropout?", "related": ["dropout"], "key_points": ["a", "b", "c"]} | changes


def test_small_valid_pack_loads(tmp_path):
    library = load_library([write_pack(tmp_path, questions=[good_question()])])
    assert library.lookup("rectified linear unit").id == "relu"


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    pack = write_pack(tmp_path, raw={"chapters/01.yaml": "number: 1\ntitle: [unclosed\nterms: []\n"})
    # One problem for the file, not a second one for the mapping it failed to hold.
    assert relative(problems(pack), pack) == [
        "chapters/01.yaml: YAML syntax error at line 3, column 6: did not find expected ',' or ']'"
    ]


def test_missing_field_names_entry_and_field(tmp_path):
    chapter = {"number": 1, "title": "Basics", "terms": [{"id": "dropout", "term": "Dropout", "tip": "x"}]}
    found = problems(write_pack(tmp_path, chapters=[chapter]))
    assert found == [f"{tmp_path / 'mini' / 'chapters' / '01.yaml'} [dropout]: missing field 'definition'"]


def test_duplicate_id(tmp_path):
    term = {"id": "dropout", "term": "Dropout", "definition": "d", "tip": "t"}
    chapter = {"number": 1, "title": "Basics", "terms": [term, term | {"term": "Dropout again"}]}
    found = problems(write_pack(tmp_path, chapters=[chapter]))
    assert any("[dropout]" in p and "duplicate term id" in p for p in found), found


def test_unknown_related_term(tmp_path):
    found = problems(write_pack(tmp_path, questions=[good_question(related=["dropout", "nope"])]))
    assert any("[q1]" in p and "unknown related term id 'nope'" in p for p in found), found


def test_empty_text(tmp_path):
    chapter = {"number": 1, "title": "Basics", "terms": [{"id": "x", "term": "X", "definition": "   ", "tip": "t"}]}
    found = problems(write_pack(tmp_path, chapters=[chapter]))
    assert any("[x]" in p and "field 'definition' is empty" in p for p in found), found


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [("definition", "d" * 4097, 4096), ("term", "t" * 101, 100)],
)
def test_text_over_discord_limits(tmp_path, field, value, limit):
    term = {"id": "x", "term": "X", "definition": "d", "tip": "t"} | {field: value}
    found = problems(write_pack(tmp_path, chapters=[{"number": 1, "title": "Basics", "terms": [term]}]))
    assert any(f"field '{field}' is {len(value)} characters, over the limit of {limit}" in p for p in found), found


def test_question_title_limit_and_key_point_count(tmp_path):
    found = problems(write_pack(tmp_path, questions=[good_question(question="?" * 257, key_points=["only one"])]))
    assert any("field 'question' is 257 characters, over the limit of 256" in p for p in found), found
    assert any("field 'key_points' has 1 items, needs at least 3" in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path):
    chapter = {
        "number": 1,
        "title": "Basics",
        "terms": [{"id": "a", "term": "A", "tip": "t"}, {"id": "b", "term": "", "definition": "d", "tip": "t"}],
    }
    found = problems(write_pack(tmp_path, chapters=[chapter], questions=[good_question(related=["zzz"])]))
    assert len(found) == 3, found


def test_missing_pack_metadata(tmp_path):
    pack = write_pack(tmp_path)
    (pack / "pack.yaml").unlink()
    assert problems(pack) == [f"{pack / 'pack.yaml'}: missing pack.yaml (every pack directory needs one)"]


TERM = {"id": "t", "term": "T", "definition": "d", "tip": "t"}


def chapter(**changes):
    return {"number": 1, "title": "Basics", "terms": [TERM]} | changes


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"chapters/01.yaml": ""}, ["chapters/01.yaml: the file is empty"]),
        ({"chapters/01.yaml": "- a\n- b\n"}, ["chapters/01.yaml: expected a mapping of fields, found a list"]),
        ({"chapters/01.yaml": b"title: caf\xe9\n"}, ["chapters/01.yaml: cannot read file: 'utf-8' codec can't decode"]),
        (
            {"chapters/01.yaml": chapter(terms=[TERM | {"term": ["a", "b"]}])},
            ["chapters/01.yaml [t]: field 'term' must be text, not a list"],
        ),
        (
            {"chapters/01.yaml": chapter(number="three")},
            ["chapters/01.yaml: field 'number' must be a whole number from 0 to 999"],
        ),
        ({"chapters/01.yaml": chapter(number=True)}, ["chapters/01.yaml: field 'number' must be a whole number"]),
        (
            {"chapters/01.yaml": chapter(), "chapters/02.yaml": chapter(title="Again", terms=[TERM | {"id": "u"}])},
            ["chapters [Again]: duplicate chapter number 1"],
        ),
        ({"chapters/01.yaml": chapter(terms=[])}, ["chapters/01.yaml: chapter has no terms"]),
        (
            {"chapters/01.yaml": chapter(terms="dropout")},
            ["chapters/01.yaml: field 'terms' must be a list, not text", "chapters/01.yaml: chapter has no terms"],
        ),
        (
            {"chapters/01.yaml": chapter(terms=[TERM, "dropout"])},
            ["chapters/01.yaml [terms #2]: expected a mapping of fields, found text"],
        ),
        (
            {"chapters/01.yaml": chapter(terms=[TERM | {"aliases": "T-thing"}])},
            ["chapters/01.yaml [t]: field 'aliases' must be a list, not text"],
        ),
        (
            {"chapters/01.yaml": chapter(terms=[TERM | {"aliases": ["ok", " ", 3]}])},
            [
                "chapters/01.yaml [t]: item 2 of 'aliases' is empty or not text",
                "chapters/01.yaml [t]: item 3 of 'aliases' is empty or not text",
            ],
        ),
        (
            {"chapters/01.yaml": chapter(terms=[TERM | {"id": "x" * 65}])},
            [f"chapters/01.yaml [{'x' * 65}]: field 'id' is 65 characters, over the limit of 64"],
        ),
        (
            {"questions.yaml": {"questions": [good_question(related=[], key_points=["a"] * 7)]}},
            [
                "questions.yaml [q1]: field 'key_points' has 7 items, needs at most 6",
                "questions.yaml [q1]: field 'related' has 0 items, needs at least 1",
            ],
        ),
        (
            {"pack.yaml": {"id": "mini", "title": "M", "description": "d", "version": 1, "credit": "me"}},
            ["pack.yaml [credit]: expected a mapping of fields, found text"],
        ),
        (
            {"guide.yaml": {"learning_order": [{"step": "one", "topic": "T", "master": "M"}]}},
            ["guide.yaml [learning_order #1]: field 'step' must be a whole number from 0 to 999"],
        ),
    ],
)
def test_each_class_of_bad_content_gets_its_own_clear_message(tmp_path, files, expected):
    pack = write_pack(tmp_path, chapters=[])
    for rel, content in files.items():
        path = pack / rel
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    if not any(rel.startswith("chapters/") for rel in files):
        (pack / "chapters" / "01.yaml").write_text(yaml.safe_dump(chapter()))
    found = relative(problems(pack), pack)
    assert len(found) == len(expected), found
    assert all(line.startswith(want) for line, want in zip(found, expected, strict=True)), found


def test_no_chapter_files_and_duplicate_pack_ids(tmp_path):
    empty = write_pack(tmp_path, chapters=[])
    assert relative(problems(empty), empty) == ["chapters: no chapter files (chapters/*.yaml)"]
    first = write_pack(tmp_path / "a")
    second = write_pack(tmp_path / "b", chapters=[chapter()])
    with pytest.raises(ContentError) as caught:
        load_library([first, second])
    duplicate = f"{second / 'pack.yaml'} [mini]: duplicate pack id (also {first})"
    assert [str(p) for p in caught.value.problems] == [duplicate]


def test_a_missing_pack_directory_is_named(tmp_path):
    assert problems(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: pack directory does not exist"]


# -- kinds, relations between terms, quiz prompts, open questions' chapters --------------------------------

META = {
    "id": "mini",
    "title": "Mini pack",
    "description": "A pack for tests.",
    "version": "1",
    "credit": {"title": "Test", "author": "Tester"},
    "kinds": {"regularization": "regularization technique", "activation-function": "activation function"},
}


def term(term_id: str, name: str, **fields) -> dict:
    return {"id": term_id, "term": name, "definition": f"What {term_id} does.", "tip": "t"} | fields


def kind_pack(tmp_path: Path, *terms: dict, meta: dict | None = None, questions=None) -> Path:
    basics = {"number": 1, "title": "Basics", "terms": list(terms)}
    more = {"number": 2, "title": "More", "terms": [term("l2", "L2 regularization", kind="regularization")]}
    return write_pack(tmp_path, meta=META if meta is None else meta, chapters=[basics, more], questions=questions)


def test_kinds_relations_quiz_prompts_and_question_chapters_load(tmp_path):
    pack = kind_pack(
        tmp_path,
        term("dropout", "Dropout", kind="regularization", confusable=["l2"], quiz_prompt="Zeroes random units."),
        term("relu", "ReLU", kind=["activation-function", "regularization"], same_as=[], broader=["dropout"]),
        questions=[good_question(chapter=2, origin="project"), good_question(id="q2")],
    )
    library = load_library([pack])
    dropout, relu = library.terms["dropout"], library.terms["relu"]
    assert (dropout.kinds, dropout.kind, dropout.confusable, dropout.quiz_prompt) == (
        ("regularization",),
        "regularization",
        ("l2",),
        "Zeroes random units.",
    )
    assert (relu.kinds, relu.broader) == (("activation-function", "regularization"), ("dropout",))
    assert {k.id: k.label for k in library.packs[0].kinds}["regularization"] == "regularization technique"
    q1, q2 = library.questions["q1"], library.questions["q2"]
    assert (q1.chapter, q1.origin) == (2, "project")
    assert (q2.chapter, q2.origin) == (1, ""), "without a chapter: its first related term's"
    assert [q.id for q in library.questions_in(library.find_chapter("2"))] == ["q1"]
    assert [q.id for q in library.questions_in(library.find_chapter("1"))] == ["q2"]


def test_a_pack_without_kinds_loads_and_its_terms_have_none(tmp_path):
    library = load_library([write_pack(tmp_path)])
    assert library.packs[0].kinds == ()
    assert all(t.kind is None for t in library.terms.values())


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"kind": "regularisation"},
            [
                "[t]: unknown kind 'regularisation': not in the 'kinds:' list of pack.yaml;"
                " did you mean 'regularization'?"
            ],
        ),
        (
            {"kind": ["regularization", "activation-function", "regularization"]},
            [
                "[t]: field 'kind' has 3 kinds, at most 2 (the primary one first)",
                "[t]: field 'kind' names the same kind twice",
            ],
        ),
        ({"kind": 3}, ["[t]: field 'kind' must be a kind id or a list of at most 2, not a number"]),
        ({"confusable": ["l3"]}, ["[t]: unknown confusable term id 'l3'"]),
        ({"same_as": ["nope"]}, ["[t]: unknown same_as term id 'nope'"]),
        ({"broader": ["nope"]}, ["[t]: unknown broader term id 'nope'"]),
        ({"broader": ["t"]}, ["[t]: field 'broader' names the term itself"]),
        ({"same_as": ["l2"], "confusable": ["l2"]}, ["[t]: 'l2' is both same_as and confusable"]),
        ({"quiz_prompt": "Randomly drops units."}, ["[t]: field 'quiz_prompt' names the term it asks for: 'drops'"]),
        (
            {"aliases": ["Random zeroing"], "quiz_prompt": "Random zeroing of units."},
            ["[t]: field 'quiz_prompt' names the term it asks for: 'Random zeroing'"],
        ),
        ({"quiz_prompt": "x" * 4097}, ["[t]: field 'quiz_prompt' is 4097 characters, over the limit of 4096"]),
    ],
)
def test_bad_kinds_relations_and_quiz_prompts_are_named(tmp_path, fields, expected):
    pack = kind_pack(tmp_path, term("t", "Drop", kind="regularization") | fields)
    found = relative(problems(pack), pack)
    assert len(found) == len(expected), found
    assert all(line.startswith(f"chapters/01.yaml {want}") for line, want in zip(found, expected, strict=True)), found


def test_a_quiz_prompt_may_not_name_the_same_concept_s_other_entry(tmp_path):
    pack = kind_pack(
        tmp_path,
        term(
            "mse", "MSE", definition="Mean squared error for regression.", quiz_prompt="Mean squared error, averaged."
        ),
        term("mean-squared-error", "Mean squared error", definition="Average squared difference."),
    )
    found = relative(problems(pack), pack)
    assert found == ["chapters/01.yaml [mse]: field 'quiz_prompt' names the term it asks for: 'Mean squared error'"]


def test_a_term_naming_a_kind_needs_the_pack_s_kinds_list(tmp_path):
    meta = {k: v for k, v in META.items() if k != "kinds"}
    pack = kind_pack(tmp_path, term("t", "T", kind="regularization"), meta=meta)
    found = relative(problems(pack), pack)
    assert "chapters/01.yaml [t]: field 'kind' names 'regularization', but pack.yaml declares no 'kinds:' list" in found


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["a", "b"], "pack.yaml [kinds]: field 'kinds' must be a mapping of kind id to label, not a list"),
        ({"Loss Function": "loss"}, "pack.yaml [kinds]: kind id 'Loss Function' must be lower-case letters"),
        ({"loss": ""}, "pack.yaml [kinds: loss]: the label is empty"),
        ({"loss": ["a"]}, "pack.yaml [kinds: loss]: the label must be text, not a list"),
        ({"loss": "l" * 101}, "pack.yaml [kinds: loss]: the label is 101 characters, over 100"),
    ],
)
def test_a_bad_kinds_list_is_named(tmp_path, kinds, expected):
    pack = kind_pack(tmp_path, term("t", "T"), meta=META | {"kinds": kinds})
    found = [p for p in relative(problems(pack), pack) if p.startswith("pack.yaml")]
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(
    ("chapter_value", "expected"),
    [
        (7, "questions.yaml [q1]: field 'chapter' is 7, but the pack has no chapter 7"),
        ("two", "questions.yaml [q1]: field 'chapter' must be a whole number from 0 to 999"),
    ],
)
def test_a_question_s_chapter_must_be_one_of_the_pack(tmp_path, chapter_value, expected):
    pack = kind_pack(tmp_path, term("dropout", "Dropout"), questions=[good_question(chapter=chapter_value)])
    assert relative(problems(pack), pack) == [expected]


# -- the importer ------------------------------------------------------------------------------------------


def test_importer_keeps_curated_entries(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(
        "Chapter 2\n\nBasics\n\nChapter Introduction\n\nThe intro.\n\n"
        "Topic\tSimple Definition\tExam / Interview Tip\n"
        "ReLU\tActivation that outputs $\\max(0, x)$.\tFast.\n"
        "Topic\tSimple Definition\tExam / Interview Tip\n"
        "Denosing U-Net\tPredicts noise.\tDiffusion backbone.\n"
    )
    out = tmp_path / "pack"
    report = import_seed(seed, None, out)
    assert report.terms_added == 2
    path = out / "chapters" / "02-basics.yaml"
    data = yaml.safe_load(path.read_text())
    assert [t["id"] for t in data["terms"]] == ["relu", "denosing-u-net"]
    assert data["terms"][0]["definition"] == "Activation that outputs max(0, x)."
    # Curate: fix the typo and add an alias, then import again: nothing curated is overwritten.
    data["terms"][1]["term"] = "Denoising U-Net"
    data["terms"][0]["aliases"] = ["Rectified linear unit"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    again = import_seed(seed, None, out)
    assert again.terms_added == 0
    assert yaml.safe_load(path.read_text()) == data


def test_importer_refuses_to_complete_a_broken_pack_file(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(
        "Chapter 2\n\nBasics\n\nChapter Introduction\n\nThe intro.\n\n"
        "Topic\tSimple Definition\tExam / Interview Tip\nReLU\tmax(0, x).\tFast.\n"
    )
    broken = tmp_path / "pack" / "chapters" / "02-basics.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("terms: [unclosed\n")
    with pytest.raises(SeedFormatError, match=r"02-basics\.yaml is not valid YAML, so it cannot be completed"):
        import_seed(seed, None, tmp_path / "pack")
    assert broken.read_text() == "terms: [unclosed\n"


def test_importer_reproduces_the_bundled_skeleton(tmp_path):
    # The seed files live outside the project; the test runs when they are beside the checkout.
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    cheatsheet = next(seeds.glob("000_*.txt"), None) if seeds.is_dir() else None
    if cheatsheet is None:
        pytest.skip("seed text not present beside the checkout")
    shutil.copytree(SEEDS, tmp_path / "pack")
    report = import_seed(cheatsheet, next(seeds.glob("002_*.txt")), tmp_path / "pack")
    assert (report.terms_added, report.questions_added, report.guide_sections_added) == (0, 0, 0)


def test_plural_counts():
    assert plural(1, "day") == "1 day"
    assert plural(0, "day") == "0 days"
    assert plural(3, "best match", "best matches") == "3 best matches"
