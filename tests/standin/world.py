"""The Discord world a test builds: application, bot user, guilds, channels, roles and members.

Plain data plus the two things Discord computes from it: a member's permissions in a channel (the
documented algorithm: @everyone, then roles, then channel overwrites) and the JSON payloads the gateway
and REST API send. Nothing here talks to the network.
"""

from __future__ import annotations

import enum
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
_increment = itertools.count()


def snowflake() -> int:
    """Return a new, increasing Discord id whose timestamp is now (discord.py derives created_at from it)."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_increment) % 4096)


def iso_now() -> str:
    """Return the current time as Discord formats it."""
    return datetime.now(UTC).isoformat()


class Permissions(enum.IntFlag):
    """Discord's permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51


NO_PERMISSIONS = Permissions(0)
ALL_PERMISSIONS = Permissions(sum(Permissions))

# What a new guild grants @everyone for text use (a subset of Discord's default; voice left out).
DEFAULT_EVERYONE = (
    Permissions.VIEW_CHANNEL
    | Permissions.SEND_MESSAGES
    | Permissions.READ_MESSAGE_HISTORY
    | Permissions.EMBED_LINKS
    | Permissions.ATTACH_FILES
    | Permissions.ADD_REACTIONS
    | Permissions.USE_EXTERNAL_EMOJIS
    | Permissions.USE_APPLICATION_COMMANDS
    | Permissions.CREATE_PUBLIC_THREADS
    | Permissions.SEND_MESSAGES_IN_THREADS
    | Permissions.CREATE_INSTANT_INVITE
    | Permissions.CHANGE_NICKNAME
)

# What the bot's managed role gets when it is invited (what an interview bot asks for).
DEFAULT_BOT = DEFAULT_EVERYONE | Permissions.MANAGE_THREADS

THREAD_TYPES = frozenset({10, 11, 12})


