"""Read content packs from YAML directories, validate them and build a `Library`.

A pack is a directory holding `pack.yaml` (metadata), `chapters/*.yaml` (glossary chapters), optionally
`questions.yaml` and `guide.yaml`. Every problem found is collected, named by file and entry, and raised
together in one `ContentError`, so a pack author sees all of them at once.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeGuard

import yaml
from rapidfuzz import process

from bot.content.index import Library
from bot.content.models import (
    Chapter,
    Credit,
    Guide,
    HighYield,
    LearningStep,
    Pack,
    Question,
    Specialization,
    Term,
    TermKind,
)
from bot.content.names import giveaways
from bot.content.relations import Relations

# Discord's limits for the places each text is shown in (embed title 256, description 4,096, field value
# 1,024, autocomplete/choice name 100): content that would not fit is refused at load time, not at reply time.
LIMIT_CHOICE = 100
LIMIT_TITLE = 256
LIMIT_FIELD = 1024
LIMIT_DESCRIPTION = 4096
# Ids travel inside buttons' custom ids ("iq:share:define:<term id>", at most 100 characters in all).
LIMIT_ID = 64
MAX_NUMBER = 999  # chapter numbers and learning steps (a chapter number is part of custom ids too)
MAX_KINDS = 2  # a term is one kind, or genuinely two (the primary one first)
MAX_RELATED = 20  # ids in one `confusable`, `same_as` or `broader` list
RELATION_FIELDS = ("same_as", "broader", "confusable")
_KIND_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
# libyaml's safe loader when PyYAML was built with it (several times faster at start-up), else the pure one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What a cached parse depends on besides the file's bytes (see _parse_cached).
_CACHE_SALT = f"interview-bot content cache 1; PyYAML {yaml.__version__} {_SAFE_LOADER.__name__}\n".encode()


def _kind(value: Any) -> str:
    """Name a YAML value's type the way a pack author writes it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _whole(value: Any, low: int, high: int) -> TypeGuard[int]:
    """Tell whether a YAML value is a whole number within low..high (true/false is not a number)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a pack: where, which entry, and what."""

    file: Path
    entry: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f" [{self.entry}]" if self.entry else "")
        return f"{where}: {self.message}"


