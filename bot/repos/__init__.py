"""Repositories: the only modules that hold SQL. Each takes the `Database` and returns dataclasses."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def row_to(cls: type[T], row: aiosqlite.Row, **typed: Any) -> T:
    """Build a row dataclass by field name: each field from its column, or from `typed` where it needs converting.

    By name rather than by position, so that two fields of one type can never be swapped unnoticed.
    """
    return cls(**{f.name: typed[f.name] if f.name in typed else row[f.name] for f in fields(cls)})
