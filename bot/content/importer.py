"""Turn the cheatsheet's plain-text seed into a content pack's YAML skeleton.

The importer owns only the mechanical part: rows, chapters and guide sections as the source has them, with
inline LaTeX rendered as text and the repeated table headers dropped. Curated additions (aliases, typo fixes,
key points, related terms) live in the YAML: an entry whose id already exists is kept as it is, so
re-running the importer never overwrites them; it only adds what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.text import latex_to_text, slugify

GLOSSARY_HEADER = ("Topic", "Simple Definition", "Exam / Interview Tip")
_CHAPTER = re.compile(r"^Chapter (\d+)$")


class SeedFormatError(ValueError):
    """The importer's input is not what it expects: the seed text's structure, or a pack file it would complete."""


@dataclass
class ParsedChapter:
    """One chapter of the seed as text blocks."""

    number: int
    title: str
    introduction: str
    lines: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What one import run added, per kind of entry."""

    files_written: list[Path] = field(default_factory=list)
    terms_added: int = 0
    questions_added: int = 0
    guide_sections_added: int = 0


def _clean(text: str) -> str:
    return latex_to_text(" ".join(text.split()))


def parse_chapters(text: str) -> tuple[str, list[ParsedChapter]]:
    """Split the seed into the front-matter mental model and its numbered chapters."""
    lines = text.splitlines()
    mental_model = ""
    for i, line in enumerate(lines):
        if line.strip().lower().startswith("the 5-minute deep learning mental model"):
            mental_model = _next_paragraph(lines, i + 1)
            break
    chapters: list[ParsedChapter] = []
    i = 0
    while i < len(lines):
        match = _CHAPTER.match(lines[i].strip())
        if not match:
            if chapters:
                chapters[-1].lines.append(lines[i])
            i += 1
            continue
        title_at = _next_nonblank(lines, i + 1)
        intro_head = _next_nonblank(lines, title_at + 1)
        if lines[intro_head].strip() != "Chapter Introduction":
            raise SeedFormatError(f"line {intro_head + 1}: expected 'Chapter Introduction'")
        intro_at = _next_nonblank(lines, intro_head + 1)
        chapters.append(ParsedChapter(int(match.group(1)), lines[title_at].strip(), _clean(lines[intro_at])))
        i = intro_at + 1
    if not chapters:
        raise SeedFormatError("no 'Chapter N' headings found")
    return _clean(mental_model), chapters


def _next_nonblank(lines: list[str], start: int) -> int:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    raise SeedFormatError("unexpected end of text")


def _next_paragraph(lines: list[str], start: int) -> str:
    return lines[_next_nonblank(lines, start)].strip()


def _rows(chapter: ParsedChapter, columns: int) -> list[list[str]]:
    """Return the tab-separated rows of a chapter, without its (repeated) header rows."""
    rows = [line.split("\t") for line in chapter.lines if "\t" in line]
    header = rows[0] if rows else []
    body = [[_clean(cell) for cell in row] for row in rows if row != header]
    for row in body:
        if len(row) != columns:
            raise SeedFormatError(f"chapter {chapter.number}: expected {columns} columns in {row!r}")
    return body


def glossary_chapters(chapters: list[ParsedChapter]) -> list[ParsedChapter]:
    """Return the chapters whose table is the three-column glossary."""
    found = []
    for chapter in chapters:
        first = next((line.split("\t") for line in chapter.lines if "\t" in line), None)
        if first is not None and tuple(first) == GLOSSARY_HEADER:
            found.append(chapter)
    return found


def term_ids(chapters: list[ParsedChapter]) -> list[list[tuple[str, list[str]]]]:
    """Give every glossary row a stable id: the term's slug, and `-chN` for a repeat in a later chapter."""
    seen: set[str] = set()
    result = []
    for chapter in chapters:
        rows = []
        for row in _rows(chapter, 3):
            slug = slugify(row[0])
            term_id = slug if slug not in seen else f"{slug}-ch{chapter.number}"
            seen.add(term_id)
            rows.append((term_id, row))
        result.append(rows)
    return result


