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
    # The target's PARAMETERS# items (sort key → item), when read with the context (`after_deploy` reads them
    # once, in the same call); None: not read. What this invocation writes to them is put back here.
    states: dict[str, Item] | None = None

    def state(self, sk: str) -> Item | None:
        """A PARAMETERS# item read with the context (None: absent). Only when `states` were read."""
        assert self.states is not None
        return self.states.get(sk)

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


def load_context(store: Store, target: Target, states: tuple[str, ...] = ()) -> AppContext | None:
    """The app context of an app or review app; None when no stack declared it (not managed). `states`: the
    sort keys of PARAMETERS# items to read with it (AppContext.states), in the same call."""
    if target.kind not in ("app", "review_app"):
        return None
    config_key, status_key = (keys.app_pk(target.name), keys.CONFIG_ECS_SK), AppRef(target.key).deploystatus_key
    deployed_key, claim_key = (target.pk, keys.DEPLOYED_SK), (target.pk, keys.DEPLOY_CLAIM_SK)
    state_keys = [(target.pk, sk) for sk in states]
    items = store.get_many([config_key, status_key, deployed_key, claim_key, *state_keys])  # one call
    config = items.get(config_key)
    if config is None:
        return None
    ecs = ecs_config_from_value(config.get("value"))
    status = deploystatus_value(items.get(status_key))
    read = {sk: items[(pk, sk)] for pk, sk in state_keys if (pk, sk) in items} if states else None
    return AppContext(target, ecs, status, items.get(deployed_key), items.get(claim_key), deployed_processes(status), read)


def review_apps(store: Store, pipeline: str) -> list[Target]:
    """The review apps of a pipeline that have a DEPLOYSTATUS#<pr> item (one Query)."""
    prefix = keys.deploystatus_sk("")
    targets = []
    for item in store.query(keys.app_pk(pipeline), prefix):
        pr = str(item["secondary_id"])[len(prefix) :]
        if pr:
            targets.append(Target("review_app", pipeline, pr))
    return sorted(targets)