class ContentError(Exception):
    """One or more packs are invalid; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _parse_cached(path: Path, cache_dir: Path) -> Any:
    """Parse a YAML file through a cache of its parsed data as JSON, keyed by a hash of the file's bytes.

    PyYAML builds every value in Python: a 50,000-term pack takes seconds to parse, its JSON a tenth of a
    second. The cache holds one entry per file path (rewritten when the file changes) and only data that JSON
    gives back exactly; any problem with it means parsing the file as usual.
    """
    raw = path.read_bytes()
    digest = hashlib.sha256(_CACHE_SALT + raw).hexdigest()
    entry = cache_dir / (hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32] + ".json")
    with contextlib.suppress(OSError, ValueError):
        stored, _, body = entry.read_text(encoding="utf-8").partition("\n")
        if stored == digest:
            return json.loads(body)
    data = yaml.load(raw.decode("utf-8"), Loader=_SAFE_LOADER)
    with contextlib.suppress(OSError, TypeError, ValueError):
        body = json.dumps(data, ensure_ascii=False)
        if json.loads(body) == data:  # dates, binary, sets, keys that are not text: not cached
            cache_dir.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a reader (another process starting) sees the old entry or the new one.
            partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            partial.write_text(f"{digest}\n{body}", encoding="utf-8")
            os.replace(partial, entry)
    return data


class _Reader:
    """Collects problems while reading typed fields out of YAML mappings."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.problems: list[Problem] = []
        self.cache_dir = cache_dir
        self.term_files: dict[str, Path] = {}  # where each term id was first read, for problems found later
        # Every id read, in order, with its kind and its file (for duplicates across files and packs).
        self.ids: list[tuple[str, str, Path]] = []
        # Chapter files that could not be read: references to their terms or numbers are not checked.
        self.unreadable_chapters: list[Path] = []

    def chapters_unreadable(self, pack_directory: Path | None = None) -> bool:
        """Tell whether a chapter file (of the pack in `pack_directory`, or of any pack) could not be read.

        Its terms and number are unknown, so every reference to them would be reported as unknown too, burying
        the one problem that matters (the unreadable file, reported already): such checks are skipped.
        """
        return any(pack_directory in (None, path.parent.parent) for path in self.unreadable_chapters)

    def problem(self, file: Path, entry: str, message: str) -> None:
        self.problems.append(Problem(file, entry, message))

    def read_mapping(self, path: Path) -> dict | None:
        """Parse a YAML file that must hold a mapping; on any failure record exactly one problem and return None."""
        try:
            if self.cache_dir is None:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
            else:
                data = _parse_cached(path, self.cache_dir)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            self.problem(path, "", f"YAML syntax error at {line}{exc.problem or exc}")
            return None
        except yaml.YAMLError as exc:
            self.problem(path, "", f"YAML error: {exc}")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(path, "", f"cannot read file: {exc}")
            return None
        if data is None:
            self.problem(path, "", "the file is empty")
            return None
        return self.mapping(data, path, "")

    def text(self, data: dict, key: str, file: Path, entry: str, limit: int, *, required: bool = True) -> str:
        value = data.get(key)
        if type(value) is str:  # the usual case, first: start-up reads several of these per term
            value = value.strip()
            if value and len(value) <= limit:
                return value
        if value is None:
            if required:
                self.problem(file, entry, f"missing field '{key}'")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(file, entry, f"field '{key}' must be text, not {_kind(value)}")
            return ""
        value = str(value).strip()
        if not value and required:
            self.problem(file, entry, f"field '{key}' is empty")
        elif len(value) > limit:
            self.problem(file, entry, f"field '{key}' is {len(value)} characters, over the limit of {limit}")
        return value

    def text_list(
        self, data: dict, key: str, file: Path, entry: str, limit: int, *, minimum: int = 0, maximum: int = 99
    ) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            if not minimum:
                return ()  # the usual case, first: most terms leave most lists out
            value = []
        if not isinstance(value, list):
            self.problem(file, entry, f"field '{key}' must be a list, not {_kind(value)}")
            return ()
        items = []
        for n, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                self.problem(file, entry, f"item {n} of '{key}' is empty or not text")
            elif len(item.strip()) > limit:
                self.problem(file, entry, f"item {n} of '{key}' is {len(item.strip())} characters, over {limit}")
            else:
                items.append(item.strip())
        if not minimum <= len(value) <= maximum:
            want = f"at least {minimum}" if len(value) < minimum else f"at most {maximum}"
            self.problem(file, entry, f"field '{key}' has {len(value)} items, needs {want}")
        return tuple(items)

    def mapping(self, data: Any, file: Path, entry: str) -> dict | None:
        if not isinstance(data, dict):
            self.problem(file, entry, f"expected a mapping of fields, found {_kind(data)}")
            return None
        return data

    def entries(self, data: dict, key: str, file: Path) -> list[tuple[str, dict]]:
        """Return the list under `key` as (label, mapping) pairs, reporting entries that are not mappings."""
        value = data.get(key) or []
        if not isinstance(value, list):
            self.problem(file, "", f"field '{key}' must be a list, not {_kind(value)}")
            return []
        out = []
        for n, item in enumerate(value, start=1):
            if type(item) is dict and type(label := item.get("id")) is str:
                out.append((label, item))  # the usual case, first
                continue
            label = item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else f"{key} #{n}"
            if self.mapping(item, file, label) is not None:
                out.append((label, item))
        return out


