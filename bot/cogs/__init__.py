"""Feature cogs: each a thin layer that reads an interaction, calls the core or a repository, renders."""
