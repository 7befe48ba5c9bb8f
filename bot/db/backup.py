"""Copies of the database made with SQLite's online backup: consistent while the bot runs and writes.

The copy is read through SQLite, not the file system, so it includes what is still in the write-ahead log
(`<db>-wal`) and never a half-written page. It is written beside the target first, checked with
`PRAGMA integrity_check`, and only then renamed into place, as one self-contained file (journal mode DELETE).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path


class BackupError(Exception):
    """The database could not be copied; the message says why."""


def utc_stamp(moment: datetime | None = None) -> str:
    """Return a compact UTC timestamp for file names, e.g. 20261123T080000Z."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def backup_database(source: Path, target: Path) -> int:
    """Copy the database at `source` to the new file `target`; return the copy's schema version.

    Raise `BackupError` when there is nothing to copy, `target` exists (a backup never overwrites), or the
    copy fails or does not pass SQLite's integrity check.
    """
    if not source.is_file():
        raise BackupError(f"no database at {source}: nothing to back up")
    if target.exists():
        raise BackupError(f"{target} exists: a backup never overwrites a file, choose another name")
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # left by a backup that was interrupted
        with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(partial)) as dst:
            src.execute("PRAGMA busy_timeout = 5000")
            src.backup(dst)  # one step: a consistent snapshot, WAL included, while the bot goes on writing
            dst.execute("PRAGMA journal_mode = DELETE")  # a single file, whatever the source's mode
            version = int(dst.execute("PRAGMA user_version").fetchone()[0])
            verdict = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise BackupError(f"the copy of {source} fails SQLite's integrity check: {'; '.join(verdict[:3])}")
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"cannot back up {source} to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return version
