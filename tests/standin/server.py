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

Tests wait for what the bot does, never for a time: `handle.response()`, `wait_for_request()` and
`wait_until()` for its requests, `wait_for_ack()` for its acknowledgement of the gateway events sent so far
(`announce()` waits for it; a click waits until the bot has the view it clicks), `ErrorCollector.wait()`
for an error it only logs.

StandIn is the test's side: the world and what was recorded, gateway events, interactions, waiting and
queries, faults. The HTTP side, which records, checks and answers each request, is `rest.RestApi`, and the
websocket is `gateway.Gateway`.
"""

from __future__ import annotations

import asyncio
import copy
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from .faults import Fault, RateLimit
from .gateway import Gateway
from .holds import Hold
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SELECT_TYPES,
    InteractionHandle,
    command_data,
    interaction_payload,
    modal_submit_data,
)
from .messages import Nonces
from .records import RecordedRequest, StoredMessage, Violation
from .rest import API_PREFIX, RestApi
from .world import Channel, Guild, Member, Role, World

T = TypeVar("T")


class StandIn:
    """Discord's REST API and Gateway for one application, on 127.0.0.1 at a random port.

    A fresh stand-in has one guild (`guild`) with a text channel (`channel`) and a member without special
    permissions (`member`), who is the default user of interactions. Build more through `world`.
    """

    def __init__(
        self, *, app_name: str = "Test Bot", interaction_deadline: float | None = 3.0, shard_count: int = 1
    ) -> None:
        self.world = World(app_name)
        # What GET /gateway/bot recommends; a bot that sets its own shard_count identifies as [id, that count].
        self.shard_count = shard_count
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
        self.rest = RestApi(self)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # Lifecycle and addresses

    async def start(self) -> None:
        """Start serving on 127.0.0.1 at a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume-gateway", self.gateway.handle)
        self.rest.add_routes(app)
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
        """Tell the connected bot about world objects added or changed since it connected; return once it knows.

        Sends CHANNEL_CREATE (THREAD_CREATE), GUILD_ROLE_CREATE or GUILD_MEMBER_UPDATE; discord.py takes a
        CREATE for an id it knows as a replacement, so this serves for changes too. Then waits for the bot's
        acknowledgement (`wait_for_ack`), unless the bot has closed its session.
        """
        for item in changed:
            if isinstance(item, Channel):
                await self.dispatch("THREAD_CREATE" if item.is_thread else "CHANNEL_CREATE", item.payload())
            elif isinstance(item, Role):
                guild = next(g for g in self.world.guilds if item in g.roles)
                await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": item.payload()})
            else:
                await self.dispatch("GUILD_MEMBER_UPDATE", item.payload() | {"guild_id": str(item.guild.id)})
        if self.gateway.session is not None and not self.gateway.session.ended:
            await self.wait_for_ack()

    # Waiting and queries

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until `predicate()` returns something truthy (checked on each request and gateway frame)."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := predicate()):
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"stand-in: condition not met within {timeout} s") from None
        return result

    async def wait_for_ack(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has taken in every gateway event sent so far, by its own acknowledgement.

        The stand-in asks the bot for a heartbeat, as Discord may, and waits for the one that carries the
        sequence number of the last event: discord.py updates its state from each event (a channel, a
        thread, a role; an interaction it hands to its command tree or a view) before it reads the next
        frame. While the bot reconnects, this waits for it to resume. Raises TimeoutError if no
        acknowledgement comes within `timeout` seconds, RuntimeError if no bot is there to give one.
        """
        await self._acknowledged(timeout=timeout)

    async def _acknowledged(
        self,
        *,
        after: int = -1,
        timeout: float = 5.0,  # noqa: ASYNC109
        guild_id: int | None = None,
    ) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self.gateway.acknowledged(after=after, guild_id=guild_id)
        except TimeoutError:
            raise TimeoutError(f"stand-in: the bot did not acknowledge the gateway within {timeout} s") from None

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
        return [h for h in self.interactions if (now - h.delivered_at if h.latency is None else h.latency) > deadline]

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

    async def _seen_by_bot(self, request: RecordedRequest | None, guild_id: int | None = None) -> None:
        """Wait until the bot has the answer to `request` and has registered a view it carried.

        discord.py registers a message's view in the task that made the request, in the step that reads
        the answer; the answer is sent completely before `answered` is set. The bot's answer to a heartbeat
        asked after that takes its event loop through that step first, so the click that follows finds the
        view. A bot that is reconnecting gets the click when it resumes, well after the answer.
        """
        if request is not None:
            await request.answered.wait()
            session = self.gateway.session_for(guild_id)  # with shards: the bot that has the server
            if session is not None and session.live:
                await self._acknowledged(after=request.answered_order, guild_id=guild_id)

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
        await self._seen_by_bot(message.last_request, channel.guild.id)
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
        await self._seen_by_bot(opener.callback.request, opener.channel.guild.id)
        data = modal_submit_data(opener.callback.data or {}, values)
        member, channel = self._where(user or opener.member, None, opener.channel)
        return await self._deliver(MODAL_SUBMIT, data, member, channel, message or opener.source_message)
