"""Which servers a bot process owns when several processes share one database, each running some shards.

Discord sends a server's events, its interactions included, to one shard: `(guild_id >> 22) % shard_count`
(direct messages go to shard 0). A process that runs shards 0 and 1 of 4 owns the servers of those shards: it
schedules their daily posts and runs their battles. One process alone runs every shard and owns every server.
Only the process that runs shard 0 syncs the slash commands, so a fleet syncs them once.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """Return the shard Discord sends a server's events to (None, a direct message: shard 0)."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards one process runs: `ids` of `count`, or every shard when `ids` is None."""

    count: int | None = None
    ids: frozenset[int] | None = None

    @classmethod
    def of(cls, count: int, ids: tuple[int, ...] | list[int]) -> Shards:
        """Build from the config: count 0 (Discord's recommendation) or no ids mean every shard."""
        if not count or not ids:
            return cls(count or None, None)
        return cls(count, frozenset(ids))

    @property
    def everything(self) -> bool:
        """Whether this process runs every shard (and so owns every server)."""
        return self.ids is None

    def owns(self, guild_id: int | None) -> bool:
        """Tell whether the server (None: direct messages) is on one of this process's shards."""
        return self.ids is None or (self.count is not None and shard_of(guild_id, self.count) in self.ids)

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs the slash commands: it runs shard 0."""
        return self.ids is None or 0 in self.ids


EVERY_SHARD = Shards()  # one process alone: it runs every shard and owns every server
