"""The adapters the release pipeline uses, bundled so tests and the emulator can pass their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.adapters.artifacts import Artifacts
from orchestrator.adapters.ecs import Ecs
from orchestrator.adapters.event_bus import EventBus
from orchestrator.adapters.load_balancing import LoadBalancing
from orchestrator.adapters.ssm_names import SsmNames
from orchestrator.adapters.store import Store


@dataclass
class PipelineDeps:
    store: Store = field(default_factory=Store)
    artifacts: Artifacts = field(default_factory=Artifacts)
    ecs: Ecs = field(default_factory=Ecs)
    ssm: SsmNames = field(default_factory=SsmNames)
    load_balancing: LoadBalancing = field(default_factory=LoadBalancing)
    bus: EventBus = field(default_factory=EventBus)
