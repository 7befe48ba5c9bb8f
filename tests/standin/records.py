"""What the stand-in records: every request, every message as Discord stores it, every broken contract."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .contract import walk_components

if TYPE_CHECKING:
    from .interactions import InteractionHandle

EPHEMERAL = 1 << 6
LOADING = 1 << 7  # a deferred response's "Bot is thinking…" placeholder
_order = itertools.count()


def next_order() -> int:
    """Return a number larger than every one returned before: which of two events in the stand-in came first."""
    return next(_order)


@dataclass(eq=False)
class UploadedFile:
    """A file part of a multipart request (`files[n]`)."""

    field: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def index(self) -> int:
        """The n of `files[n]`, which payload_json's `attachments[].id` refers to."""
        return int(self.field.removeprefix("files[").removesuffix("]"))


@dataclass(eq=False)
class RecordedRequest:
    """One HTTP request the bot made; `route` is the spec's path template (None if not modeled)."""

    method: str
    path: str
    route: str | None
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    time: float
    status: int | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    answered_order: int = -1  # next_order() when the answer had been sent

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class Violation:
    """A request body Discord would reject: by its OpenAPI schema ("spec") or its documented limits."""

    request: RecordedRequest
    source: str
    problem: str

    def __str__(self) -> str:
        return f"{self.request.method} {self.request.route} ({self.source}): {self.problem}"


@dataclass(eq=False)
class StoredMessage:
    """A message as the stand-in stores it: Discord's payload plus the bytes of its attachments."""

    payload: dict[str, Any]
    files: dict[int, UploadedFile] = field(default_factory=dict)  # by attachment id
    interaction: InteractionHandle | None = field(default=None, repr=False)
    deleted: bool = False
    # The request that last wrote the message: the bot has seen it (and registered the message's view)
    # only once that request's response has been sent.
    last_request: RecordedRequest | None = field(default=None, repr=False)

    @property
    def id(self) -> int:
        """The message id."""
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        """The id of the channel it is in."""
        return int(self.payload["channel_id"])

    @property
    def content(self) -> str:
        """The text content."""
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The embeds."""
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        """The top-level components (action rows, or v2 components)."""
        return self.payload.get("components") or []

    @property
    def flags(self) -> int:
        """The message flags."""
        return self.payload.get("flags") or 0

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees it."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether it is still a deferred response's placeholder."""
        return bool(self.flags & LOADING)

    def all_components(self) -> list[dict[str, Any]]:
        """Return every component, nested ones included."""
        return list(walk_components(self.components))

    def component(self, custom_id: str) -> dict[str, Any]:
        """Return the component with this custom_id."""
        for component in walk_components(self.components):
            if component.get("custom_id") == custom_id:
                return component
        known = [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]
        raise LookupError(f"message {self.id} has no component {custom_id!r}; it has {known}")

    def attachment(self, filename: str) -> UploadedFile:
        """Return the attached file with this name."""
        for upload in self.files.values():
            if upload.filename == filename:
                return upload
        raise LookupError(f"message {self.id} has no attachment {filename!r}")
