"""`ps`'s view of an app's processes: what runs now (`running.py`), the sizes and counts last applied, and,
when asked, what ECS and Application Auto Scaling report live. Read from the stored items as the
orchestrator wrote them, without pydantic (the items are not validated again on this read path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrator.adapters.store import Store
from orchestrator.parameters.names import ParameterKind, Target
from orchestrator.parameters.running import ROLLOUT_SK, running_app
from orchestrator.parameters.state import state_sk
from orchestrator.pipeline import keys
from orchestrator.pipeline.apps import AppRef
from orchestrator.pipeline.deploystatus_item import deploystatus_value
from orchestrator.pipeline.ecs_config_item import ecs_basics


@dataclass(frozen=True)
class ProcessView:
    """One process type, for `ps`."""

    name: str
    service: str
    command: str
    cpu: int
    memory: int
    min_processes: int
    max_processes: int
    task_definition: str | None
    state: str | None = None  # from DEPLOYSTATUS
    desired_count: int | None = None  # live, from ECS
    autoscaling: tuple[int, int] | None = None  # live (min, max), from Application Auto Scaling


def process_view_keys(app: str) -> list[tuple[str, str]]:
    """The items `processes` reads (a caller can fetch them in one BatchGetItem: `PrefetchedStore`)."""
    target, ref = Target.of_deployed(app), AppRef(app)
    return [
        (keys.app_pk(target.name), keys.CONFIG_ECS_SK), ref.deploystatus_key, (target.pk, keys.DEPLOYED_SK),
        (target.pk, ROLLOUT_SK), (target.pk, state_sk(ParameterKind.SCALING)),
    ]  # fmt: skip


def processes(app: str, *, live: bool = False, store: Store | None = None) -> list[ProcessView]:
    """The app's process types as deployed plus what scaling/config changes rolled out since. With `live`,
    also DescribeServices and DescribeScalableTargets. Empty before the first deploy (or when no stack
    declared the app)."""
    store = store or Store()
    target, ref = Target.of_deployed(app), AppRef(app)
    config = store.get(keys.app_pk(target.name), keys.CONFIG_ECS_SK)
    if config is None:
        return []
    cluster, default_cpu, default_memory = ecs_basics(config.get("value"))
    status = deploystatus_value(store.get(*ref.deploystatus_key))
    running = running_app(
        store.get(target.pk, keys.DEPLOYED_SK), store.get(target.pk, ROLLOUT_SK), status,
        service_name=ref.ecs_name, default_cpu=default_cpu, default_memory=default_memory,
    )  # fmt: skip
    if running is None:
        return []
    # The scaling last applied: what `parameters/scaling.py` validated and stored (ScalingSpec.to_json).
    applied = (store.get(target.pk, state_sk(ParameterKind.SCALING)) or {}).get("applied") or {}
    scaling: dict[str, Any] = (applied.get("desired") or {}).get("scaling") or {}
    deployed = {str(p.get("name")): p for p in (status or {}).get("processes") or [] if isinstance(p, dict)}
    services = [p.service for p in running.processes.values()]
    live_services, capacities = _live(cluster, services) if live else ({}, {})
    views = []
    for name, now in sorted(running.processes.items()):
        size, declared = scaling.get(name), deployed.get(name, {})
        low = int(size["min_processes"]) if size else _count(declared.get("min_processes"), 1)
        high = int(size["max_processes"]) if size else _count(declared.get("max_processes"), low)
        views.append(
            ProcessView(
                name=name, service=now.service, command=now.command, cpu=now.cpu, memory=now.memory,
                min_processes=low, max_processes=high, task_definition=now.task_definition,
                state=str(declared["state"]) if declared.get("state") else None,
                desired_count=live_services.get(now.service),
                autoscaling=capacities.get(now.service),
            )
        )  # fmt: skip
    return views


def _count(value: Any, default: int) -> int:
    return int(value) if value is not None else default


def _live(cluster: str, services: list[str]) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Each service's desired count (ECS) and autoscaling range (Application Auto Scaling), as they are now.
    The two calls are independent: they wait for their answers side by side."""
    from concurrent.futures import ThreadPoolExecutor

    from orchestrator.adapters.autoscaling import AutoScaling
    from orchestrator.adapters.clients import build_now
    from orchestrator.adapters.ecs import Ecs

    build_now("ecs", "application-autoscaling")
    with ThreadPoolExecutor(max_workers=2) as pool:
        described = pool.submit(Ecs().describe_services, cluster, services)
        capacities = pool.submit(AutoScaling().capacities, cluster, services)
        counts = {name: info.desired_count for name, info in described.result().items()}
        return counts, capacities.result()
