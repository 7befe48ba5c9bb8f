"""Discord's Gateway for one bot: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME, dispatch.

Frames are plain JSON text: discord.py asks for `compress=zlib-stream` but inflates only binary frames.
Sessions outlive their connections, so a bot that lost its connection RESUMEs and gets what it missed.

A dispatch has no acknowledgement, but a heartbeat does: Discord may ask for one (op 1), and the client
must answer at once with the sequence number of the last event it received. discord.py reads its frames
one at a time, and takes each event into its state (the channel, role or interaction it carries) before
reading the next, so its answer to a heartbeat request sent after event s proves that it has taken in
every event up to s. `acknowledged()` waits for such an answer. discord.py sends that answer through its
gateway rate limiter (110 frames a minute per connection, under Discord's 120): the stand-in asks only
when no request already asked or in flight serves, and refuses to ask a 101st time within a minute.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .records import next_order
from .world import World

log = logging.getLogger(__name__)

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
HEARTBEAT_REQUEST = {"op": 1, "d": None, "s": None, "t": None}
# Closing with these ends a session for good (Discord invalidates it); any other code lets the bot RESUME.
FINAL_CLOSE_CODES = frozenset({1000, 1001})
# Heartbeat requests per connection per minute: discord.py answers through a limiter of 110 frames a minute,
# and a bot whose limiter is spent stops reading the gateway until the minute is over.
HEARTBEAT_REQUESTS_PER_MINUTE = 100


@dataclass(eq=False)
class HeartbeatRequest:
    """A heartbeat the stand-in asked a connection for, after event `seq`; `answer` is the bot's sequence."""

    ws: web.WebSocketResponse
    seq: int
    order: int = field(default_factory=next_order)  # which came first: this or an answered REST request
    sent_at: float = field(default_factory=time.monotonic)
    answer: int | None = None

    def serves(self, seq: int, after: int) -> bool:
        """Whether it was asked after event `seq` and after order `after`, and answered as asked."""
        return self.answer is not None and self.answer >= self.seq >= seq and self.order > after


@dataclass(eq=False)
class Session:
    """A gateway session: what was dispatched to it (for RESUME) and its current connection."""

    id: str
    shard: list[int]
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    asked: list[HeartbeatRequest] = field(default_factory=list)
    ended: bool = False  # the bot closed it (1000 or 1001): it will not RESUME

    @property
    def live(self) -> bool:
        """Whether the bot holds an open connection to this session."""
        return self.ws is not None and not self.ws.closed


