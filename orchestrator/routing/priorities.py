"""Listener rule priorities: unique per listener, claimed in DynamoDB before a rule is created.

ELBv2 refuses a second rule at a priority already in use (PriorityInUse), and two apps deployed at the same
moment would both pick the same free number. So a priority is claimed first: a conditional put of
`LISTENER#<listener arn>` / `PRIORITY#<nnnnn>` naming its owner (the app). The listener's claims are one
Query; the smallest free number is tried, and a lost race tries the next. The owner's route item
(`APP#<app>` / `ROUTE#<process>`, routing/web.py) records the number it uses; a claim that lost the race for
that item is released, so redelivered or concurrent events of one app end with one priority.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.store import ConcurrentUpdateError, Store

PRIORITY_PREFIX = "PRIORITY#"
MAX_PRIORITY = 50000  # ELBv2's range is 1-50000
ATTEMPTS = 25


def listener_pk(listener_arn: str) -> str:
    return f"LISTENER#{listener_arn}"


def priority_sk(priority: int) -> str:
    return f"{PRIORITY_PREFIX}{priority:05d}"


def smallest_free(taken: set[int]) -> int:
    """The smallest priority not in `taken`. Pure."""
    for priority in range(1, MAX_PRIORITY + 1):
        if priority not in taken:
            return priority
    raise ValueError(f"every priority of the listener (1-{MAX_PRIORITY}) is taken")


def claim_priority(store: Store, listener_arn: str, owner: str) -> int:
    """A priority on the listener that only `owner` holds: the one it already claimed, else a new one."""
    pk = listener_pk(listener_arn)
    for _ in range(ATTEMPTS):
        claims = store.query(pk, PRIORITY_PREFIX)
        mine = sorted(int(c["priority"]) for c in claims if c.get("owner") == owner)
        if mine:
            return mine[0]
        priority = smallest_free({int(c["priority"]) for c in claims})
        if store.put_if_absent(
            {"primary_id": pk, "secondary_id": priority_sk(priority), "priority": priority, "owner": owner}
        ):
            return priority
    raise ConcurrentUpdateError(f"{pk}: no free priority could be claimed after {ATTEMPTS} attempts")


def release_priority(store: Store, listener_arn: str, owner: str, priority: int) -> bool:
    """Give a priority back (its rule is gone, or the claim lost its race). Only the owner's claim."""
    return store.delete_if(listener_pk(listener_arn), priority_sk(priority), Attr("owner").eq(owner))
