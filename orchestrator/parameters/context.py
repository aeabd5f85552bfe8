"""What a parameter change needs to know about its app: declared? deployed? which processes?"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.adapters.store import Item, Store
from orchestrator.parameters.names import Target
from orchestrator.parameters.running import DeployedProcess as DeployedProcess
from orchestrator.parameters.running import deployed_processes
from orchestrator.pipeline import keys
from orchestrator.pipeline.app_registry import EcsConfig, ecs_config_from_value
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.deploystatus import deploystatus_value


@dataclass(frozen=True)
class AppContext:
    """An app (or review app) as the parameter logic sees it: its CONFIG#ecs, and the pipeline's DEPLOYSTATUS,
    DEPLOYED (what runs now) and CLAIM#deploy (the newest build that started deploying) items."""

    target: Target
    ecs: EcsConfig
    deploystatus: Item | None = None
    deployed_item: Item | None = None
    deploy_claim: Item | None = None
    processes: list[DeployedProcess] = field(default_factory=list)

    @property
    def ref(self) -> AppRef:
        return AppRef(self.target.key)

    @property
    def deployed(self) -> bool:
        """True once a deploy has succeeded (its services exist)."""
        return self.deployed_item is not None

    @property
    def process_names(self) -> list[str]:
        names = {p.name for p in self.processes} | set((self.deployed_item or {}).get("processes") or {})
        return sorted(names)

    def service_name(self, process: str) -> str:
        return self.ref.ecs_name(process)

    @property
    def build_number(self) -> int | None:
        number = (self.deployed_item or {}).get("build_number")
        return int(number) if number is not None else None

    @property
    def deploy_in_progress(self) -> bool:
        """A build claimed the deploy and has not ended it yet (no DEPLOYSTATUS for it)."""
        claimed = int((self.deploy_claim or {}).get("build_number") or 0)
        ended = max(int((self.deploystatus or {}).get("build_number") or 0), self.build_number or 0)
        return claimed > ended


def declared(store: Store, target: Target) -> bool:
    """Is the target's app (or pipeline) declared by a stack? Parameters of undeclared apps are foreign."""
    if target.kind == "account":
        return True
    return store.get(keys.app_pk(target.name), keys.SETTINGS_SK) is not None


def load_context(store: Store, target: Target) -> AppContext | None:
    """The app context of an app or review app; None when no stack declared it (not managed)."""
    if target.kind not in ("app", "review_app"):
        return None
    config = store.get(keys.app_pk(target.name), keys.CONFIG_ECS_SK)
    if config is None:
        return None
    ecs = ecs_config_from_value(config.get("value"))
    pk, sk = AppRef(target.key).deploystatus_key
    status = deploystatus_value(store.get(pk, sk))
    deployed = store.get(target.pk, keys.DEPLOYED_SK)
    claim = store.get(target.pk, keys.DEPLOY_CLAIM_SK)
    return AppContext(target, ecs, status, deployed, claim, deployed_processes(status))


def review_apps(store: Store, pipeline: str) -> list[Target]:
    """The review apps of a pipeline that have a DEPLOYSTATUS#<pr> item (one Query)."""
    prefix = keys.deploystatus_sk("")
    targets = []
    for item in store.query(keys.app_pk(pipeline), prefix):
        pr = str(item["secondary_id"])[len(prefix) :]
        if pr:
            targets.append(Target("review_app", pipeline, pr))
    return sorted(targets)