class Gateway:
    """The websocket side of the stand-in; the latest identified session is the bot's."""

    def __init__(self, world: World, *, on_frame: Callable[[], None]) -> None:
        self.world = world
        self.resume_url = ""  # READY's resume_gateway_url; the server sets it once it has a port
        self.frames: list[dict[str, Any]] = []  # what bots sent, heartbeats aside
        # Discord closes with 4014 when a bot asks for privileged intents its application lacks.
        self.privileged_intents_enabled = False
        self.heartbeat_interval_ms = 41_250
        self.session: Session | None = None
        self.identified_on: list[str] = []  # the URL path of the connection each IDENTIFY came on
        self._sessions: dict[str, Session] = {}
        self._invalidated: set[str] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._dropping: set[web.WebSocketResponse] = set()  # closed from this side
        self._on_frame = on_frame
        self._changed = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether a bot holds an open session."""
        return self.session is not None and self.session.ws is not None

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
        self._on_frame()

    async def acknowledged(self, *, after: int = -1) -> None:
        """Wait until the bot has taken in every event dispatched so far (see the module's docstring).

        The answer must come on the bot's current connection: a bot that is reconnecting is asked once it
        has resumed. With `after` (a `next_order()` number), the heartbeat must also have been asked after
        that point: the bot's event loop has then run past it.
        Raises RuntimeError when no bot will answer (none identified, or it closed its session) and when
        asking once more would spend the bot's gateway rate limit.
        """
        session = self.session
        if session is None:
            raise RuntimeError("no bot has identified with the stand-in yet")
        seq = session.seq
        while True:
            changed = self._changed  # taken before any await, so no answer is missed
            if session.live:
                assert session.ws is not None
                current = [r for r in session.asked if r.ws is session.ws]
                if any(r.serves(seq, after) for r in current):
                    return
                # One request in flight at a time; whoever it does not serve waits for the next one.
                if all(r.answer is not None for r in current):
                    await self._ask_heartbeat(session, session.ws)
                    continue
            elif session.ended:
                raise RuntimeError("the bot closed its gateway session: no bot will acknowledge")
            await changed.wait()

    async def _ask_heartbeat(self, session: Session, ws: web.WebSocketResponse) -> None:
        now = time.monotonic()
        recent = [r for r in session.asked if r.ws is ws and now - r.sent_at < 60]
        if len(recent) >= HEARTBEAT_REQUESTS_PER_MINUTE:
            raise RuntimeError(
                f"the stand-in asked the bot for {len(recent)} heartbeats within a minute; one more would spend "
                "discord.py's gateway rate limit and stall the bot"
            )
        session.asked.append(HeartbeatRequest(ws, session.seq))
        await ws.send_json(HEARTBEAT_REQUEST)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the bot; while it is reconnecting, it gets it on RESUME."""
        if self.session is None:
            raise RuntimeError("no bot has identified with the stand-in yet")
        await self._send_event(self.session, event, data)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every connection from Discord's side; after 4000 discord.py RESUMEs its session."""
        for ws in list(self._sockets):
            self._dropping.add(ws)
            await ws.close(code=code, message=b"closed by the stand-in")

    def invalidate_sessions(self) -> None:
        """Forget every session, as Discord does when one timed out: a RESUME of it is answered with op 9."""
        self._invalidated |= set(self._sessions)
        self._sessions.clear()
        self.session = None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one websocket connection."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                if frame.get("op") == 1:
                    await ws.send_json({"op": 11, "d": None})
                    if session is not None:
                        # The answer to the oldest open request on this connection (discord.py's keep-alive
                        # thread also beats every heartbeat_interval, 41 s: longer than a test).
                        asked = next((r for r in session.asked if r.ws is ws and r.answer is None), None)
                        if asked is not None:
                            asked.answer = frame.get("d") or 0
                            self._notify()
                    continue
                self.frames.append(frame)
                if frame.get("op") == 2:
                    self.identified_on.append(request.path)
                    session = await self._identify(ws, frame["d"])
                elif frame.get("op") == 6:
                    session = await self._resume(ws, frame["d"])
                self._notify()
        finally:
            self._sockets.discard(ws)
            dropped = ws in self._dropping
            self._dropping.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                session.ended = not dropped and ws.close_code in FINAL_CLOSE_CODES
            self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if data.get("intents", 0) & PRIVILEGED_INTENTS and not self.privileged_intents_enabled:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        session = Session(uuid.uuid4().hex, data.get("shard", [0, 1]), ws=ws)
        self._sessions[session.id] = self.session = session
        ready = {
            "v": 10,
            "user": self.world.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.world.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "shard": session.shard,
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["discord-standin"],
        }
        await self._send_event(session, "READY", ready)
        for guild in self.world.guilds:
            await self._send_event(session, "GUILD_CREATE", guild.gateway_payload())
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self._sessions.get(data.get("session_id", ""))
        if session is None:
            if data.get("session_id") not in self._invalidated:
                log.error("RESUME of unknown session %s", data.get("session_id"))
            # Not resumable: the bot must IDENTIFY again (on a new connection, to the gateway it was given).
            await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
            return None
        # Replay what the bot missed, in order, before new events may go to this connection.
        seen = data.get("seq") or 0
        while missed := [frame for frame in session.sent if frame["s"] > seen]:
            for frame in missed:
                await ws.send_json(frame)
                seen = frame["s"]
        session.ws = ws
        await self._send_event(session, "RESUMED", {})
        return session

    async def _send_event(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_json(frame)
