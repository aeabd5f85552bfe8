"""Two places where moto behaves unlike AWS in a way the pipeline can see; the emulator corrects them
in its own process (the moto server runs in-process), leaving moto itself untouched on disk.

- ECS UpdateService with a new task definition starts a new deployment with a new id in AWS; moto keeps the
  old deployment and id unless forceNewDeployment is set. The pipeline maps deployment ids to builds.
- moto's Fargate RunTask fails on a missing ENI attribute (`private_dns_name`).
- A scheduled rule (no event pattern) matches every event in moto, then fails on its ECS target.
- CodeBuild numbers builds 1, 2, 3... per project; moto picks a random number.
- ECS RunTask and CreateService return the first call's result for a repeated `clientToken`; moto ignores
  the token and would start a second task (or fail on the existing service).
- A task stops by itself in moto after a few DescribeTasks; in AWS it stops when its command exits.
- Every SDK call to AWS travels over TLS, and the loopback endpoint stands in for AWS's HTTPS ones; moto
  does not know `aws:SecureTransport`, takes the unknown condition as met, and so a bucket policy's SSL-only
  Deny (the stacks' `enforce_ssl`) would refuse every request to the stacks' buckets.
- moto's DynamoDB loses writes made while another request's transaction is cancelled (`moto_dynamodb.py`).
- DescribeParameters' `LastModifiedUser` is the writer's IAM ARN in AWS; moto says "N/A" (releases and
  rollbacks record who asked from it).
"""

from __future__ import annotations

from typing import Any

from orchestrator.local.moto_dynamodb import requests_are_atomic as dynamodb_requests_are_atomic

_applied = False
_applied_to_held = False
# moto's services whose modules import all of moto's EC2 (ECS, SSM, Application Auto Scaling), or that need
# what ECS needs (ELBv2): their patches and resources come after `local up` is ready (`server.py` holds their
# requests until then). Names as moto's server calls its backends.
HELD_SERVICES = frozenset({"ecs", "ec2", "elbv2", "ssm", "applicationautoscaling"})


def apply() -> None:
    """Every patch: the ones of the services `local up` starts with, and those of `HELD_SERVICES`."""
    apply_to_started()
    apply_to_held()


def apply_to_started() -> None:
    """The patches of the services the emulator starts with (none of them imports moto's EC2)."""
    global _applied
    if _applied:
        return
    # moto's S3 → EventBridge notification carries a constant event `id` and `sequencer`; S3 sends a unique
    # id (Powertools idempotency keys on it) and an increasing sequencer per key (the bundle handler orders
    # uploads by it).
    import itertools

    from moto.codebuild.models import CodeBuildBackend
    from moto.moto_api._internal import mock_random
    from moto.s3 import notifications

    original_s3_event = notifications._send_event_bridge_message
    sequencers = itertools.count(1)

    def send_s3_event(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
        from moto.events.models import Rule

        original_send_to_targets = Rule.send_to_targets
        sequencer = f"{next(sequencers):016X}"

        def send_to_targets(self: Any, event: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            event = {**event, "id": str(mock_random.uuid4())}
            event["detail"] = {**event["detail"], "object": {**event["detail"]["object"], "sequencer": sequencer}}
            return original_send_to_targets(self, event, *args, **kwargs)  # type: ignore[arg-type]

        Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]
        try:
            original_s3_event(account_id, bucket, event_name, key)
        finally:
            Rule.send_to_targets = original_send_to_targets  # type: ignore[method-assign]

    notifications._send_event_bridge_message = send_s3_event

    original_start = CodeBuildBackend.start_build

    def start_build(self: Any, project_name: str, *args: Any, **kwargs: Any) -> Any:
        build = original_start(self, project_name, *args, **kwargs)
        build["buildNumber"] = len(self.build_history[project_name])
        return build

    scheduled_rules_match_no_event()
    dynamodb_requests_are_atomic()
    _requests_arrive_over_tls()
    CodeBuildBackend.start_build = start_build  # type: ignore[method-assign]
    # moto moves a task RUNNING → ... → STOPPED by itself, one state per DescribeTasks; in AWS (and so in the
    # emulator, whose simulator calls StopTask with the exit code) a task stops when its command exits.
    from moto.moto_api import state_manager

    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})
    _applied = True


def scheduled_rules_match_no_event() -> None:
    """A scheduled rule (ScheduleExpression, no EventPattern) never matches events in AWS; moto treats the
    missing pattern as match-all and then fails on the rule's ECS target. The tests' in-process moto needs
    this too (tests/conftest.py): any PutEvents after a scheduled task exists would fail there."""
    from moto.events.models import Rule

    if getattr(Rule.send_to_targets, "skips_scheduled_rules", False):
        return
    original_send = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if getattr(self, "scheduled_expression", None) and not getattr(self.event_pattern, "_pattern", None):
            return
        original_send(self, original_event, transform_input)

    send_to_targets.skips_scheduled_rules = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def apply_to_held() -> None:
    """The patches of `HELD_SERVICES`: importing them imports moto's EC2 (seconds of JSON decoding)."""
    global _applied_to_held
    if _applied_to_held:
        return
    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.moto_api._internal import mock_random

    original_update = EC2ContainerServiceBackend.update_service

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        cluster = service_properties.get("cluster", "default")
        service_name = str(service_properties.get("service", "")).split("/")[-1]
        new_definition = service_properties.get("task_definition")
        before = self._get_service(cluster, service_name).task_definition
        service = original_update(self, service_properties)
        if new_definition and service.task_definition != before and service.deployments:
            now = utcnow()
            service.deployments[0].update(
                {
                    "id": f"ecs-svc/{mock_random.randint(0, 32**12)}",
                    "taskDefinition": service.task_definition,
                    "createdAt": now,
                    "updatedAt": now,
                    "rolloutState": "IN_PROGRESS",
                }
            )
        return service

    # moto's ECS builds an awsvpc task's ENI attachment from `private_dns_name`, which its EC2
    # NetworkInterface only sets in VPCs with DNS hostnames: RunTask on Fargate would fail with a 500
    # elsewhere. The fallback must stay settable, since moto assigns it in DNS-enabled VPCs.
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    if not hasattr(NetworkInterface, "private_dns_name"):

        def get_private_dns_name(self: Any) -> str:
            explicit: str | None = self.__dict__.get("_private_dns_name")
            return explicit or f"ip-{str(self.private_ip_address).replace('.', '-')}.ec2.internal"

        def set_private_dns_name(self: Any, value: str) -> None:
            self.__dict__["_private_dns_name"] = value

        NetworkInterface.private_dns_name = property(get_private_dns_name, set_private_dns_name)  # type: ignore[assignment]

    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
    client_tokens_are_idempotent()
    _parameters_remember_their_writer()
    _applied_to_held = True