@dataclass(eq=False)
class User:
    """A Discord user."""

    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        """Return the user object."""
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": None if self.bot else self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: Permissions
    position: int = 0
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """Return the role object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(int(self.permissions)),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": self.bot_id is not None,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: Permissions = NO_PERMISSIONS
    deny: Permissions = NO_PERMISSIONS

    def payload(self) -> dict[str, Any]:
        """Return the overwrite object."""
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(int(self.allow)),
            "deny": str(int(self.deny)),
        }


@dataclass(eq=False)
class Channel:
    """A guild text channel (type 0) or a public thread (type 11) with its parent."""

    id: int
    guild: Guild = field(repr=False)
    name: str
    type: int = 0
    position: int = 0
    parent: Channel | None = field(default=None, repr=False)
    owner_id: int | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)

    @property
    def is_thread(self) -> bool:
        """Whether this is a thread (permissions then come from the parent)."""
        return self.type in THREAD_TYPES

    def set_permissions(
        self,
        target: Role | Member,
        *,
        allow: Permissions = NO_PERMISSIONS,
        deny: Permissions = NO_PERMISSIONS,
    ) -> None:
        """Set the overwrite for a role or member, as the channel settings in Discord's client do."""
        kind = 0 if isinstance(target, Role) else 1
        self.overwrites[target.id] = Overwrite(target.id, kind, allow, deny)

    def payload(self) -> dict[str, Any]:
        """Return the channel object (GUILD_CREATE, GET /channels/{id})."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "parent_id": str(self.parent.id) if self.parent else None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        if self.is_thread:
            data |= {
                "owner_id": str(self.owner_id),
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso_now(),
                    "locked": False,
                    "create_timestamp": iso_now(),
                },
            }
        else:
            data |= {
                "position": self.position,
                "topic": None,
                "permission_overwrites": [o.payload() for o in self.overwrites.values()],
            }
        return data


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    guild: Guild = field(repr=False)
    roles: list[Role] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        """The user's id (overwrites and mentions use it)."""
        return self.user.id

    @property
    def guild_permissions(self) -> Permissions:
        """Return the member's guild-wide permissions: @everyone plus roles; owner and admin get all."""
        if self.user.id == self.guild.owner_id:
            return ALL_PERMISSIONS
        perms = self.guild.everyone.permissions
        for role in self.roles:
            perms |= role.permissions
        return ALL_PERMISSIONS if perms & Permissions.ADMINISTRATOR else perms

    def permissions_in(self, channel: Channel) -> Permissions:
        """Return the member's permissions in a channel, applying overwrites as Discord documents."""
        perms = self.guild_permissions
        if perms & Permissions.ADMINISTRATOR:
            return ALL_PERMISSIONS
        overwrites = (channel.parent or channel).overwrites
        everyone = overwrites.get(self.guild.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = NO_PERMISSIONS
        for role in self.roles:
            if overwrite := overwrites.get(role.id):
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        if own := overwrites.get(self.user.id):
            perms = (perms & ~own.deny) | own.allow
        # A member who cannot see a channel has no permission in it at all.
        return perms if perms & Permissions.VIEW_CHANNEL else NO_PERMISSIONS

    def payload(self, channel: Channel | None = None) -> dict[str, Any]:
        """Return the member object; with a channel, add `permissions` as interactions carry it."""
        data: dict[str, Any] = {
            "user": self.user.payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(role.id) for role in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "communication_disabled_until": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }
        if channel is not None:
            data["permissions"] = str(int(self.permissions_in(channel)))
        return data


@dataclass(eq=False)
class Guild:
    """A guild with its roles, channels (threads included) and members."""

    id: int
    name: str
    world: World = field(repr=False)
    owner_id: int = 0
    roles: list[Role] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)

    @property
    def everyone(self) -> Role:
        """The @everyone role."""
        return self.roles[0]

    @property
    def me(self) -> Member:
        """The bot's own member."""
        return self.member(self.world.bot_user.id)

    @property
    def bot_role(self) -> Role:
        """The role Discord manages for the bot (its invite permissions)."""
        return next(role for role in self.roles if role.bot_id == self.world.bot_user.id)

    def member(self, user_id: int) -> Member:
        """Return the member with this user id."""
        return next(m for m in self.members if m.user.id == user_id)

    def add_role(self, name: str, permissions: Permissions = NO_PERMISSIONS) -> Role:
        """Add a role above the existing ones."""
        role = Role(snowflake(), name, permissions, position=len(self.roles))
        self.roles.append(role)
        return role

    def add_text_channel(self, name: str) -> Channel:
        """Add a text channel (type 0)."""
        position = sum(not c.is_thread for c in self.channels)
        channel = Channel(snowflake(), self, name, position=position)
        self.channels.append(channel)
        return channel

    def add_thread(self, parent: Channel, name: str, *, thread_id: int | None = None, owner_id: int) -> Channel:
        """Add a public thread (type 11) under a text channel."""
        thread = Channel(thread_id or snowflake(), self, name, type=11, parent=parent, owner_id=owner_id)
        self.channels.append(thread)
        return thread

    def add_member(
        self,
        name: str,
        *,
        permissions: Permissions = NO_PERMISSIONS,
        roles: tuple[Role, ...] = (),
        user: User | None = None,
    ) -> Member:
        """Add a member; `permissions` beyond @everyone's come from a role made for them.

        For example `add_member("mod", permissions=Permissions.MANAGE_GUILD | Permissions.MANAGE_MESSAGES)`.
        """
        user = user or self.world.add_user(name)
        member_roles = list(roles)
        if permissions:
            member_roles.append(self.add_role(f"{name} role", permissions))
        member = Member(user, self, member_roles)
        self.members.append(member)
        return member

    def gateway_payload(self) -> dict[str, Any]:
        """Return GUILD_CREATE's data.

        Without the privileged members intent Discord sends only the bot's own member, so does this.
        """
        return self.rest_payload() | {
            "joined_at": self.me.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [self.me.payload()],
            "channels": [c.payload() for c in self.channels if not c.is_thread],
            "threads": [c.payload() for c in self.channels if c.is_thread],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def rest_payload(self) -> dict[str, Any]:
        """Return the guild object of GET /guilds/{id}."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "features": [],
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
        }


@dataclass(eq=False)
class World:
    """Everything the stand-in knows: the application, its bot user, users and guilds."""

    app_name: str = "Test Bot"
    bot_user: User = field(init=False)
    owner: User = field(init=False)
    users: list[User] = field(default_factory=list)
    guilds: list[Guild] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Newer applications have a bot user with the application's id.
        self.bot_user = User(snowflake(), self.app_name.lower().replace(" ", "-"), bot=True)
        self.owner = self.add_user("app-owner")

    @property
    def application_id(self) -> int:
        """The application's id (the bot user's id, as for applications created since 2020)."""
        return self.bot_user.id

    def add_user(self, name: str) -> User:
        """Add a (human) user."""
        user = User(snowflake(), name)
        self.users.append(user)
        return user

    def add_guild(
        self, name: str, *, bot_permissions: Permissions = DEFAULT_BOT, shard: tuple[int, int] | None = None
    ) -> Guild:
        """Add a guild the bot is in: @everyone, the bot's managed role, an owner and the bot's member.

        `shard` (id, count) gives it an id on that shard: its timestamp moved on by less than `count` ms.
        """
        guild_id = snowflake()
        if shard is not None:
            shard_id, count = shard
            moment = guild_id >> 22
            guild_id = ((moment + (shard_id - moment) % count) << 22) | (guild_id & ((1 << 22) - 1))
        guild = Guild(guild_id, name, self)
        guild.roles.append(Role(guild.id, "@everyone", DEFAULT_EVERYONE))
        bot_role = guild.add_role(self.app_name, bot_permissions)
        bot_role.bot_id = self.bot_user.id
        guild.owner_id = guild.add_member(f"{name.lower().replace(' ', '-')}-owner").user.id
        guild.add_member(self.bot_user.name, roles=(bot_role,), user=self.bot_user)
        self.guilds.append(guild)
        return guild

    def guild(self, guild_id: int) -> Guild | None:
        """Return the guild with this id."""
        return next((g for g in self.guilds if g.id == guild_id), None)

    def channel(self, channel_id: int) -> Channel | None:
        """Return the channel or thread with this id, in any guild."""
        return next((c for g in self.guilds for c in g.channels if c.id == channel_id), None)

    def application_payload(self) -> dict[str, Any]:
        """Return GET /oauth2/applications/@me."""
        return {
            "id": str(self.application_id),
            "name": self.app_name,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self.bot_user.payload(),
        }
