"""Rate limits and injected failures, answered the way Discord answers them.

Discord documents per-route buckets (`X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket` on every
response of the route), 429 bodies with `retry_after` and `global`, `X-RateLimit-Global` and
`X-RateLimit-Scope` on 429s, and a global limit of 50 requests per second that interaction callbacks are
exempt from (https://discord.com/developers/docs/topics/rate-limits).
"""

from __future__ import annotations

import math
import random
import time
import zlib
from dataclasses import dataclass, field

from .records import RecordedRequest

MAJOR_PARAMETERS = (
    "channel_id",
    "guild_id",
    "webhook_id",
    "webhook_token",
    "interaction_id",
    "interaction_token",
)


def major_key(record: RecordedRequest) -> str:
    """Return the request's major parameters: Discord keeps a bucket per route per these."""
    return "+".join(record.params[name] for name in MAJOR_PARAMETERS if name in record.params)


def ratelimit_headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    """Return the headers Discord puts on each response of a rate-limited route."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        # Rounded up to the millisecond: a bot that waits this long has waited long enough.
        "X-RateLimit-Reset": f"{math.ceil((time.time() + reset_after) * 1000) / 1000:.3f}",
        "X-RateLimit-Reset-After": f"{math.ceil(reset_after * 1000) / 1000:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def too_many_requests(
    retry_after: float, *, is_global: bool = False, headers: dict[str, str] | None = None
) -> tuple[dict[str, object], dict[str, str]]:
    """Return the body and headers of Discord's 429."""
    headers = dict(headers or {})
    headers["Retry-After"] = str(math.ceil(retry_after))
    headers["X-RateLimit-Scope"] = "global" if is_global else "user"
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
        "code": 0,
    }
    return body, headers


@dataclass(eq=False)
class RateLimit:
    """A bucket: at most `limit` requests per `per` seconds for each set of major parameters.

    The window slides: a request is refused while `limit` others were allowed within the last `per` seconds,
    the measure `StandIn.max_requests_per_second` applies. Discord resets a bucket at fixed instants, which
    lets a bot that keeps to the headers send up to twice `limit` within `per` seconds across a reset; a
    sliding window is the stricter of the two, so a bot that keeps to it keeps to Discord's. Its headers say
    so: `X-RateLimit-Reset-After` is when the bucket is empty again (discord.py waits that long once
    `Remaining` is 0), a 429's `retry_after` when the first slot frees.
    """

    method: str
    route: str
    limit: int
    per: float
    bucket: str = ""
    _allowed: dict[str, list[float]] = field(default_factory=dict, repr=False)  # by key, within `per`

    def __post_init__(self) -> None:
        self.bucket = self.bucket or f"{zlib.crc32(f'{self.method} {self.route}'.encode()):08x}"

    def applies(self, record: RecordedRequest) -> bool:
        """Whether the request belongs to this bucket."""
        return record.method == self.method and record.route == self.route

    def take(self, key: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count a request at `now` for `key`; return whether it is allowed, and the headers."""
        times = [t for t in self._allowed.get(key, []) if now - t < self.per]
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._allowed[key] = times
        # Allowed: until the bucket is empty again; refused: until its oldest request leaves the window.
        reset_after = (times[-1] if allowed else times[0]) + self.per - now
        return allowed, ratelimit_headers(self.limit, self.limit - len(times), reset_after, self.bucket)


@dataclass(eq=False)
class Fault:
    """Answer some requests of a route with an error status instead of handling them.

    Which ones: the `nth` matching requests (1-based, counted from when the fault was added), a random
    `fraction` of them, those within a `window` (start, end) of seconds after the fault was added, or,
    with none of these, all of them. A 429 carries `retry_after` and Discord's headers; any other status
    (500, 502, 503, 504 …) carries Discord's error JSON.
    """

    method: str
    route: str
    status: int = 429
    nth: frozenset[int] | None = None
    fraction: float | None = None
    window: tuple[float, float] | None = None
    retry_after: float = 0.05
    is_global: bool = False
    seed: int = 0
    hits: list[RecordedRequest] = field(default_factory=list)
    seen: int = 0
    started: float = field(default_factory=time.monotonic)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def strikes(self, record: RecordedRequest) -> bool:
        """Count a request; return whether this fault answers it."""
        if record.method != self.method or record.route != self.route:
            return False
        self.seen += 1
        strike = True
        if self.nth is not None:
            strike = self.seen in self.nth
        if self.fraction is not None:
            strike = strike and self._rng.random() < self.fraction
        if self.window is not None:
            elapsed = record.time - self.started
            strike = strike and self.window[0] <= elapsed < self.window[1]
        if strike:
            self.hits.append(record)
        return strike