def _read_pack(directory: Path, reader: _Reader) -> Pack | None:
    meta_path = directory / "pack.yaml"
    if not meta_path.is_file():
        reader.problem(meta_path, "", "missing pack.yaml (every pack directory needs one)")
        return None
    meta = reader.read_mapping(meta_path)
    if meta is None:
        return None
    pack_id = reader.text(meta, "id", meta_path, "", LIMIT_ID)
    title = reader.text(meta, "title", meta_path, "", LIMIT_TITLE)
    description = reader.text(meta, "description", meta_path, "", LIMIT_DESCRIPTION)
    version = reader.text(meta, "version", meta_path, "", LIMIT_CHOICE)
    credit = Credit("", "")
    credit_data = reader.mapping(meta.get("credit") or {}, meta_path, "credit")
    if credit_data is not None:
        credit = Credit(
            title=reader.text(credit_data, "title", meta_path, "credit", LIMIT_TITLE),
            author=reader.text(credit_data, "author", meta_path, "credit", LIMIT_TITLE),
            url=reader.text(credit_data, "url", meta_path, "credit", LIMIT_TITLE, required=False),
            note=reader.text(credit_data, "note", meta_path, "credit", LIMIT_FIELD, required=False),
            licence=reader.text(credit_data, "licence", meta_path, "credit", LIMIT_FIELD, required=False),
        )
    kinds = _read_kind_list(meta, meta_path, reader)
    chapters, terms = _read_chapters(directory, pack_id, {k.id for k in kinds} if kinds is not None else None, reader)
    numbers = {c.number for c in chapters}
    return Pack(
        id=pack_id,
        title=title,
        description=description,
        version=version,
        credit=credit,
        chapters=tuple(chapters),
        terms=tuple(terms),
        questions=tuple(_read_questions(directory / "questions.yaml", pack_id, numbers, reader)),
        guide=_read_guide(directory / "guide.yaml", reader),
        kinds=kinds or (),
    )


def _read_kind_list(meta: dict, path: Path, reader: _Reader) -> tuple[TermKind, ...] | None:
    """Read pack.yaml's `kinds:` (kind id → label); None when the pack declares none."""
    data = meta.get("kinds")
    if data is None:
        return None
    if not isinstance(data, dict):
        reader.problem(path, "kinds", f"field 'kinds' must be a mapping of kind id to label, not {_kind(data)}")
        return ()
    kinds = []
    for key, label in data.items():
        if not isinstance(key, str) or not _KIND_ID.fullmatch(key) or len(key) > LIMIT_ID:
            message = f"kind id {key!r} must be lower-case letters, digits and hyphens, at most {LIMIT_ID} characters"
            reader.problem(path, "kinds", message)
            continue
        if not isinstance(label, str):
            reader.problem(path, f"kinds: {key}", f"the label must be text, not {_kind(label)}")
        elif not label.strip():
            reader.problem(path, f"kinds: {key}", "the label is empty")
        elif len(label.strip()) > LIMIT_CHOICE:
            reader.problem(path, f"kinds: {key}", f"the label is {len(label.strip())} characters, over {LIMIT_CHOICE}")
        else:
            kinds.append(TermKind(key, label.strip()))
    return tuple(kinds)


def _read_chapters(
    directory: Path, pack_id: str, kinds: set[str] | None, reader: _Reader
) -> tuple[list[Chapter], list[Term]]:
    chapters: list[Chapter] = []
    terms: list[Term] = []
    files = sorted((directory / "chapters").glob("*.yaml"))
    if not files:
        reader.problem(directory / "chapters", "", "no chapter files (chapters/*.yaml)")
    for path in files:
        data = reader.read_mapping(path)
        if data is None:
            reader.unreadable_chapters.append(path)
            continue
        number = data.get("number")
        if not _whole(number, 0, MAX_NUMBER):
            reader.problem(path, "", f"field 'number' must be a whole number from 0 to {MAX_NUMBER}")
            number = -1
        title = reader.text(data, "title", path, "", LIMIT_CHOICE)
        intro = reader.text(data, "introduction", path, "", LIMIT_DESCRIPTION, required=False)
        ids = []
        for label, entry in reader.entries(data, "terms", path):
            term = _read_term(entry, label, path, pack_id, number, kinds, reader)
            if term is not None:
                terms.append(term)
                ids.append(term.id)
                reader.ids.append(("term", term.id, path))
        if not ids:
            reader.problem(path, "", "chapter has no terms")
        chapters.append(Chapter(number, title, intro, pack_id, tuple(ids)))
    return chapters, terms


