"""What Discord would reject: request bodies checked against its OpenAPI spec and its documented limits.

The spec (discord-api-spec/openapi.json beside this file, MIT, from github.com/discord/discord-api-spec)
is loose in places: it allows 4,000 characters of content (the limit for Nitro users, not bots), has no
pattern for command names and no per-row limit for buttons. `limit_problems` checks those numbers as
Discord's developer documentation states them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "discord-api-spec" / "openapi.json"
_SPEC_URI = "urn:discord-api-spec"


@functools.cache
def _spec() -> dict[str, Any]:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    # The spec types snowflakes as strings only, but Discord also takes JSON integers, which discord.py
    # sends (e.g. the attachment indices of an upload's `attachments[].id`).
    snowflake = spec["components"]["schemas"]["SnowflakeType"]
    spec["components"]["schemas"]["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    return spec


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    return Registry().with_resource(_SPEC_URI, resource)


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@functools.cache
def _validator(method: str, route: str) -> Draft202012Validator | None:
    """Return a validator for the operation's JSON request body, or None if it takes none."""
    operation = _spec()["paths"].get(route, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    # A $ref into the whole spec, so the schema's own "#/components/..." references resolve.
    ref = f"{_SPEC_URI}#/" + _pointer("paths", route, method.lower(), "requestBody", "content", "application/json")
    return Draft202012Validator({"$ref": ref + "/schema"}, registry=_registry())


def _depth(error: ValidationError) -> int:
    return max([len(error.absolute_path), *map(_depth, error.context)])


def _deepest(error: ValidationError) -> ValidationError:
    """Follow anyOf/oneOf into the branch that got furthest into the body: usually the one meant."""
    while error.context:
        error = max(error.context, key=_depth)
    return error


def _describe(value: Any) -> str:
    if isinstance(value, str) and len(value) > 40:
        return f"{len(value)} characters"
    if isinstance(value, list | dict) and len(repr(value)) > 80:
        return f"a {type(value).__name__} of {len(value)} items"
    return repr(value)


def spec_problems(method: str, route: str, body: Any) -> list[str]:
    """Return where the body breaks the OpenAPI schema of `method route` (route as the spec spells it)."""
    validator = _validator(method, route)
    if validator is None or body is None:
        return []
    problems = []
    for error in validator.iter_errors(body):
        leaf = _deepest(error)
        where = "/".join(map(str, leaf.absolute_path)) or "(body)"
        problems.append(f"{where}: {leaf.validator} {leaf.validator_value!r} fails on {_describe(leaf.instance)}")
    return problems


# Discord's documented limits that the spec does not state.


def _too_long(where: str, value: Any, limit: int) -> Iterator[str]:
    if isinstance(value, str) and len(value) > limit:
        yield f"{where}: {len(value)} characters > {limit}"


def _embed_problems(embeds: list[dict[str, Any]]) -> Iterator[str]:
    if len(embeds) > 10:
        yield f"embeds: {len(embeds)} > 10"
    total = 0
    for i, embed in enumerate(embeds):
        fields = embed.get("fields") or []
        texts = {
            "title": (embed.get("title"), 256),
            "description": (embed.get("description"), 4096),
            "footer.text": ((embed.get("footer") or {}).get("text"), 2048),
            "author.name": ((embed.get("author") or {}).get("name"), 256),
        }
        for j, f in enumerate(fields):
            texts[f"fields/{j}/name"] = (f.get("name"), 256)
            texts[f"fields/{j}/value"] = (f.get("value"), 1024)
        for name, (text, limit) in texts.items():
            yield from _too_long(f"embeds/{i}/{name}", text, limit)
            total += len(text or "")
        if len(fields) > 25:
            yield f"embeds/{i}/fields: {len(fields)} > 25"
    if total > 6000:
        yield f"embeds: {total} characters in total > 6000"


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every component, nested ones (rows, containers, sections, labels) included."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if component.get(key):
                yield from walk_components([component[key]])


def _component_problems(components: list[dict[str, Any]], *, v2: bool) -> Iterator[str]:
    if not v2:
        if len(components) > 5:
            yield f"components: {len(components)} action rows > 5"
        for i, row in enumerate(components):
            children = row.get("components") or []
            buttons = sum(c.get("type") == 2 for c in children)
            if buttons > 5:
                yield f"components/{i}: {buttons} buttons > 5"
            if len(children) > 1 and buttons < len(children):
                yield f"components/{i}: a select menu must be alone in its row"
    custom_ids = []
    for component in walk_components(components):
        if "custom_id" in component:
            custom_ids.append(component["custom_id"])
            yield from _too_long("custom_id", component["custom_id"], 100)
        if component.get("type") == 2:
            yield from _too_long("button label", component.get("label"), 80)
        options = component.get("options") or []
        if len(options) > 25:
            yield f"select {component.get('custom_id')!r}: {len(options)} options > 25"
    if len(custom_ids) != len(set(custom_ids)):
        yield f"components: custom_ids are not unique: {custom_ids}"


def message_problems(body: dict[str, Any]) -> list[str]:
    """Check a message body (create or edit; interaction, webhook or channel)."""
    problems = list(_too_long("content", body.get("content"), 2000))
    problems += _embed_problems(body.get("embeds") or [])
    v2 = bool((body.get("flags") or 0) & (1 << 15))
    problems += _component_problems(body.get("components") or [], v2=v2)
    return problems


def _modal_problems(data: dict[str, Any]) -> Iterator[str]:
    yield from _too_long("modal title", data.get("title"), 45)
    yield from _too_long("modal custom_id", data.get("custom_id"), 100)
    components = data.get("components") or []
    if len(components) > 5:
        yield f"modal: {len(components)} components > 5"
    for component in walk_components(components):
        if component.get("type") in (4, 18):
            yield from _too_long("modal label", component.get("label"), 45)
        if component.get("type") == 4:
            yield from _too_long("text input custom_id", component.get("custom_id"), 100)
            yield from _too_long("text input placeholder", component.get("placeholder"), 100)
            yield from _too_long("text input value", component.get("value"), 4000)


def _choice_problems(where: str, choices: list[dict[str, Any]]) -> Iterator[str]:
    if len(choices) > 25:
        yield f"{where}: {len(choices)} choices > 25"
    for i, choice in enumerate(choices):
        yield from _too_long(f"{where}/{i}/name", choice.get("name"), 100)
        yield from _too_long(f"{where}/{i}/value", choice.get("value"), 100)
        if not choice.get("name"):
            yield f"{where}/{i}/name is empty"


def callback_problems(body: dict[str, Any]) -> list[str]:
    """Check an interaction callback by its type."""
    data = body.get("data") or {}
    kind = body.get("type")
    if kind in (4, 7):
        return message_problems(data)
    if kind == 8:
        return list(_choice_problems("choices", data.get("choices") or []))
    if kind == 9:
        return list(_modal_problems(data))
    return []


def _is_valid_name(name: Any) -> bool:
    # ^[-_\p{L}\p{N}]{1,32}$ (Python's re has no \p{}); chat-input names must also be lowercase.
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(c.isalnum() or c in "-_" for c in name)
        and name == name.lower()
    )


