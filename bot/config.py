"""The bot's one typed configuration, read from TOML into frozen dataclasses.

Every key has a default, so the file is optional; `config.example.toml` documents each one. Unknown keys and
values of the wrong type or range are refused with a `ConfigError` naming the key. The token is never read
from the file: only from the `DISCORD_TOKEN` environment variable; the database's password may come from
`DATABASE_PASSWORD` instead of the URL.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """How to reach Discord."""

    dev_guild_id: int = 0
    api_base: str = ""
    guild_ready_timeout: float = 2.0
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if self.dev_guild_id < 0:
            raise ValueError("dev_guild_id must be a Discord server id (a positive number) or 0")
        if self.shard_count < 0:
            raise ValueError("shard_count must be a positive number, or 0 for Discord's recommendation")
        if self.shard_ids and not self.shard_count:
            raise ValueError("shard_ids needs shard_count: the shards this process runs are out of how many")
        if any(not 0 <= i < self.shard_count for i in self.shard_ids) or len(set(self.shard_ids)) < len(self.shard_ids):
            raise ValueError(f"shard_ids must be different numbers from 0 to {self.shard_count - 1}")
        if self.api_base and not self.api_base.startswith(("http://", "https://")):
            raise ValueError("api_base must start with http:// or https://")
        if not 0 < self.guild_ready_timeout <= 60:
            raise ValueError("guild_ready_timeout must be between 0 and 60 seconds")


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """Which database: a PostgreSQL server when `url` is set, else the SQLite file at `path`."""

    path: Path = Path("data/interview-bot.db")
    url: str = ""
    busy_timeout_seconds: float = 20.0

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if not str(self.path):
            raise ValueError("path must not be empty")
        if not 0 < self.busy_timeout_seconds <= 600:
            raise ValueError("busy_timeout_seconds must be more than 0 and at most 600")
        if self.url and not self.url.startswith(("postgresql://", "postgres://")):
            raise ValueError("url must be empty (SQLite at path) or start with postgresql://")

    @property
    def target(self) -> Path | str:
        """What `open_database` takes: the URL when one is set, else the SQLite file's path."""
        return self.url or self.path


@dataclass(frozen=True, slots=True)
class ContentConfig:
    """Which content packs to load besides the bundled one."""

    extra_dirs: tuple[Path, ...] = ()
    include_bundled: bool = True

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if not self.include_bundled and not self.extra_dirs:
            raise ValueError("with include_bundled = false, extra_dirs must name at least one pack directory")


@dataclass(frozen=True, slots=True)
class DailyConfig:
    """The daily question."""

    grace_hours: float = 6.0

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if not 0 <= self.grace_hours <= 23:
            raise ValueError("grace_hours must be between 0 and 23")


@dataclass(frozen=True, slots=True)
class QuizConfig:
    """Solo quizzes and group battles."""

    lobby_seconds: int = 60
    solo_timeout_seconds: int = 600

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if not 10 <= self.lobby_seconds <= 600:
            raise ValueError("lobby_seconds must be between 10 and 600")
        if not 60 <= self.solo_timeout_seconds <= 840:
            # An interaction token lives 15 minutes: a session must end before its token does.
            raise ValueError("solo_timeout_seconds must be between 60 and 840")