def _read_term(
    entry: dict, label: str, path: Path, pack_id: str, chapter: int, kinds: set[str] | None, reader: _Reader
) -> Term | None:
    term_id = reader.text(entry, "id", path, label, LIMIT_ID)
    term = Term(
        id=term_id,
        term=reader.text(entry, "term", path, label, LIMIT_CHOICE),
        definition=reader.text(entry, "definition", path, label, LIMIT_DESCRIPTION),
        tip=reader.text(entry, "tip", path, label, LIMIT_FIELD),
        chapter=chapter,
        pack=pack_id,
        aliases=reader.text_list(entry, "aliases", path, label, LIMIT_CHOICE),
        kinds=_read_term_kinds(entry, label, path, kinds, reader),
        confusable=reader.text_list(entry, "confusable", path, label, LIMIT_ID, maximum=MAX_RELATED),
        same_as=reader.text_list(entry, "same_as", path, label, LIMIT_ID, maximum=MAX_RELATED),
        broader=reader.text_list(entry, "broader", path, label, LIMIT_ID, maximum=MAX_RELATED),
        quiz_prompt=reader.text(entry, "quiz_prompt", path, label, LIMIT_DESCRIPTION, required=False),
    )
    if term_id:
        reader.term_files.setdefault(term_id, path)
    return term if term_id else None


def _read_term_kinds(entry: dict, label: str, path: Path, kinds: set[str] | None, reader: _Reader) -> tuple[str, ...]:
    """Read a term's `kind`: one kind id, or a list of at most two (the primary first), each one the pack declares."""
    value = entry.get("kind")
    if value is None:
        return ()
    if type(value) is str and kinds is not None and value in kinds:
        return (value,)  # the usual case, first
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        reader.problem(
            path, label, f"field 'kind' must be a kind id or a list of at most {MAX_KINDS}, not {_kind(value)}"
        )
        return ()
    items = [i.strip() for i in items]
    if len(items) > MAX_KINDS:
        reader.problem(path, label, f"field 'kind' has {len(items)} kinds, at most {MAX_KINDS} (the primary one first)")
    if len(set(items)) < len(items):
        reader.problem(path, label, "field 'kind' names the same kind twice")
    if items and kinds is None:
        reader.problem(path, label, f"field 'kind' names '{items[0]}', but pack.yaml declares no 'kinds:' list")
        return ()
    for item in items:
        if kinds is not None and item not in kinds:
            close = process.extractOne(item, sorted(kinds), score_cutoff=60) if kinds else None
            hint = f"; did you mean '{close[0]}'?" if close else ""
            reader.problem(path, label, f"unknown kind '{item}': not in the 'kinds:' list of pack.yaml{hint}")
    return tuple(dict.fromkeys(items))[:MAX_KINDS]


def _read_questions(path: Path, pack_id: str, chapters: set[int], reader: _Reader) -> list[Question]:
    if not path.exists():
        return []
    data = reader.read_mapping(path)
    if data is None:
        return []
    questions = []
    for label, entry in reader.entries(data, "questions", path):
        question = Question(
            id=reader.text(entry, "id", path, label, LIMIT_ID),
            text=reader.text(entry, "question", path, label, LIMIT_TITLE),
            key_points=reader.text_list(entry, "key_points", path, label, 300, minimum=3, maximum=6),
            related=reader.text_list(entry, "related", path, label, LIMIT_ID, minimum=1, maximum=10),
            pack=pack_id,
            chapter=_read_question_chapter(entry, label, path, chapters, reader),
            origin=reader.text(entry, "origin", path, label, LIMIT_CHOICE, required=False),
        )
        if question.id:
            questions.append(question)
            reader.ids.append(("question", question.id, path))
    return questions


