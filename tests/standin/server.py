"""A Discord stand-in on 127.0.0.1 (REST + Gateway) that the real, unmodified discord.py client talks to.

The bot reaches it through its REST base alone (`discord.http.Route.BASE = standin.api_base`): an
AutoShardedBot asks `GET /gateway/bot` for the gateway URL, and READY's `resume_gateway_url` keeps it here.
The stand-in plays Discord: it keeps a world (guilds, channels, roles, members), stores the messages the
bot writes, delivers interactions, and records every request, checking each body against Discord's
OpenAPI spec and documented limits. Tests fail on `problems()`: broken contracts, routes the stand-in does
not model (answered 404, as a typo'd route would be by Discord), and interactions answered late.

    async with running_standin() as standin, running_bot(make_bot(standin.api_base)):
        handle = await standin.slash("ping")
        callback = await handle.response()
        assert callback.message.content == "pong"
    assert not standin.problems()

The world, stored messages and synced commands outlive the bot, so a test can close the bot and start a
new one against the same stand-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web

from .contract import limit_problems, spec_problems
from .faults import Fault, RateLimit, major_key, ratelimit_headers, too_many_requests
from .gateway import Gateway
from .holds import Hold
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SELECT_TYPES,
    CallbackRecord,
    InteractionHandle,
    command_data,
    interaction_payload,
    modal_submit_data,
)
from .messages import Nonces, is_empty, new_message, write_message
from .records import LOADING, RecordedRequest, StoredMessage, UploadedFile, Violation
from .world import Channel, Guild, Member, Permissions, Role, World, snowflake

T = TypeVar("T")
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
# How long a click waits after the bot got the HTTP answer that carries the message: discord.py registers
# the message's view only after reading that answer. Answering first has sufficed in every run measured
# (0 s here passed 60 of 60); this is a margin for an answer the bot reads in more than one piece.
VIEW_SETTLE_SECONDS = 0.01


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


class StandIn:
    """Discord's REST API and Gateway for one application, on 127.0.0.1 at a random port.

    A fresh stand-in has one guild (`guild`) with a text channel (`channel`) and a member without special
    permissions (`member`), who is the default user of interactions. Build more through `world`.
    """

    def __init__(self, *, app_name: str = "Test Bot", interaction_deadline: float | None = 3.0) -> None:
        self.world = World(app_name)
        self.guild: Guild = self.world.add_guild("Test Guild")
        self.channel: Channel = self.guild.add_text_channel("general")
        self.member: Member = self.guild.add_member("tester")
        # Discord refuses a callback later than this many seconds after delivery (None: never).
        self.interaction_deadline = interaction_deadline
        # An interaction's token edits its response and sends followups for 15 minutes after delivery.
        self.token_lifetime = 15 * 60.0
        # Answer a body that breaks the contract with 400 Invalid Form Body, as Discord would.
        self.reject_invalid = True

        self.records: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.unmodeled: list[RecordedRequest] = []
        self.messages: dict[int, StoredMessage] = {}
        self.interactions: list[InteractionHandle] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # by guild id; None: global

        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.nonces = Nonces()
        self.rate_limits: list[RateLimit] = []
        self.global_limit: RateLimit | None = None

        self._changed = asyncio.Event()
        self.gateway = Gateway(self.world, on_frame=self._notify)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # Lifecycle and addresses

    async def start(self) -> None:
        """Start serving on 127.0.0.1 at a free port."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume-gateway", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._get_attachment)
        for method, route, handler in self._routes():
            app.router.add_route(method, API_PREFIX + route, handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unmodeled)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self.gateway.resume_url = f"ws://127.0.0.1:{self._port}/resume-gateway"
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Close gateway connections and stop serving."""
        for hold in self.holds:
            hold.release()
        await self.drop_connections(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def http_base(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """What the bot sets `discord.http.Route.BASE` to."""
        return self.http_base + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The gateway's URL, as GET /gateway/bot gives it."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # Gateway

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the bot; while it is reconnecting, it gets it on RESUME."""
        await self.gateway.dispatch(event, data)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway connection from Discord's side; after 4000 discord.py RESUMEs its session."""
        await self.gateway.drop_connections(code)

    async def end_session(self, code: int = 4009) -> None:
        """End the bot's gateway session: close with `code` and answer the RESUME that follows with op 9.

        Discord does this when a session timed out (4009) or cannot be resumed; the bot must IDENTIFY again.
        A fatal code (4004 authentication failed, 4010-4014) makes discord.py give up instead.
        """
        self.gateway.invalidate_sessions()
        await self.gateway.drop_connections(code)

    async def announce(self, *changed: Channel | Role | Member) -> None:
        """Tell the connected bot about world objects added or changed since it connected.

        Sends CHANNEL_CREATE (THREAD_CREATE), GUILD_ROLE_CREATE or GUILD_MEMBER_UPDATE; discord.py takes a
        CREATE for an id it knows as a replacement, so this serves for changes too.
        """
        for item in changed:
            if isinstance(item, Channel):
                await self.dispatch("THREAD_CREATE" if item.is_thread else "CHANNEL_CREATE", item.payload())
            elif isinstance(item, Role):
                guild = next(g for g in self.world.guilds if item in g.roles)
                await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": item.payload()})
            else:
                await self.dispatch("GUILD_MEMBER_UPDATE", item.payload() | {"guild_id": str(item.guild.id)})

    # Waiting and queries

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until `predicate()` returns something truthy (checked on each request and gateway frame)."""
        deadline = time.monotonic() + timeout
        while not (result := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"stand-in: condition not met within {timeout} s")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return result

    def requests(self, method: str | None = None, route: str | None = None) -> list[RecordedRequest]:
        """Return the recorded requests, optionally of one method and route template."""
        return [r for r in self.records if (method in (None, r.method)) and (route in (None, r.route))]

    async def wait_for_request(
        self,
        method: str,
        route: str,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """Wait until `count` such requests were answered; return the last one."""

        def answered() -> RecordedRequest | None:
            done = [r for r in self.requests(method, route) if r.answered.is_set()]
            return done[count - 1] if len(done) >= count else None

        return await self.wait_until(answered, timeout)

    def channel_messages(self, channel: Channel | int) -> list[StoredMessage]:
        """Return the messages everyone sees in a channel (not deleted, not ephemeral), oldest first."""
        channel_id = channel if isinstance(channel, int) else channel.id
        return [m for m in self.messages.values() if m.channel_id == channel_id and not m.deleted and not m.ephemeral]

    def private_messages(self, member: Member) -> list[StoredMessage]:
        """Return the ephemeral messages only `member` sees (their interactions' responses), oldest first."""
        return [
            m
            for m in self.messages.values()
            if m.ephemeral and not m.deleted and m.interaction is not None and m.interaction.member is member
        ]

    def max_requests_per_second(self, method: str | None = None, route: str | None = None, window: float = 1.0) -> int:
        """Return the most requests made within any `window` seconds."""
        times = sorted(r.time for r in self.requests(method, route))
        most, start = 0, 0
        for end, now in enumerate(times):
            while now - times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def late_interactions(self, deadline: float = 3.0) -> list[InteractionHandle]:
        """Return the interactions answered after `deadline` seconds, or unanswered for longer."""
        now = time.monotonic()
        return [h for h in self.interactions if (h.latency if h.callback else now - h.delivered_at) > deadline]

    def problems(self) -> list[str]:
        """Return what makes a test fail: contract violations, unmodeled routes, late interactions."""
        found = [f"violation: {v}" for v in self.violations]
        found += [f"unmodeled route: {r.method} {r.path}" for r in self.unmodeled]
        found += [
            f"interaction {h.type} not answered within 3 s: {h.payload['data']}" for h in self.late_interactions()
        ]
        return found

    # Faults and rate limits

    def inject(
        self,
        method: str,
        route: str,
        *,
        status: int = 429,
        nth: int | list[int] | None = None,
        fraction: float | None = None,
        window: tuple[float, float] | None = None,
        retry_after: float = 0.05,
        is_global: bool = False,
        seed: int = 0,
    ) -> Fault:
        """Answer some requests of `method route` with `status` (see Fault); return the fault."""
        fault = Fault(
            method,
            route,
            status=status,
            nth=None if nth is None else frozenset([nth] if isinstance(nth, int) else nth),
            fraction=fraction,
            window=window,
            retry_after=retry_after,
            is_global=is_global,
            seed=seed,
        )
        self.faults.append(fault)
        return fault

    def hold(self, method: str, route: str) -> Hold:
        """Handle the requests of `method route` but hold their answers back until `release()` (see Hold)."""
        hold = Hold(method, route)
        self.holds.append(hold)
        return hold

    def pass_nonce_window(self) -> None:
        """Let Discord's nonce window pass: a send repeating an earlier nonce creates a new message again."""
        self.nonces.expire()

    def set_rate_limit(self, method: str, route: str, limit: int, per: float) -> RateLimit:
        """Limit `method route` to `limit` requests per `per` seconds per channel, guild or webhook."""
        bucket = RateLimit(method, route, limit, per)
        self.rate_limits.append(bucket)
        return bucket

    def set_global_limit(self, limit: int = 50, per: float = 1.0) -> None:
        """Enforce Discord's global limit (interaction callbacks and webhooks are exempt, as on Discord)."""
        self.global_limit = RateLimit("*", "*", limit, per, bucket="global")

    def _throttle(self, record: RecordedRequest) -> tuple[web.Response | None, dict[str, str]]:
        """Return a refusal (injected fault or 429), else the rate-limit headers for the answer."""
        for fault in self.faults:
            if fault.strikes(record):
                if fault.status != 429:
                    error = {"message": f"{fault.status}: injected by the test", "code": 0}
                    return json_response(error, fault.status), {}
                headers = {} if fault.is_global else ratelimit_headers(1, 0, fault.retry_after, "injected")
                return _rate_limited(fault.retry_after, headers, is_global=fault.is_global), {}
        exempt = (record.route or "").startswith(("/interactions/", "/webhooks/"))
        if self.global_limit is not None and not exempt:
            allowed, headers = self.global_limit.take("", record.time)
            if not allowed:
                return _rate_limited(float(headers["X-RateLimit-Reset-After"]), {}, is_global=True), {}
        for bucket in self.rate_limits:
            if bucket.applies(record):
                allowed, headers = bucket.take(major_key(record), record.time)
                if not allowed:
                    return _rate_limited(float(headers["X-RateLimit-Reset-After"]), headers), {}
                return None, headers
        return None, {}

    # HTTP plumbing: record, check, throttle, answer

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        record = request[RECORD] = await self._record(request)
        self._notify()
        refusal, headers = self._throttle(record)
        if refusal is None and self._check(record) and self.reject_invalid:
            refusal = DiscordError(400, 50035, "Invalid Form Body").response()
        try:
            response = refusal or await handler(request)
        except DiscordError as error:
            response = error.response()
        response.headers.update(headers)
        hold = next((h for h in self.holds if h.applies(record)), None)
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
        record.answered.set()
        self._notify()
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
        self.records.append(record)
        return record

    def _check(self, record: RecordedRequest) -> list[Violation]:
        """Record and return where the body breaks Discord's spec or documented limits."""
        if record.route is None:
            return []
        found = [Violation(record, "spec", p) for p in spec_problems(record.method, record.route, record.json)]
        found += [Violation(record, "limit", p) for p in limit_problems(record.method, record.route, record.json)]
        self.violations += found
        return found

    async def _unmodeled(self, request: web.Request) -> web.Response:
        self.unmodeled.append(request[RECORD])
        raise DiscordError(404, 0, "404: Not Found")

    async def _get_attachment(self, request: web.Request) -> web.Response:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.messages.values():
            if upload := message.files.get(attachment_id):
                return web.Response(body=upload.data, content_type=upload.content_type or "application/octet-stream")
        raise web.HTTPNotFound()

    def _routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]]:
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
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.commands.get(self._command_scope(request[RECORD]), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """Overwrite the commands; a command keeps its id while its name and type stay (as on Discord)."""
        record: RecordedRequest = request[RECORD]
        scope = self._command_scope(record)
        previous = {(c["name"], c["type"]): c["id"] for c in self.commands.get(scope, [])}
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
        self.commands[scope] = synced
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
        handle = next((h for h in self.interactions if str(h.id) == record.params["interaction_id"]), None)
        if handle is None or handle.token != record.params["interaction_token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        if handle.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if self.interaction_deadline is not None and record.time - handle.delivered_at > self.interaction_deadline:
            raise DiscordError(404, 10062, "Unknown interaction")
        body = record.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        allowed = ALLOWED_CALLBACKS[handle.type] - (set() if handle.source_message else {6, 7})
        if kind not in allowed:
            self.violations.append(
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
        handle = next((h for h in self.interactions if h.token == token), None)
        if handle is None or handle.callback is None or app != str(self.world.application_id):
            raise DiscordError(404, 10015, "Unknown Webhook")
        if record.time - handle.delivered_at > self.token_lifetime:
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
        message = self.messages.get(int(record.params["message_id"]))
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
        messages = self.channel_messages(channel)
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
        author = str(self.world.bot_user.id)
        earlier = self.nonces.earlier(body, author, record.time)
        if earlier is not None and not self.messages[earlier].deleted:
            return json_response(self.messages[earlier].payload)
        message = self._create_message(channel, body, record)
        self.nonces.remember(body, author, message.id, record.time)
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
        if self.gateway.session is not None:
            await self.dispatch("THREAD_CREATE", thread.payload() | {"newly_created": True})
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
        referenced = self.messages.get(int(reference["message_id"])) if reference else None
        message = new_message(self.world, channel, interaction=interaction, reference=reference, referenced=referenced)
        self._write_message(message, body, record, edit=False)
        if placeholder:
            message.payload["flags"] |= LOADING
        self.messages[message.id] = message
        return message

    def _write_message(
        self, message: StoredMessage, body: dict[str, Any], record: RecordedRequest, *, edit: bool
    ) -> None:
        write_message(message, body, record.files, edit=edit, attachments_url=f"{self.http_base}/attachments")
        message.last_request = record

    # Interactions the test delivers

    def _where(self, user: Member | None, guild: Guild | None, channel: Channel | None) -> tuple[Member, Channel]:
        """Resolve who acts where: defaults are `member` and `channel`, or the guild's first text channel."""
        if channel is None:
            guild = guild or (user.guild if user else self.guild)
            channel = self.channel if guild is self.guild else next(c for c in guild.channels if not c.is_thread)
        if user is None:
            if channel.guild is not self.guild:
                raise ValueError(f"pass user= for an interaction in {channel.guild.name}")
            user = self.member
        if user.guild is not channel.guild:
            raise ValueError(f"{user.user.name} is not a member of {channel.guild.name}")
        return user, channel

    def _command(self, name: str, guild: Guild) -> dict[str, Any]:
        for scope in (guild.id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        synced = [c["name"] for scope in self.commands.values() for c in scope]
        raise LookupError(f"the bot has not synced a /{name} command for {guild.name}; it synced {synced}")

    async def _deliver(
        self,
        kind: int,
        data: dict[str, Any],
        member: Member,
        channel: Channel,
        message: StoredMessage | None = None,
    ) -> InteractionHandle:
        payload = interaction_payload(self.world, kind, data, member, channel, message)
        handle = InteractionHandle(
            int(payload["id"]), payload["token"], kind, payload, member, channel, message, self.wait_until
        )
        self.interactions.append(handle)
        await self.dispatch("INTERACTION_CREATE", payload)
        return handle

    async def _seen_by_bot(self, request: RecordedRequest | None) -> None:
        """Wait until the bot has the answer to `request` (and has registered a view it carried)."""
        if request is not None:
            await request.answered.wait()
            await asyncio.sleep(VIEW_SETTLE_SECONDS)

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: Member | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
        forged: bool = False,
    ) -> InteractionHandle:
        """Invoke a synced slash command, e.g. `slash("daily setup", {"channel": ch, "hour": 9})`.

        Options go by name; members, users, roles and channels are passed as world objects. `forged`: send
        the values as given, as a modified client can (an integer for a string, a member for a channel).
        """
        member, channel = self._where(user, guild, channel)
        root, *path = name.split()
        command = self._command(root, channel.guild)
        data = command_data(command, path, options or {}, member, channel, forged=forged)
        return await self._deliver(APPLICATION_COMMAND, data, member, channel)

    async def autocomplete(
        self,
        name: str,
        focused_option: str,
        value: Any,
        options: dict[str, Any] | None = None,
        *,
        user: Member | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
    ) -> InteractionHandle:
        """Ask for autocomplete choices while `focused_option` holds `value` (the text typed so far)."""
        member, channel = self._where(user, guild, channel)
        root, *path = name.split()
        values = (options or {}) | {focused_option: value}
        command = self._command(root, channel.guild)
        data = command_data(command, path, values, member, channel, focused=focused_option)
        return await self._deliver(AUTOCOMPLETE, data, member, channel)

    async def click(
        self,
        message: StoredMessage,
        custom_id: str,
        *,
        user: Member | None = None,
        values: list[str] | None = None,
    ) -> InteractionHandle:
        """Click a button, or choose `values` in a select menu, on a message the bot wrote."""
        if message.deleted:
            raise LookupError(f"message {message.id} was deleted")
        component = message.component(custom_id)
        if component.get("disabled"):
            raise ValueError(f"{custom_id!r} is disabled: no user can use it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in SELECT_TYPES:
            chosen = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(chosen) <= high:
                raise ValueError(f"select {custom_id!r} takes {low}-{high} values, not {chosen}")
            offered = {o["value"] for o in component.get("options") or []}
            if component["type"] == 3 and not set(chosen) <= offered:
                raise ValueError(f"select {custom_id!r} offers {sorted(offered)}, not {chosen}")
            data["values"] = chosen
        elif values is not None:
            raise TypeError(f"{custom_id!r} is a button: it takes no values")
        channel = self.world.channel(message.channel_id)
        assert channel is not None
        member, channel = self._where(user, None, channel)
        if message.ephemeral and message.interaction and message.interaction.member is not member:
            raise ValueError(f"only {message.interaction.member.user.name} sees ephemeral message {message.id}")
        await self._seen_by_bot(message.last_request)
        return await self._deliver(MESSAGE_COMPONENT, data, member, channel, message)

    async def forge_click(
        self,
        message: StoredMessage,
        custom_id: str,
        *,
        user: Member | None = None,
        values: list[str] | None = None,
    ) -> InteractionHandle:
        """Click what a modified client can claim: a component with any custom_id, on a message the bot wrote.

        The interaction's `message` carries that component in an extra action row (a button, or with `values`
        a string select offering them), as if the bot had sent it; the stored message is left as it is.
        """
        if values is None:
            forged: dict[str, Any] = {"type": 2, "style": 2, "label": "Forged", "custom_id": custom_id}
        else:
            options = [{"label": v[:100], "value": v[:100]} for v in values] or [{"label": "-", "value": "-"}]
            forged = {"type": 3, "custom_id": custom_id, "options": options, "max_values": max(1, len(values))}
        payload = copy.deepcopy(message.payload)
        payload["components"] = [*payload.get("components", [])[:4], {"type": 1, "components": [forged]}]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": forged["type"]}
        if values is not None:
            data["values"] = list(values)
        channel = self.world.channel(message.channel_id)
        assert channel is not None
        member, channel = self._where(user, None, channel)
        await self._seen_by_bot(message.last_request)
        shown = StoredMessage(payload, interaction=message.interaction)
        return await self._deliver(MESSAGE_COMPONENT, data, member, channel, shown)

    async def forge_modal(
        self, custom_id: str, values: dict[str, str], *, user: Member | None = None, channel: Channel | None = None
    ) -> InteractionHandle:
        """Submit what a modified client can claim: a modal with any custom_id the bot never opened."""
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()]
        member, channel = self._where(user, None, channel)
        return await self._deliver(MODAL_SUBMIT, {"custom_id": custom_id, "components": rows}, member, channel)

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, Any],
        *,
        user: Member | None = None,
        message: StoredMessage | None = None,
    ) -> InteractionHandle:
        """Submit the modal the bot last opened with this custom_id; `values` by input custom_id."""
        opener = next((h for h in reversed(self.interactions) if h.modal and h.modal["custom_id"] == custom_id), None)
        if opener is None or opener.callback is None:
            raise LookupError(f"the bot opened no modal {custom_id!r}")
        await self._seen_by_bot(opener.callback.request)
        data = modal_submit_data(opener.callback.data or {}, values)
        member, channel = self._where(user or opener.member, None, opener.channel)
        return await self._deliver(MODAL_SUBMIT, data, member, channel, message or opener.source_message)
