"""How `local up` gets ready fast (issue 15, item 20), checked as mechanisms, never as times.

The emulator's start runs in a fresh interpreter (`START` below), as `local up`'s process would: the core
resources are made on moto's backends without one request to the server, moto's EC2 is not imported until
the network is made, and a request for a held service that arrives early waits for it and then sees it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ORCHESTRATOR = Path(sys.executable).parent / "orchestrator"

START = r"""
import json, sys, threading
from orchestrator.local.moto_patches import HELD_SERVICES
from orchestrator.local.resources import NETWORK_TAG, OwnResources
from orchestrator.local.server import MotoServer, ensure_local_credentials
from orchestrator.settings import configure, get_settings

facts = {}
ensure_local_credentials()
server = MotoServer.for_process(0)
configure(endpoint_url=server.start(hold=HELD_SERVICES))
resources = OwnResources()
routing = resources.provision_core()
dispatcher = server._server.app  # moto's dispatcher builds a service's app at the service's first request
facts["apps_after_core"] = sorted(dispatcher.app_instances)
facts["ec2_imported_after_core"] = "moto.ec2" in sys.modules
facts["ecs_imported_after_core"] = "moto.ecs" in sys.modules

import boto3
settings = get_settings()
ec2 = boto3.client("ec2", endpoint_url=settings.endpoint_url, region_name=settings.region)
early = {}
def ask_early():  # a command that needs the network, arriving before it exists
    found = ec2.describe_subnets(Filters=[{"Name": f"tag:{NETWORK_TAG}", "Values": ["tasks"]}])["Subnets"]
    early["subnets"] = sorted(s["SubnetId"] for s in found)
asker = threading.Thread(target=ask_early)
asker.start()
while "ec2" not in dispatcher.app_instances:  # the request has reached the server (and is held there)
    threading.Event().wait(0.01)
facts["answered_before_release"] = "subnets" in early
resources.provision_network()
server.release_held()
asker.join()
facts["early_answer"] = early["subnets"]
settings = get_settings()  # now with the network
facts["network"] = sorted(settings.subnets)

sqs = boto3.client("sqs", endpoint_url=settings.endpoint_url, region_name=settings.region)
facts["queues"] = sorted(sqs.list_queues()["QueueUrls"])
facts["routing_queues"] = sorted([q.queue_url for q in routing.queues] + [routing.dlq_url])
events = boto3.client("events", endpoint_url=settings.endpoint_url, region_name=settings.region)
facts["rule_targets"] = {
    r["Name"]: [t["Arn"] for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"]]
    for r in events.list_rules()["Rules"]
}
facts["queue_arns"] = sorted(
    sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for u in facts["queues"]
)
dynamodb = boto3.client("dynamodb", endpoint_url=settings.endpoint_url, region_name=settings.region)
table = dynamodb.describe_table(TableName=settings.table_name)["Table"]
facts["table"] = [table["KeySchema"], table["BillingModeSummary"]["BillingMode"]]
facts["ttl"] = dynamodb.describe_time_to_live(TableName=settings.table_name)["TimeToLiveDescription"]
s3 = boto3.client("s3", endpoint_url=settings.endpoint_url, region_name=settings.region)
facts["versioning"] = [s3.get_bucket_versioning(Bucket=b).get("Status") for b in (settings.artifacts_bucket, settings.bundle_bucket)]
s3.put_object(Bucket=settings.bundle_bucket, Key="bundles/probe.zip", Body=b"probe")  # EventBridge is on
bundles = next(q.queue_url for q in routing.queues if q.route.name == "bundles")
received = sqs.receive_message(QueueUrl=bundles, MaxNumberOfMessages=10)["Messages"]
facts["bundle_events"] = [json.loads(m["Body"])["detail"]["object"]["key"] for m in received]
elbv2 = boto3.client("elbv2", endpoint_url=settings.endpoint_url, region_name=settings.region)
listener = elbv2.describe_listeners(ListenerArns=[settings.listener_arn])["Listeners"][0]
facts["listener"] = [listener["Port"], listener["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"]]
ecs = boto3.client("ecs", endpoint_url=settings.endpoint_url, region_name=settings.region)
facts["cluster"] = [c["status"] for c in ecs.describe_clusters(clusters=[settings.cluster_name])["clusters"]]
print(json.dumps(facts))
"""


def _start() -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "ORCHESTRATOR_"))}
    done = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    facts: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return facts


def test_the_start_makes_no_request_and_holds_ec2_until_the_network_exists() -> None:
    facts = _start()
    # The core resources are Python calls on moto's backends: no service app was needed for them.
    assert facts["apps_after_core"] == []
    # moto's ECS imports all of its EC2 (seconds of JSON): neither is imported before the network is made.
    assert facts["ec2_imported_after_core"] is False
    assert facts["ecs_imported_after_core"] is False
    # A request for EC2 that arrived early waited, then saw the network the emulator made.
    assert facts["answered_before_release"] is False
    assert facts["early_answer"] == facts["network"]
    assert len(facts["network"]) == 2  # type: ignore[arg-type]


def test_the_start_makes_the_stack_resources() -> None:
    facts = _start()
    assert facts["queues"] == facts["routing_queues"]  # the URLs the dispatcher polls are the server's
    targets = facts["rule_targets"]
    assert isinstance(targets, dict)
    routed = {arn for name, arns in targets.items() for arn in arns if name.startswith("orchestrator-")}
    assert set(facts["queue_arns"]) - {a for a in facts["queue_arns"] if a.endswith(":orchestrator-dlq")} <= routed  # type: ignore[arg-type]
    assert any(name.endswith("-schedule") for name in targets)  # the certificates route's schedule
    assert any(arn.startswith("arn:aws:logs:") for arns in targets.values() for arn in arns)  # published events
    assert facts["table"] == [
        [{"AttributeName": "primary_id", "KeyType": "HASH"}, {"AttributeName": "secondary_id", "KeyType": "RANGE"}],
        "PAY_PER_REQUEST",
    ]
    assert facts["ttl"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}
    assert facts["versioning"] == ["Enabled", "Enabled"]
    assert facts["bundle_events"] == ["bundles/probe.zip"]  # an upload reaches the bundle route's queue
    assert facts["listener"] == [80, "404"]
    assert facts["cluster"] == ["ACTIVE"]


def test_an_emulator_that_cannot_start_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "ORCHESTRATOR_"))}
        done = subprocess.run(
            [str(ORCHESTRATOR), "local", "up", "--state-dir", str(tmp_path), "--port", str(port)],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    assert "the emulator exited with code 1" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Address already in use" in (tmp_path / "emulator.log").read_text()
    assert not (tmp_path / "state.json").exists()
