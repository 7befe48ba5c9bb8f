"""Messages as Discord stores them: a new message's payload, and a create or edit body applied to it."""

from __future__ import annotations

from typing import Any

from .interactions import APPLICATION_COMMAND, InteractionHandle
from .records import EPHEMERAL, LOADING, StoredMessage, UploadedFile
from .world import Channel, World, iso_now, snowflake


def is_empty(body: dict[str, Any], files: list[UploadedFile]) -> bool:
    """Whether Discord would refuse the body as an empty message (50006)."""
    return not files and not any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))


def new_message(
    world: World,
    channel: Channel,
    *,
    interaction: InteractionHandle | None = None,
    reference: dict[str, Any] | None = None,
    referenced: StoredMessage | None = None,
) -> StoredMessage:
    """Return an empty message by the bot, as an interaction response or reply if so."""
    payload: dict[str, Any] = {
        "id": str(snowflake()),
        "channel_id": str(channel.id),
        "author": world.bot_user.payload(),
        "type": 0,
        "content": "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "flags": 0,
    }
    if interaction is not None:
        metadata: dict[str, Any] = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": interaction.member.user.payload(),
            "authorizing_integration_owners": {"0": str(channel.guild.id)},
        }
        if interaction.source_message is not None:
            metadata["interacted_message_id"] = str(interaction.source_message.id)
        if interaction.original is not None:
            metadata["original_response_message_id"] = str(interaction.original.id)
        payload |= {
            "type": 20 if interaction.type == APPLICATION_COMMAND else 0,
            "webhook_id": str(world.application_id),
            "application_id": str(world.application_id),
            "interaction_metadata": metadata,
        }
    if reference:
        payload |= {"type": 19, "message_reference": reference}
        payload["referenced_message"] = referenced.payload if referenced else None
    return StoredMessage(payload, interaction=interaction)


def write_message(
    message: StoredMessage,
    body: dict[str, Any],
    files: list[UploadedFile],
    *,
    edit: bool,
    attachments_url: str,
) -> None:
    """Apply a create or edit body: the fields present replace, attachments are kept by id or uploaded."""
    payload = message.payload
    was_loading = message.loading
    if "content" in body:
        payload["content"] = body["content"] or ""
    if "embeds" in body:
        payload["embeds"] = [{"type": "rich"} | embed for embed in body["embeds"] or []]
    if "components" in body:
        payload["components"] = body["components"] or []
    if "flags" in body:
        # Ephemerality is set at creation only; an edit may change the rest (suppress embeds, v2).
        keep = EPHEMERAL if edit else 0
        payload["flags"] = (payload["flags"] & keep) | ((body["flags"] or 0) & ~(keep | LOADING))
    if edit:
        payload["flags"] &= ~LOADING  # editing a deferred response replaces its placeholder
        if not was_loading:
            payload["edited_timestamp"] = iso_now()
    _write_attachments(message, body, files, attachments_url)


def _write_attachments(
    message: StoredMessage, body: dict[str, Any], files: list[UploadedFile], attachments_url: str
) -> None:
    """Keep the attachments `body["attachments"]` lists by id, add the uploads it lists by index.

    Without that list, an edit keeps every attachment and adds every upload, as Discord does.
    """
    uploads = {upload.index: upload for upload in files}
    existing = message.payload["attachments"]
    entries = body.get("attachments")
    if entries is None:
        entries = [{"id": a["id"]} for a in existing] + [{"id": i} for i in uploads]
    kept = {a["id"]: a for a in existing}
    attachments, stored = [], {}
    for entry in entries:
        if (attachment := kept.get(str(entry["id"]))) is not None:
            stored[int(attachment["id"])] = message.files[int(attachment["id"])]
        elif (upload := uploads.get(int(entry["id"]))) is not None:
            filename = entry.get("filename") or upload.filename
            attachment_id = snowflake()
            url = f"{attachments_url}/{message.channel_id}/{attachment_id}/{filename}"
            attachment = {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            if entry.get("description"):
                attachment["description"] = entry["description"]
            stored[attachment_id] = UploadedFile(upload.field, filename, upload.content_type, upload.data)
        else:
            continue
        attachments.append(attachment)
    message.payload["attachments"] = attachments
    message.files = stored


class Nonces:
    """Discord's message nonces: a send with `enforce_nonce` and a nonce seen recently returns that message.

    Discord documents the check as "in the past few minutes" for messages by the same author; `window`
    seconds stand for those minutes, and `expire()` lets a test say that they have passed.
    """

    def __init__(self, window: float = 300.0) -> None:
        self.window = window
        self._seen: dict[tuple[str, str], tuple[int, float]] = {}  # (author id, nonce) → (message id, when)

    def earlier(self, body: dict[str, Any], author_id: str, now: float) -> int | None:
        """Return the id of the message an enforced nonce already created within the window, if any."""
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        seen = self._seen.get((author_id, str(nonce)))
        return seen[0] if seen is not None and now - seen[1] < self.window else None

    def remember(self, body: dict[str, Any], author_id: str, message_id: int, now: float) -> None:
        """Note the nonce of a message just created."""
        if body.get("nonce") is not None:
            self._seen[(author_id, str(body["nonce"]))] = (message_id, now)

    def expire(self) -> None:
        """Let the window pass for every nonce seen so far."""
        self._seen.clear()
