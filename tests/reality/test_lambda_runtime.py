"""Every handler, run as Lambda runs it: python3.12 -I -S with only the asset, the Powertools layer's locked
packages and the runtime's boto3, fed by the emulator's EventBridge -> SQS routing, writing to moto.

The happy path (build, release, deploy), a scaling change and a bundle upload reach every route's write
path; the records they leave are checked, and so is what each process imported, and from where.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.lambda_env import layer_lock, locked_versions, runtime_lock
from orchestrator.adapters.clients import client
from orchestrator.events.patterns import event_routes
from orchestrator.local.emulator import Emulator
from orchestrator.local.scenarios import ScenarioRunner, load_scenario
from orchestrator.local.server import FAKE_CREDENTIALS
from orchestrator.settings import get_settings
from tests.reality.conftest import LAYER_VERSION
from tests.reality.isolated_runtime import IsolatedRuntime
from tests.unit.bundles.zips import bundle_zip

pytestmark = pytest.mark.slow

LAMBDA_VARIABLES = {
    "POWERTOOLS_SERVICE_NAME": "orchestrator",
    "POWERTOOLS_METRICS_NAMESPACE": "orchestrator",
    "POWERTOOLS_TRACE_DISABLED": "1",  # no X-Ray daemon here; Lambda has one
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_REGION": "us-east-1",
}


def test_every_handler_runs_on_the_pinned_lambda_environment(
    python312: str, lambda_sys_path: list[Path], tmp_path: Path
) -> None:
    log_file = (tmp_path / "handlers.log").open("w")
    with Emulator(poll_all_queues=True) as emulator:  # S3 -> EventBridge events come from moto, not the bus
        settings = get_settings()
        runtime = IsolatedRuntime(
            python=python312,
            sys_path=lambda_sys_path,
            environment={**settings.as_environment(), **FAKE_CREDENTIALS, **LAMBDA_VARIABLES},
            log=log_file,
        )
        emulator.dispatcher.invoke = runtime.invoke
        try:
            result = ScenarioRunner(load_scenario("happy-path"), emulator).run()
            scaling = {"web": {"cpu": 512, "memory": 1024, "min_processes": 2, "max_processes": 2}}
            client("ssm").put_parameter(Name=f"/{settings.ssm_prefix}/apps/shop/scaling", Value=json.dumps(scaling),
                                        Type="String", Overwrite=True)  # fmt: skip
            client("s3").put_object(Bucket=settings.bundle_bucket, Key="bundles/hello.zip", Body=bundle_zip())
            # A custom domain: its certificate, issued by the emulator's ACM, reaches the certificates route.
            client("ssm").put_parameter(Name=f"/{settings.ssm_prefix}/apps/shop/domains", Value='["www.shop.example"]',
                                        Type="String", Overwrite=True)  # fmt: skip
            emulator.run_until_idle()
            web = client("ecs").describe_services(cluster=settings.cluster_name, services=["shop-web"])["services"][0]
            functions = [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
            dead = emulator.dead_letters()
        finally:
            runtime.close()
            log_file.close()

    failed = [i for i in runtime.invocations if not i["ok"]]
    assert failed == [], failed[0]["trace"] if failed else ""
    assert result.passed, result.failures
    assert dead == []
    assert web["desiredCount"] == 2  # the parameters handler applied the scaling change
    assert any(name.endswith("_main") for name in functions), functions  # the bundle handler deployed it

    ran = {i["route"] for i in runtime.invocations}
    assert ran == {r.name for r in event_routes(ssm_prefix=settings.ssm_prefix, bundle_bucket="b")}
    assert all(i["foreign"] == [] for i in runtime.invocations), runtime.invocations[0]["foreign"]
    versions = {json.dumps(i["versions"], sort_keys=True) for i in runtime.invocations}
    assert versions == {json.dumps({"boto3": locked_versions(runtime_lock())["boto3"],
                                    "pydantic": locked_versions(layer_lock(LAYER_VERSION))["pydantic"]},
                                   sort_keys=True)}  # fmt: skip
