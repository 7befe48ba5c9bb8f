"""A local Discord stand-in (REST + Gateway on 127.0.0.1) for end-to-end tests of the real discord.py bot.

server.py: the StandIn, what a test uses; rest.py: the REST routes and their handlers; gateway.py: the
websocket; fixtures.py: pytest helpers; world.py: guilds, roles, permissions; interactions.py, messages.py:
what Discord sends and stores; contract.py: the OpenAPI spec and documented limits; faults.py: rate limits
and injected errors; holds.py: answers held back (a bot that dies before it reads one); records.py: what is
kept.
"""

from .faults import Fault, RateLimit
from .fixtures import TOKEN, ErrorCollector, collect_errors, running_bot, running_standin
from .interactions import CallbackRecord, InteractionHandle
from .records import RecordedRequest, StoredMessage, UploadedFile, Violation
from .server import StandIn
from .world import ALL_PERMISSIONS, NO_PERMISSIONS, Channel, Guild, Member, Permissions, Role, User, World

__all__ = [
    "ALL_PERMISSIONS",
    "NO_PERMISSIONS",
    "TOKEN",
    "CallbackRecord",
    "Channel",
    "ErrorCollector",
    "Fault",
    "Guild",
    "InteractionHandle",
    "Member",
    "Permissions",
    "RateLimit",
    "RecordedRequest",
    "Role",
    "StandIn",
    "StoredMessage",
    "UploadedFile",
    "User",
    "Violation",
    "World",
    "collect_errors",
    "running_bot",
    "running_standin",
]