@dataclass(frozen=True, slots=True)
class RateConfig:
    """Pacing of the bot's own REST traffic: at most this many requests in any one second, evenly spread."""

    requests_per_second: float = 48.0

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if not 1 <= self.requests_per_second <= 50:
            raise ValueError("requests_per_second must be between 1 and 50 (Discord's global limit)")


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """Log output."""

    level: str = "INFO"
    format: str = "text"

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if self.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        if self.format not in {"text", "json"}:
            raise ValueError('format must be "text" or "json"')


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """The heartbeat file the bot keeps fresh while connected, and what `interview-bot health` accepts."""

    heartbeat_file: Path | None = None  # None: beside the database, `<database file>.heartbeat`
    heartbeat_seconds: float = 30.0
    max_age_seconds: float = 90.0

    def validate(self) -> None:
        """Raise ValueError, saying what to fix, if a setting is not allowed."""
        if not 1 <= self.heartbeat_seconds <= 600:
            raise ValueError("heartbeat_seconds must be between 1 and 600")
        if self.max_age_seconds <= self.heartbeat_seconds:
            raise ValueError("max_age_seconds must be more than heartbeat_seconds")


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration."""

    discord: DiscordConfig = field(default_factory=DiscordConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    daily: DailyConfig = field(default_factory=DailyConfig)
    quiz: QuizConfig = field(default_factory=QuizConfig)
    rate: RateConfig = field(default_factory=RateConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    health: HealthConfig = field(default_factory=HealthConfig)

    @property
    def heartbeat_file(self) -> Path:
        """Return where the bot writes its heartbeat: as configured, else beside the database."""
        return self.health.heartbeat_file or self.database.path.with_name(self.database.path.name + ".heartbeat")

    @property
    def content_cache_dir(self) -> Path:
        """Return where parsed content files are cached: `content-cache/` beside the database file."""
        return self.database.path.parent / "content-cache"


def _convert(value: Any, annotation: Any, key: str, base: Path) -> Any:
    """Check one TOML value against the field's type and convert it (paths resolve against `base`)."""
    origin = typing.get_origin(annotation)
    if annotation is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false")
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be a whole number")
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number")
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string")
        return value
    if annotation == Path | None:
        # TOML has no null: an empty string stands for "not set" (the default, documented beside the key).
        return None if value == "" else _convert(value, Path, key, base)
    if annotation is Path:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a path (a string)")
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list")
        (item_type, _) = typing.get_args(annotation)
        return tuple(_convert(v, item_type, f"{key}[{n}]", base) for n, v in enumerate(value))
    raise ConfigError(f"{key}: unsupported type {annotation!r}")


def _section(cls: type, data: Any, name: str, base: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"[{name}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key {name}.{unknown[0]} (known keys: {', '.join(sorted(known))})")
    values = {k: _convert(v, hints[k], f"{name}.{k}", base) for k, v in data.items()}
    for f in dataclasses.fields(cls):
        if hints[f.name] is Path and f.name not in values:
            assert isinstance(f.default, Path)  # every path setting has a default
            values[f.name] = base / f.default  # a default path, like a configured one, is relative to base
    section = cls(**values)
    try:
        section.validate()
    except ValueError as exc:
        raise ConfigError(f"bad value in [{name}]: {exc}") from None
    return section


def parse_config(data: dict[str, Any], base: Path) -> Config:
    """Build a `Config` from parsed TOML; relative paths resolve against `base`."""
    sections = {f.name: f for f in dataclasses.fields(Config)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}] (known sections: {', '.join(sections)})")
    hints = typing.get_type_hints(Config)
    values = {name: _section(hints[name], data[name], name, base) for name in data}
    defaults = {name: _section(hints[name], {}, name, base) for name in sections if name not in values}
    return Config(**values, **defaults)


def load_config(path: Path | None) -> Config:
    """Read the config file (optional when `path` is None and ./config.toml does not exist)."""
    if path is None:
        path = Path("config.toml")
        if not path.exists():
            return parse_config({}, Path.cwd())
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        return parse_config(data, path.resolve().parent)
    except ConfigError as exc:
        raise ConfigError(f"config file {path}: {exc}") from None


def read_database_password(environ: typing.Mapping[str, str] = os.environ) -> str | None:
    """Return the database password from `DATABASE_PASSWORD`, if set (it then overrides one in the URL)."""
    return environ.get("DATABASE_PASSWORD") or None


def read_token(environ: typing.Mapping[str, str] = os.environ) -> str:
    """Return the bot token from `DISCORD_TOKEN`, or raise a `ConfigError` saying how to provide it."""
    token = environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: export DISCORD_TOKEN=<your bot token> "
            "(from the Discord developer portal, Bot tab) and run again"
        )
    return token