def _option_problems(where: str, options: list[dict[str, Any]]) -> Iterator[str]:
    if len(options) > 25:
        yield f"{where}: {len(options)} options > 25"
    seen_optional = False
    for option in options:
        name = option.get("name")
        here = f"{where}/{name}"
        if not _is_valid_name(name):
            yield f"{here}: name must match ^[-_\\p{{L}}\\p{{N}}]{{1,32}}$ in lowercase"
        description = option.get("description") or ""
        if not 1 <= len(description) <= 100:
            yield f"{here}: description must be 1-100 characters, is {len(description)}"
        yield from _choice_problems(f"{here}/choices", option.get("choices") or [])
        if option.get("type") in (1, 2):
            yield from _option_problems(here, option.get("options") or [])
        elif option.get("required"):
            if seen_optional:
                yield f"{here}: a required option after an optional one"
        else:
            seen_optional = True


def commands_problems(commands: list[dict[str, Any]] | None) -> list[str]:
    """Check a bulk overwrite of application commands."""
    problems: list[str] = []
    for command in commands or []:
        if command.get("type", 1) != 1:  # context menus: free-form names, no description
            continue
        name = command.get("name")
        if not _is_valid_name(name):
            problems.append(f"/{name}: name must match ^[-_\\p{{L}}\\p{{N}}]{{1,32}}$ in lowercase")
        description = command.get("description") or ""
        if not 1 <= len(description) <= 100:
            problems.append(f"/{name}: description must be 1-100 characters, is {len(description)}")
        problems += _option_problems(f"/{name}", command.get("options") or [])
    if sum(c.get("type", 1) == 1 for c in commands or []) > 100:
        problems.append("more than 100 slash commands")
    return problems


def _thread_problems(body: dict[str, Any]) -> list[str]:
    return list(_too_long("thread name", body.get("name"), 100))


LIMIT_CHECKS: dict[tuple[str, str], Callable[[Any], list[str]]] = {
    ("POST", "/channels/{channel_id}/messages"): message_problems,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): message_problems,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): message_problems,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): message_problems,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): message_problems,
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): callback_problems,
    ("PUT", "/applications/{application_id}/commands"): commands_problems,
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): commands_problems,
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): _thread_problems,
}


def limit_problems(method: str, route: str, body: Any) -> list[str]:
    """Return the documented limits the body breaks."""
    check = LIMIT_CHECKS.get((method, route))
    if check is None or body is None:
        return []
    return check(body)