def _read_question_chapter(entry: dict, label: str, path: Path, chapters: set[int], reader: _Reader) -> int | None:
    """Read an open question's `chapter`: the number of one of the pack's chapters, or None when not given."""
    value = entry.get("chapter")
    if value is None:
        return None
    if not _whole(value, 0, MAX_NUMBER):
        reader.problem(path, label, f"field 'chapter' must be a whole number from 0 to {MAX_NUMBER}")
        return None
    if value not in chapters:
        if not reader.chapters_unreadable(path.parent):
            reader.problem(path, label, f"field 'chapter' is {value}, but the pack has no chapter {value}")
        return None
    return value


def _read_guide(path: Path, reader: _Reader) -> Guide:
    if not path.exists():
        return Guide()
    data = reader.read_mapping(path)
    if data is None:
        return Guide()
    steps = []
    for label, e in reader.entries(data, "learning_order", path):
        step = e.get("step")
        if not _whole(step, 0, MAX_NUMBER):
            reader.problem(path, label, f"field 'step' must be a whole number from 0 to {MAX_NUMBER}")
            step = 0
        steps.append(
            LearningStep(
                step,
                reader.text(e, "topic", path, label, LIMIT_TITLE),
                reader.text(e, "master", path, label, LIMIT_FIELD),
            )
        )
    guide = Guide(
        mental_model=reader.text(data, "mental_model", path, "mental_model", LIMIT_DESCRIPTION, required=False),
        learning_order=tuple(steps),
        specializations=tuple(
            Specialization(
                reader.text(e, "name", path, label, LIMIT_TITLE),
                reader.text(e, "why", path, label, LIMIT_FIELD),
            )
            for label, e in reader.entries(data, "specializations", path)
        ),
        high_yield=tuple(
            HighYield(
                reader.text(e, "id", path, label, LIMIT_ID),
                reader.text(e, "question", path, label, LIMIT_TITLE),
                reader.text(e, "answer", path, label, LIMIT_FIELD),
            )
            for label, e in reader.entries(data, "high_yield", path)
        ),
        checklist=reader.text_list(data, "checklist", path, "checklist", LIMIT_FIELD),
        answer_formula=reader.text(data, "answer_formula", path, "answer_formula", LIMIT_FIELD, required=False),
    )
    reader.ids += [("high-yield", item.id, path) for item in guide.high_yield if item.id]
    return guide


def _check_ids(packs: list[tuple[Path, Pack]], reader: _Reader) -> None:
    """Report ids used twice (across all packs) and related terms that name no term."""
    seen: dict[str, Path] = {}
    for kind, item_id, file in reader.ids:
        if item_id in seen:
            reader.problem(file, item_id, f"duplicate {kind} id (first used in {seen[item_id]})")
        else:
            seen[item_id] = file
    pack_ids: dict[str, Path] = {}
    for directory, pack in packs:
        if pack.id in pack_ids:
            reader.problem(directory / "pack.yaml", pack.id, f"duplicate pack id (also {pack_ids[pack.id]})")
        pack_ids[pack.id] = directory
        chapter_numbers: set[int] = set()
        for chapter in pack.chapters:
            if chapter.number in chapter_numbers:
                reader.problem(directory / "chapters", chapter.title, f"duplicate chapter number {chapter.number}")
            chapter_numbers.add(chapter.number)
    if reader.chapters_unreadable():
        return
    term_ids = {t.id for _, pack in packs for t in pack.terms}
    for directory, pack in packs:
        for question in pack.questions:
            for ref in question.related:
                if ref not in term_ids:
                    reader.problem(directory / "questions.yaml", question.id, f"unknown related term id '{ref}'")


