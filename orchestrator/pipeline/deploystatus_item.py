"""Reading AppPack's `DEPLOYSTATUS` item (its models are in `deploystatus.py`): no pydantic, for the readers
that only show it (`ps`, `build watch`)."""

from __future__ import annotations

from typing import Any


def deploystatus_value(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `value` map of a DEPLOYSTATUS item, or None when there is no item (or no value yet)."""
    value = (item or {}).get("value")
    return value if isinstance(value, dict) else None
