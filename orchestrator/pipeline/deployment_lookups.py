"""`DEPLOYMENT#<id>` / `lookup`: the build or release an ECS deployment belongs to, and an end reported early.

The lookup is written once UpdateService or CreateService has returned the deployment's id. ECS can report
the deployment's end before that: when the invocation that made the call failed after it, and its retry
writes the lookup a minute later. Acknowledging that event as "not managed" would leave the deploy or the
release `deploying` for ever. So the end (COMPLETED or FAILED: the first one reported) is parked on the
lookup's key, and whoever writes the lookup, now or on any retry, gets it back and applies it as the ECS
handler would have. The lookup write keeps the parked end, so a writer that failed before applying it finds
it again. A deployment that is not ours keeps a parked end until the item expires.
"""

from __future__ import annotations

from dataclasses import dataclass

from boto3.dynamodb.conditions import Attr

from orchestrator.adapters.store import Item, Store, expires_after
from orchestrator.observability import logger
from orchestrator.pipeline import keys
from orchestrator.pipeline.claims import TRANSIENT_TTL_SECONDS

ENDED = ("COMPLETED", "FAILED")
# What a build's or a release's lookup holds: a lookup written for one owner drops the other's (an
# UpdateService that changes nothing returns the deployment it did not replace, with its lookup). A put
# replaces them all; the update beside a parked end removes them.
OWNER_ATTRIBUTES = ("build_number", "release", "process", "processes", "service", "healthcheck_path", "target_group_arn")


@dataclass(frozen=True)
class DeploymentReport:
    """What one ECS Deployment State Change says of a deployment."""

    deployment_id: str
    state: str  # IN_PROGRESS, COMPLETED or FAILED
    reason: str | None = None
    updated: int | None = None  # when ECS updated the deployment (epoch seconds)
    service_arn: str = ""

    @property
    def ended(self) -> bool:
        return self.state in ENDED


def is_lookup(item: Item | None) -> bool:
    """Whether `item` is a written lookup (a parked end alone is not)."""
    return item is not None and item.get("app") is not None


def park_ended(store: Store, report: DeploymentReport) -> Item | None:
    """Keep an ended deployment's report until its lookup is written. Returns the lookup when it was written
    in the meantime (apply the report to it); None when parked, or when an end was parked already."""
    if not report.ended:
        return None  # the writer records the deployment as in progress anyway
    fields = {
        "early_state": report.state, "early_reason": report.reason, "early_updated": report.updated,
        "early_service_arn": report.service_arn or None, **expires_after(TRANSIENT_TTL_SECONDS),
    }  # fmt: skip
    condition = Attr("app").not_exists() & Attr("early_state").not_exists()
    written, old = store.set_fields_returning_old(
        keys.deployment_pk(report.deployment_id), keys.LOOKUP_SK, fields, condition
    )
    if written:
        logger.info("ECS deployment ended before its lookup was written; kept", extra={"deployment": report.deployment_id})
    return old if not written and is_lookup(old) else None


def write_lookup(store: Store, deployment: str, lookup: Item) -> DeploymentReport | None:
    """Write the lookup of `deployment` (its attributes: `app`, `service`, ...), keeping any parked end, and
    return that end."""
    fields = {k: v for k, v in {**lookup, **expires_after(TRANSIENT_TTL_SECONDS)}.items() if v is not None}
    pk, service = keys.deployment_pk(deployment), str(lookup["service"])
    # A deployment id belongs to one service: the conditions only refuse another service's lookup.
    same_service = Attr("service").not_exists() | Attr("service").eq(service)
    # Nearly always: nothing parked, one put (a retry's put writes the same lookup again).
    written, old = store.try_put(
        {"primary_id": pk, "secondary_id": keys.LOOKUP_SK, **fields}, Attr("early_state").not_exists() & same_service
    )
    if not written and old is not None and old.get("early_state") is not None:
        # An end is parked: set the lookup beside it (dropping another owner's attributes), and keep it.
        removes = tuple(a for a in OWNER_ATTRIBUTES if a not in fields)
        written, old = store.set_fields_returning_old(pk, keys.LOOKUP_SK, fields, same_service, removes=removes)
    if not written:
        raise ValueError(f"ECS deployment {deployment} is already mapped to service {(old or {}).get('service')}")
    return parked_report(deployment, old)


def parked_report(deployment_id: str, item: Item | None) -> DeploymentReport | None:
    if item is None or item.get("early_state") not in ENDED:
        return None
    updated = item.get("early_updated")
    return DeploymentReport(
        deployment_id=deployment_id, state=str(item["early_state"]), reason=item.get("early_reason"),
        updated=int(updated) if updated is not None else None, service_arn=str(item.get("early_service_arn") or ""),
    )  # fmt: skip
