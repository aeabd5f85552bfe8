"""Each invocation starts with botocore's full retry quota (orchestrator/adapters/retry_quotas.py).

botocore's standard mode spends a per-client quota on retries and stops retrying once it is spent. A warm
Lambda container keeps its clients, so without a renewal one bad minute would leave the next invocations
with no SDK retry at all: the fault-injection run of `config-change` with seed 3380 failed that way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ReadTimeoutError

from orchestrator.adapters.clients import client
from orchestrator.adapters.retry_quotas import renew_retry_quotas, retry_quota
from orchestrator.handlers import parameters as parameters_handler
from orchestrator.local.faults import FaultInjector, FaultPlan, Outage
from orchestrator.settings import get_settings
from tests.conftest import load_sample
from tests.integration.pipeline.world import CONTEXT

KEY = {"primary_id": {"S": "APP#demo"}, "secondary_id": {"S": "nothing"}}


@pytest.fixture
def lost_reads() -> Iterator[FaultInjector]:
    """Every GetItem's response is lost (AWS executes it; the SDK sees a read timeout)."""
    with FaultInjector(FaultPlan(outages=(Outage("dynamodb", "GetItem", "lost_response", attempts=10_000),),
                                 only_in_handlers=False)) as injector:  # fmt: skip
        yield injector


def every_attempt() -> int:
    return get_settings().aws_max_attempts + 1  # the first, then botocore's `max_attempts` retries


def attempts_of_one_read(injector: FaultInjector) -> int:
    before = len(injector.calls("dynamodb", "GetItem"))
    with pytest.raises(ReadTimeoutError):
        client("dynamodb").get_item(TableName=get_settings().table_name, Key=KEY)
    return len(injector.calls("dynamodb", "GetItem")) - before


def drain(injector: FaultInjector) -> None:
    """Read until botocore gives up retrying: its quota is spent."""
    for _ in range(100):
        if attempts_of_one_read(injector) == 1:
            return
    raise AssertionError("botocore never stopped retrying")


@pytest.mark.usefixtures("aws")
def test_a_spent_quota_is_renewed(lost_reads: FaultInjector) -> None:
    full = attempts_of_one_read(lost_reads)
    assert full == every_attempt()
    drain(lost_reads)
    assert attempts_of_one_read(lost_reads) == 1  # spent: it stays spent
    renew_retry_quotas()
    assert attempts_of_one_read(lost_reads) == full


@pytest.mark.usefixtures("aws")
def test_every_handler_invocation_starts_with_the_full_quota(lost_reads: FaultInjector) -> None:
    drain(lost_reads)
    # Any invocation, even of an event the handler acknowledges without a call, renews it.
    parameters_handler.handler(load_sample("codebuild_build_state_change_succeeded.json"), CONTEXT)  # type: ignore[arg-type]
    assert attempts_of_one_read(lost_reads) == every_attempt()


@pytest.mark.usefixtures("aws")
def test_the_quota_is_found_on_every_client_the_orchestrator_builds() -> None:
    # botocore keeps it where no public API reaches: a botocore release that moves it fails here.
    for service in ("dynamodb", "ecs", "ssm", "s3", "events", "application-autoscaling", "elbv2"):
        assert retry_quota(client(service)) is not None, service
