"""DynamoDB update and condition expressions written as text, once per shape, for the per-event writes.

boto3's condition builder walks a tree and invents a placeholder for every occurrence of every name on every
call: a CodeBuild phase change named 99 attributes in a 1,350-character condition, and DynamoDB (moto too)
parses all of it. A forward-only write of a given shape (which phases, which status) always has the same
expression, so its text and names are built once by the caller (cached on the shape) and only the values
change from event to event. Placeholders are the caller's; `#version` and `:one` are the store's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExpressionText:
    """The parts of a write that depend only on its shape: `update` is the body of a SET clause ("" for
    none), `condition` the condition expression, `names` their `#` placeholders, `touched` the top-level
    attributes the SET changes."""

    update: str
    condition: str
    names: Mapping[str, str]
    touched: frozenset[str]


@dataclass(frozen=True)
class ForwardWrite:
    """One conditional UpdateItem: its shape's text and this event's values (Python values, `:` placeholders)."""

    text: ExpressionText
    values: Mapping[str, Any]


def either(*alternatives: str) -> str:
    return "(" + " OR ".join(alternatives) + ")"
