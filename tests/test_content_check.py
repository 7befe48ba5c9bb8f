"""`interview-bot content check` sees the packs as the bot will: together, and with problems that name their
cause and file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.content.loader import bundled_content_dir, load_packs
from botprocess import environment

BUNDLED = bundled_content_dir() / "deep-learning"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=environment(), timeout=60
    )


def small_pack(root: Path, *, term_id: str = "my-term", questions: str = "") -> Path:
    """Write a valid one-chapter pack (optionally with a questions.yaml) and return its directory."""
    (root / "chapters").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        "id: extra\ntitle: Extra\ndescription: d\nversion: '1'\ncredit: {title: t, author: a}\n"
    )
    (root / "chapters" / "01-one.yaml").write_text(
        f"number: 1\ntitle: One\nterms:\n  - {{id: {term_id}, term: My Term, definition: d, tip: t}}\n"
    )
    if questions:
        (root / "questions.yaml").write_text(questions)
    return root


def test_an_extra_pack_is_checked_with_the_bundled_one_as_run_would_load_it(tmp_path):
    extra = small_pack(tmp_path / "extra", term_id="relu")  # the bundled pack has a term "relu"
    config = tmp_path / "config.toml"
    config.write_text(
        '[content]\nextra_dirs = ["extra"]\n[database]\npath = "bot.db"\n'
        '[discord]\napi_base = "http://127.0.0.1:9/api/v10"\n'
    )
    clash = f"  {extra / 'chapters' / '01-one.yaml'} [relu]: duplicate term id (first used in {BUNDLED / 'chapters'}"

    for args in (["content", "check", str(extra)], ["content", "check", "--config", str(config)], ["run"]):
        result = cli(*args, cwd=tmp_path)  # run finds ./config.toml
        assert result.returncode == 1, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert lines[0] == "error: 1 problem(s) in the content:", (args, lines)
        assert lines[1].startswith(clash) and lines[1].endswith(".yaml)"), (args, lines)
    assert not (tmp_path / "bot.db").exists(), "run refused before opening anything"


def test_check_with_a_config_checks_exactly_the_packs_it_loads(tmp_path):
    small_pack(tmp_path / "extra")
    config = tmp_path / "config.toml"
    config.write_text('[content]\nextra_dirs = ["extra"]\ninclude_bundled = false\n')
    alone = cli("content", "check", "--config", str(config), cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.splitlines()[0] == "ok: 1 pack(s), 1 chapters, 1 terms, 0 questions, all valid"

    # With the bundled pack; a pack named on the command line as well as in the config is checked once.
    config.write_text('[content]\nextra_dirs = ["extra"]\n')
    both = cli("content", "check", "--config", str(config), str(tmp_path / "extra"), str(BUNDLED), cwd=tmp_path)
    assert both.returncode == 0, both.stderr
    assert both.stdout.splitlines()[0].startswith("ok: 2 pack(s), 25 chapters, 505 terms, ")


def test_a_duplicate_question_id_names_questions_yaml_and_the_entry(tmp_path):
    questions = "".join(
        f"  - {{id: twice, question: Q{n}?, related: [my-term], key_points: [a, b, c]}}\n" for n in (1, 2)
    )
    pack = small_pack(tmp_path / "extra", questions="questions:\n" + questions)
    result = cli("content", "check", str(pack), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: 1 problem(s) in the content:",
        f"  {pack / 'questions.yaml'} [twice]: duplicate question id (first used in {pack / 'questions.yaml'})",
    ]


def test_a_broken_chapter_file_is_reported_without_follow_on_problems(tmp_path):
    copy = tmp_path / "deep-learning"
    shutil.copytree(BUNDLED, copy)
    broken = copy / "chapters" / "03-neural-network-basics.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("terms:", "terms: [", 1), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[content]\nextra_dirs = ["deep-learning"]\ninclude_bundled = false\n')

    result = cli("content", "check", "--config", str(config), cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: 1 problem(s) in the content:", lines[:5]
    assert lines[1].startswith(f"  {broken}: YAML syntax error at line "), lines[1]


def test_the_bundled_pack_states_what_may_be_redistributed():
    pack = load_packs([BUNDLED])[0]
    licence = " ".join(pack.credit.licence.split())
    assert "is Lamhot Siagian's and is included with credit" in licence
    assert "the source gives no licence for redistribution beyond that" in licence
    assert "33 questions marked origin: project) are under the project's MIT licence" in licence
    assert sum(q.origin == "project" for q in pack.questions) == 33
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert "**The source gives no licence for redistribution beyond that**" in readme