def _check_relations(packs: list[tuple[Path, Pack]], reader: _Reader, *, check_prompts: bool) -> None:
    """Report bad relations (unknown term, the term itself, a pair related twice) and self-naming quiz prompts."""
    terms = {t.id: t for _, pack in packs for t in pack.terms}
    declared: dict[str, dict[frozenset[str], str]] = {field: {} for field in RELATION_FIELDS}
    for term in terms.values():
        if not (term.confusable or term.same_as or term.broader):
            continue
        path = reader.term_files.get(term.id, Path())
        for field in RELATION_FIELDS:
            for ref in getattr(term, field):
                if ref == term.id:
                    reader.problem(path, term.id, f"field '{field}' names the term itself")
                elif ref not in terms:
                    if not reader.chapters_unreadable():
                        reader.problem(path, term.id, f"unknown {field} term id '{ref}'")
                else:
                    declared[field].setdefault(frozenset((term.id, ref)), term.id)
    for n, field in enumerate(RELATION_FIELDS):
        for other in RELATION_FIELDS[n + 1 :]:
            for pair in declared[field].keys() & declared[other].keys():
                owner = declared[other][pair]
                ref = next(iter(pair - {owner}))
                message = f"'{ref}' is both {field} and {other}: a pair is one concept, nested or confusable"
                reader.problem(reader.term_files.get(owner, Path()), owner, message)
    for _, pack in packs if check_prompts else ():
        prompted = [term for term in pack.terms if term.quiz_prompt]
        if not prompted:
            continue  # a pack without prompts (a large generated one, say) costs nothing here
        # Checked against the names of each concept within its own pack; `content audit` checks all packs at once.
        own = Relations(pack.terms)
        for term in prompted:
            leaks = giveaways(term.quiz_prompt, own.names(term.id))
            if leaks:
                names = ", ".join(f"'{leak}'" for leak in leaks)
                path = reader.term_files.get(term.id, Path())
                reader.problem(path, term.id, f"field 'quiz_prompt' names the term it asks for: {names}")


def _place_questions(packs: list[tuple[Path, Pack]]) -> list[Pack]:
    """Give each open question without a `chapter` the chapter of its first related term, when in its own pack.

    A question whose first related term lies in another pack keeps no number: the index then files it under
    that term's chapter, as it did before questions had a `chapter`.
    """
    placed = []
    for _, pack in packs:
        chapter_of = {t.id: t.chapter for t in pack.terms}
        questions = tuple(
            replace(q, chapter=chapter_of.get(q.related[0])) if q.chapter is None and q.related else q
            for q in pack.questions
        )
        placed.append(replace(pack, questions=questions))
    return placed


def load_packs(directories: Iterable[Path], *, cache_dir: Path | None = None, check_prompts: bool = True) -> list[Pack]:
    """Read and validate every pack directory; raise `ContentError` listing all problems if any.

    With a `cache_dir`, parsed files are cached there (see `_parse_cached`): the same checks run either way.
    `check_prompts=False` leaves out the one check that reads every quiz prompt for the names of its concept
    (seconds for a large pack): the bot starts without it, and its question builder masks those names anyway.
    """
    reader = _Reader(cache_dir)
    packs: list[tuple[Path, Pack]] = []
    for directory in directories:
        directory = Path(directory)
        if not directory.is_dir():
            reader.problem(directory, "", "pack directory does not exist")
            continue
        pack = _read_pack(directory, reader)
        if pack is not None:
            packs.append((directory, pack))
    _check_ids(packs, reader)
    _check_relations(packs, reader, check_prompts=check_prompts)
    if reader.problems:
        raise ContentError(reader.problems)
    return _place_questions(packs)


