"""Interactions the test delivers as Discord would, and the handle that follows each one's answer.

Payloads mirror INTERACTION_CREATE as Discord sends it in a guild: the invoking `member` with its
`permissions` in the channel, the bot's `app_permissions`, the partial `channel` and `guild`, and for a
component or a modal opened from one, the `message` it is on. Slash and autocomplete data carry the id
and option types of the command the bot synced, so a test passes only names and values.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .records import RecordedRequest, StoredMessage
from .world import Channel, Member, Role, User, World, snowflake

T = TypeVar("T")
Waiter = Callable[[Callable[[], T | None], float], Awaitable[T]]

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5  # interaction types
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})


@dataclass(eq=False)
class CallbackRecord:
    """The bot's accepted answer to an interaction: callback type, its data, the message it wrote."""

    type: int
    data: dict[str, Any] | None
    request: RecordedRequest
    message: StoredMessage | None


@dataclass(eq=False)
class InteractionHandle:
    """One delivered interaction and what the bot did with it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any] = field(repr=False)
    member: Member = field(repr=False)
    channel: Channel = field(repr=False)
    source_message: StoredMessage | None = field(repr=False)
    wait_until: Waiter[Any] = field(repr=False)
    delivered_at: float = field(default_factory=time.monotonic)
    callback: CallbackRecord | None = None
    original: StoredMessage | None = field(default=None, repr=False)
    followups: list[StoredMessage] = field(default_factory=list, repr=False)

    @property
    def latency(self) -> float | None:
        """Seconds from delivery to the bot's callback (Discord allows 3)."""
        return None if self.callback is None else self.callback.request.time - self.delivered_at

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback type 9), if it did."""
        return self.callback.data if self.callback and self.callback.type == 9 else None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """The autocomplete choices the bot offered (callback type 8), if it did."""
        if self.callback and self.callback.type == 8:
            return (self.callback.data or {}).get("choices", [])
        return None

    async def response(self, timeout: float = 5.0) -> CallbackRecord:  # noqa: ASYNC109
        """Wait for the bot's callback, and for the bot to have received its HTTP answer."""
        callback = await self.wait_until(lambda: self.callback, timeout)
        await callback.request.answered.wait()
        return callback

    async def original_message(self, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
        """Wait for the response message with real content (a deferred one once edited); return it."""
        return await self.wait_until(
            lambda: self.original if self.original and not self.original.loading else None, timeout
        )

    async def followup(self, index: int = 0, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
        """Wait for the index-th followup message; return it.

        As on Discord, the first followup after a deferred response (callback type 5) edits that
        response instead: find it with `original_message()`.
        """
        return await self.wait_until(lambda: self.followups[index] if len(self.followups) > index else None, timeout)


def interaction_payload(
    world: World,
    kind: int,
    data: dict[str, Any],
    member: Member,
    channel: Channel,
    message: StoredMessage | None = None,
) -> dict[str, Any]:
    """Return INTERACTION_CREATE's data for an interaction in a guild channel."""
    guild = channel.guild
    payload: dict[str, Any] = {
        "id": str(snowflake()),
        "application_id": str(world.application_id),
        "type": kind,
        "data": data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": channel.payload(),
        "member": member.payload(channel),
        "token": f"interaction-token-{snowflake()}",
        "version": 1,
        "app_permissions": str(int(guild.me.permissions_in(channel))),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if message is not None:
        payload["message"] = message.payload
    return payload


def _resolve(value: Any, kind: int, invoker: Member, channel: Channel, resolved: dict[str, dict[str, Any]]) -> str:
    """Add a user, member, role or channel to `resolved` as Discord does; return its id for `value`."""
    if isinstance(value, Member) and kind in (6, 9):
        resolved.setdefault("users", {})[str(value.id)] = value.user.payload()
        member = value.payload(channel)
        del member["user"]
        resolved.setdefault("members", {})[str(value.id)] = member
    elif isinstance(value, User) and kind in (6, 9):
        resolved.setdefault("users", {})[str(value.id)] = value.payload()
    elif isinstance(value, Role) and kind in (8, 9):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
    elif isinstance(value, Channel) and kind == 7:
        data = value.payload() | {"permissions": str(int(invoker.permissions_in(value)))}
        resolved.setdefault("channels", {})[str(value.id)] = data
    else:
        raise TypeError(f"option type {kind} cannot take {value!r}")
    return str(value.id)


def _forged(value: Any, invoker: Member, channel: Channel, resolved: dict[str, dict[str, Any]]) -> Any:
    """Return a value as a modified client may send it: a world object by id, resolved as what it is."""
    kinds = ((Member, 6), (User, 6), (Role, 8), (Channel, 7))
    kind = next((k for cls, k in kinds if isinstance(value, cls)), None)
    return value if kind is None else _resolve(value, kind, invoker, channel, resolved)


def _check_value(definition: dict[str, Any], value: Any) -> None:
    """Refuse what Discord's client would not let a user enter."""
    name, kind = definition["name"], definition["type"]
    expected: dict[int, type | tuple[type, ...]] = {3: str, 4: int, 5: bool, 10: (int, float)}
    if not isinstance(value, expected[kind]) or (kind in (4, 10) and isinstance(value, bool)):
        raise TypeError(f"option {name!r} (type {kind}) cannot take {value!r}")
    choices = [c["value"] for c in definition.get("choices") or []]
    if choices and value not in choices:
        raise ValueError(f"option {name!r} offers only {choices}, not {value!r}")
    size = len(value) if isinstance(value, str) else value
    low = definition.get("min_length" if kind == 3 else "min_value")
    high = definition.get("max_length" if kind == 3 else "max_value")
    if (low is not None and size < low) or (high is not None and size > high):
        raise ValueError(f"option {name!r} must be within [{low}, {high}], not {value!r}")


def command_data(
    command: dict[str, Any],
    path: list[str],
    values: dict[str, Any],
    invoker: Member,
    channel: Channel,
    focused: str | None = None,
    *,
    forged: bool = False,
) -> dict[str, Any]:
    """Return a slash command's (or autocomplete's) interaction data from the synced definition.

    `forged`: values go unchecked, and a world object goes in `resolved` as what it is, whatever the option's type.
    """
    definitions = command.get("options") or []
    nesting: list[dict[str, Any]] = []
    for part in path:
        group = next(
            (o for o in definitions if o["name"] == part and o["type"] in (SUBCOMMAND, SUBCOMMAND_GROUP)),
            None,
        )
        if group is None:
            raise LookupError(f"/{command['name']} has no subcommand {part!r} (path {path})")
        nesting.append({"type": group["type"], "name": part, "options": []})
        definitions = group.get("options") or []

    by_name = {o["name"]: o for o in definitions}
    resolved: dict[str, dict[str, Any]] = {}
    options = []
    for name, value in values.items():
        if name not in by_name:
            raise LookupError(f"/{command['name']} {' '.join(path)} has no option {name!r}; it has {list(by_name)}")
        definition = by_name[name]
        option: dict[str, Any] = {"name": name, "type": definition["type"]}
        if name == focused:
            option |= {"value": value, "focused": True}  # the text typed so far, unchecked
        elif forged:
            option["value"] = _forged(value, invoker, channel, resolved)
        elif definition["type"] in (3, 4, 5, 10):
            _check_value(definition, value)
            option["value"] = value
        else:
            option["value"] = _resolve(value, definition["type"], invoker, channel, resolved)
        options.append(option)
    if focused is None:
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in values]
        if missing:
            raise ValueError(f"/{command['name']} {' '.join(path)} needs the options {missing}")
    elif focused not in values:
        raise ValueError(f"the focused option {focused!r} needs a value")

    # Nest the leaf options under the subcommand (group) options, innermost last.
    for level in reversed(nesting):
        level["options"] = options
        options = [level]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def modal_submit_data(modal: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Return modal-submit data mirroring the modal's layout (action rows or labels) with the values."""
    unused = dict(values)

    def answer(component: dict[str, Any]) -> dict[str, Any]:
        kind = component["type"]
        if kind == 1:
            return {"type": 1, "components": [answer(c) for c in component["components"]]}
        if kind == 18:
            return {"type": 18, "component": answer(component["component"])}
        custom_id = component.get("custom_id")
        if custom_id is None:  # text displays and the like carry no value
            return {"type": kind}
        value = unused.pop(custom_id, None)
        if kind == 4:
            if value is None and component.get("required", True):
                raise ValueError(f"modal {modal['custom_id']!r} needs a value for {custom_id!r}")
            return {"type": 4, "custom_id": custom_id, "value": value or ""}
        return {"type": kind, "custom_id": custom_id, "values": list(value or [])}

    components = [answer(c) for c in modal["components"]]
    if unused:
        raise LookupError(f"modal {modal['custom_id']!r} has no inputs {list(unused)}")
    return {"custom_id": modal["custom_id"], "components": components}
