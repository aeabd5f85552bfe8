"""Per-parameter-kind state records, and the ticket that makes a burst end in the state of the last write.

One item per target and kind: `APP#<app>` / `PARAMETERS#<kind>` (the account's administrators under
`ACCOUNT`). It holds what was last applied (`applied`: fingerprint + the desired state), the last error and a
`ticket` counter.

Why a ticket: events carry only the parameter's name, so a handler reads the parameter's *current* value.
Each handler takes a ticket (an atomic increment) BEFORE it reads the value. The handler of the last write
takes its ticket after that write, so the highest ticket always reads the final value. A handler only
changes AWS while its ticket is still the highest; an older one stops and leaves the work to the newer one.
Handlers that find the fingerprint already applied do nothing, so duplicates and coalesced bursts cost no
side effects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from orchestrator.adapters.store import Item, Store
from orchestrator.parameters.names import ParameterKind, Target

STATE_PREFIX = "PARAMETERS#"


def _bounded(message: str) -> str:
    from orchestrator.stored_text import bounded_text  # its module builds pydantic types: the readers (ps) skip it

    return bounded_text(message)


def state_sk(kind: ParameterKind | str) -> str:
    return f"{STATE_PREFIX}{ParameterKind(kind).value}"


def applied_desired_of(item: Item | None) -> dict[str, Any] | None:
    """The desired state last applied, as a state item holds it; None when nothing was applied."""
    desired = ((item or {}).get("applied") or {}).get("desired")
    return dict(desired) if isinstance(desired, dict) else None


@dataclass(frozen=True)
class Ticket:
    target: Target
    kind: ParameterKind
    number: int
    before: Item | None  # the state item as it was when the ticket was taken
    # ... and as the ticket's write stored it: the next write of this invocation starts from it, with no read
    # (conditional on its version: a write by anyone since costs a read and a retry).
    after: Item | None = None

    @property
    def applied_fingerprint(self) -> str | None:
        applied = (self.before or {}).get("applied") or {}
        fingerprint = applied.get("fingerprint")
        return str(fingerprint) if fingerprint is not None else None

    @property
    def applied_desired(self) -> dict[str, Any] | None:
        return applied_desired_of(self.before)

    @property
    def error_fingerprint(self) -> str | None:
        error = (self.before or {}).get("error") or {}
        value = error.get("fingerprint")
        return str(value) if value is not None else None


class ParameterStates:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def get(self, target: Target, kind: ParameterKind) -> Item | None:
        return self.store.get(target.pk, state_sk(kind))

    def applied_desired(self, target: Target, kind: ParameterKind) -> dict[str, Any]:
        """The desired state last applied for (target, kind); {} when nothing was applied."""
        return applied_desired_of(self.get(target, kind)) or {}

    def take_ticket(
        self, target: Target, kind: ParameterKind, *, current: Item | None = None, read: bool = False
    ) -> Ticket:
        """`current`, `read`: the state item as this invocation just read it (None and read: absent), which
        saves the read before the write."""
        taken: dict[str, int] = {}

        def bump(item: Item | None) -> Item:
            current = dict(item or {"target": target.key, "target_kind": target.kind, "kind": kind.value})
            current["ticket"] = int(current.get("ticket", 0)) + 1
            taken["number"] = current["ticket"]
            return current

        before, after = self.store.update(target.pk, state_sk(kind), bump, current=current, current_is_read=read)
        return Ticket(target, kind, taken["number"], before, after)

    def is_newest(self, ticket: Ticket) -> bool:
        item = self.get(ticket.target, ticket.kind) or {}
        return int(item.get("ticket", 0)) == ticket.number

    def record_applied(self, ticket: Ticket, parameter: str, fingerprint: str, desired: dict[str, Any]) -> bool:
        """Record what was applied, forward-only: an older ticket never overwrites a newer result."""

        def change(item: Item | None) -> Item | None:
            current = dict(item or {})
            if int((current.get("applied") or {}).get("ticket", 0)) > ticket.number:
                return None
            current["applied"] = {
                "ticket": ticket.number,
                "fingerprint": fingerprint,
                "parameter": parameter,
                "desired": desired,
                "at": int(time.time()),
            }
            current.pop("error", None)
            current.pop("deferred", None)
            return current

        _, after = self.store.update(ticket.target.pk, state_sk(ticket.kind), change, current=ticket.after)
        return after is not None

    def mark_deferred(self, ticket: Ticket, reason: str) -> None:
        """The change could not be applied now (a deploy is running); `after_deploy` re-applies it."""

        def change(item: Item | None) -> Item | None:
            current = dict(item or {})
            current["deferred"] = {"ticket": ticket.number, "reason": reason, "at": int(time.time())}
            return current

        self.store.update(ticket.target.pk, state_sk(ticket.kind), change, current=ticket.after)

    def is_deferred(self, target: Target, kind: ParameterKind) -> bool:
        return bool((self.get(target, kind) or {}).get("deferred"))

    def record_error(self, ticket: Ticket, parameter: str, fingerprint: str, message: str) -> None:
        """The value at `fingerprint` was rejected. Kept until a valid value is applied."""

        def change(item: Item | None) -> Item | None:
            current = dict(item or {})
            if int((current.get("applied") or {}).get("ticket", 0)) > ticket.number:
                return None
            current["error"] = {
                "parameter": parameter,
                "message": _bounded(message),
                "fingerprint": fingerprint,
                "ticket": ticket.number,
                "at": int(time.time()),
            }
            return current

        self.store.update(ticket.target.pk, state_sk(ticket.kind), change, current=ticket.after)

    def clear_stale_error(self, ticket: Ticket, fingerprint: str) -> None:
        """The parameter's current value (at `fingerprint`, e.g. deleted) is not the one that was rejected:
        the error no longer describes anything, so it goes. A newer ticket's error is kept."""
        error = (ticket.before or {}).get("error")
        if not error or str(error.get("fingerprint")) == fingerprint:
            return

        def change(item: Item | None) -> Item | None:
            current = dict(item or {})
            stored = current.get("error") or {}
            if not stored or int(stored.get("ticket", 0)) > ticket.number or stored.get("fingerprint") == fingerprint:
                return None
            current.pop("error")
            return current

        self.store.update(ticket.target.pk, state_sk(ticket.kind), change, current=ticket.after)

    def all_for(self, target: Target) -> list[Item]:
        """Every parameter state of a target (one Query)."""
        return self.store.query(target.pk, STATE_PREFIX)
