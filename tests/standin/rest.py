"""Discord's REST API as the stand-in serves it: every request recorded, checked, throttled and answered.

The middleware records each request (`RecordedRequest`), checks its body against Discord's OpenAPI spec and
documented limits, applies injected faults and rate limits, and sends the answer completely before it marks
the request answered. The handlers model the routes a bot uses, on the stand-in's world and stored messages,
with Discord's error codes; any other route is answered 404 and recorded as unmodeled.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .contract import limit_problems, spec_problems
from .faults import major_key, ratelimit_headers, too_many_requests
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    CallbackRecord,
    InteractionHandle,
)
from .messages import is_empty, new_message, write_message
from .records import LOADING, RecordedRequest, StoredMessage, UploadedFile, Violation, next_order
from .world import Channel, Guild, Permissions, snowflake

if TYPE_CHECKING:
    from .server import StandIn

API_PREFIX = "/api/v10"
RECORD = web.RequestKey("record", RecordedRequest)
HAS_THREAD = 1 << 5
# Callback types Discord accepts per interaction type (modal submits: 6 and 7 only from a component).
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
Handler = Callable[[web.Request], Awaitable[web.Response]]


class DiscordError(Exception):
    """An error answer with Discord's JSON body ({"message", "code"})."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message

    def response(self) -> web.Response:
        """Return the HTTP response."""
        return json_response({"message": self.message, "code": self.code}, self.status)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Return JSON with `Content-Type: application/json` exactly: discord.py parses nothing else."""
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json", headers=headers)


def _rate_limited(retry_after: float, headers: dict[str, str], *, is_global: bool = False) -> web.Response:
    body, headers = too_many_requests(retry_after, is_global=is_global, headers=headers)
    return json_response(body, 429, headers)


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """Return the JSON body (multipart: its `payload_json`) and the uploaded files."""
    if request.content_type != "multipart/form-data":
        text = await request.text() if request.can_read_body else ""
        return (json.loads(text) if text else None), []
    body, files = None, []
    async for part in await request.multipart():
        assert isinstance(part, BodyPartReader)  # discord.py never nests multipart bodies
        if part.name == "payload_json":
            body = json.loads(await part.text())
        else:
            data = bytes(await part.read())
            files.append(UploadedFile(part.name or "", part.filename or "", part.headers.get("Content-Type"), data))
    return body, files


class RestApi:
    """The REST side of a stand-in: its routes and their handlers, on the stand-in's state."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.world = standin.world

    def add_routes(self, app: web.Application) -> None:
        """Serve the modeled routes under /api/v10 (anything else there: 404, unmodeled) and attachments."""
        app.middlewares.append(self._middleware)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._get_attachment)
        for method, route, handler in self._routes():
            app.router.add_route(method, API_PREFIX + route, handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unmodeled)

    # HTTP plumbing: record, check, throttle, answer

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        record = request[RECORD] = await self._record(request)
        self.standin._notify()
        refusal, headers = self._throttle(record)
        if refusal is None and self._check(record) and self.standin.reject_invalid:
            refusal = DiscordError(400, 50035, "Invalid Form Body").response()
        try:
            response = refusal or await handler(request)
        except DiscordError as error:
            response = error.response()
        response.headers.update(headers)
        hold = next((h for h in self.standin.holds if h.applies(record)), None)
        if hold is not None:
            await hold.keep(record)
            if request.transport is None or request.transport.is_closing():
                return response  # the bot went away meanwhile: nobody reads this answer
        # Discord answers through Google's load balancer; discord.py takes a 429 without Via for a
        # Cloudflare ban and gives up.
        response.headers["Via"] = "1.1 google"
        record.status = response.status
        # Send the answer completely before telling the test, which may then deliver the next event.
        await response.prepare(request)
        await response.write_eof()
        record.answered_order = next_order()
        record.answered.set()
        self.standin._notify()
        return response

    async def _record(self, request: web.Request) -> RecordedRequest:
        info = request.match_info
        modeled = "tail" not in info
        body, files = await _read_body(request)
        record = RecordedRequest(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            route=info.route.resource.canonical.removeprefix(API_PREFIX) if modeled and info.route.resource else None,
            params={k: v for k, v in info.items() if k != "tail"},
            query=dict(request.query),
            json=body,
            files=files,
            time=time.monotonic(),
        )
        self.standin.records.append(record)
        return record

    def _check(self, record: RecordedRequest) -> list[Violation]:
        """Record and return where the body breaks Discord's spec or documented limits."""
        if record.route is None:
            return []
        found = [Violation(record, "spec", p) for p in spec_problems(record.method, record.route, record.json)]
        found += [Violation(record, "limit", p) for p in limit_problems(record.method, record.route, record.json)]
        self.standin.violations += found
        return found

    def _throttle(self, record: RecordedRequest) -> tuple[web.Response | None, dict[str, str]]:
        """Return a refusal (injected fault or 429), else the rate-limit headers for the answer."""
        for fault in self.standin.faults:
            if fault.strikes(record):
                if fault.status != 429:
                    error = {"message": f"{fault.status}: injected by the test", "code": 0}
                    return json_response(error, fault.status), {}
                headers = {} if fault.is_global else ratelimit_headers(1, 0, fault.retry_after, "injected")
                return _rate_limited(fault.retry_after, headers, is_global=fault.is_global), {}
        exempt = (record.route or "").startswith(("/interactions/", "/webhooks/"))
        if self.standin.global_limit is not None and not exempt:
            allowed, headers = self.standin.global_limit.take("", record.time)
            if not allowed:
                return _rate_limited(float(headers["X-RateLimit-Reset-After"]), {}, is_global=True), {}
        for bucket in self.standin.rate_limits:
            if bucket.applies(record):
                allowed, headers = bucket.take(major_key(record), record.time)
                if not allowed:
                    return _rate_limited(float(headers["X-RateLimit-Reset-After"]), headers), {}
                return None, headers
        return None, {}

    async def _unmodeled(self, request: web.Request) -> web.Response:
        self.standin.unmodeled.append(request[RECORD])
        raise DiscordError(404, 0, "404: Not Found")

    async def _get_attachment(self, request: web.Request) -> web.Response:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.standin.messages.values():
            if upload := message.files.get(attachment_id):
                return web.Response(body=upload.data, content_type=upload.content_type or "application/octet-stream")
        raise web.HTTPNotFound()

    def _routes(self) -> list[tuple[str, str, Handler]]:
        # Routes as the OpenAPI spec spells them (the records' `route`). "@original" before "{message_id}".
        webhook = "/webhooks/{webhook_id}/{webhook_token}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/applications/{application_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self._post_callback),
            ("POST", webhook, self._post_followup),
            ("GET", webhook + "/messages/@original", self._get_webhook_message),
            ("PATCH", webhook + "/messages/@original", self._patch_webhook_message),
            ("DELETE", webhook + "/messages/@original", self._delete_webhook_message),
            ("GET", webhook + "/messages/{message_id}", self._get_webhook_message),
            ("PATCH", webhook + "/messages/{message_id}", self._patch_webhook_message),
            ("DELETE", webhook + "/messages/{message_id}", self._delete_webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._get_history),
            ("POST", "/channels/{channel_id}/messages", self._post_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._post_thread),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
        ]

    # REST: login, gateway, commands

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_response(self.world.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_application(self, request: web.Request) -> web.Response:
        return json_response(self.world.application_payload())

    async def _get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.standin.gateway_url, "shards": self.standin.shard_count, "session_start_limit": limit}
        )

    async def _get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.standin.commands.get(self._command_scope(request[RECORD]), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """Overwrite the commands; a command keeps its id while its name and type stay (as on Discord)."""
        record: RecordedRequest = request[RECORD]
        scope = self._command_scope(record)
        previous = {(c["name"], c["type"]): c["id"] for c in self.standin.commands.get(scope, [])}
        synced = []
        for command in record.json or []:
            kind = command.get("type", 1)
            permissions = command.get("default_member_permissions")
            echoed = {"type": kind, "description": "", "options": []} | command
            echoed |= {
                "id": previous.get((command["name"], kind)) or str(snowflake()),
                "application_id": str(self.world.application_id),
                "version": str(snowflake()),
                "default_member_permissions": None if permissions is None else str(permissions),
            }
            if scope is not None:
                echoed["guild_id"] = str(scope)
            synced.append(echoed)
        self.standin.commands[scope] = synced
        return json_response(synced)

    def _command_scope(self, record: RecordedRequest) -> int | None:
        if record.params["application_id"] != str(self.world.application_id):
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in record.params:
            return None
        guild = self._guild(record.params["guild_id"])
        return guild.id

    # REST: interactions and their webhooks

    async def _post_callback(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        handle = next((h for h in self.standin.interactions if str(h.id) == record.params["interaction_id"]), None)
        if handle is None or handle.token != record.params["interaction_token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        if handle.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.standin.interaction_deadline is not None
            and record.time - handle.delivered_at > self.standin.interaction_deadline
        ):
            raise DiscordError(404, 10062, "Unknown interaction")
        body = record.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        allowed = ALLOWED_CALLBACKS[handle.type] - (set() if handle.source_message else {6, 7})
        if kind not in allowed:
            self.standin.violations.append(
                Violation(record, "limit", f"callback type {kind} for interaction type {handle.type}")
            )
            raise DiscordError(400, 50035, "Invalid Form Body")

        message = None
        if kind == 4:
            message = handle.original = self._create_message(handle.channel, data, record, interaction=handle)
        elif kind == 5:
            flags = {"flags": data.get("flags", 0)}  # only ephemerality: the content comes with the edit
            message = handle.original = self._create_message(
                handle.channel, flags, record, interaction=handle, placeholder=True
            )
        elif kind in (6, 7):
            message = handle.original = handle.source_message
            if kind == 7 and message is not None:
                self._write_message(message, data, record, edit=True)
        handle.callback = CallbackRecord(kind, body.get("data"), record, message)

        interaction: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            interaction |= {
                "response_message_id": str(message.id),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": message.ephemeral,
            }
            resource["message"] = message.payload
        return json_response({"interaction": interaction, "resource": resource})

    def _webhook_interaction(self, record: RecordedRequest) -> InteractionHandle:
        """Return the interaction whose token the webhook route carries; it must have been answered."""
        token, app = record.params["webhook_token"], record.params["webhook_id"]
        handle = next((h for h in self.standin.interactions if h.token == token), None)
        if handle is None or handle.callback is None or app != str(self.world.application_id):
            raise DiscordError(404, 10015, "Unknown Webhook")
        if record.time - handle.delivered_at > self.standin.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return handle

    def _webhook_message(self, record: RecordedRequest) -> StoredMessage:
        handle = self._webhook_interaction(record)
        wanted = record.params.get("message_id")
        candidates = [handle.original] if wanted is None else [handle.original, *handle.followups]
        for message in candidates:
            if message is not None and not message.deleted and (wanted is None or str(message.id) == wanted):
                return message
        raise DiscordError(404, 10008, "Unknown Message")

    async def _post_followup(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        handle = self._webhook_interaction(record)
        body = record.json or {}
        if is_empty(body, record.files):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if handle.original is not None and handle.original.loading:
            # Documented: the first followup after a deferred response edits that response.
            message = handle.original
            self._write_message(message, body, record, edit=True)
        else:
            message = self._create_message(handle.channel, body, record, interaction=handle)
            handle.followups.append(message)
        if record.query.get("wait", "false").lower() not in ("1", "true"):
            return web.Response(status=204)
        return json_response(message.payload)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        return json_response(self._webhook_message(request[RECORD]).payload)

    async def _patch_webhook_message(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        message = self._webhook_message(record)
        self._write_message(message, record.json or {}, record, edit=True)
        return json_response(message.payload)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        self._webhook_message(request[RECORD]).deleted = True
        return web.Response(status=204)

    # REST: channels, messages, threads, guilds

    def _guild(self, guild_id: str) -> Guild:
        guild = self.world.guild(int(guild_id))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    def _channel(self, record: RecordedRequest, *needed: Permissions) -> Channel:
        """Return the route's channel if the bot sees it and has `needed` there, else Discord's error."""
        channel = self.world.channel(int(record.params["channel_id"]))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        self._require(channel, *needed)
        return channel

    def _require(self, channel: Channel, *needed: Permissions) -> None:
        have = channel.guild.me.permissions_in(channel)
        if not have & Permissions.VIEW_CHANNEL:
            raise DiscordError(403, 50001, "Missing Access")
        if any(not have & permission for permission in needed):
            raise DiscordError(403, 50013, "Missing Permissions")

    def _message(self, channel: Channel, record: RecordedRequest) -> StoredMessage:
        message = self.standin.messages.get(int(record.params["message_id"]))
        if message is None or message.deleted or message.ephemeral or message.channel_id != channel.id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, request: web.Request) -> web.Response:
        return json_response(self._channel(request[RECORD]).payload())

    async def _get_history(self, request: web.Request) -> web.Response:
        """Return up to `limit` messages before/after an id, newest first, as Discord does."""
        record: RecordedRequest = request[RECORD]
        channel = self._channel(record, Permissions.READ_MESSAGE_HISTORY)
        limit = min(int(record.query.get("limit", 50)), 100)
        messages = self.standin.channel_messages(channel)
        if "after" in record.query:
            messages = [m for m in messages if m.id > int(record.query["after"])][:limit]
        else:
            before = int(record.query.get("before", 1 << 63))
            messages = [m for m in messages if m.id < before][-limit:]
        return json_response([m.payload for m in reversed(messages)])

    async def _post_message(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        body = record.json or {}
        channel = self._channel(record)
        needed = [Permissions.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permissions.SEND_MESSAGES]
        if body.get("embeds"):
            needed.append(Permissions.EMBED_LINKS)
        if record.files:
            needed.append(Permissions.ATTACH_FILES)
        self._require(channel, *needed)
        nonces, author = self.standin.nonces, str(self.world.bot_user.id)
        earlier = nonces.earlier(body, author, record.time)
        if earlier is not None and not self.standin.messages[earlier].deleted:
            return json_response(self.standin.messages[earlier].payload)
        message = self._create_message(channel, body, record)
        nonces.remember(body, author, message.id, record.time)
        return json_response(message.payload)

    async def _get_message(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        channel = self._channel(record, Permissions.READ_MESSAGE_HISTORY)
        return json_response(self._message(channel, record).payload)

    async def _patch_message(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        message = self._message(self._channel(record), record)
        if message.payload["author"]["id"] != str(self.world.bot_user.id):
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._write_message(message, record.json or {}, record, edit=True)
        return json_response(message.payload)

    async def _delete_message(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        channel = self._channel(record)
        message = self._message(channel, record)
        if message.payload["author"]["id"] != str(self.world.bot_user.id):
            self._require(channel, Permissions.MANAGE_MESSAGES)
        message.deleted = True
        return web.Response(status=204)

    async def _post_thread(self, request: web.Request) -> web.Response:
        """Start a public thread from a message; the thread takes the message's id, as on Discord."""
        record: RecordedRequest = request[RECORD]
        channel = self._channel(record, Permissions.CREATE_PUBLIC_THREADS)
        message = self._message(channel, record)
        if channel.is_thread:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if "thread" in message.payload:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        name = (record.json or {}).get("name", "")
        thread = channel.guild.add_thread(channel, name, thread_id=message.id, owner_id=self.world.bot_user.id)
        message.payload["thread"] = thread.payload()
        message.payload["flags"] |= HAS_THREAD
        if self.standin.gateway.session is not None:
            await self.standin.dispatch("THREAD_CREATE", thread.payload() | {"newly_created": True})
        return json_response(thread.payload())

    async def _get_guild(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        guild = self._guild(record.params["guild_id"])
        payload = guild.rest_payload()
        if record.query.get("with_counts", "").lower() in ("1", "true"):
            payload |= {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
        return json_response(payload)

    async def _get_member(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        guild = self._guild(record.params["guild_id"])
        member = next((m for m in guild.members if str(m.id) == record.params["user_id"]), None)
        if member is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return json_response(member.payload())

    # Messages as Discord stores them

    def _create_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        record: RecordedRequest,
        *,
        interaction: InteractionHandle | None = None,
        placeholder: bool = False,
    ) -> StoredMessage:
        """Store a new message; a placeholder is a deferred response's "thinking…" message."""
        if is_empty(body, record.files) and not placeholder:
            raise DiscordError(400, 50006, "Cannot send an empty message")
        reference = body.get("message_reference")
        referenced = self.standin.messages.get(int(reference["message_id"])) if reference else None
        message = new_message(self.world, channel, interaction=interaction, reference=reference, referenced=referenced)
        self._write_message(message, body, record, edit=False)
        if placeholder:
            message.payload["flags"] |= LOADING
        self.standin.messages[message.id] = message
        return message

    def _write_message(
        self, message: StoredMessage, body: dict[str, Any], record: RecordedRequest, *, edit: bool
    ) -> None:
        write_message(message, body, record.files, edit=edit, attachments_url=f"{self.standin.http_base}/attachments")
        message.last_request = record
