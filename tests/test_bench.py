"""The benchmark suite runs: its smoke mode end to end, producing the report's tables (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_benchmark_produces_its_report(tmp_path):
    report, figures = tmp_path / "report.md", tmp_path / "figures.json"
    outputs = ["--out", str(report), "--json", str(figures)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--work-dir", str(tmp_path / "work"), *outputs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = report.read_text(encoding="utf-8")
    assert "## The issue's goals" in text
    for row in ("/define autocomplete handler", "start-up with the large pack", "vs a bare bot", "daily fan-out"):
        assert f"| {row}" in text or row in text, row
    assert text.count("\n| ") > 15  # the goals and the figures, as tables
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert data["fanout"]["now"]["requests"] == 20  # 10 questions, each with its discussion thread
    for key in ("autocomplete@20", "define@20"):  # /define with the values its autocomplete gives
        for bot in ("bare", "now"):
            assert data["load"][bot][key]["missing"] == 0, (bot, key)
            assert len(data["load"][bot][key]["runs_p99_ms"]) == data["plan"]["repeats"]
