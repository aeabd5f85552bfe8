"""Property: a sequence of parameter writes whose events arrive duplicated, late and shuffled ends in the
ECS, Auto Scaling and EventBridge state of the LAST value written, and a second full redelivery changes
nothing at all."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.adapters.clients import client
from orchestrator.settings import configure
from tests.conftest import fresh_aws, recording_calls
from tests.integration.builders import declare_app
from tests.integration.parameters.helpers import (
    EVENTS_ROLE,
    config_name,
    delete,
    deliver,
    deploy,
    mutating_calls,
    name_of,
    put,
    rules,
    services,
    world,
)

SCALINGS = [
    {"web": {"cpu": 256, "memory": 512, "min_processes": 1, "max_processes": 1}},
    {"web": {"cpu": 512, "memory": 2048, "min_processes": 2, "max_processes": 5}, "worker": {"cpu": 256, "memory": 1024, "min_processes": 2, "max_processes": 2}},
    {"worker": {"cpu": 1024, "memory": 2048, "min_processes": 1, "max_processes": 3}},
    {"web": {"cpu": 1024, "memory": 3072, "min_processes": 3, "max_processes": 3}},
]  # fmt: skip
TASKS = [
    [],
    [{"schedule": "0 0 * * ? *", "command": "python manage.py clearsessions"}],
    [{"schedule": "0 0 * * ? *", "command": "true"}, {"schedule": "0/15 * * * ? *", "command": "echo 'a b'"}],
    [{"schedule": "0 3 ? * MON *", "command": "weekly --report"}],
]
VARS = ["A", "B", "C"]

write = st.one_of(
    st.tuples(st.just("scaling"), st.integers(0, len(SCALINGS) - 1)),
    st.tuples(st.just("tasks"), st.integers(0, len(TASKS) - 1)),
    st.tuples(st.just("config"), st.sampled_from(VARS)),
)


def comparable(app: str = "demo") -> dict[str, Any]:
    """world(), with desired counts of autoscaled services reduced to "within bounds" (their count is
    autoscaling's business and depends on history), and rule targets checked against the web revision."""
    state = world(app)
    web_td = services(app)["demo-web"]["taskDefinition"]
    assert all(td == web_td for rule in rules(app).values() for td, _ in rule["targets"])
    for name, service in state["services"].items():
        bounds = state["autoscaling"].get(f"service/orchestrator/{name}")
        if bounds is not None:
            assert bounds[0] <= service["desired"] <= bounds[1]
            service["desired"] = "autoscaled"
    return state


def apply_write(op: tuple[str, Any], present: set[str]) -> dict[str, Any]:
    kind, arg = op
    if kind == "scaling":
        return put(name_of("demo", "scaling"), SCALINGS[arg])
    if kind == "tasks":
        return put(name_of("demo", "scheduled-tasks"), TASKS[arg])
    if arg in present:
        present.discard(arg)
        return delete(config_name("demo", arg), "SecureString")
    present.add(arg)
    return put(config_name("demo", arg), f"value-{arg}", "SecureString")


def setup() -> None:
    configure(events_role_arn=EVENTS_ROLE)
    declare_app("demo")
    deploy("demo")


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(writes=st.lists(write, min_size=1, max_size=7), data=st.data())
def test_duplicated_and_reordered_events_end_in_the_last_written_state(
    writes: list[tuple[str, Any]], data: st.DataObject
) -> None:
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    shuffle = random.Random(seed)
    with fresh_aws():
        setup()
        present: set[str] = set()
        pending: list[dict[str, Any]] = []
        for op in writes:
            pending.append(apply_write(op, present))
            # Some events are delivered early (between writes), possibly more than once.
            early = [e for e in pending if shuffle.random() < 0.3]
            deliver(*early)
        late = pending + [dict(e, id=f"redelivered-{i}") for i, e in enumerate(pending) if shuffle.random() < 0.5]
        shuffle.shuffle(late)
        deliver(*late)
        final = comparable()
        last = {kind: arg for kind, arg in writes if kind != "config"}
        # A complete second redelivery (new event ids, so idempotency does not absorb it) changes nothing.
        with recording_calls() as calls:
            deliver(*[dict(e, id=f"again-{i}") for i, e in enumerate(pending)])
        assert mutating_calls(calls) == {}

    with fresh_aws():  # the reference: only the final values, each delivered once
        setup()
        events = []
        if "scaling" in last:
            events.append(put(name_of("demo", "scaling"), SCALINGS[last["scaling"]]))
        if "tasks" in last:
            events.append(put(name_of("demo", "scheduled-tasks"), TASKS[last["tasks"]]))
        for var in sorted(present):
            client("ssm").put_parameter(Name=config_name("demo", var), Value="x", Type="SecureString")
        if present:
            events.append(put(config_name("demo", sorted(present)[0]), "x", "SecureString"))
        deliver(*events)
        assert final == comparable()
