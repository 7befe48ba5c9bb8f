"""Repositories: the only modules that hold SQL. Each takes the `Database` and returns dataclasses."""
