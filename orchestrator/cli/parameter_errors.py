"""The errors the orchestrator recorded for parameters written outside the CLI (the console, Terraform):
a rejected value changes nothing, so what is in effect is the last valid value, and the CLI says both."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from orchestrator.local.views import when


def errors_of(states: dict[str, dict[str, Any]], kinds: list[str]) -> list[dict[str, Any]]:
    """For each kind with a recorded error: the parameter, the message, when, and what is in effect instead."""
    found = []
    for kind in kinds:
        item = states.get(kind) or {}
        error = item.get("error")
        if not error:
            continue
        applied = item.get("applied") or {}
        found.append(
            {
                "kind": kind,
                "parameter": error.get("parameter"),
                "message": error.get("message"),
                "at": error.get("at"),
                "in_effect": applied.get("desired"),
                "in_effect_since": applied.get("at"),
            }
        )
    return found


def error_lines(errors: list[dict[str, Any]]) -> list[Text]:
    lines = []
    for error in errors:
        in_effect = (
            f"the value applied {when(error['in_effect_since'])} is still in effect"
            if error["in_effect"] is not None
            else "no value of it was ever applied (the defaults are in effect)"
        )
        lines.append(
            Text.assemble(
                ("rejected: ", "bold red"),
                f"{error['parameter']} (written {when(error['at'])}): {error['message']}; {in_effect}",
            )
        )
    return lines
