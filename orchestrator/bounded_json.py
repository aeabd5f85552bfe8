"""The one JSON loader for input the orchestrator does not control: bounded in size and nesting depth.

Python's `json` has no depth limit of its own: a few KB of `[[[[...` raise `RecursionError`, which no
handler expects (no error recorded, event in the DLQ, a traceback in the CLI). Every value read from SSM,
a bundle, a CLI file or an event goes through `load_json` (text) or `check_json_bounds` (already parsed),
and a value out of bounds raises `JsonBoundsError`, a `ValueError` with a one-line message naming it.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Far deeper than any value we accept (scaling: 2, scheduled tasks: 2, manifest: 4, events: ~6), far below
# the interpreter's recursion limit that `json`, pydantic and boto3's serializers all share.
MAX_DEPTH = 32
MAX_BYTES = 1024 * 1024
SSM_VALUE_MAX_BYTES = 8192  # an advanced-tier SSM parameter's limit (standard ones stop at 4 KB)
MAX_NODES = 100_000  # values in an already-parsed document (an EventBridge event is at most 256 KB)

# A JSON string with its escapes: removed before counting brackets, so "[" inside a string does not count.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class JsonBoundsError(ValueError):
    """Invalid JSON, or JSON larger or deeper than the orchestrator accepts; the message is one line."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted without recursion."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def load_json(
    data: str | bytes, *, what: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse `data` (named `what` in errors) once its size and depth are known to be within bounds."""
    size = len(data.encode() if isinstance(data, str) else data)
    if size > max_bytes:
        raise JsonBoundsError(f"{what} is too large: {size} bytes (at most {max_bytes})")
    try:
        # As json.loads does with bytes: UTF-8, or UTF-16/32 when a BOM or the null pattern says so.
        text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise JsonBoundsError(
            f"{what} is not valid JSON: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonBoundsError(f"{what} is nested too deeply: {depth} levels (at most {max_depth})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonBoundsError(
            f"{what} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error


def check_json_bounds(value: Any, *, what: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Raise JsonBoundsError if an already-parsed document is deeper or larger than allowed (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise JsonBoundsError(f"{what} is too large: more than {max_nodes} values")
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise JsonBoundsError(f"{what} is nested too deeply: more than {max_depth} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