def load_library(directories: Iterable[Path], *, cache_dir: Path | None = None, check_prompts: bool = True) -> Library:
    """Load, validate and index the packs in `directories` (see `load_packs` for `cache_dir` and `check_prompts`).

    The content stays in memory as long as the process: the garbage collector is paused while it is built, and
    what exists then is frozen out of later collections, which would otherwise walk every term and index entry
    again and again, each time pausing the event loop (for hundreds of milliseconds with a large pack).
    """
    directories = [Path(d) for d in directories]
    collecting = gc.isenabled()
    gc.disable()
    try:
        key = _snapshot_key(directories, check_prompts) if cache_dir is not None else None
        library = _read_snapshot(cache_dir, key) if cache_dir is not None and key is not None else None
        if library is None:
            library = Library(load_packs(directories, cache_dir=cache_dir, check_prompts=check_prompts))
            if cache_dir is not None and key is not None:
                _write_snapshot(cache_dir, key, library)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    return library


# A snapshot is only read back by the code that wrote it: these modules make what it holds.
_SNAPSHOT_CODE = ("index.py", "loader.py", "models.py", "text.py")
_SNAPSHOT_NAME = "library.pickle"


def _snapshot_key(directories: list[Path], check_prompts: bool) -> str | None:
    """Return what a snapshot of these packs must be stamped with: a hash of every file of theirs, and the code.

    None when a pack cannot be read (the full load reports why).
    """
    digest = hashlib.sha256(_CACHE_SALT + f"snapshot 1; prompts {check_prompts}; {sys.version}\n".encode())
    here = Path(__file__).parent
    try:
        for name in _SNAPSHOT_CODE:
            digest.update((here / name).read_bytes())
        for directory in directories:
            digest.update(f"\0{directory.resolve()}\0".encode())
            for path in sorted(directory.rglob("*.yaml")):
                digest.update(f"\0{path.relative_to(directory)}\0".encode())
                digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def _read_snapshot(cache_dir: Path, key: str) -> Library | None:
    """Return the library pickled in `cache_dir` by an earlier start with the same packs and code, if any.

    Unpickling the indexed library takes half the time of loading, checking and indexing the packs again. The
    cache directory is the bot's own, beside its database (whoever can write there can change the database
    too); a snapshot that does not unpickle, or names other packs or code, is ignored and replaced.
    """
    try:
        with (cache_dir / _SNAPSHOT_NAME).open("rb") as file:
            if file.readline().decode("ascii", "replace").strip() != key:
                return None
            library = pickle.load(file)
    except Exception:  # a cache: any problem with it means loading the packs as usual
        return None
    return library if isinstance(library, Library) else None


def _write_snapshot(cache_dir: Path, key: str, library: Library) -> None:
    """Pickle the library into `cache_dir` for the next start (see `_read_snapshot`); a failure costs only that."""
    with contextlib.suppress(OSError, pickle.PicklingError):
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache_dir / f"{_SNAPSHOT_NAME}.{os.getpid()}.tmp"
        with partial.open("wb") as file:
            file.write(f"{key}\n".encode("ascii"))
            pickle.dump(library, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cache_dir / _SNAPSHOT_NAME)


def pack_directories(roots: Iterable[Path]) -> list[Path]:
    """Expand each root into pack directories: a root with pack.yaml is a pack, else each child that has one."""
    found: list[Path] = []
    for root in roots:
        root = Path(root)
        if (root / "pack.yaml").is_file() or not root.is_dir():
            found.append(root)
            continue
        children = sorted(p for p in root.iterdir() if (p / "pack.yaml").is_file())
        found.extend(children or [root])
    return found


def bundled_content_dir() -> Path:
    """Return the directory of the bundled packs: inside the installed wheel, or ./content of a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_content"
    return installed if installed.is_dir() else package.parent / "content"