def _parameters_remember_their_writer() -> None:
    from moto.ssm.models import Parameter, ssm_backends
    from moto.ssm.responses import SimpleSystemManagerResponse
    from moto.sts.models import sts_backends

    original_put = SimpleSystemManagerResponse.put_parameter
    original_describe = Parameter.describe_response_object

    def put_parameter(self: Any) -> Any:
        result = original_put(self)
        sts = sts_backends[self.current_account][getattr(self, "partition", "aws")]
        _, arn, _ = sts.get_caller_identity(self.get_access_key(), self.region)
        stored = ssm_backends[self.current_account][self.region]._parameters
        versions = stored.get(stored.normalize_name(self._get_param("Name"))) or []
        if versions:
            versions[-1].last_modified_user = arn  # type: ignore[attr-defined]
        return result

    def describe_response_object(self: Any, *args: Any, **kwargs: Any) -> Any:
        found = original_describe(self, *args, **kwargs)
        found["LastModifiedUser"] = getattr(self, "last_modified_user", "N/A")
        return found

    SimpleSystemManagerResponse.put_parameter = put_parameter  # type: ignore[method-assign]
    Parameter.describe_response_object = describe_response_object  # type: ignore[method-assign]


def client_tokens_are_idempotent() -> None:
    """A repeated clientToken gets the first response again, as ECS does. The cache lives on the backend,
    so a reset moto (a new emulator run) forgets it. The tests' in-process moto needs it too (tests/conftest.py):
    the pipeline relies on RunTask's token, with no claim of its own. Idempotent."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    if getattr(EC2ContainerServiceResponse.run_task, "idempotent_tokens", False):
        return

    def idempotent(name: str) -> None:
        original = getattr(EC2ContainerServiceResponse, name)

        def call(self: Any) -> Any:
            token = self._get_param("clientToken")
            if not token:
                return original(self)
            cache: dict[tuple[str, str], Any] = self.ecs_backend.__dict__.setdefault("_client_tokens", {})
            if (name, token) not in cache:
                cache[(name, token)] = original(self)
            return cache[(name, token)]

        call.idempotent_tokens = True  # type: ignore[attr-defined]
        setattr(EC2ContainerServiceResponse, name, call)

    idempotent("run_task")
    idempotent("create_service")


def _plain_http_only(statement: dict[str, Any]) -> bool:
    """True for a statement that only applies to requests without TLS (`aws:SecureTransport` is false)."""
    condition = statement.get("Condition")
    return condition in ({"Bool": {"aws:SecureTransport": "false"}}, {"Bool": {"aws:SecureTransport": ["false"]}})


def _requests_arrive_over_tls() -> None:
    """Bucket policies are evaluated as for a request over TLS: statements for plain HTTP do not apply."""
    import json

    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return original(self, action, resource)
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        statements = [
            s for s in (statements if isinstance(statements, list) else [statements]) if not _plain_http_only(s)
        ]
        if not statements:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": statements})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def record_container_exit(region: str, cluster: str, task_arn: str, exit_code: int | None) -> None:
    """moto reports exitCode 0 for every container of a stopped task; the emulator, which ran the task's
    process, records the real one (None: the container never started), so DescribeTasks says what the STOPPED
    event says. The moto server runs in this process: its backend is at hand."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ecs.models import ecs_backends

    cluster_name = cluster.rsplit("/", 1)[-1]  # moto keys tasks by the cluster's name; an ARN works too
    task = ecs_backends[DEFAULT_ACCOUNT_ID][region].tasks.get(cluster_name, {}).get(task_arn)
    if task is None:
        return
    for container in task.containers:
        container.exitCode = exit_code  # type: ignore[assignment]  # moto types it int; AWS omits it
        container.last_status = "STOPPED"


def issue_certificate(region: str, arn: str) -> bool:
    """ACM issues a DNS-validated certificate once its validation record resolves; the emulator has no DNS,
    so it issues the certificate itself (moto would after a wall-clock wait). True when it is now ISSUED."""
    from moto.acm.models import acm_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    certificate = acm_backends[DEFAULT_ACCOUNT_ID][region]._certificates.get(arn)
    if certificate is None:
        return False
    if certificate.status == "PENDING_VALIDATION":
        certificate.status = "ISSUED"
    return certificate.status == "ISSUED"
