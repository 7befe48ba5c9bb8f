"""The `interview-bot` command line: run the bot, check and count content, import the seed text."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config, ConfigError, load_config, read_token
from bot.content.importer import SeedFormatError, import_seed
from bot.content.index import Library
from bot.content.loader import ContentError, bundled_content_dir, load_library, pack_directories
from bot.db import DatabaseError


def content_roots(config: Config) -> list[Path]:
    """Return the pack directories a config asks for: the bundled packs first, then the extra ones."""
    roots = [bundled_content_dir()] if config.content.include_bundled else []
    return pack_directories([*roots, *config.content.extra_dirs])


def load_content(config: Config) -> Library:
    """Load the configured packs for `run`, keeping parsed files in content-cache/ beside the database."""
    return load_library(content_roots(config), cache_dir=config.database.path.parent / "content-cache")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interview-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the bot (token from DISCORD_TOKEN)")
    run.add_argument("--config", type=Path, help="config file (default: ./config.toml if it exists)")

    content = commands.add_parser("content", help="check, count or import content packs")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate packs and print every problem")
    check.add_argument("paths", nargs="*", type=Path, help="pack directories (default: as configured)")
    check.add_argument("--config", type=Path)
    stats = content_commands.add_parser("stats", help="count what the packs hold")
    stats.add_argument("paths", nargs="*", type=Path, help="pack directories (default: as configured)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--config", type=Path)
    imp = content_commands.add_parser("import", help="write or complete a pack skeleton from the seed text")
    imp.add_argument("cheatsheet", type=Path, help="the cheatsheet's plain text")
    imp.add_argument("--questions", type=Path, help="the open questions, one per line")
    imp.add_argument("--out", type=Path, required=True, help="the pack directory to write")
    return parser


def _pack_dirs(args: argparse.Namespace) -> list[Path]:
    if args.paths:
        return pack_directories(args.paths)
    return content_roots(load_config(args.config))


def _content(args: argparse.Namespace) -> int:
    if args.content_command == "import":
        report = import_seed(args.cheatsheet, args.questions, args.out)
        print(
            f"added {report.terms_added} terms, {report.questions_added} questions, "
            f"{report.guide_sections_added} guide sections; wrote {len(report.files_written)} files"
        )
        return 0
    library = load_library(_pack_dirs(args))
    figures = library.stats()
    if args.content_command == "stats":
        if args.json:
            per_pack = {
                p.id: {"version": p.version, "terms": len(p.terms), "questions": len(p.questions)}
                for p in library.packs
            }
            print(json.dumps({**figures, "per_pack": per_pack}, indent=2))
        else:
            for pack in library.packs:
                print(
                    f"{pack.id} {pack.version}: {len(pack.chapters)} chapters, {len(pack.terms)} terms, "
                    f"{len(pack.questions)} questions"
                )
            print("total: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in figures.items()))
        return 0
    print(
        f"ok: {figures['packs']} pack(s), {figures['chapters']} chapters, {figures['terms']} terms, "
        f"{figures['questions']} questions, all valid"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    token = read_token()
    library = load_content(config)
    from bot.runner import run  # imported late: `content` commands need no Discord client

    return run(config, token, library)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors are one clear line on stderr and a non-zero exit, not a traceback."""
    args = _parser().parse_args(argv)
    try:
        return _run(args) if args.command == "run" else _content(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"error: {len(exc.problems)} problem(s) in the content:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (DatabaseError, SeedFormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