def _guide(mental_model: str, chapters: list[ParsedChapter]) -> dict[str, Any]:
    by_title = {c.title.lower(): c for c in chapters}
    guide: dict[str, Any] = {"mental_model": mental_model}
    order = by_title.get("best learning order")
    if order:
        guide["learning_order"] = [
            {"step": int(step), "topic": topic, "master": master} for step, topic, master in _rows(order, 3)
        ]
    specs = next((c for c in chapters if c.title.lower().startswith("best specializations")), None)
    if specs:
        guide["specializations"] = [{"name": name, "why": why} for name, why in _rows(specs, 2)]
    high = by_title.get("high-yield interview questions")
    if high:
        paragraphs = [_clean(line) for line in high.lines if line.strip()]
        if len(paragraphs) % 2:
            raise SeedFormatError("high-yield questions: a question without an answer")
        guide["high_yield"] = [
            {"id": f"hy-{slugify(q)[:40].rstrip('-')}", "question": q, "answer": a}
            for q, a in zip(paragraphs[::2], paragraphs[1::2], strict=True)
        ]
    final = by_title.get("final exam and interview checklist")
    if final:
        body = [line.strip() for line in final.lines if line.strip()]
        guide["checklist"] = [_clean(line[2:]) for line in body if line.startswith("- ")]
        for k, line in enumerate(body):
            if line.lower().startswith("best answer formula") and k + 1 < len(body):
                guide["answer_formula"] = _clean(body[k + 1]).rstrip(".")
    return guide


def _load(path: Path) -> Any:
    """Read a pack file the import completes (None when it does not exist yet)."""
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SeedFormatError(f"{path} is not valid YAML, so it cannot be completed: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise SeedFormatError(f"{path} does not hold a mapping, so it cannot be completed")
    return data


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False),
        encoding="utf-8",
    )


def _merge_entries(existing: list[dict], fresh: list[dict]) -> tuple[list[dict], int]:
    """Keep every existing entry as it is, add the fresh ones whose id is new, in source order."""
    by_id = {entry.get("id"): entry for entry in existing}
    merged, added = [], 0
    for entry in fresh:
        if entry["id"] in by_id:
            merged.append(by_id.pop(entry["id"]))
        else:
            merged.append(entry)
            added += 1
    merged.extend(by_id.values())  # curated entries the source does not have
    return merged, added


def import_seed(cheatsheet: Path, questions: Path | None, out: Path) -> ImportReport:
    """Write (or complete) the pack skeleton in `out` from the seed files, keeping curated YAML intact."""
    report = ImportReport()
    mental_model, chapters = parse_chapters(cheatsheet.read_text(encoding="utf-8"))
    glossary = glossary_chapters(chapters)
    for chapter, rows in zip(glossary, term_ids(glossary), strict=True):
        path = out / "chapters" / f"{chapter.number:02d}-{slugify(chapter.title)}.yaml"
        data = _load(path) or {}
        fresh = [
            {"id": term_id, "term": term, "aliases": [], "definition": definition, "tip": tip}
            for term_id, (term, definition, tip) in rows
        ]
        terms, added = _merge_entries(data.get("terms") or [], fresh)
        data = {
            "number": data.get("number", chapter.number),
            "title": data.get("title", chapter.title),
            "introduction": data.get("introduction", chapter.introduction),
            "terms": terms,
        }
        if added or not path.exists():
            _dump(path, data)
            report.files_written.append(path)
        report.terms_added += added

    guide_path = out / "guide.yaml"
    existing_guide = _load(guide_path) or {}
    fresh_guide = _guide(mental_model, chapters)
    missing = {k: v for k, v in fresh_guide.items() if k not in existing_guide}
    if missing:
        _dump(guide_path, {**existing_guide, **missing})
        report.files_written.append(guide_path)
        report.guide_sections_added = len(missing)

    if questions is not None:
        q_path = out / "questions.yaml"
        data = _load(q_path) or {}
        lines = [line.strip() for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
        fresh = [
            {"id": f"q{n:03d}", "question": line, "related": [], "key_points": []}
            for n, line in enumerate(lines, start=1)
        ]
        merged, added = _merge_entries(data.get("questions") or [], fresh)
        if added or not q_path.exists():
            _dump(q_path, {"questions": merged})
            report.files_written.append(q_path)
        report.questions_added = added
    return report
