"""The `interview-bot` command line: run the bot and check its health, back up its database, handle content.

Content: check, audit and count packs, import the seed text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from bot.config import Config, ConfigError, load_config, read_database_password, read_token
from bot.content.importer import SeedFormatError, import_seed
from bot.content.index import Library
from bot.content.loader import ContentError, bundled_content_dir, load_library, pack_directories
from bot.core.audit import audit, render, summary_line
from bot.db import DatabaseError, is_url
from bot.db.backup import BackupError, backup_database, utc_stamp
from bot.health import check as check_heartbeat


def content_roots(config: Config) -> list[Path]:
    """Return the pack directories a config asks for: the bundled packs first, then the extra ones."""
    roots = [bundled_content_dir()] if config.content.include_bundled else []
    return pack_directories([*roots, *config.content.extra_dirs])


def version() -> str:
    """Return the installed package's version ("unknown" when running from a checkout that is not installed)."""
    try:
        return metadata.version("interview-practice-bot")
    except metadata.PackageNotFoundError:
        return "unknown"


def load_content(config: Config) -> Library:
    """Load the configured packs for `run`: parsed files cached beside the database, quiz prompts left unread.

    A large pack's YAML takes seconds to parse, its cached form a fraction of that. Whether a quiz prompt names
    its own term is checked by `content check`; the running bot masks those names like any other, and logs the
    prompts with too little left once masked while it warms up.
    """
    return load_library(content_roots(config), cache_dir=config.content_cache_dir, check_prompts=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interview-bot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the bot (token from DISCORD_TOKEN)")
    run.add_argument("--config", type=Path, help="config file (default: ./config.toml if it exists)")

    health = commands.add_parser("health", help="exit 0 if the running bot was connected to Discord lately, else 1")
    health.add_argument("--config", type=Path, help="the running bot's config file (it names the heartbeat file)")
    health.add_argument("--max-age", type=float, metavar="S", help="seconds (default: health.max_age_seconds)")

    db = commands.add_parser("db", help="back up the database, or copy it to PostgreSQL")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    backup = db_commands.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", type=Path, help="the new file (or a directory to put a dated file in)")
    backup.add_argument("--config", type=Path, help="config file naming the database")
    copy = db_commands.add_parser(
        "copy", help="copy the SQLite database (every table, the schema version) into an empty PostgreSQL database"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host:port/dbname")
    copy.add_argument("--config", type=Path, help="config file naming the SQLite database (database.path)")

    content = commands.add_parser("content", help="check, audit, count or import content packs")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser(
        "check",
        help="validate the packs the configuration loads, with PATHs added, as the bot would see them, and print "
        "every problem (give-aways and same-concept pairs too)",
    )
    check.add_argument("paths", nargs="*", type=Path, help="pack directories to check with the configured ones")
    check.add_argument("--config", type=Path, help="config file (default: ./config.toml if it exists)")
    stats = content_commands.add_parser("stats", help="count what the packs hold")
    stats.add_argument("paths", nargs="*", type=Path, help="pack directories (default: as configured)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--config", type=Path)
    audit_ = content_commands.add_parser("audit", help="build every term's questions and report what to fix")
    audit_.add_argument("paths", nargs="*", type=Path, help="pack directories (default: as configured)")
    audit_.add_argument("--json", action="store_true", help="print JSON")
    audit_.add_argument("--config", type=Path)
    imp = content_commands.add_parser("import", help="write or complete a pack skeleton from the seed text")
    imp.add_argument("cheatsheet", type=Path, help="the cheatsheet's plain text")
    imp.add_argument("--questions", type=Path, help="the open questions, one per line")
    imp.add_argument("--out", type=Path, required=True, help="the pack directory to write")
    return parser


def _pack_dirs(args: argparse.Namespace) -> list[Path]:
    if args.paths:
        return pack_directories(args.paths)
    return content_roots(load_config(args.config))


def _check_dirs(args: argparse.Namespace) -> list[Path]:
    """Return what `content check` validates: the configured packs and PATHs, together, as `run` would load them.

    Checked alone, an extra pack whose ids clash with the bundled pack's would pass and `run` then refuse it.
    """
    configured = content_roots(load_config(args.config))
    known = {path.resolve() for path in configured}
    return configured + [path for path in pack_directories(args.paths) if path.resolve() not in known]


def _content(args: argparse.Namespace) -> int:
    if args.content_command == "import":
        report = import_seed(args.cheatsheet, args.questions, args.out)
        print(
            f"added {report.terms_added} terms, {report.questions_added} questions, "
            f"{report.guide_sections_added} guide sections; wrote {len(report.files_written)} files"
        )
        return 0
    library = load_library(_check_dirs(args) if args.content_command == "check" else _pack_dirs(args))
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
    if args.content_command == "audit":
        return _audit(library, as_json=args.json)
    audited = audit(library)
    if audited.blocking:
        print(f"error: {len(audited.blocking)} problem(s) in the quiz questions:", file=sys.stderr)
        for finding in audited.blocking:
            print(f"  {finding.subject}: {finding.category}: {finding.detail}", file=sys.stderr)
        return 1
    print(
        f"ok: {figures['packs']} pack(s), {figures['chapters']} chapters, {figures['terms']} terms, "
        f"{figures['questions']} questions, all valid"
    )
    more = " (`interview-bot content audit` lists them)" if audited.findings else ""
    print(f"audit: {summary_line(audited)}{more}")
    return 0


def _audit(library: Library, *, as_json: bool) -> int:
    """Print the audit of the library's quiz questions; fail when it finds a give-away or a same-concept pair."""
    report = audit(library)
    if as_json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(render(report)))
    return 1 if report.blocking else 0


def _health(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    max_age = config.health.max_age_seconds if args.max_age is None else args.max_age
    healthy, line = check_heartbeat(config.heartbeat_file, max_age)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def _db(args: argparse.Namespace) -> int:
    if args.db_command == "copy":
        return _copy(args)
    database = load_config(args.config).database
    if database.url:
        raise ConfigError("db backup copies a SQLite database; back up PostgreSQL with its own tools (pg_dump)")
    source = database.path
    target = args.path / f"{source.stem}-{utc_stamp()}.db" if args.path.is_dir() else args.path
    schema = backup_database(source, target)
    print(f"backed up {source} (schema version {schema}) to {target}")
    return 0


def _copy(args: argparse.Namespace) -> int:
    if not is_url(args.to):
        raise ConfigError(f"--to must be a postgresql:// URL, not {args.to[:40]!r}")
    from bot.db.copy import copy_database  # imported here: asyncpg is loaded only when it is used

    source = load_config(args.config).database.path
    copied = asyncio.run(copy_database(source, args.to, password=read_database_password()))
    print(
        f"copied {copied.total} rows in {len(copied.rows)} tables (schema version {copied.version}) from "
        f"{copied.source} to {copied.target} in {copied.seconds:.1f} s"
    )
    for table, count in copied.rows.items():
        print(f"  {table}: {count}")
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
    commands = {"run": _run, "health": _health, "db": _db, "content": _content}
    try:
        return commands[args.command](args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"error: {len(exc.problems)} problem(s) in the content:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (DatabaseError, BackupError, SeedFormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
