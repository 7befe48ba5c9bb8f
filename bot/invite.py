"""The link that adds the bot to a server, with the permissions its features use and no more."""

from __future__ import annotations

import discord

# View Channels, Send Messages, Embed Links (cards), Attach Files (/stats pictures), Read Message History (the
# daily poster looks for a post whose send was interrupted), Create Public Threads and Send Messages in Threads
# (a daily question's discussion thread). The README shows the same integer.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    create_public_threads=True,
    send_messages_in_threads=True,
)
SCOPES = ("bot", "applications.commands")


def invite_url(client_id: int) -> str:
    """Return the OAuth2 link that adds the application `client_id` to a server with `PERMISSIONS`."""
    return discord.utils.oauth_url(client_id, permissions=PERMISSIONS, scopes=SCOPES)
