"""The `interview-bot` command line, run as a real subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import bundled_migrations


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=environ, timeout=60
    )


def test_content_stats_json_counts_the_bundled_pack():
    result = cli("content", "stats", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {k: figures[k] for k in ("packs", "chapters", "terms", "questions")} == {
        "packs": 1,
        "chapters": 24,
        "terms": 504,
        "questions": 133,
    }
    assert (figures["high_yield"], figures["learning_steps"], figures["specializations"], figures["checklist"]) == (
        10,
        14,
        10,
        12,
    )


def test_content_check_passes_with_a_summary_and_the_audit_s_figures():
    result = cli("content", "check")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "ok: 1 pack(s), 24 chapters, 504 terms, 133 questions, all valid"
    assert lines[1].startswith("audit: 0 give-aways, 0 same-concept pairs, 0 broader/narrower pairs")
    assert len(lines) == 2


def test_content_audit_json_reports_the_bundled_pack():
    result = cli("content", "audit", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["terms"] == 504
    assert (report["summary"]["give_away"], report["summary"]["same_concept"]) == (0, 0)
    assert report["summary"]["over_masked"] == 0
    assert report["summary"]["no_kind"] == 0


def test_content_check_lists_every_problem_and_fails(tmp_path):
    pack = tmp_path / "bad"
    (pack / "chapters").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: bad\ntitle: Bad\ndescription: d\nversion: '1'\ncredit: {title: t, author: a}\n"
    )
    (pack / "chapters" / "01.yaml").write_text(
        "number: 1\ntitle: One\nterms:\n  - {id: a, term: A, tip: t}\n  - {id: a, term: B, definition: d, tip: t}\n"
    )
    result = cli("content", "check", str(pack))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "2 problem(s)" in result.stderr
    assert "[a]: missing field 'definition'" in result.stderr
    assert "duplicate term id" in result.stderr


def test_run_without_token_says_how_to_provide_it(tmp_path):
    result = cli("run", cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0] and "export DISCORD_TOKEN=" in lines[0]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[discord]\ncolour = 'blue'\n", "unknown key discord.colour"),
        ("[daily]\ngrace_hours = 'six'\n", "daily.grace_hours must be a number"),
        ("[daily]\ngrace_hours = 48\n", "grace_hours must be between 0 and 23"),
        ("[nonsense]\n", "unknown section [nonsense]"),
        ("[discord\n", "is not valid TOML"),
    ],
)
def test_run_with_bad_config_names_the_problem(tmp_path, config, message):
    path = tmp_path / "config.toml"
    path.write_text(config)
    result = cli("run", "--config", str(path), env={"DISCORD_TOKEN": "x"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_run_with_unreadable_config(tmp_path):
    result = cli("run", "--config", str(tmp_path / "missing.toml"), env={"DISCORD_TOKEN": "x"})
    assert result.returncode != 0
    assert result.stderr.strip().startswith("error: cannot read config file")
    assert "Traceback" not in result.stderr


def test_run_on_a_database_newer_than_the_code_refuses_in_one_line(tmp_path):
    path = tmp_path / "bot.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version = 999")
    config = tmp_path / "config.toml"
    # An address nothing listens on: were the database accepted, the bot would fail to connect, not hang.
    config.write_text('[database]\npath = "bot.db"\n[discord]\napi_base = "http://127.0.0.1:9/api/v10"\n')
    result = cli("run", "--config", str(config), env={"DISCORD_TOKEN": "x.y.z"})
    assert result.returncode == 1
    newest = bundled_migrations()[-1][0]
    assert result.stderr.splitlines() == [
        f"error: database {path} has schema version 999, newer than this bot knows ({newest}): "
        "upgrade the bot, or point database.path at another file"
    ]
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (999,)
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,), "nothing was written"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda db: db.write_bytes(b"not a database" * 100), "cannot use database {db}: file is not a database"),
        (lambda db: db.mkdir(), "cannot open database {db}: unable to open database file"),
    ],
)
def test_run_on_an_unusable_database_says_so_in_one_line(tmp_path, setup, message):
    db = tmp_path / "bot.db"
    setup(db)
    config = tmp_path / "config.toml"
    config.write_text('[database]\npath = "bot.db"\n[discord]\napi_base = "http://127.0.0.1:9/api/v10"\n')
    result = cli("run", "--config", str(config), env={"DISCORD_TOKEN": "x.y.z"})
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: " + message.format(db=db)]
