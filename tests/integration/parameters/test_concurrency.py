"""Two handlers racing on one parameter: the one that read an older value must not overwrite the newer one."""

from __future__ import annotations

from typing import Any

from orchestrator.adapters.parameters import Parameters, ParameterValue
from orchestrator.events.ssm import ParameterStoreChangeEvent
from orchestrator.parameters.changes import ParameterDeps, apply_parameter_change
from tests.integration.parameters.helpers import deploy, name_of, put, scalable_targets, services, state

V1 = {"web": {"cpu": 256, "memory": 512, "min_processes": 2, "max_processes": 2}}
V2 = {"web": {"cpu": 256, "memory": 512, "min_processes": 3, "max_processes": 6}}


class SlowReader(Parameters):
    """Reads the value, then, before the handler continues, a newer write lands and is fully handled."""

    def __init__(self, meanwhile: Any) -> None:
        self.meanwhile = meanwhile

    def get(self, name: str) -> ParameterValue | None:
        value = super().get(name)
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return value


def test_an_older_view_is_superseded_and_the_newer_write_stands(app: str) -> None:
    deploy(app)
    first = ParameterStoreChangeEvent.model_validate(put(name_of(app, "scaling"), V1))

    def newer_write_handled() -> None:
        second = ParameterStoreChangeEvent.model_validate(put(name_of(app, "scaling"), V2))
        assert apply_parameter_change(second).status == "applied"

    outcome = apply_parameter_change(first, ParameterDeps(parameters=SlowReader(newer_write_handled)))
    assert outcome.status == "superseded"
    assert services()["demo-web"]["desiredCount"] == 3
    assert scalable_targets() == {"service/orchestrator/demo-web": (3, 6)}
    assert state(app, "scaling")["applied"]["desired"]["scaling"]["web"]["max_processes"] == 6
